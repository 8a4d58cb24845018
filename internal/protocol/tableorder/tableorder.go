package tableorder

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// DefaultTokenTTL is how long an access token from /v1/auth/login lives.
const DefaultTokenTTL = time.Hour

// Config is the QR surface's configuration.
type Config struct {
	// TokenTTL is the access token lifetime (DefaultTokenTTL when zero).
	TokenTTL time.Duration
	// Log receives internal errors; nil means slog.Default().
	Log *slog.Logger
}

// Handler serves the QR scan-to-order API.
type Handler struct {
	protocol.TokenCore
}

// New returns the handler.
func New(svc *service.Service, cfg Config) *Handler {
	return &Handler{TokenCore: protocol.NewTokenCore(svc, cfg.Log, hub.ChannelTableOrder, cfg.TokenTTL, DefaultTokenTTL)}
}

// Protocol describes seed 004 to the registry (internal/protocol): an
// ordering channel with OAuth2 client credentials, each partner bound to
// exactly one location (the service refuses any other scope when the
// partner is saved; hub.Partner.SoleLocation at use), with no settings of
// its own.
func Protocol() protocol.Protocol {
	return protocol.Protocol{
		Protocol: service.Protocol{Channel: hub.ChannelTableOrder, Role: hub.RoleCustomer, Credential: store.CredClient,
			OneLocation: true},
		PathPrefixes: []string{"/v1"},
		Routes:       func(mux protocol.Mux, d protocol.Deps) { New(d.Service, Config{Log: d.Log}).Routes(mux) },
		Demo:         demoPartner,
		OpenAPI:      openAPI,
	}
}

// DemoCredentials is the tableorder entry of demo-credentials.json
// (DESIGN.md §8).
type DemoCredentials struct {
	PartnerID    string `json:"partner_id"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	LocationID   int64  `json:"location_id"`
}

// demoPartner is the demo's QR client, at the first location.
func demoPartner(ctx context.Context, d *protocol.Demo) (*protocol.DemoPartner, error) {
	loc := d.Locations[0].ID
	p := &hub.Partner{Protocol: hub.ChannelTableOrder, Name: "QR table ordering", LocationIDs: []int64{loc}}
	return d.Partner(ctx, p, func(c *service.IssuedCredential, _ string) (*protocol.DemoPartner, error) {
		return &protocol.DemoPartner{Summary: "tableorder client: " + c.ClientID + " / " + c.ClientSecret + " (location " + strconv.FormatInt(loc, 10) + ")",
			Credentials: DemoCredentials{PartnerID: strconv.FormatInt(p.ID, 10), ClientID: c.ClientID, ClientSecret: c.ClientSecret, LocationID: loc}}, nil
	})
}

//go:embed openapi.json
var openAPI []byte // this protocol's part of /openapi.json

// Routes registers the two calls.
func (h *Handler) Routes(mux protocol.Mux) {
	// The token endpoint is not behind httpx.Idempotency: a recorded answer
	// would keep an access token in clear, and asking again is harmless.
	mux.HandleFunc("POST /v1/auth/login", h.login)
	mux.HandleFunc("POST /v1/items", h.addItems)
	// Any other method: 405 with Allow: POST, in each path's own envelope.
	mux.HandleFunc("/v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		h.oauthFail(w, http.StatusMethodNotAllowed, "invalid_request", "method "+r.Method+" not allowed")
	})
	mux.HandleFunc("/v1/items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		httpx.WriteJSON(w, http.StatusMethodNotAllowed, errorBody{errorDetail{Code: "method_not_allowed", Message: "method " + r.Method + " not allowed"}})
	})
}

// addItems is POST /v1/items.
func (h *Handler) addItems(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	partner, err := h.authenticate(ctx, r)
	if err != nil {
		if hub.ErrorCode(err) == hub.CodeUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="orderhub", error="invalid_token"`)
		}
		h.fail(w, r, nil, err, false)
		return
	}
	locationID, err := partner.SoleLocation()
	if err != nil {
		h.fail(w, r, nil, err, false)
		return
	}
	body, err := httpx.ReadBody(r)
	if err != nil {
		h.fail(w, r, nil, err, false)
		return
	}
	req, err := parseRequest(body)
	if err != nil {
		h.fail(w, r, nil, err, false)
		return
	}
	typ, ok := hub.ParseOrderType(req.Type)
	if !ok {
		h.fail(w, r, req, hub.Invalid("type", "must be DINE_IN, PICK_UP or DELIVERY"), false)
		return
	}
	ls, err := lines(req, h.catalog(ctx, partner.BrandID))
	if err != nil {
		h.fail(w, r, req, err, false)
		return
	}
	sum := sha256.Sum256(req.canonical)
	key, hash := idempotencyKey(req), hex.EncodeToString(sum[:])
	// An Idempotency-Key header, when sent, is the key (scoped per
	// partner) instead of unique_code or id; the order is the record.
	ticket, conflict := h.Replay.Ticket(r, body, protocol.ReplayScope(partner), httpx.Key(r))
	if conflict != 0 {
		h.idempotencyConflict(w, r, conflict)
		return
	}
	if ticket.Key != "" {
		key, hash = ticket.Key, ticket.Hash
	}
	in := service.PlaceOrderInput{
		BrandID: partner.BrandID, LocationID: locationID, Partner: partner, Channel: hub.ChannelTableOrder,
		ExternalRef: req.ID, IdempotencyKey: key, RequestHash: hash,
		Type: typ, Lines: ls, Currency: req.currency,
		Actor: service.PartnerActor(partner),
	}
	if req.UniqueCode != "" {
		in.Attributes = map[string]any{"unique_code": req.UniqueCode}
	}
	res, err := h.Svc.PlaceOrder(ctx, in)
	if err != nil {
		if c := httpx.ConflictOf(err); c != 0 && ticket.Key != "" {
			h.idempotencyConflict(w, r, c)
			return
		}
		h.fail(w, r, req, err, true)
		return
	}
	httpx.MarkReplayed(w, res.Replayed && ticket.Key != "")
	w.WriteHeader(http.StatusNoContent)
}

// idempotencyKey: unique_code when sent, else the order id, so that a
// retry of the seed's examples (which carry no unique_code) is safe too.
func idempotencyKey(req *request) string {
	if req.UniqueCode != "" {
		return "uc:" + req.UniqueCode
	}
	return "id:" + req.ID
}

// authenticate reads "Authorization: Bearer <access token>".
func (h *Handler) authenticate(ctx context.Context, r *http.Request) (*hub.Partner, error) {
	// Anything but a Bearer token is "": refused by the service, which
	// counts it against the address.
	token, _ := httpx.Credentials(r, "Bearer")
	p, err := h.Svc.AuthenticateAccessToken(ctx, hub.ChannelTableOrder, token)
	switch {
	case err != nil && hub.ErrorCode(err) == hub.CodeUnauthorized && token == "":
		return nil, &hub.Error{Code: hub.CodeUnauthorized, Message: "a Bearer access token from /v1/auth/login is required"}
	case err != nil && hub.ErrorCode(err) == hub.CodeUnauthorized:
		return nil, &hub.Error{Code: hub.CodeUnauthorized, Message: "the access token is invalid or expired"}
	}
	return p, err
}

// errorBody is the one error envelope of /v1/items:
// {"error": {"code", "message", "path"}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`
}

// codeOf is the envelope's code of each error code without a rule of its
// own ("internal" for the rest).
var codeOf = map[hub.Code]string{
	hub.CodeNotFound:     "not_found",
	hub.CodeConflict:     "conflict",
	hub.CodeUnauthorized: "invalid_token",
	hub.CodeForbidden:    "forbidden",
	hub.CodeUnavailable:  "unavailable",
	hub.CodeRateLimited:  "rate_limited",
	hub.CodeTooLarge:     "too_large",
}

// fail renders an error: errors found while parsing (req nil, or the
// type) are 400; invalid input against the catalog is 422, not found 404,
// conflicts 409. fromService says the error's field is the service's
// (built from the paths it was given), to be turned back into a body path.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, req *request, err error, fromService bool) {
	e := hub.AsError(err)
	status, code := httpx.StatusOf(e.Code), "internal"
	path := e.Field
	if fromService {
		path = wirePath(e.Field, req)
	}
	if c, ok := codeOf[e.Code]; ok {
		code = c
	}
	switch e.Code {
	case hub.CodeInvalid:
		status, code = http.StatusUnprocessableEntity, "invalid"
		if req == nil || e.Field == "type" {
			status, code = http.StatusBadRequest, "invalid_request"
		}
		if fromService && e.Reason == hub.ReasonInvalidOption && strings.HasSuffix(path, "]") {
			path += ".id"
		}
		if e.Field == "currency" {
			code = "currency_mismatch"
		}
	case hub.CodeRateLimited:
		w.Header().Set("Retry-After", strconv.Itoa(hub.RetryAfterSeconds(e)))
	}
	if e.Reason != hub.ReasonNone && e.Code != hub.CodeUnauthorized {
		code = string(e.Reason)
	}
	if e.Code == hub.CodeConflict && (e.Reason == hub.ReasonDuplicateOrder || e.Reason == hub.ReasonIdempotencyReuse) {
		path = "id"
		if e.Reason == hub.ReasonIdempotencyReuse && req != nil && req.UniqueCode != "" {
			path = "unique_code"
		}
	}
	msg := hub.PublicMessage(e)
	if status == http.StatusInternalServerError {
		h.Log.ErrorContext(r.Context(), "tableorder: internal error", "request_id", httpx.RequestID(r.Context()), "error", err)
	} else if status == http.StatusServiceUnavailable {
		h.Log.WarnContext(r.Context(), "tableorder: unavailable", "request_id", httpx.RequestID(r.Context()), "error", err)
	}
	httpx.WriteJSON(w, status, errorBody{errorDetail{Code: code, Message: msg, Path: path}})
}

// conflictCodes are the envelope's codes of the replay layer's refusals.
var conflictCodes = httpx.ConflictCodes{Mismatch: "idempotency_key_reused", InProgress: "request_in_progress",
	SecretShown: "idempotency_key_reused", BadKey: "invalid_request",
	AnswerLost: "request_answer_lost"}

// idempotencyConflict renders the replay layer's refusals (the
// Idempotency-Key header) in the envelope.
func (h *Handler) idempotencyConflict(w http.ResponseWriter, r *http.Request, c httpx.Conflict) {
	httpx.WriteJSON(w, c.Status(), errorBody{errorDetail{Code: conflictCodes.Of(c), Message: c.Message(), Path: "Idempotency-Key"}})
}
