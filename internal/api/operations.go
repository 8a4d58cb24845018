package api

import (
	"net/http"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
)

// Store operations (DESIGN.md §9):
//
//	POST /hub/v1/locations/{id}/snooze    {"products": [id | ref id | SKU...], "until": RFC 3339 | null, "reason"}
//	POST /hub/v1/locations/{id}/unsnooze  {"products": [...]}
//	GET  /hub/v1/locations/{id}/snoozes   what is snoozed now
//	GET  /hub/v1/locations/{id}/status    the status in force now (past its until: online)
//	PUT  /hub/v1/locations/{id}/status    {"mode": online | busy | paused, "extra_prep_minutes", "until", "reason"}
//
// The snooze calls answer the location's snoozes in force after the
// change; prep_minutes and accept are location settings (PATCH the
// location).

type snoozeRequest struct {
	Products []ref     `json:"products"`
	Until    *wireTime `json:"until"`
	Reason   string    `json:"reason"`
}

type unsnoozeRequest struct {
	Products []ref `json:"products"`
}

// wireTime is an RFC 3339 time whose parse error names its field, until
// (an order's scheduled_for is a scheduleTime).
type wireTime struct{ time.Time }

func (t *wireTime) UnmarshalJSON(b []byte) error { return parseWireTime(&t.Time, b, "until") }

func (t *wireTime) ptr() *time.Time {
	if t == nil {
		return nil
	}
	return &t.Time
}

// scheduleTime is the RFC 3339 scheduled_for of an order.
type scheduleTime struct{ time.Time }

func (t *scheduleTime) UnmarshalJSON(b []byte) error {
	return parseWireTime(&t.Time, b, "scheduled_for")
}

func (t *scheduleTime) ptr() *time.Time {
	if t == nil {
		return nil
	}
	return &t.Time
}

// parseWireTime reads an RFC 3339 time into t; its error names field.
func parseWireTime(t *time.Time, b []byte, field string) error {
	if err := t.UnmarshalJSON(b); err != nil {
		return hub.Invalid(field, "must be an RFC 3339 time such as 2026-12-01T18:00:00+09:00, or null")
	}
	return nil
}

// snoozedProduct is one product a location has snoozed.
type snoozeList struct {
	LocationID int64                    `json:"location_id"`
	Data       []service.SnoozedProduct `json:"data"`
}

func refs(in []ref) []string {
	out := make([]string, len(in))
	for i, r := range in {
		out[i] = string(r)
	}
	return out
}

func (h *Handler) snooze(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	var req snoozeRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	return h.changeSnoozes(w, r, p, true, req)
}

func (h *Handler) unsnooze(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	var req unsnoozeRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	return h.changeSnoozes(w, r, p, false, snoozeRequest{Products: req.Products})
}

// changeSnoozes snoozes (on) or unsnoozes the products of the path's
// location and answers its snoozes after the change.
func (h *Handler) changeSnoozes(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, on bool, req snoozeRequest) error {
	l, err := h.location(r, p)
	if err != nil {
		return err
	}
	in := service.SnoozeInput{BrandID: l.BrandID, LocationID: l.ID, Products: refs(req.Products),
		Until: req.Until.ptr(), Reason: req.Reason, Actor: h.actor(p).Name}
	change := h.svc.Unsnooze
	if on {
		change = h.svc.Snooze
	}
	res, err := change(r.Context(), in)
	if err != nil {
		return err
	}
	return h.writeSnoozes(w, r, res.Location)
}

func (h *Handler) listSnoozes(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, l *hub.Location) error {
	return h.writeSnoozes(w, r, l)
}

// writeSnoozes answers the location's snoozes in force, by product id.
func (h *Handler) writeSnoozes(w http.ResponseWriter, r *http.Request, l *hub.Location) error {
	data, err := h.svc.SnoozedProducts(r.Context(), l)
	if err != nil {
		return err
	}
	return ok(w, snoozeList{LocationID: l.ID, Data: data})
}

type statusRequest struct {
	Mode             hub.LocationMode `json:"mode"`
	ExtraPrepMinutes int              `json:"extra_prep_minutes"`
	Until            *wireTime        `json:"until"`
	Reason           string           `json:"reason"`
}

func (h *Handler) getStatus(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, l *hub.Location) error {
	return ok(w, l.StatusAt(h.svc.Now()))
}

func (h *Handler) putStatus(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, l *hub.Location) error {
	var req statusRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Mode == "" {
		return hub.Invalid("mode", "is required: online, busy or paused")
	}
	l, err := h.svc.SetLocationStatus(r.Context(), service.StatusInput{BrandID: l.BrandID, LocationID: l.ID, Actor: h.actor(p).Name,
		Status: hub.LocationStatus{Mode: req.Mode, ExtraPrepMinutes: req.ExtraPrepMinutes, Until: req.Until.ptr(), Reason: req.Reason}})
	if err != nil {
		return err
	}
	return ok(w, l.Status)
}
