package omni

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// Config is the Omni surface's configuration.
type Config struct {
	// RequireHTTPS refuses plain-HTTP requests with the seed's 403.
	RequireHTTPS bool
	// TrustedProxies are the peers whose X-Forwarded-Proto is believed.
	TrustedProxies []netip.Prefix
	// Log receives internal errors; nil means slog.Default().
	Log *slog.Logger
}

// Handler serves the four order-status calls.
type Handler struct {
	protocol.Core
	cfg Config
}

// New returns the Omni handler.
func New(svc *service.Service, cfg Config) *Handler {
	return &Handler{Core: protocol.NewCore(svc, cfg.Log, hub.ChannelOmni), cfg: cfg}
}

// Protocol describes seed 001 to the registry (internal/protocol): a store
// POS with API keys prefixed oho_, acting as the store, with no settings of
// its own and nothing called back.
func Protocol() protocol.Protocol {
	return protocol.Protocol{
		Protocol:     service.Protocol{Channel: hub.ChannelOmni, Role: hub.RoleStore, Credential: store.CredAPIKey, KeyPrefix: "oho_"},
		PathPrefixes: []string{"/api/store/orders"},
		Routes: func(mux protocol.Mux, d protocol.Deps) {
			New(d.Service, Config{RequireHTTPS: d.RequireHTTPS, TrustedProxies: d.TrustedProxies, Log: d.Log}).Routes(mux)
		},
		Demo:    demoPartner,
		OpenAPI: openAPI,
	}
}

// DemoCredentials is the omni entry of demo-credentials.json (DESIGN.md §8).
type DemoCredentials struct {
	PartnerID string `json:"partner_id"`
	Token     string `json:"token"`
}

// demoPartner is the demo's POS, for every location.
func demoPartner(ctx context.Context, d *protocol.Demo) (*protocol.DemoPartner, error) {
	p := &hub.Partner{Protocol: hub.ChannelOmni, Name: "Store POS (Omni)"}
	return d.Partner(ctx, p, func(c *service.IssuedCredential, _ string) (*protocol.DemoPartner, error) {
		return &protocol.DemoPartner{Summary: "omni token (Authorization: token ...): " + c.APIKey,
			Credentials: DemoCredentials{PartnerID: strconv.FormatInt(p.ID, 10), Token: c.APIKey}}, nil
	})
}

//go:embed openapi.json
var openAPI []byte // this protocol's part of /openapi.json

// call is one of the four endpoints.
type call struct {
	name string // confirm, paid, complete, cancel
	path string
	// key is the body key the seed documents for the call.
	key         string
	title       string
	description string
}

var calls = []call{
	{"confirm", "/api/store/orders/confirm", "number", "Confirm Order", "Marks a new order as confirmed (status 1 → 10)."},
	{"paid", "/api/store/orders/paid", "order", "Paid Order", "Marks an order as paid (paymentStatus 1 → 2)."},
	{"complete", "/api/store/orders/complete", "order", "Complete Order", "Marks an order as complete (status 20) and paid (paymentStatus 2)."},
	{"cancel", "/api/store/orders/cancel", "order", "Cancel Order", "Cancels an order (status 30); this cannot be reversed."},
}

// Routes registers the four calls on mux. The paths are registered without
// a method so that OPTIONS and 405 answers carry the seed's headers.
func (h *Handler) Routes(mux protocol.Mux) {
	for _, c := range calls {
		mux.Handle(c.path, h.outer(c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.serveCall(w, r, c) })))
	}
}

// outer sets the seed's headers on every response and answers the HTTPS
// rule, OPTIONS and wrong methods before anything else runs.
func (h *Handler) outer(c call, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Type", "application/json")
		hd.Set("Vary", "Accept")
		hd.Set("Allow", "POST, OPTIONS")
		if h.cfg.RequireHTTPS && !httpx.IsHTTPS(r, h.cfg.TrustedProxies) {
			writeJSON(w, http.StatusForbidden, detail{"Please use https instead of http"})
			return
		}
		switch r.Method {
		case http.MethodPost:
			next.ServeHTTP(w, r)
		case http.MethodOptions:
			writeJSON(w, http.StatusOK, options{Name: c.title, Description: c.description,
				Renders: []string{"application/json"}, Parses: []string{"application/json"}})
		default:
			writeJSON(w, http.StatusMethodNotAllowed, detail{`Method "` + r.Method + `" not allowed.`})
		}
	})
}

// isHTTPS applies Config: TLS, or X-Forwarded-Proto from a trusted proxy.
func (h *Handler) isHTTPS(r *http.Request) bool { return httpx.IsHTTPS(r, h.cfg.TrustedProxies) }

// serveCall authenticates a POST of one call and runs it through the
// replay layer (Idempotency-Key, DESIGN.md §4): it sits inside the header,
// HTTPS and method layer, so replays carry the seed's headers too and
// plain-HTTP, wrong-method or unauthenticated requests are never recorded.
func (h *Handler) serveCall(w http.ResponseWriter, r *http.Request, c call) {
	ctx := r.Context()
	partner, err := h.authenticate(ctx, r)
	if err != nil {
		if hub.ErrorCode(err) == hub.CodeUnauthorized {
			w.Header().Set("WWW-Authenticate", "Token")
			writeJSON(w, http.StatusUnauthorized, detail{"Invalid token"})
			return
		}
		h.fail(w, r, c, c.key, err)
		return
	}
	h.Replay.Do(w, r, protocol.ReplayScope(partner), httpx.Key(r), httpx.Keep, h.idempotencyConflict,
		func(w http.ResponseWriter, r *http.Request) { h.run(w, r, c, partner) })
}

// run is one call by an authenticated partner.
func (h *Handler) run(w http.ResponseWriter, r *http.Request, c call, partner *hub.Partner) {
	ctx := r.Context()
	body, err := httpx.ReadBody(r)
	if hub.ErrorCode(err) == hub.CodeTooLarge {
		h.fail(w, r, c, c.key, err)
		return
	}
	key, ref, ferr := readRef(body, err, c)
	if ferr != nil {
		writeJSON(w, http.StatusBadRequest, ferr)
		return
	}
	scope := service.OrderScope{BrandID: partner.BrandID, Partner: partner}
	actor := h.Svc.Actor(partner)
	var o *hub.Order
	switch c.name {
	case "confirm":
		o, err = h.Svc.Transition(ctx, service.TransitionInput{Scope: scope, OrderRef: ref, Action: hub.ActionConfirm, Actor: actor})
	case "paid":
		o, err = h.Svc.MarkPaid(ctx, service.MarkPaidInput{Scope: scope, OrderRef: ref, Actor: actor})
	case "complete":
		o, err = h.Svc.Transition(ctx, service.TransitionInput{Scope: scope, OrderRef: ref, Action: hub.ActionComplete, Actor: actor, AlsoMarkPaid: true})
	case "cancel":
		o, err = h.Svc.Transition(ctx, service.TransitionInput{Scope: scope, OrderRef: ref, Action: hub.ActionCancel, Actor: actor})
	}
	if err != nil {
		h.fail(w, r, c, key, h.withStatus(ctx, err, scope, ref))
		return
	}
	cfg, err := h.Svc.Config(ctx)
	if err != nil {
		h.fail(w, r, c, key, err)
		return
	}
	brand, err := cfg.Brand(ctx, o.BrandID)
	if err != nil {
		h.fail(w, r, c, key, hub.Internal(err, "load brand %d of order %d", o.BrandID, o.ID))
		return
	}
	out := renderOrder(o, brand.Name)
	// The POS named the order by ref: its answer names it the same way
	// (DESIGN.md §10), whichever of the order's ids ref was.
	out.Number = ref
	writeJSON(w, http.StatusOK, out)
}

// authenticate reads "Authorization: token <key>".
func (h *Handler) authenticate(ctx context.Context, r *http.Request) (*hub.Partner, error) {
	// Anything but a token key is "": refused by the service, which
	// counts it against the address.
	key, _ := httpx.Credentials(r, "token")
	return h.Svc.AuthenticateAPIKey(ctx, hub.ChannelOmni, key)
}

// readRef decodes the body and returns the key the client named the order
// with and its value, or the field error to answer.
func readRef(body []byte, err error, c call) (string, string, *errorBody) {
	if err != nil {
		return "", "", parseError(hub.PublicMessage(err))
	}
	fields := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&fields); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return "", "", parseError("JSON parse error - expected a JSON object")
			}
			return "", "", parseError("JSON parse error - " + err.Error())
		}
		if _, err := dec.Token(); err != io.EOF {
			return "", "", parseError("JSON parse error - unexpected data after the JSON object")
		}
		if fields == nil { // the body was null
			return "", "", parseError("JSON parse error - expected a JSON object")
		}
	}
	key := c.key
	raw, ok := fields[key]
	if !ok {
		other := "order"
		if key == "order" {
			other = "number"
		}
		if raw, ok = fields[other]; ok {
			key = other
		}
	}
	if !ok {
		return key, "", fieldError(key, "required", "This field is required.")
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case string(raw) == "null":
		return key, "", fieldError(key, "null", "This field may not be null.")
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return key, "", fieldError(key, "invalid", "Not a valid string.")
		}
		if strings.TrimSpace(s) == "" {
			return key, "", fieldError(key, "blank", "This field may not be blank.")
		}
		return key, strings.TrimSpace(s), nil
	case len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9'):
		return key, string(raw), nil
	}
	return key, "", fieldError(key, "invalid", "Not a valid string.")
}

// withStatus adds the order's current status to a refused confirm, so that
// the message can say where the order stands. It only reads.
func (h *Handler) withStatus(ctx context.Context, err error, scope service.OrderScope, ref string) error {
	e := hub.AsError(err)
	if e.Code != hub.CodeConflict || e.Reason != hub.ReasonInvalidTransition {
		return err
	}
	if o, ferr := h.Svc.FindOrder(ctx, scope, ref); ferr == nil {
		return &statusConflict{err: e, status: o.Status}
	}
	return err
}

// statusConflict is a refused transition with the status it met.
type statusConflict struct {
	err    *hub.Error
	status hub.Status
}

func (s *statusConflict) Error() string { return s.err.Error() }
func (s *statusConflict) Unwrap() error { return s.err }

// fail renders an error from the service in the seed's envelopes.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, c call, key string, err error) {
	e := hub.AsError(err)
	switch e.Code {
	case hub.CodeNotFound:
		writeJSON(w, http.StatusBadRequest, fieldError(key, "invalid_order_number", "Order not found"))
		return
	case hub.CodeConflict:
		writeJSON(w, http.StatusBadRequest, conflictBody(c, key, err, e))
		return
	case hub.CodeInvalid:
		writeJSON(w, http.StatusBadRequest, fieldError(key, "invalid", hub.PublicMessage(e)))
		return
	case hub.CodeUnauthorized:
		w.Header().Set("WWW-Authenticate", "Token")
		writeJSON(w, http.StatusUnauthorized, detail{"Invalid token"})
		return
	case hub.CodeForbidden:
		writeJSON(w, http.StatusForbidden, detail{"You do not have permission to perform this action."})
		return
	case hub.CodeRateLimited:
		// Django REST framework's throttle answer, which the seed's
		// clients already know.
		secs := hub.RetryAfterSeconds(e)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeJSON(w, http.StatusTooManyRequests, detail{"Request was throttled. Expected available in " + strconv.Itoa(secs) + " seconds."})
		return
	case hub.CodeTooLarge:
		writeJSON(w, http.StatusRequestEntityTooLarge, detail{"Request body too large: " + hub.PublicMessage(e) + "."})
		return
	case hub.CodeUnavailable:
		h.Log.WarnContext(r.Context(), "omni: service unavailable", "call", c.name, "request_id", httpx.RequestID(r.Context()), "error", err)
		writeJSON(w, http.StatusServiceUnavailable, detail{"Service temporarily unavailable, try again later."})
		return
	}
	h.Log.ErrorContext(r.Context(), "omni: internal error", "call", c.name, "request_id", httpx.RequestID(r.Context()), "error", err)
	writeJSON(w, http.StatusInternalServerError, detail{"A server error occurred."})
}

// conflictBody maps a refused state change onto the seed's section C.
func conflictBody(c call, key string, err error, e *hub.Error) *errorBody {
	switch e.Reason {
	case hub.ReasonAmbiguousReference:
		return fieldError(key, "ambiguous_reference", hub.PublicMessage(e))
	case hub.ReasonAlreadyCompleted:
		return fieldError(key, "order_already_completed", "Order already completed")
	case hub.ReasonAlreadyCancelled:
		return fieldError(key, "order_already_canceled", "Order already canceled")
	case hub.ReasonAlreadyPaid:
		return fieldError(key, "already_paid", "Order already paid")
	case hub.ReasonAlreadyInStatus:
		// The order is already where the call leads (only confirm can meet
		// this: complete and cancel lead to final statuses, caught above).
		if c.name == "confirm" {
			return fieldError(key, "invalid_status", statusMessage(hub.StatusConfirmed))
		}
	case hub.ReasonInvalidTransition:
		var sc *statusConflict
		if errors.As(err, &sc) {
			return fieldError(key, "invalid_status", statusMessage(sc.status))
		}
	}
	return fieldError(key, "invalid_status", statusMessage(0))
}

// statusMessage says why an order in status s refuses the call.
func statusMessage(s hub.Status) string {
	if m := wordsOf(s).refusal; m != "" {
		return m
	}
	return "Order status does not allow this action"
}

// conflictCodes are the envelope's codes of the replay layer's refusals.
var conflictCodes = httpx.ConflictCodes{Mismatch: "idempotency_key_reused", InProgress: "request_in_progress",
	SecretShown: "idempotency_key_reused", BadKey: "invalid_idempotency_key",
	AnswerLost: "request_answer_lost"}

// idempotencyConflict renders the replay layer's refusals in the envelope.
func (h *Handler) idempotencyConflict(w http.ResponseWriter, r *http.Request, c httpx.Conflict) {
	writeJSON(w, c.Status(), fieldError("non_field_errors", conflictCodes.Of(c), c.Message()))
}
