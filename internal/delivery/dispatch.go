package delivery

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// DispatchOnce fans out one batch of undispatched events in one unit: for
// each event, one delivery per enabled webhook endpoint of its brand that
// subscribes to its type and one per partner of its brand whose protocol's
// formatter answers with a request; then the event is marked dispatched.
// It reports how many events it fanned out.
func (e *Engine) DispatchOnce(ctx context.Context) (int, error) {
	n := 0
	err := e.st.Update(ctx, func(tx store.Tx) error {
		n = 0
		if ok, err := tx.LockDispatch(ctx); err != nil || !ok {
			return err // another node is dispatching
		}
		evs, err := tx.ClaimUndispatchedEvents(ctx, e.cfg.DispatchBatch)
		if err != nil {
			return err
		}
		now := e.now()
		c := &brandCache{endpoints: map[int64][]store.WebhookEndpoint{}, partners: map[int64][]hub.Partner{}}
		ids := make([]int64, len(evs))
		for i := range evs {
			if err := e.fanOut(ctx, tx, c, &evs[i]); err != nil {
				return err
			}
			ids[i] = evs[i].ID
		}
		n = len(evs)
		return tx.MarkEventsDispatched(ctx, ids, now)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

type brandCache struct {
	endpoints map[int64][]store.WebhookEndpoint
	partners  map[int64][]hub.Partner
}

// cached is m[brandID], loaded once per dispatch batch.
func cached[V any](m map[int64]V, brandID int64, load func() (V, error)) (V, error) {
	if v, ok := m[brandID]; ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	m[brandID] = v
	return v, nil
}

func (e *Engine) fanOut(ctx context.Context, tx store.Tx, c *brandCache, ev *store.Event) error {
	eps, err := cached(c.endpoints, ev.BrandID, func() ([]store.WebhookEndpoint, error) {
		return tx.ListWebhookEndpoints(ctx, ev.BrandID)
	})
	if err != nil {
		return err
	}
	var body []byte
	for i := range eps {
		ep := &eps[i]
		if ep.Disabled || !ep.Wants(ev.Type) {
			continue
		}
		if body == nil {
			body = WebhookBody(ev)
		}
		d := &store.Delivery{EventID: ev.ID, EventType: ev.Type, BrandID: ev.BrandID, OrderID: ev.OrderID,
			Target: store.Target{Kind: store.TargetWebhook, ID: ep.ID}, URL: ep.URL, Method: http.MethodPost,
			ContentType: "application/json", Body: body, Signing: string(SignStandardWebhooks), Acceptance: string(Accept2xx)}
		if err := tx.CreateDelivery(ctx, d); err != nil {
			return err
		}
	}

	ps, err := cached(c.partners, ev.BrandID, func() ([]hub.Partner, error) {
		return tx.ListPartners(ctx, ev.BrandID)
	})
	if err != nil {
		return err
	}
	for i := range ps {
		p := &ps[i]
		if p.Disabled || p.BrandID != ev.BrandID {
			continue
		}
		f := e.formatter(p.Protocol)
		if f == nil {
			continue
		}
		out, err := f(ctx, tx, ev, p)
		if err != nil {
			// A formatter that fails must not hold every later event
			// back: skip this partner for this event, loudly.
			e.log.Error("formatter failed; event not sent to this partner", "event", ev.ID, "type", ev.Type,
				"partner", p.ID, "protocol", p.Protocol, "error", err)
			continue
		}
		if out == nil {
			continue
		}
		out = normalize(out)
		if u, err := url.Parse(out.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			e.log.Error("formatter gave no usable URL; event not sent to this partner", "event", ev.ID,
				"partner", p.ID, "protocol", p.Protocol, "url", out.URL)
			continue
		}
		d := &store.Delivery{EventID: ev.ID, EventType: ev.Type, BrandID: ev.BrandID, OrderID: ev.OrderID,
			Target: store.Target{Kind: store.TargetPartner, ID: p.ID}, URL: out.URL, Method: out.Method,
			ContentType: out.ContentType, Body: out.Body, Signing: string(out.Signing), Acceptance: string(out.Acceptance)}
		if err := tx.CreateDelivery(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// normalize fills an Outbound's defaults: POST, application/json,
// Standard Webhooks signing, any 2xx accepted.
func normalize(o *Outbound) *Outbound {
	c := *o
	if c.Method == "" {
		c.Method = http.MethodPost
	}
	if c.ContentType == "" {
		c.ContentType = "application/json"
	}
	if c.Signing == "" {
		c.Signing = SignStandardWebhooks
	}
	if c.Acceptance == "" {
		c.Acceptance = Accept2xx
	}
	if c.Body == nil {
		c.Body = []byte{}
	}
	return &c
}

// WebhookBody is the canonical JSON a generic webhook receives: the
// event's payload as the service wrote it ({"version":1,"type":...,
// "created_at":...,"data":{...}}) with the event's id added first.
func WebhookBody(ev *store.Event) []byte {
	p := bytes.TrimSpace(ev.Payload)
	if len(p) < 2 || p[0] != '{' {
		return append([]byte(nil), ev.Payload...)
	}
	inner := bytes.TrimSpace(p[1 : len(p)-1])
	var b bytes.Buffer
	b.WriteString(`{"id":`)
	b.WriteString(strconv.FormatInt(ev.ID, 10))
	if len(inner) > 0 {
		b.WriteByte(',')
		b.Write(inner)
	}
	b.WriteByte('}')
	return b.Bytes()
}
