package api

import (
	"net/http"
	"strconv"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// Generic webhook endpoints and the deliveries of the event engine
// (DESIGN.md §5, internal/delivery). An endpoint's secret is shown once: in
// the answer to its creation and to a rotation.

// endpointView is an endpoint as the API shows it.
type endpointView struct {
	*store.WebhookEndpoint
	// Status is enabled, failing (enabled, but no success since
	// failing_since) or disabled (see disabled_reason).
	Status string `json:"status"`
	Secret string `json:"secret,omitempty"`
}

func viewEndpoint(ep *store.WebhookEndpoint, secret string) endpointView {
	v := endpointView{WebhookEndpoint: ep, Status: "enabled", Secret: secret}
	switch {
	case ep.Disabled:
		v.Status = "disabled"
	case ep.FailingSince != nil:
		v.Status = "failing"
	}
	return v
}

type attemptView struct {
	store.DeliveryAttempt
	LatencyMS float64 `json:"latency_ms"`
}

type deliveryView struct {
	*store.Delivery
	WebhookID string  `json:"webhook_id,omitempty"`
	Body      *string `json:"body,omitempty"`
	// AttemptLog lists every attempt, oldest first (attempts counts those
	// of the current retry window).
	AttemptLog []attemptView `json:"attempt_log"`
}

// viewDeliveries adds each delivery's attempts.
func (h *Handler) viewDeliveries(r *http.Request, ds []store.Delivery, withBody bool) ([]deliveryView, error) {
	ids := make([]int64, len(ds))
	for i := range ds {
		ids[i] = ds[i].ID
	}
	as, err := h.svc.Store().ListDeliveryAttempts(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	byDelivery := map[int64][]attemptView{}
	for _, a := range as {
		byDelivery[a.DeliveryID] = append(byDelivery[a.DeliveryID], attemptView{DeliveryAttempt: a, LatencyMS: float64(a.Latency.Microseconds()) / 1000})
	}
	out := make([]deliveryView, len(ds))
	for i := range ds {
		d := &ds[i]
		out[i] = deliveryView{Delivery: d, AttemptLog: byDelivery[d.ID]}
		if out[i].AttemptLog == nil {
			out[i].AttemptLog = []attemptView{}
		}
		if d.Signing == string(delivery.SignStandardWebhooks) {
			out[i].WebhookID = delivery.MessageID(d.ID)
		}
		if withBody {
			b := string(d.Body)
			out[i].Body = &b
		}
	}
	return out, nil
}

func (h *Handler) listWebhookEndpoints(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	eps, err := brandRows(h, r, p, h.svc.Store().ListWebhookEndpoints)
	if err != nil {
		return err
	}
	res := page[endpointView]{Data: make([]endpointView, len(eps))}
	for i := range eps {
		res.Data[i] = viewEndpoint(&eps[i], "")
	}
	return ok(w, res)
}

func (h *Handler) createWebhookEndpoint(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	var in struct {
		BrandID    int64    `json:"brand_id"`
		URL        string   `json:"url"`
		EventTypes []string `json:"event_types"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	brandID, err := h.actingBrand(r, p, in.BrandID)
	if err != nil {
		return err
	}
	ep, secret, err := h.svc.CreateWebhookEndpoint(r.Context(), brandID, in.URL, in.EventTypes)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/hub/v1/webhook-endpoints/"+strconv.FormatInt(ep.ID, 10))
	httpx.MarkSecret(w)
	return created(w, viewEndpoint(ep, secret))
}

func (h *Handler) webhookEndpoint(r *http.Request, p *service.HubPrincipal) (*store.WebhookEndpoint, error) {
	return owned(r, p, "webhook endpoint", h.svc.Store().GetWebhookEndpoint, func(e *store.WebhookEndpoint) int64 { return e.BrandID })
}

func (h *Handler) patchWebhookEndpoint(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, ep *store.WebhookEndpoint) error {
	var in struct {
		URL        *string   `json:"url"`
		EventTypes *[]string `json:"event_types"`
		// Enabled true enables a disabled endpoint again; false disables it.
		Enabled *bool `json:"enabled"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	ep, err := h.svc.UpdateWebhookEndpoint(r.Context(), ep.ID,
		delivery.EndpointPatch{URL: in.URL, EventTypes: in.EventTypes, Enabled: in.Enabled})
	if err != nil {
		return err
	}
	return ok(w, viewEndpoint(ep, ""))
}

func (h *Handler) deleteWebhookEndpoint(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, ep *store.WebhookEndpoint) error {
	now := h.svc.Now()
	if err := h.svc.Store().Update(r.Context(), func(tx store.Tx) error { return tx.DeleteWebhookEndpoint(r.Context(), ep.ID, now) }); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) rotateWebhookSecret(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, ep *store.WebhookEndpoint) error {
	now := h.svc.Now()
	secret, err := delivery.RotateSecret(r.Context(), h.svc.Store(), ep.ID, now)
	if err != nil {
		return err
	}
	httpx.MarkSecret(w)
	return ok(w, map[string]any{"secret": secret, "previous_secret_expires_at": now.Add(delivery.RotationGrace).UTC().Truncate(time.Microsecond)})
}

func (h *Handler) testWebhookEndpoint(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, ep *store.WebhookEndpoint) error {
	d, err := delivery.SendTest(r.Context(), h.svc.Store(), ep.ID, h.svc.Now())
	if err != nil {
		return err
	}
	return h.queued(w, r, d)
}

// queued answers 202 with a delivery just queued (a test, a replay), as a
// listing shows it.
func (h *Handler) queued(w http.ResponseWriter, r *http.Request, d *store.Delivery) error {
	views, err := h.viewDeliveries(r, []store.Delivery{*d}, false)
	if err != nil {
		return err
	}
	return accepted(w, views[0])
}

func (h *Handler) replayDeadDeliveries(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, ep *store.WebhookEndpoint) error {
	n, err := delivery.ReplayDead(r.Context(), h.svc.Store(), store.Target{Kind: store.TargetWebhook, ID: ep.ID}, h.svc.Now())
	if err != nil {
		return err
	}
	return accepted(w, map[string]int{"replayed": n})
}

// deliveryPage lists deliveries by filter with ?status=, ?limit=, ?cursor=.
func (h *Handler) deliveryPage(w http.ResponseWriter, r *http.Request, f store.DeliveryFilter) error {
	switch s := store.DeliveryStatus(r.URL.Query().Get("status")); s {
	case "", store.DeliveryPending, store.DeliveryDelivered, store.DeliveryDead:
		f.Status = s
	default:
		return hub.Invalid("status", "must be pending, delivered or dead")
	}
	var err error
	if f.BeforeID, f.Limit, err = queryPage(r); err != nil {
		return err
	}
	ds, err := h.svc.Store().ListDeliveries(r.Context(), f)
	if err != nil {
		return err
	}
	views, err := h.viewDeliveries(r, ds, false)
	if err != nil {
		return err
	}
	res := page[deliveryView]{Data: views}
	if len(ds) == f.Limit {
		res.NextCursor = cursorAt(ds[len(ds)-1].ID)
	}
	return ok(w, res)
}

func (h *Handler) listEndpointDeliveries(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, ep *store.WebhookEndpoint) error {
	return h.deliveryPage(w, r, store.DeliveryFilter{BrandID: ep.BrandID, Target: store.Target{Kind: store.TargetWebhook, ID: ep.ID}})
}

func (h *Handler) listDeliveries(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	brandID, err := h.actingBrand(r, p, 0)
	if err != nil {
		return err
	}
	f := store.DeliveryFilter{BrandID: brandID}
	endpoint, err := queryInt(r, "endpoint_id")
	if err != nil {
		return err
	}
	partner, err := queryInt(r, "partner_id")
	if err != nil {
		return err
	}
	switch {
	case endpoint > 0 && partner > 0:
		return hub.Invalid("partner_id", "give endpoint_id or partner_id, not both")
	case endpoint > 0:
		f.Target = store.Target{Kind: store.TargetWebhook, ID: endpoint}
	case partner > 0:
		f.Target = store.Target{Kind: store.TargetPartner, ID: partner}
	}
	return h.deliveryPage(w, r, f)
}

func (h *Handler) delivery(r *http.Request, p *service.HubPrincipal) (*store.Delivery, error) {
	return owned(r, p, "delivery", h.svc.Store().GetDelivery, func(d *store.Delivery) int64 { return d.BrandID })
}

func (h *Handler) getDelivery(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, d *store.Delivery) error {
	views, err := h.viewDeliveries(r, []store.Delivery{*d}, true)
	if err != nil {
		return err
	}
	return ok(w, views[0])
}

func (h *Handler) replayDelivery(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, d *store.Delivery) error {
	d, err := delivery.Replay(r.Context(), h.svc.Store(), d.ID, h.svc.Now())
	if err != nil {
		return err
	}
	return h.queued(w, r, d)
}
