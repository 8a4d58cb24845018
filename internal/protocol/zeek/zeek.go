package zeek

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// Config is the platform surface's configuration.
type Config struct {
	// TokenTTL is how long an access token lives (default 24 h, the
	// seed's "The token expires in 24 hours").
	TokenTTL time.Duration
	// Log receives internal errors; nil means slog.Default().
	Log *slog.Logger
}

// DefaultTokenTTL is the seed's token lifetime.
const DefaultTokenTTL = 24 * time.Hour

// Paths of the four inbound calls.
const (
	PathToken        = "/api/v1.0/auth/token"
	PathCreate       = "/api/v1.0/product/product/create"
	PathBatchUpdate  = "/api/v1.0/product/product/batch_update"
	PathStatusUpdate = "/api/v1.0/order/status/update"
)

// Handler serves the platform API of seed 003.
type Handler struct {
	protocol.TokenCore
}

// New returns the handler.
func New(svc *service.Service, cfg Config) *Handler {
	return &Handler{TokenCore: protocol.NewTokenCore(svc, cfg.Log, hub.ChannelZeek, cfg.TokenTTL, DefaultTokenTTL)}
}

// Protocol describes seed 003 to the registry (internal/protocol): a
// platform client with OAuth2 client credentials that acts as the store
// (its POS reports pickups), gets a callback secret for the order_create
// callback (OrderCreateCallback) and the signed inventory check
// (InventoryProvider), and has the settings of settings.go.
func Protocol() protocol.Protocol {
	return protocol.Protocol{
		Protocol: service.Protocol{Channel: hub.ChannelZeek, Role: hub.RoleStore, Credential: store.CredClient,
			CallbackSecret: true, Settings: checkSettings, Inventory: NewInventoryProvider(nil)},
		PathPrefixes: []string{"/api/v1.0"},
		Routes:       func(mux protocol.Mux, d protocol.Deps) { New(d.Service, Config{Log: d.Log}).Routes(mux) },
		Formatter:    OrderCreateCallback,
		Demo:         demoPartner,
		OpenAPI:      openAPI,
	}
}

// DemoCredentials is the zeek entry of demo-credentials.json (DESIGN.md
// §8): store_id is the brand, location_ids every demo location.
type DemoCredentials struct {
	PartnerID      string  `json:"partner_id"`
	ClientID       string  `json:"client_id"`
	ClientSecret   string  `json:"client_secret"`
	CallbackSecret string  `json:"callback_secret"`
	StoreID        int64   `json:"store_id"`
	LocationIDs    []int64 `json:"location_ids"`
}

// demoPartner is the demo's platform client, for every location.
func demoPartner(ctx context.Context, d *protocol.Demo) (*protocol.DemoPartner, error) {
	p := &hub.Partner{Protocol: hub.ChannelZeek, Name: "Zeek platform client"}
	locs := make([]int64, len(d.Locations))
	for i, l := range d.Locations {
		locs[i] = l.ID
	}
	return d.Partner(ctx, p, func(c *service.IssuedCredential, secret string) (*protocol.DemoPartner, error) {
		return &protocol.DemoPartner{Summary: "zeek client: " + c.ClientID + " / " + c.ClientSecret,
			Credentials: DemoCredentials{PartnerID: strconv.FormatInt(p.ID, 10), ClientID: c.ClientID, ClientSecret: c.ClientSecret,
				CallbackSecret: secret, StoreID: d.Brand.ID, LocationIDs: locs}}, nil
	})
}

//go:embed openapi.json
var openAPI []byte // this protocol's part of /openapi.json

// Routes registers the four calls. Paths are registered without a method
// so that other methods get the seed's envelope (40501) rather than the
// mux's plain-text 405.
func (h *Handler) Routes(mux protocol.Mux) {
	mux.Handle(PathToken, h.endpoint(false, h.token))
	mux.Handle(PathCreate, h.endpoint(true, h.createProduct))
	mux.Handle(PathBatchUpdate, h.endpoint(true, h.batchUpdate))
	mux.Handle(PathStatusUpdate, h.endpoint(true, h.updateStatus))
	// Any other path of the platform API: 404 40401 in the seed's envelope
	// (in the client's KS-Lang when it sent a valid one), not Go's text.
	mux.HandleFunc("/api/v1.0/", func(w http.ResponseWriter, r *http.Request) {
		lang, ok := parseLang(r.Header.Get("KS-Lang"))
		if !ok {
			lang = langEN
		}
		h.write(w, lang, errorAnswer(http.StatusNotFound, codeNotFound, text(codeNotFound, lang)))
	})
}

// call is one request after its headers were checked.
type call struct {
	lang      string
	zone      *time.Location
	requestID string
	method    string
	path      string
	body      []byte
	partner   *hub.Partner // nil on the token call until its client is known
	header    http.Header
	// idemKey is the Idempotency-Key, hash the request's canonical hash
	// (httpx.RequestHash).
	idemKey string
	hash    string
}

func (c *call) reader() *reader { return &reader{zone: c.zone} }

// answer is a response ready to write (and to record for replays).
type answer struct {
	status int
	body   []byte
	// replayed marks a recorded answer given again (Idempotent-Replayed:
	// true, as the native API's Idempotency-Key replays say).
	replayed bool
	// conflict marks the replay layer's own refusal (never kept).
	conflict bool
	// retryAfter is the Retry-After of a rate-limited answer (seconds).
	retryAfter int
}

type ctxKey struct{}

// endpoint builds the layers of one call: method and KS headers, bearer
// auth, the replay layer (KS-Client-Request-Id, and Idempotency-Key when
// sent; per client, not per token, so that a retry with a fresh token
// still replays), and the call itself. The token call, which
// authenticates its client itself, runs the replay layer from token.
func (h *Handler) endpoint(auth bool, run func(ctx context.Context, c *call) answer) http.Handler {
	inner := func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		c := ctx.Value(ctxKey{}).(*call)
		body, err := httpx.ReadBody(r)
		if hub.ErrorCode(err) == hub.CodeTooLarge {
			h.write(w, c.lang, h.serviceError(ctx, c, err, nil))
			return
		}
		if err != nil {
			h.write(w, c.lang, h.invalid(c, &problem{field: "body", kind: kindService, en: hub.PublicMessage(err)}))
			return
		}
		c.body = body
		c.hash = httpx.RequestHash(r, body)
		if !auth {
			h.write(w, c.lang, run(ctx, c))
			return
		}
		h.write(w, c.lang, h.replayed(ctx, c, httpx.Keep, func(ctx context.Context) answer { return run(ctx, c) }))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang, langOK := parseLang(r.Header.Get("KS-Lang"))
		if !langOK {
			lang = langEN
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			h.write(w, lang, errorAnswer(http.StatusMethodNotAllowed, codeMethod, text(codeMethod, lang)))
			return
		}
		c, p := readHeaders(r)
		if p != nil {
			h.write(w, lang, errorAnswer(http.StatusBadRequest, codeInvalid, p.message(lang)))
			return
		}
		c.method, c.path, c.header = r.Method, r.URL.Path, r.Header
		c.idemKey = httpx.Key(r)
		ctx := context.WithValue(r.Context(), ctxKey{}, c)
		if auth {
			partner, err := h.authenticate(ctx, r)
			if err != nil {
				h.write(w, c.lang, h.serviceError(ctx, c, err, nil))
				return
			}
			c.partner = partner
		}
		inner(w, r.WithContext(ctx))
	})
}

// readHeaders checks the seed's request headers, in the order of its
// table: KS-Client-Request-Id, KS-Lang, KS-Region (Authorization comes
// later, with the call).
func readHeaders(r *http.Request) (*call, *problem) {
	c := &call{lang: langEN}
	raw := r.Header.Get("KS-Lang")
	lang, ok := parseLang(raw)
	if ok {
		c.lang = lang
	}
	id := strings.TrimSpace(r.Header.Get("KS-Client-Request-Id"))
	switch {
	case id == "":
		return c, &problem{field: "KS-Client-Request-Id", kind: kindRequired}
	case len(id) > maxRequestID:
		return c, &problem{field: "KS-Client-Request-Id", kind: kindTooLong, arg: strconv.Itoa(maxRequestID)}
	case strings.IndexFunc(id, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return c, &problem{field: "KS-Client-Request-Id", kind: kindString}
	}
	c.requestID = id
	if strings.TrimSpace(raw) == "" {
		return c, &problem{field: "KS-Lang", kind: kindRequired}
	}
	if !ok {
		return c, &problem{field: "KS-Lang", kind: kindOneOf, arg: "en, vi"}
	}
	zone, ok := RegionZone(r.Header.Get("KS-Region"))
	if !ok {
		return c, &problem{field: "KS-Region", kind: kindOneOf, arg: "SGN, HKG, BKK, SIN"}
	}
	c.zone = zone
	return c, nil
}

// maxRequestID bounds KS-Client-Request-Id (a UUID is 36 characters).
const maxRequestID = 128

// parseLang reads KS-Lang: exactly one of en and vi, case-insensitive.
func parseLang(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case langEN:
		return langEN, true
	case langVI:
		return langVI, true
	}
	return "", false
}

// authenticate reads "Authorization: Bearer <access token>".
func (h *Handler) authenticate(ctx context.Context, r *http.Request) (*hub.Partner, error) {
	// Anything but a Bearer token is "": refused by the service, which
	// counts it against the address.
	token, _ := httpx.Credentials(r, "Bearer")
	return h.Svc.AuthenticateAccessToken(ctx, hub.ChannelZeek, token)
}

// replayed runs a call of an authenticated client through the replay
// layer (DESIGN.md §4, §10): per client, the first request with a
// KS-Client-Request-Id runs and its answer is kept (unless it is an input
// error or a 5xx, which may be retried); the same id with the same method,
// path and body (as canonical JSON) answers the kept answer again without
// running anything; the same id with anything else is 40902, and while the
// first still runs 40903. An Idempotency-Key sent as well is honoured the
// same way around it. With mode Rerun only the request is kept (the token
// call's answer holds a live access token, which orderhub keeps only as a
// hash): a repeat runs the call again.
//
// run must work in the context it is given: it carries the keys' claims,
// so that what run commits is fenced by them (httpx.Replay.Run).
func (h *Handler) replayed(ctx context.Context, c *call, mode httpx.Mode, run func(context.Context) answer) answer {
	scope := protocol.ReplayScope(c.partner)
	byRequestID := func(ctx context.Context) answer {
		return h.runReplay(ctx, c, scope+":ks", c.requestID, false, mode, run)
	}
	if c.idemKey == "" || mode == httpx.Rerun {
		return byRequestID(ctx)
	}
	return h.runReplay(ctx, c, scope+":idempotency-key", c.idemKey, true, mode, byRequestID)
}

// idemReuse is 40902's text when the reused key is an Idempotency-Key.
var idemReuse = [2]string{"Idempotency-Key was already used for a different request", "Idempotency-Key đã được dùng cho một yêu cầu khác"}

func (h *Handler) runReplay(ctx context.Context, c *call, scope, key string, idem bool, mode httpx.Mode, run func(context.Context) answer) answer {
	out, replayed, conflict := h.Replay.Run(ctx, scope, key, c.hash, mode, func(ctx context.Context) httpx.Outcome {
		a := run(ctx)
		return httpx.Outcome{Status: a.status, ContentType: contentType, Body: a.body, Discard: a.conflict}
	})
	if conflict != 0 {
		return h.replayConflict(c, conflict, idem)
	}
	return answer{status: out.Status, body: out.Body, replayed: replayed}
}

// replayConflict is a replay layer refusal in the seed's envelope.
func (h *Handler) replayConflict(c *call, conflict httpx.Conflict, idem bool) answer {
	var a answer
	switch {
	case conflict == httpx.ConflictInProgress:
		a = errorAnswer(http.StatusConflict, codeInProgress, text(codeInProgress, c.lang))
	case conflict == httpx.ConflictAnswerLost:
		// Carried out, answer lost: the seed has no code of its own, and
		// 40902's text ("used for a different request") would be wrong.
		a = errorAnswer(http.StatusConflict, codeRequestIDReuse, conflict.Message())
	case conflict == httpx.ConflictBadKey:
		a = errorAnswer(http.StatusBadRequest, codeInvalid, (&problem{field: "Idempotency-Key", kind: kindTooLong, arg: "255"}).message(c.lang))
	case idem:
		a = errorAnswer(http.StatusConflict, codeRequestIDReuse, pick(idemReuse, c.lang))
	default:
		a = errorAnswer(http.StatusConflict, codeRequestIDReuse, text(codeRequestIDReuse, c.lang))
	}
	a.conflict = true
	return a
}

// contentType is the seed's Content-Type.
const contentType = "application/json;charset=UTF-8"

// success is {"error": 0, "data": ...}; without data, {"error": 0}.
type success struct {
	Error int `json:"error"`
	Data  any `json:"data,omitempty"`
}

// failure is the seed's error envelope; "error" is a string there.
type failure struct {
	Error    string `json:"error"`
	ErrorMsg string `json:"error_msg"`
}

func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("zeek: encoding a response: " + err.Error()) // only our own types are encoded
	}
	return b.Bytes()
}

func ok(data any) answer { return answer{status: http.StatusOK, body: encode(success{Data: data})} }

func errorAnswer(status int, code, msg string) answer {
	return answer{status: status, body: encode(failure{Error: code, ErrorMsg: msg})}
}

func (h *Handler) write(w http.ResponseWriter, lang string, a answer) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Language", lang)
	httpx.MarkReplayed(w, a.replayed)
	if a.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(a.retryAfter))
	}
	w.WriteHeader(a.status)
	w.Write(a.body)
}

// invalid is a 40001 naming the field.
func (h *Handler) invalid(c *call, p *problem) answer {
	return errorAnswer(http.StatusBadRequest, codeInvalid, p.message(c.lang))
}

// serviceError renders an error of the service in the seed's envelope.
// field maps a service field name onto the wire's (nil: as is).
func (h *Handler) serviceError(ctx context.Context, c *call, err error, field func(string) string) answer {
	e := hub.AsError(err)
	switch e.Code {
	case hub.CodeInvalid:
		f := e.Field
		if field != nil {
			f = field(f)
		}
		return h.invalid(c, &problem{field: f, kind: kindService, en: e.Message})
	case hub.CodeNotFound:
		return errorAnswer(http.StatusNotFound, codeNotFound, text(codeNotFound, c.lang))
	case hub.CodeUnauthorized:
		return errorAnswer(http.StatusUnauthorized, codeUnauthorised, text(codeUnauthorised, c.lang))
	case hub.CodeForbidden:
		return errorAnswer(http.StatusForbidden, codeForbidden, text(codeForbidden, c.lang))
	case hub.CodeConflict:
		// An ambiguous reference is not a status the order refuses: its
		// own code, naming the orders by hub number and channel (DESIGN.md
		// §10), as every door's answer does.
		if hub.ErrorReason(err) == hub.ReasonAmbiguousReference {
			return errorAnswer(http.StatusConflict, codeAmbiguous, ambiguousMessage(err, c.lang))
		}
		return errorAnswer(http.StatusConflict, codeConflict, text(codeConflict, c.lang))
	case hub.CodeRateLimited:
		a := errorAnswer(http.StatusTooManyRequests, codeRateLimited, text(codeRateLimited, c.lang))
		a.retryAfter = hub.RetryAfterSeconds(e)
		return a
	case hub.CodeTooLarge:
		return errorAnswer(http.StatusRequestEntityTooLarge, codeTooLarge, text(codeTooLarge, c.lang))
	case hub.CodeUnavailable:
		h.Log.WarnContext(ctx, "zeek: service unavailable", "path", c.path, "request_id", httpx.RequestID(ctx), "error", err)
		return errorAnswer(http.StatusServiceUnavailable, codeUnavailable, text(codeUnavailable, c.lang))
	}
	h.Log.ErrorContext(ctx, "zeek: internal error", "path", c.path, "request_id", httpx.RequestID(ctx), "error", err)
	return errorAnswer(http.StatusInternalServerError, codeInternal, text(codeInternal, c.lang))
}

// Regions of KS-Region and their zones.
var regions = map[string]struct {
	zone   string
	offset int // fallback when the host has no zone data; none of them observes DST
}{
	"SGN": {"Asia/Ho_Chi_Minh", 7 * 3600},
	"HKG": {"Asia/Hong_Kong", 8 * 3600},
	"BKK": {"Asia/Bangkok", 7 * 3600},
	"SIN": {"Asia/Singapore", 8 * 3600},
}

// DefaultZone is the seed's "GMT+8 will be applied as default".
var DefaultZone = time.FixedZone("GMT+8", 8*3600)

// RegionZone returns the zone of a KS-Region code (SGN, HKG, BKK, SIN;
// case-insensitive); an empty code is GMT+8. Unknown codes are not ok.
func RegionZone(code string) (*time.Location, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" {
		return DefaultZone, true
	}
	r, found := regions[code]
	if !found {
		return nil, false
	}
	if z, err := time.LoadLocation(r.zone); err == nil {
		return z, true
	}
	return time.FixedZone(code, r.offset), true
}
