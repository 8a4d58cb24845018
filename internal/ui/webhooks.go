package ui

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// Webhook endpoints and the deliveries of the event engine (to endpoints
// and to partners' callbacks): their attempts, dead letters and replays,
// through internal/delivery as /hub/v1 does.

type endpointRow struct {
	ID     int64
	URL    string
	Types  string
	Status string // enabled, failing, disabled
	Note   string
	Dead   int
}

type attemptRow struct {
	At       string
	Status   string
	Latency  string
	Response string
	Error    string
}

type deliveryRow struct {
	ID       int64
	Event    string
	Target   string
	URL      string
	Status   string
	Attempts []attemptRow
	Error    string
	Created  string
	Dead     bool
}

type deadGroup struct {
	Label  string
	Action string
	Count  int
}

type webhooksView struct {
	*scope
	Endpoints  []endpointRow
	Deliveries []deliveryRow
	DeadGroups []deadGroup
	Filter     string
	Filters    []option
	Back       string
	EventTypes []string
}

// deliveryPage is how many deliveries the page shows.
const deliveryPage = 50

func (h *Handler) webhooksPage(w http.ResponseWriter, r *http.Request, s *session) {
	sc, v, ok := scopedPage(h, w, r, s, "webhooks", "Webhooks", false, func(sc *scope) webhooksView { return webhooksView{scope: sc} })
	if !ok {
		return
	}
	ctx := r.Context()
	st := store.DeliveryStatus(r.URL.Query().Get("status"))
	switch st {
	case "", store.DeliveryPending, store.DeliveryDelivered, store.DeliveryDead:
	default:
		h.renderError(w, r, s, http.StatusBadRequest, "Unknown delivery status.")
		return
	}
	v.Filter = string(st)
	for _, f := range []struct{ v, l string }{{"", "All"}, {"pending", "Pending"}, {"dead", "Dead"}, {"delivered", "Delivered"}} {
		v.Filters = append(v.Filters, option{Value: f.v, Label: f.l, Selected: f.v == v.Filter})
	}
	brand := strconv.FormatInt(sc.Brand.ID, 10)
	v.Back = "/ui/webhooks?brand=" + brand
	if st != "" {
		v.Back += "&status=" + string(st)
	}
	for _, t := range hub.EventTypes {
		v.EventTypes = append(v.EventTypes, string(t))
	}
	eps, err := h.svc.Store().ListWebhookEndpoints(ctx, sc.Brand.ID)
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	now := h.svc.Now()
	z := h.brandZone(sc)
	epIndex := map[int64]int{}
	for _, ep := range eps {
		row := endpointRow{ID: ep.ID, URL: ep.URL, Status: "enabled"}
		var types []string
		for _, t := range ep.EventTypes {
			types = append(types, string(t))
		}
		row.Types = strings.Join(types, ", ")
		switch {
		case ep.Disabled:
			row.Status, row.Note = "disabled", ep.DisabledReason
		case ep.FailingSince != nil:
			row.Status, row.Note = "failing", "failing since "+clock(*ep.FailingSince, now, z)
		case ep.LastSuccessAt != nil:
			row.Note = "last success " + ago(*ep.LastSuccessAt, now)
		}
		epIndex[ep.ID] = len(v.Endpoints)
		v.Endpoints = append(v.Endpoints, row)
	}
	// Dead letters by target, for "replay all".
	dead, err := h.svc.Store().ListDeliveries(ctx, store.DeliveryFilter{BrandID: sc.Brand.ID, Status: store.DeliveryDead, Limit: store.MaxPage})
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	partners, err := h.svc.Store().ListPartners(ctx, sc.Brand.ID)
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	partnerName := map[int64]string{}
	for _, p := range partners {
		partnerName[p.ID] = p.Name + " (" + string(p.Protocol) + ")"
	}
	targetLabel := func(t store.Target) string {
		if t.Kind == store.TargetWebhook {
			return "webhook " + strconv.FormatInt(t.ID, 10)
		}
		if n, ok := partnerName[t.ID]; ok {
			return "partner " + n
		}
		return "partner " + strconv.FormatInt(t.ID, 10)
	}
	groups := map[store.Target]int{}
	for _, d := range dead {
		if _, ok := groups[d.Target]; !ok {
			groups[d.Target] = len(v.DeadGroups)
			action := "/ui/webhooks/" + strconv.FormatInt(d.Target.ID, 10) + "/replay-dead"
			if d.Target.Kind == store.TargetPartner {
				action = "/ui/partners/" + strconv.FormatInt(d.Target.ID, 10) + "/replay-dead"
			}
			v.DeadGroups = append(v.DeadGroups, deadGroup{Label: targetLabel(d.Target), Action: action})
		}
		v.DeadGroups[groups[d.Target]].Count++
		if d.Target.Kind == store.TargetWebhook {
			if i, ok := epIndex[d.Target.ID]; ok {
				v.Endpoints[i].Dead++
			}
		}
	}

	ds, err := h.svc.Store().ListDeliveries(ctx, store.DeliveryFilter{BrandID: sc.Brand.ID, Status: st, Limit: deliveryPage})
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	ids := make([]int64, len(ds))
	for i := range ds {
		ids[i] = ds[i].ID
	}
	as, err := h.svc.Store().ListDeliveryAttempts(ctx, ids)
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	byDelivery := map[int64][]attemptRow{}
	for _, a := range as {
		row := attemptRow{At: clock(a.At, now, z), Status: "no answer", Latency: strconv.FormatInt(a.Latency.Milliseconds(), 10) + " ms",
			Response: snippet(a.Response, 120), Error: a.Error}
		if a.StatusCode != 0 {
			row.Status = strconv.Itoa(a.StatusCode)
		}
		byDelivery[a.DeliveryID] = append(byDelivery[a.DeliveryID], row)
	}
	for _, d := range ds {
		v.Deliveries = append(v.Deliveries, deliveryRow{ID: d.ID, Event: string(d.EventType), Target: targetLabel(d.Target), URL: d.URL,
			Status: string(d.Status), Attempts: byDelivery[d.ID], Error: d.LastError, Created: clock(d.CreatedAt, now, z),
			Dead: d.Status == store.DeliveryDead})
	}
	h.render(w, r, s, http.StatusOK, "webhooks", "Webhooks · "+sc.Brand.Name, v)
}

// snippet is the start of an answer, at most n characters.
func snippet(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// createEndpoint is POST /ui/webhooks: the endpoint's secret is shown once.
func (h *Handler) createEndpoint(w http.ResponseWriter, r *http.Request, s *session) {
	back := safeBack(r.PostForm.Get("back"), "/ui/webhooks")
	brandID, err := strconv.ParseInt(r.PostForm.Get("brand"), 10, 64)
	if err != nil || brandID <= 0 {
		h.finish(w, r, back, hub.Invalid("brand", "pick a brand"), "")
		return
	}
	if _, err := h.svc.Store().GetBrand(r.Context(), brandID); err != nil {
		h.finish(w, r, back, err, "")
		return
	}
	ep, secret, err := h.svc.CreateWebhookEndpoint(r.Context(), brandID, r.PostForm.Get("url"), r.PostForm["event_type"])
	if err != nil {
		h.finish(w, r, back, err, "")
		return
	}
	h.showSecrets(w, r, s, secretView{Title: "Webhook endpoint created", Partner: ep.URL, Back: back,
		Items: []secretItem{{"Endpoint", strconv.FormatInt(ep.ID, 10)}, {"Signing secret", secret}},
		Note:  "Shown once: the receiver checks the Standard Webhooks signature with it."})
}

// postEndpoint is the endpoint of a POST's {id}.
func (h *Handler) postEndpoint(w http.ResponseWriter, r *http.Request, s *session) (*store.WebhookEndpoint, string, bool) {
	return postRow(h, w, r, s, "webhook endpoint", h.svc.Store().GetWebhookEndpoint,
		func(ep *store.WebhookEndpoint) int64 { return ep.BrandID }, "/ui/webhooks")
}

// testEndpoint is POST /ui/webhooks/{id}/test: a webhook.test delivery.
func (h *Handler) testEndpoint(w http.ResponseWriter, r *http.Request, s *session) {
	ep, back, ok := h.postEndpoint(w, r, s)
	if !ok {
		return
	}
	d, err := delivery.SendTest(r.Context(), h.svc.Store(), ep.ID, h.svc.Now())
	done := ""
	if d != nil {
		done = "Test event queued as delivery " + strconv.FormatInt(d.ID, 10) + "."
	}
	h.finish(w, r, back, err, done)
}

// replayEndpointDead is POST /ui/webhooks/{id}/replay-dead.
func (h *Handler) replayEndpointDead(w http.ResponseWriter, r *http.Request, s *session) {
	ep, back, ok := h.postEndpoint(w, r, s)
	if !ok {
		return
	}
	n, err := delivery.ReplayDead(r.Context(), h.svc.Store(), store.Target{Kind: store.TargetWebhook, ID: ep.ID}, h.svc.Now())
	h.finish(w, r, back, err, strconv.Itoa(n)+" dead deliveries queued again.")
}

// replayPartnerDead is POST /ui/partners/{id}/replay-dead.
func (h *Handler) replayPartnerDead(w http.ResponseWriter, r *http.Request, s *session) {
	p, _, ok := h.postPartner(w, r, s)
	if !ok {
		return
	}
	back := safeBack(r.PostForm.Get("back"), "/ui/webhooks?brand="+strconv.FormatInt(p.BrandID, 10))
	n, err := delivery.ReplayDead(r.Context(), h.svc.Store(), store.Target{Kind: store.TargetPartner, ID: p.ID}, h.svc.Now())
	h.finish(w, r, back, err, strconv.Itoa(n)+" dead deliveries to "+p.Name+" queued again.")
}

// replayDelivery is POST /ui/deliveries/{id}/replay.
func (h *Handler) replayDelivery(w http.ResponseWriter, r *http.Request, s *session) {
	back := safeBack(r.PostForm.Get("back"), "/ui/webhooks")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.finish(w, r, back, hub.NotFound("there is no such delivery"), "")
		return
	}
	d, err := delivery.Replay(r.Context(), h.svc.Store(), id, h.svc.Now())
	done := ""
	if d != nil {
		done = "Delivery " + strconv.FormatInt(d.ID, 10) + " queued again."
	}
	h.finish(w, r, back, err, done)
}
