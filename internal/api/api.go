// Package api is orderhub's native JSON API under /hub/v1: everything the
// dashboard and an operator's tools can do.
//
// Decisions:
//   - Auth: `Authorization: Bearer <hub token>`. A token belongs to one brand
//     or, for operators, to all (brand 0). A brand token never sees another
//     brand: such ids answer 404 as if they did not exist.
//   - Resources are flat (/locations/{id}, /products/{id}, /orders/{ref}).
//     Which brand a request acts on is service.HubBrand's rule: a brand
//     token its own; an operator token the brand_id given (the query, or
//     for a write the query or the body: both and different is 400), or
//     the install's only brand; a by-id route the brand of what the id
//     names (owned, service.HubOrderScope). brand_id is asked for only
//     when the request would be a guess. A write's body brand_id is moved
//     to the query before its handler runs (bodyBrand), so that every
//     write takes it the same way and no handler lists it among its fields
//     (but POST /tokens, where brand_id is the new token's brand).
//   - Money is integer minor units of the brand's currency (KRW 7600 is
//     7600, USD 45.40 is 4540); every order carries its currency.
//   - Lists page newest first with ?limit= (default 50, at most 500) and
//     ?cursor=, answering {"data": [...], "next_cursor": "..." | null}.
//   - Errors: {"error": {"code", "message", "details"}} with code invalid
//     (400), unauthorized (401), forbidden (403), not_found (404),
//     method_not_allowed (405, with Allow), conflict (409), unavailable
//     (503), internal (500); details.field names the input that failed,
//     details.reason refines the code.
//   - Request bodies are strict: an unknown field is an error naming it, so
//     a typo never silently does nothing.
//   - Every write honours Idempotency-Key (see internal/httpx). Answers
//     that show a secret once are marked (httpx.MarkSecret) and never
//     kept: a retry with the same key is a 409, not a second secret.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// Handler serves /hub/v1.
type Handler struct {
	svc    *service.Service
	log    *slog.Logger
	replay *httpx.Replay
}

// New returns the native API handler.
func New(svc *service.Service, log *slog.Logger) *Handler {
	return &Handler{svc: svc, log: log, replay: httpx.NewReplay(svc.Store(), log)}
}

// Routes lists every /hub/v1 route.
func (h *Handler) Routes(mux Mux) {
	// known holds every route too, so that a path served under other
	// methods answers 405 with Allow rather than 404.
	known := http.NewServeMux()
	add := func(pattern string, replayed bool, fn handlerFunc) {
		// Every write takes brand_id in the query or the body (bodyBrand),
		// but a token's create, where brand_id is the new token's brand.
		if !strings.HasPrefix(pattern, "GET ") && pattern != "POST /hub/v1/tokens" {
			fn = bodyBrand(fn)
		}
		mux.Handle(pattern, h.authed(replayed, fn))
		known.Handle(pattern, http.NotFoundHandler())
	}
	// route: writes go through the replay layer (Idempotency-Key), per
	// token. intake: placing an order hands its key to the service
	// instead (the order is the record; createOrder).
	route := func(pattern string, fn handlerFunc) {
		add(pattern, true, fn)
	}
	intake := func(pattern string, fn handlerFunc) {
		add(pattern, false, fn)
	}
	// The routes on a location, a partner or an endpoint act on the one
	// the path names, found (onRow).
	location := func(pattern string, act rowHandler[hub.Location]) { route(pattern, onRow(h.location, act)) }
	partner := func(pattern string, act rowHandler[hub.Partner]) { route(pattern, onRow(h.partner, act)) }
	endpoint := func(pattern string, act rowHandler[store.WebhookEndpoint]) {
		route(pattern, onRow(h.webhookEndpoint, act))
	}
	route("GET /hub/v1/brands", h.listBrands)
	route("POST /hub/v1/brands", h.createBrand)
	route("GET /hub/v1/brands/{id}", show(h.brand, asStored))
	route("PATCH /hub/v1/brands/{id}", patch(h.brand, decodeOnto, h.modifyBrand, asStored))

	route("GET /hub/v1/locations", h.listLocations)
	route("POST /hub/v1/locations", h.createLocation)
	route("GET /hub/v1/locations/{id}", show(h.location, h.locationInForce))
	route("PATCH /hub/v1/locations/{id}", patch(h.location, decodeLocation, h.modifyLocation, h.locationInForce))
	location("GET /hub/v1/locations/{id}/stock", h.listStock)
	route("GET /hub/v1/locations/{id}/stock/{productId}", onRow(h.stock, h.getStock))
	route("PUT /hub/v1/locations/{id}/stock/{productId}", onRow(h.stock, h.putStock))
	route("POST /hub/v1/locations/{id}/snooze", h.snooze)
	route("POST /hub/v1/locations/{id}/unsnooze", h.unsnooze)
	location("GET /hub/v1/locations/{id}/snoozes", h.listSnoozes)
	location("GET /hub/v1/locations/{id}/status", h.getStatus)
	location("PUT /hub/v1/locations/{id}/status", h.putStatus)

	route("GET /hub/v1/products", h.listProducts)
	route("POST /hub/v1/products", h.createProduct)
	route("GET /hub/v1/products/{id}", show(h.product, asStored))
	route("PUT /hub/v1/products/{id}", onRow(h.product, h.putProduct))
	route("PATCH /hub/v1/products/{id}", patch(h.product, decodeOnto, h.modifyProduct, asStored))

	route("GET /hub/v1/timeslots", brandList(h, h.svc.Store().ListTimeslots))
	route("PUT /hub/v1/timeslots/{id}", h.putTimeslot)

	route("GET /hub/v1/orders", h.listOrders)
	intake("POST /hub/v1/orders", h.createOrder)
	route("GET /hub/v1/orders/{ref}", show(h.order, h.viewOrder))
	route("GET /hub/v1/orders/{ref}/history", onRow(h.order, h.orderHistory))
	route("POST /hub/v1/orders/{ref}/actions/{action}", h.orderAction)
	route("POST /hub/v1/orders/{ref}/payment", h.orderPayment)

	route("GET /hub/v1/partners", brandList(h, h.svc.Store().ListPartners))
	route("POST /hub/v1/partners", h.createPartner)
	route("GET /hub/v1/partners/{id}", show(h.partner, asStored))
	route("PATCH /hub/v1/partners/{id}", patch(h.partner, decodeOnto, h.modifyPartner, asStored))
	partner("GET /hub/v1/partners/{id}/credentials", h.listCredentials)
	partner("POST /hub/v1/partners/{id}/credentials", h.issueCredential)
	partner("DELETE /hub/v1/partners/{id}/credentials/{credentialId}", h.revokeCredential)
	partner("POST /hub/v1/partners/{id}/callback-secret", h.rotateCallbackSecret)
	partner("GET /hub/v1/partners/{id}/balance", h.getBalance)
	partner("POST /hub/v1/partners/{id}/balance/top-ups", h.topUpBalance)
	partner("GET /hub/v1/partners/{id}/balance/entries", h.listBalanceEntries)

	route("GET /hub/v1/tokens", h.listHubTokens)
	route("POST /hub/v1/tokens", h.createHubToken)
	route("DELETE /hub/v1/tokens/{id}", h.revokeHubToken)

	route("GET /hub/v1/events", h.listEvents)

	route("GET /hub/v1/webhook-endpoints", h.listWebhookEndpoints)
	route("POST /hub/v1/webhook-endpoints", h.createWebhookEndpoint)
	route("GET /hub/v1/webhook-endpoints/{id}", show(h.webhookEndpoint, func(ep *store.WebhookEndpoint) endpointView { return viewEndpoint(ep, "") }))
	endpoint("PATCH /hub/v1/webhook-endpoints/{id}", h.patchWebhookEndpoint)
	endpoint("DELETE /hub/v1/webhook-endpoints/{id}", h.deleteWebhookEndpoint)
	endpoint("POST /hub/v1/webhook-endpoints/{id}/rotate-secret", h.rotateWebhookSecret)
	endpoint("POST /hub/v1/webhook-endpoints/{id}/test", h.testWebhookEndpoint)
	endpoint("GET /hub/v1/webhook-endpoints/{id}/deliveries", h.listEndpointDeliveries)
	endpoint("POST /hub/v1/webhook-endpoints/{id}/replay-dead", h.replayDeadDeliveries)
	route("GET /hub/v1/deliveries", h.listDeliveries)
	route("GET /hub/v1/deliveries/{id}", onRow(h.delivery, h.getDelivery))
	route("POST /hub/v1/deliveries/{id}/replay", onRow(h.delivery, h.replayDelivery))

	mux.HandleFunc("/hub/v1/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(known, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			httpx.WriteJSON(w, http.StatusMethodNotAllowed, errorBody{Error: errorObject{Code: "method_not_allowed",
				Message: r.Method + " is not allowed on " + r.URL.Path + "; use " + strings.Join(allow, ", ")}})
			return
		}
		h.writeError(w, r, hub.NotFound("no such endpoint: %s %s", r.Method, r.URL.Path))
	})
}

// allowedMethods lists the methods under which known serves r's path.
func allowedMethods(known *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := known.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	return allow
}

type principalKey struct{}

// authed checks the bearer token and renders handler errors.
func (h *Handler) authed(replayed bool, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := httpx.Credentials(r, "Bearer")
		if !ok {
			token = "" // still the service's call: it is the rate check too
		}
		p, err := h.svc.AuthenticateHubToken(r.Context(), token)
		if err != nil {
			if hub.ErrorCode(err) == hub.CodeUnauthorized && !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="orderhub"`)
				err = &hub.Error{Code: hub.CodeUnauthorized, Message: "missing bearer token"}
			} else if hub.ErrorCode(err) == hub.CodeUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="orderhub", error="invalid_token"`)
			}
			h.writeError(w, r, err)
			return
		}
		run := func(w http.ResponseWriter, r *http.Request) {
			if err := fn(w, r, p); err != nil {
				h.writeError(w, r, err)
			}
		}
		if !replayed {
			run(w, r)
			return
		}
		h.replay.Do(w, r, scopeOf(p), httpx.Key(r), httpx.Keep, h.idempotencyConflict, run)
	})
}

// scopeOf is the replay scope of a hub token.
func scopeOf(p *service.HubPrincipal) string {
	return "hubtoken:" + strconv.FormatInt(p.CredentialID, 10)
}

type errorBody struct {
	Error errorObject `json:"error"`
}

type errorObject struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := hub.AsError(err)
	status := httpx.StatusOf(e.Code)
	if secs := hub.RetryAfterSeconds(e); secs > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	if e.Code == hub.CodeInternal {
		h.log.ErrorContext(r.Context(), "internal error", "request_id", httpx.RequestID(r.Context()), "error", err)
	}
	body := errorBody{Error: errorObject{Code: string(e.Code), Message: hub.PublicMessage(err)}}
	if e.Code != hub.CodeInternal {
		details := map[string]any{}
		for k, v := range e.Details {
			details[k] = v
		}
		if e.Field != "" {
			details["field"] = e.Field
		}
		if e.Reason != "" {
			details["reason"] = string(e.Reason)
		}
		if o, ok := details["order"].(*hub.Order); ok {
			details["order"] = h.viewOrder(o)
		}
		if len(details) > 0 {
			body.Error.Details = details
		}
	}
	httpx.WriteJSON(w, status, body)
}

func (h *Handler) idempotencyConflict(w http.ResponseWriter, r *http.Request, c httpx.Conflict) {
	reason := map[httpx.Conflict]string{
		httpx.ConflictMismatch:    string(hub.ReasonIdempotencyReuse),
		httpx.ConflictInProgress:  "idempotency_key_in_progress",
		httpx.ConflictSecretShown: "idempotency_key_secret_shown",
		httpx.ConflictBadKey:      "idempotency_key_invalid",
		httpx.ConflictAnswerLost:  "idempotency_key_answer_lost",
	}[c]
	code := "conflict"
	if c == httpx.ConflictBadKey {
		code = "invalid"
	}
	httpx.WriteJSON(w, c.Status(), errorBody{Error: errorObject{Code: code, Message: c.Message(),
		Details: map[string]any{"reason": reason, "field": "Idempotency-Key"}}})
}

// decode reads a strict JSON body.
func decode(r *http.Request, v any) error {
	body, err := httpx.ReadBody(r)
	if err != nil {
		return err
	}
	return httpx.DecodeJSON(body, v, true)
}

// pathID parses a positive integer path value.
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, hub.NotFound("%s %q not found", strings.TrimSuffix(name, "Id"), v)
	}
	return id, nil
}

// queryInt parses an optional integer query parameter.
func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, hub.Invalid(name, "must be a non-negative integer")
	}
	return n, nil
}

// givenBrand is the brand_id a request names: in the query and, for a
// write, in its body too (body, 0 = not given). Both given and different
// is a contradiction, 400.
func givenBrand(r *http.Request, body int64) (int64, error) {
	q, err := queryInt(r, "brand_id")
	if err != nil {
		return 0, err
	}
	if q != 0 && body != 0 && q != body {
		return 0, hub.Invalid("brand_id", "the query says %d, the body %d", q, body)
	}
	if q != 0 {
		return q, nil
	}
	return body, nil
}

// bodyBrand gives every write the brand_id of its body as if it were in
// the query (givenBrand's rule: both and different is a 400), and takes it
// out of the body, so that each handler's strict decoding of its own
// fields never refuses it and each reads the brand in the one place: an
// action, a payment or a snooze names its brand the way a create does.
func bodyBrand(fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
		raw, err := readRaw(r)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) != nil {
			return fn(w, r, p) // not an object: the handler says what is wrong
		}
		v, ok := fields["brand_id"]
		if !ok {
			return fn(w, r, p)
		}
		var body int64
		if err := json.Unmarshal(v, &body); err != nil || body < 0 {
			return hub.Invalid("brand_id", "must be a non-negative integer")
		}
		given, err := givenBrand(r, body)
		if err != nil {
			return err
		}
		delete(fields, "brand_id")
		rest, err := json.Marshal(fields)
		if err != nil {
			return err
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(rest))
		r.ContentLength = int64(len(rest))
		if given != 0 {
			q := r.URL.Query()
			q.Set("brand_id", strconv.FormatInt(given, 10))
			r.URL.RawQuery = q.Encode()
		}
		return fn(w, r, p)
	}
}

// actingBrand is the brand a request without an id acts on (service.HubBrand):
// the token's own, the one brand_id names, or the install's only brand.
func (h *Handler) actingBrand(r *http.Request, p *service.HubPrincipal, body int64) (int64, error) {
	given, err := givenBrand(r, body)
	if err != nil {
		return 0, err
	}
	return h.svc.HubBrand(r.Context(), p, given)
}

// decodeNew reads a row a request writes: its fields from the body onto v
// (decode), its brand the acting one (actingBrand, with the brand_id the
// body gave), its id (*id) cleared, for the store to give.
func decodeNew[T any](h *Handler, r *http.Request, p *service.HubPrincipal, v *T, decode func(body []byte, v *T) error,
	id, brandID *int64) error {
	body, err := readRaw(r)
	if err != nil {
		return err
	}
	if err := decode(body, v); err != nil {
		return err
	}
	acting, err := h.actingBrand(r, p, *brandID)
	if err != nil {
		return err
	}
	*id, *brandID = 0, acting
	return nil
}

// orderScope is where an order ref is looked up: the brand named, or the
// one the ref's order belongs to (service.HubOrderScope).
func (h *Handler) orderScope(r *http.Request, p *service.HubPrincipal) (service.OrderScope, error) {
	given, err := givenBrand(r, 0)
	if err != nil {
		return service.OrderScope{}, err
	}
	return h.svc.HubOrderScope(r.Context(), p, given, r.PathValue("ref"))
}

// page is a list answer.
type page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func ok(w http.ResponseWriter, v any) error {
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func created(w http.ResponseWriter, v any) error {
	httpx.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func accepted(w http.ResponseWriter, v any) error {
	httpx.WriteJSON(w, http.StatusAccepted, v)
	return nil
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// owned loads what the {id} path value names, taking the brand from it,
// and answers another brand's (outside the token's scope, or not the
// brand_id the request names) as not found, never forbidden, so ids
// cannot be probed across brands.
func owned[T any](r *http.Request, p *service.HubPrincipal, what string,
	get func(context.Context, int64) (*T, error), brandOf func(*T) int64) (*T, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	given, err := givenBrand(r, 0)
	if err != nil {
		return nil, err
	}
	v, err := get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if b := brandOf(v); !p.CanBrand(b) || (given != 0 && given != b) {
		return nil, hub.NotFound("%s %d not found", what, id)
	}
	return v, nil
}

// notFoundUnlessMine hides other brands' things.
func notFoundUnlessMine(p *service.HubPrincipal, brandID int64, what string, id int64) error {
	if !p.CanBrand(brandID) {
		return hub.NotFound("%s %d not found", what, id)
	}
	return nil
}

var errOperatorOnly = &hub.Error{Code: hub.CodeForbidden, Message: "only an operator token may do this"}

// queryLimit parses ?limit= (default 50, at most 500).
// queryPage reads a listing's ?cursor= (0: from the start) and ?limit=.
func queryPage(r *http.Request) (cursor int64, limit int, err error) {
	if cursor, err = queryInt(r, "cursor"); err != nil {
		return 0, 0, err
	}
	limit, err = queryLimit(r)
	return cursor, limit, err
}

// brandPage reads a listing of the acting brand (actingBrand): the brand,
// then ?cursor= and ?limit= (queryPage).
func (h *Handler) brandPage(r *http.Request, p *service.HubPrincipal) (brandID, cursor int64, limit int, err error) {
	if brandID, err = h.actingBrand(r, p, 0); err != nil {
		return 0, 0, 0, err
	}
	cursor, limit, err = queryPage(r)
	return brandID, cursor, limit, err
}

// cursorAt is a full page's next_cursor: the key of its last row.
func cursorAt(last int64) *string {
	c := strconv.FormatInt(last, 10)
	return &c
}

// handlerFunc is a native API handler after authentication.
type handlerFunc func(http.ResponseWriter, *http.Request, *service.HubPrincipal) error

// finder looks up the row a path names, as the principal may see it
// (another brand's is not found).
type finder[T any] func(*http.Request, *service.HubPrincipal) (*T, error)

// rowHandler answers a route on the row its path names, found.
type rowHandler[T any] func(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, v *T) error

// onRow answers a route on one row: find loads what the path names, as
// the principal may see it (another brand's is not found, before anything
// else of the request is read), and act answers with it.
func onRow[T any](find finder[T], act rowHandler[T]) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
		v, err := find(r, p)
		if err != nil {
			return err
		}
		return act(w, r, p, v)
	}
}

// show answers GET of one row: 200 with the row as view shows it.
func show[T, V any](find finder[T], view func(*T) V) handlerFunc {
	return onRow(find, func(w http.ResponseWriter, _ *http.Request, _ *service.HubPrincipal, v *T) error {
		return ok(w, view(v))
	})
}

// brandList answers GET of a brand's rows (brandRows), all in one page.
func brandList[T any](h *Handler, list func(ctx context.Context, brandID int64) ([]T, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
		rows, err := brandRows(h, r, p, list)
		if err != nil {
			return err
		}
		return ok(w, page[T]{Data: rows})
	}
}

// brandRows lists the acting brand's rows (?brand_id= for an operator).
func brandRows[T any](h *Handler, r *http.Request, p *service.HubPrincipal,
	list func(ctx context.Context, brandID int64) ([]T, error)) ([]T, error) {
	brandID, err := h.actingBrand(r, p, 0)
	if err != nil {
		return nil, err
	}
	return list(r.Context(), brandID)
}

// asStored shows a row as it is stored.
func asStored[T any](v *T) *T { return v }

// patch answers PATCH of one row: the body is decoded onto the stored row
// inside the service's unit (modify, one of the service's Modify…), under
// a row lock, so that two concurrent PATCHes never lose each other's
// fields; the answer is the row as written, as view shows it.
func patch[T, V any](find finder[T], decode func(body []byte, v *T) error,
	modify func(ctx context.Context, found *T, change func(*T) error) (*T, error), view func(*T) V) handlerFunc {
	return onRow(find, func(w http.ResponseWriter, r *http.Request, _ *service.HubPrincipal, found *T) error {
		body, err := readRaw(r)
		if err != nil {
			return err
		}
		v, err := modify(r.Context(), found, func(v *T) error { return decode(body, v) })
		if err != nil {
			return err
		}
		return ok(w, view(v))
	})
}

// The service's Modify… for patch, given the row found.

func (h *Handler) modifyBrand(ctx context.Context, b *hub.Brand, change func(*hub.Brand) error) (*hub.Brand, error) {
	return h.svc.ModifyBrand(ctx, b.ID, change)
}

func (h *Handler) modifyLocation(ctx context.Context, l *hub.Location, change func(*hub.Location) error) (*hub.Location, error) {
	return h.svc.ModifyLocation(ctx, l.ID, change)
}

func (h *Handler) modifyProduct(ctx context.Context, p *hub.Product, change func(*hub.Product) error) (*hub.Product, error) {
	return h.svc.ModifyProduct(ctx, p.BrandID, p.ID, change)
}

func (h *Handler) modifyPartner(ctx context.Context, p *hub.Partner, change func(*hub.Partner) error) (*hub.Partner, error) {
	return h.svc.ModifyPartner(ctx, p.ID, change)
}

// decodeOnto decodes a body onto a stored row (a PATCH).
func decodeOnto[T any](body []byte, v *T) error { return decodeRaw(body, v) }

// decodeOptional decodes a body that may be empty onto v.
func decodeOptional(r *http.Request, v any) error {
	raw, err := readRaw(r)
	if err != nil || len(bytes.TrimSpace(raw)) == 0 {
		return err
	}
	return decodeRaw(raw, v)
}

func queryLimit(r *http.Request) (int, error) {
	n, err := queryInt(r, "limit")
	if err != nil {
		return 0, err
	}
	switch {
	case n == 0:
		return 50, nil
	case n > 500:
		return 0, hub.Invalid("limit", "must be at most 500")
	}
	return int(n), nil
}

// readRaw reads the body for handlers that must know which keys were sent.
func readRaw(r *http.Request) ([]byte, error) { return httpx.ReadBody(r) }

func decodeRaw(raw []byte, v any) error { return httpx.DecodeJSON(raw, v, true) }

// hasKey reports whether the top-level JSON object has a key (so that
// "quantity": null can be told from a missing quantity).
func hasKey(raw []byte, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}
