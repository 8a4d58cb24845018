package kakao

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// DefaultLang is the language of names when the bot does not ask for one.
const DefaultLang = "ko"

// Config is the chatbot surface's configuration.
type Config struct {
	// Log receives internal errors; nil means slog.Default().
	Log *slog.Logger
}

// Handler serves the bot and POS calls of seed 000.
type Handler struct {
	protocol.Core
}

// New returns the handler.
func New(svc *service.Service, cfg Config) *Handler {
	return &Handler{Core: protocol.NewCore(svc, cfg.Log, hub.ChannelKakao)}
}

// Protocol describes seed 000 to the registry (internal/protocol): API keys
// prefixed ohk_, a callback secret for the bot notifications, the
// kakao_role setting, the bot's and the POS's paths.
func Protocol() protocol.Protocol {
	return protocol.Protocol{
		Protocol: service.Protocol{
			Channel: hub.ChannelKakao, Role: hub.RoleCustomer, Credential: store.CredAPIKey, KeyPrefix: "ohk_",
			CallbackSecret: true, Settings: checkSettings, CredentialRole: credentialRole,
		},
		PathPrefixes: []string{"/api/v1/stores", "/api/v1/cancel", "/api/kakao"},
		Routes:       func(mux protocol.Mux, d protocol.Deps) { New(d.Service, Config{Log: d.Log}).Routes(mux) },
		Formatter:    Formatter,
		Demo:         demoPartner,
		OpenAPI:      openAPI,
	}
}

//go:embed openapi.json
var openAPI []byte // this protocol's part of /openapi.json

// DemoCredentials is the kakao entry of demo-credentials.json (DESIGN.md
// §8): store_id is the first demo location, as the bot names it.
type DemoCredentials struct {
	PartnerID      string `json:"partner_id"`
	APIKey         string `json:"api_key"`
	CallbackSecret string `json:"callback_secret"`
	StoreID        string `json:"store_id"`
}

// demoPartner is the demo's bot, serving both sides on every location.
func demoPartner(ctx context.Context, d *protocol.Demo) (*protocol.DemoPartner, error) {
	p, storeID := &hub.Partner{Protocol: hub.ChannelKakao, Name: "KakaoTalk order bot"}, strconv.FormatInt(d.Locations[0].ID, 10)
	return d.Partner(ctx, p, func(c *service.IssuedCredential, secret string) (*protocol.DemoPartner, error) {
		return &protocol.DemoPartner{Summary: "kakao api key: " + c.APIKey + " (store " + storeID + ")",
			Credentials: DemoCredentials{PartnerID: strconv.FormatInt(p.ID, 10), APIKey: c.APIKey, CallbackSecret: secret, StoreID: storeID}}, nil
	})
}

// call is an authenticated handler: p is the partner, as its actor in the
// route's role.
type call func(w http.ResponseWriter, r *http.Request, p *hub.Partner, as hub.Actor) error

// Routes lists every route of the surface.
func (h *Handler) Routes(mux protocol.Mux) {
	route := func(method, path string, role hub.Role, fn call) {
		mux.Handle(method+" "+path, h.authed(role, fn))
		// Any other method on the path: 405 in the seed's envelope.
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			allow := method
			if method == http.MethodGet {
				allow = "GET, HEAD"
			}
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
		})
	}
	// BOT → POS (the bot acts as the customer). Writes go through the
	// replay layer (Idempotency-Key) after authentication; order intake
	// hands its key to the service instead (the order is the record).
	route(http.MethodGet, "/api/v1/stores/{storeId}/items", hub.RoleCustomer, h.atStore(h.menu))
	route(http.MethodPost, "/api/v1/stores/{storeId}/orders", hub.RoleCustomer, h.atStore(h.placeOrder))
	route(http.MethodGet, "/api/v1/stores/{storeId}/orders/{orderId}/numbs/{numb}", hub.RoleCustomer, h.atStore(h.orderStatus))
	route(http.MethodDelete, "/api/v1/cancel", hub.RoleCustomer, h.replayed(h.atStore(h.cancel)))
	// POS → orderhub progress (the POS acts as the store).
	route(http.MethodPost, "/api/kakao/v1/order/cook", hub.RoleStore, h.replayed(h.atStore(h.progress(hub.ActionPrepare))))
	route(http.MethodPost, "/api/kakao/v1/order/complete", hub.RoleStore, h.replayed(h.atStore(h.progress(hub.ActionComplete))))
}

// storeCall is an authenticated handler at a store of the partner's.
type storeCall func(w http.ResponseWriter, r *http.Request, p *hub.Partner, as hub.Actor, loc *hub.Location) error

// atStore resolves the store a call names (Handler.store), from the path's
// {storeId} or, on the paths without one, ?storeId=, before fn runs.
func (h *Handler) atStore(fn storeCall) call {
	return func(w http.ResponseWriter, r *http.Request, p *hub.Partner, as hub.Actor) error {
		raw := r.PathValue("storeId")
		if raw == "" {
			raw = r.URL.Query().Get("storeId")
		}
		loc, err := h.store(r.Context(), p, raw)
		if err != nil {
			return err
		}
		return fn(w, r, p, as, loc)
	}
}

// replayed runs fn through the replay layer, keyed per partner.
func (h *Handler) replayed(fn call) call {
	return func(w http.ResponseWriter, r *http.Request, p *hub.Partner, as hub.Actor) error {
		h.Replay.Do(w, r, protocol.ReplayScope(p), httpx.Key(r), httpx.Keep, h.idempotencyConflict,
			func(w http.ResponseWriter, r *http.Request) {
				if err := fn(w, r, p, as); err != nil {
					h.fail(w, r, err)
				}
			})
		return nil
	}
}

// authed checks "Authorization: Bearer <api key>" of a kakao partner, lets
// fn run only when the key may act in the route's role (service.ActAs over
// kakao_role: a bot's key can never move an order forward as the store, a
// POS's key never order as a customer) and renders the handler's error.
func (h *Handler) authed(role hub.Role, fn call) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Anything but a Bearer key is "": refused by the service, which
		// counts it against the address.
		key, _ := httpx.Credentials(r, "Bearer")
		p, err := h.Svc.AuthenticateAPIKey(r.Context(), hub.ChannelKakao, key)
		var as hub.Actor
		if err == nil {
			as, err = h.Svc.ActAs(p, role)
		}
		if err == nil {
			err = fn(w, r, p, as)
		}
		if err != nil {
			h.fail(w, r, err)
		}
	})
}

// store resolves {storeId} or ?storeId=: a location of the partner's brand
// that the partner may act on; anything else is 404 store not found.
func (h *Handler) store(ctx context.Context, p *hub.Partner, raw string) (*hub.Location, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, hub.Invalid("storeId", "is required")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return nil, hub.NotFound("store not found")
	}
	cfg, err := h.Svc.Config(ctx)
	if err != nil {
		return nil, err
	}
	loc, err := cfg.Location(ctx, id)
	if err != nil {
		if hub.ErrorCode(err) == hub.CodeNotFound {
			return nil, hub.NotFound("store not found")
		}
		return nil, err
	}
	if loc.BrandID != p.BrandID || !p.CanAccess(loc.BrandID, loc.ID) {
		return nil, hub.NotFound("store not found")
	}
	return loc, nil
}

func lang(r *http.Request) string {
	if l := strings.TrimSpace(r.URL.Query().Get("lang")); l != "" && len(l) <= 16 {
		return l
	}
	return DefaultLang
}

// menu is GET /api/v1/stores/{storeId}/items.
func (h *Handler) menu(w http.ResponseWriter, r *http.Request, p *hub.Partner, _ hub.Actor, loc *hub.Location) error {
	ctx := r.Context()
	l := lang(r)
	body, etag, err := h.Svc.RenderedMenu(ctx, p.BrandID, loc.ID, l, func(m *service.Menu) ([]byte, error) {
		b, err := json.Marshal(renderMenu(m, l))
		if err != nil {
			return nil, hub.Internal(err, "encode menu")
		}
		return append(b, '\n'), nil
	})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Vary", "Authorization")
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	return nil
}

// etagMatch applies If-None-Match (weak comparison, RFC 9110 §13.1.2).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// placeOrder is POST /api/v1/stores/{storeId}/orders.
func (h *Handler) placeOrder(w http.ResponseWriter, r *http.Request, p *hub.Partner, _ hub.Actor, loc *hub.Location) error {
	ctx := r.Context()
	body, err := httpx.ReadBody(r)
	if err != nil {
		return err
	}
	var req orderRequest
	if err := httpx.DecodeJSON(body, &req, false); err != nil {
		return err
	}
	botID := strings.TrimSpace(string(req.BotOrderID))
	switch {
	case botID == "":
		return hub.Invalid("botOrderId", "is required")
	case len(botID) > 64:
		return hub.Invalid("botOrderId", "must be at most 64 characters")
	case len(req.Items) == 0:
		return hub.Invalid("items", "at least one item is required")
	}
	typ := hub.OrderPickUp
	if req.Type != "" {
		t, ok := hub.ParseOrderType(req.Type)
		if !ok {
			return hub.Invalid("type", "must be PICK_UP, DINE_IN or DELIVERY")
		}
		typ = t
	}
	// The request is the store it is sent to and the body: the same
	// botOrderId at another store is another request (409), not a retry.
	canon, err := json.Marshal(struct {
		StoreID int64        `json:"storeId"`
		Body    orderRequest `json:"body"`
	}{loc.ID, req})
	if err != nil {
		return hub.Internal(err, "encode request")
	}
	sum := sha256.Sum256(canon)
	key, hash := "bot:"+botID, hex.EncodeToString(sum[:])
	// An Idempotency-Key, when sent, is the key instead of botOrderId.
	ticket, conflict := h.Replay.Ticket(r, body, protocol.ReplayScope(p), httpx.Key(r))
	if conflict != 0 {
		h.idempotencyConflict(w, r, conflict)
		return nil
	}
	if ticket.Key != "" {
		key, hash = ticket.Key, ticket.Hash
	}
	in := service.PlaceOrderInput{
		BrandID: p.BrandID, LocationID: loc.ID, Partner: p, Channel: hub.ChannelKakao,
		ExternalRef: botID, IdempotencyKey: key, RequestHash: hash,
		Type: typ, Table: strings.TrimSpace(req.Table), Notes: strings.TrimSpace(req.Notes),
		PaymentMethod: strings.TrimSpace(req.PaymentMethod), Lines: req.lines(),
		Actor: service.PartnerActor(p),
	}
	if c := req.Customer; c != nil {
		in.Customer = hub.Customer{ID: string(c.ID), Name: strings.TrimSpace(c.Name), Phone: strings.TrimSpace(c.Phone)}
	}
	res, err := h.Svc.PlaceOrder(ctx, in)
	if c := httpx.ConflictOf(err); c != 0 && ticket.Key != "" {
		h.idempotencyConflict(w, r, c)
		return nil
	}
	if hub.ErrorReason(err) == hub.ReasonIdempotencyReuse {
		// The key was the bot's own id ("bot:" is how it is stored): say
		// so in the bot's words.
		return hub.Conflict(hub.ReasonIdempotencyReuse, "botOrderId %q was used for a different order", botID)
	}
	if err != nil {
		return err
	}
	httpx.MarkReplayed(w, res.Replayed)
	httpx.WriteJSON(w, http.StatusCreated, renderOrder(res.Order, lang(r)))
	return nil
}

// botOrder finds an order the calling bot placed at the store, named by
// the orderId orderhub answered (the hub number) or the bot's own id, with
// a matching pickup number. Every mismatch is the same 404, so neither id
// can be probed on its own.
func (h *Handler) botOrder(ctx context.Context, p *hub.Partner, loc *hub.Location, orderID, numb string) (*hub.Order, error) {
	orderID, numb = strings.TrimSpace(orderID), strings.TrimSpace(numb)
	notFound := hub.NotFound("order not found")
	if orderID == "" || numb == "" {
		return nil, notFound
	}
	o, err := h.Svc.Store().FindOrderByExternalRef(ctx, p.BrandID, hub.ChannelKakao, orderID)
	if err != nil {
		if hub.ErrorCode(err) != hub.CodeNotFound {
			return nil, err
		}
		if o, err = h.Svc.FindOrder(ctx, service.OrderScope{BrandID: p.BrandID, Partner: p}, orderID); err != nil {
			// Only a failure of ours is told: an unknown reference, and
			// one that names several orders (whose answer would name
			// other channels' orders), are the same 404 as any mismatch.
			if c := hub.ErrorCode(err); c == hub.CodeInternal || c == hub.CodeUnavailable {
				return nil, err
			}
			return nil, notFound
		}
		if o.Number != orderID {
			return nil, notFound
		}
	}
	if o.Channel != hub.ChannelKakao || o.PartnerID != p.ID || o.LocationID != loc.ID ||
		subtle.ConstantTimeCompare([]byte(o.PickupCode), []byte(numb)) != 1 {
		return nil, notFound
	}
	return o, nil
}

// orderStatus is GET /api/v1/stores/{storeId}/orders/{orderId}/numbs/{numb}.
func (h *Handler) orderStatus(w http.ResponseWriter, r *http.Request, p *hub.Partner, _ hub.Actor, loc *hub.Location) error {
	ctx := r.Context()
	o, err := h.botOrder(ctx, p, loc, r.PathValue("orderId"), r.PathValue("numb"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderOrder(o, lang(r)))
	return nil
}

// cancel is DELETE /api/v1/cancel?storeId=&orderId=&numb=: the bot
// cancels as the customer, refused once cooking has started.
func (h *Handler) cancel(w http.ResponseWriter, r *http.Request, p *hub.Partner, as hub.Actor, loc *hub.Location) error {
	ctx := r.Context()
	q := r.URL.Query()
	if q.Get("orderId") == "" || q.Get("numb") == "" {
		return hub.Invalid("", "orderId and numb are required")
	}
	o, err := h.botOrder(ctx, p, loc, q.Get("orderId"), q.Get("numb"))
	if err != nil {
		return err
	}
	o, err = h.Svc.Transition(ctx, service.TransitionInput{
		Scope: service.OrderScope{BrandID: p.BrandID, Partner: p}, OrderRef: o.Number, Action: hub.ActionCancel,
		Actor: as,
		Note:  "cancelled by the bot",
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderOrder(o, lang(r)))
	return nil
}

// progress is POST /api/kakao/v1/order/cook and /order/complete?storeId=:
// the POS moves an order of the store as the store.
func (h *Handler) progress(action hub.Action) storeCall {
	return func(w http.ResponseWriter, r *http.Request, p *hub.Partner, as hub.Actor, loc *hub.Location) error {
		ctx := r.Context()
		q := r.URL.Query()
		body, err := httpx.ReadBody(r)
		if err != nil {
			return err
		}
		var req progressRequest
		if len(bytes.TrimSpace(body)) > 0 {
			if err := httpx.DecodeJSON(body, &req, false); err != nil {
				return err
			}
		}
		orderID, numb := strings.TrimSpace(string(req.OrderID)), strings.TrimSpace(string(req.Numb))
		if orderID == "" {
			orderID = strings.TrimSpace(q.Get("orderId"))
		}
		if numb == "" {
			numb = strings.TrimSpace(q.Get("numb"))
		}
		if orderID == "" {
			return hub.Invalid("orderId", "is required")
		}
		scope := service.OrderScope{BrandID: p.BrandID, Partner: p}
		o, err := h.Svc.FindOrder(ctx, scope, orderID)
		if err != nil {
			if hub.ErrorCode(err) == hub.CodeNotFound {
				return hub.NotFound("order not found")
			}
			return err
		}
		if o.LocationID != loc.ID || (numb != "" && subtle.ConstantTimeCompare([]byte(o.PickupCode), []byte(numb)) != 1) {
			return hub.NotFound("order not found")
		}
		o, err = h.Svc.Transition(ctx, service.TransitionInput{
			Scope: scope, OrderRef: o.Number, Action: action,
			Actor: as,
		})
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, renderOrder(o, lang(r)))
		return nil
	}
}

// writeError writes {"error": message}.
func writeError(w http.ResponseWriter, status int, message string) {
	httpx.WriteJSON(w, status, errorBody{Error: message})
}

// fail renders a service error in the seed's envelope.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := hub.AsError(err)
	msg := hub.PublicMessage(e)
	if e.Field != "" && e.Code == hub.CodeInvalid {
		msg = e.Field + ": " + msg
	}
	switch e.Code {
	case hub.CodeInvalid:
		writeError(w, http.StatusBadRequest, msg)
	case hub.CodeNotFound:
		if e.Reason == hub.ReasonUnknownProduct {
			writeError(w, http.StatusBadRequest, e.Field+": "+msg)
			return
		}
		writeError(w, http.StatusNotFound, msg)
	case hub.CodeConflict:
		if e.Reason == hub.ReasonCookingStarted {
			msg = "cannot cancel while cooking"
		} else if e.Reason == hub.ReasonLocationPaused {
			msg = "store is paused"
		} else if e.Field != "" {
			msg = e.Field + ": " + msg
		}
		writeError(w, http.StatusConflict, msg)
	case hub.CodeUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="orderhub"`)
		writeError(w, http.StatusUnauthorized, "invalid api key")
	case hub.CodeForbidden:
		if e.Reason == hub.ReasonCredentialRole {
			msg = roleRefusal(e)
		}
		writeError(w, http.StatusForbidden, msg)
	case hub.CodeRateLimited:
		w.Header().Set("Retry-After", strconv.Itoa(hub.RetryAfterSeconds(e)))
		writeError(w, http.StatusTooManyRequests, msg)
	case hub.CodeTooLarge:
		writeError(w, http.StatusRequestEntityTooLarge, msg)
	case hub.CodeUnavailable:
		h.Log.WarnContext(r.Context(), "kakao: unavailable", "request_id", httpx.RequestID(r.Context()), "error", err)
		writeError(w, http.StatusServiceUnavailable, "service temporarily unavailable")
	default:
		h.Log.ErrorContext(r.Context(), "kakao: internal error", "request_id", httpx.RequestID(r.Context()), "error", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// idempotencyConflict renders the replay layer's refusals.
func (h *Handler) idempotencyConflict(w http.ResponseWriter, r *http.Request, c httpx.Conflict) {
	writeError(w, c.Status(), c.Message())
}
