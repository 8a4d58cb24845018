package zeek

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
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
	svc *service.Service
	cfg Config
	log *slog.Logger
}

// New returns the handler.
func New(svc *service.Service, cfg Config) *Handler {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	return &Handler{svc: svc, cfg: cfg, log: log.With("protocol", "zeek")}
}

// Routes registers the four calls. Paths are registered without a method
// so that other methods get the seed's envelope (40501) rather than the
// mux's plain-text 405.
func (h *Handler) Routes(mux interface {
	Handle(string, http.Handler)
	HandleFunc(string, func(http.ResponseWriter, *http.Request))
}) {
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
	partner   *hub.Partner // nil on the token call
	header    http.Header
}

func (c *call) reader() *reader { return &reader{zone: c.zone} }

// answer is a response ready to write (and to record for replays).
type answer struct {
	status int
	body   []byte
	// replayed marks a recorded answer given again (Idempotent-Replayed:
	// true, as the native API's Idempotency-Key replays say).
	replayed bool
}

type ctxKey struct{}

// endpoint builds the layers of one call: method and KS headers, bearer
// auth, the Idempotency-Key middleware (DESIGN.md §4; per client, not per
// token, so that a retry with a fresh token still replays; not on the token
// call, whose answer holds a live token that must not be stored), the
// KS-Client-Request-Id replay, and the call itself.
func (h *Handler) endpoint(auth bool, run func(ctx context.Context, c *call) answer) http.Handler {
	var inner http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		c := ctx.Value(ctxKey{}).(*call)
		body, err := httpx.ReadBody(r)
		if err != nil {
			h.write(w, c.lang, h.invalid(c, &problem{field: "body", kind: kindService, en: hub.PublicMessage(err)}))
			return
		}
		c.body = body
		if !auth {
			h.write(w, c.lang, run(ctx, c))
			return
		}
		h.write(w, c.lang, h.once(ctx, c, true, func() answer { return run(ctx, c) }))
	})
	if auth {
		idem := httpx.Idempotency(h.svc.Store(), "zeek", h.log, h.idempotencyConflict, inner)
		inner = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			c := ctx.Value(ctxKey{}).(*call)
			p, err := h.authenticate(ctx, r)
			if err != nil {
				h.write(w, c.lang, h.serviceError(ctx, c, err, nil))
				return
			}
			c.partner = p
			// The middleware scopes keys by the Authorization header:
			// name the client instead of its token.
			r = r.Clone(ctx)
			r.Header.Set("Authorization", "zeek-client "+strconv.FormatInt(p.ID, 10))
			idem.ServeHTTP(w, r)
		})
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
		inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, c)))
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
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, &hub.Error{Code: hub.CodeUnauthorized, Message: "bearer token required"}
	}
	return h.svc.AuthenticateAccessToken(ctx, hub.ChannelZeek, token)
}

// rerunMarker is the content type of a recorded answer that was not kept
// (the token call's): a replay runs the call again.
const rerunMarker = "zeek/rerun"

// once applies KS-Client-Request-Id (DESIGN.md §4): per client, the first
// request with an id runs and its answer is recorded (unless it is a 5xx,
// which may be retried); the same id with the same method, path and body
// answers the recorded answer again without running anything; the same id
// with anything else is 40902, and while the first is still running 40903.
// With keep false the answer is not stored (it holds a live access token,
// which orderhub keeps only as a hash): a replay runs the call again.
func (h *Handler) once(ctx context.Context, c *call, keep bool, run func() answer) answer {
	st := h.svc.Store()
	scope := "zeek:" + strconv.FormatInt(c.partner.ID, 10)
	sum := sha256.Sum256(append([]byte(c.method+" "+c.path+"\n"), c.body...))
	hash := hex.EncodeToString(sum[:])
	inserted := false
	for attempt := 0; attempt < 2 && !inserted; attempt++ {
		rec, err := st.GetIdempotency(ctx, scope, c.requestID)
		if err == nil && time.Since(rec.CreatedAt) > httpx.IdempotencyTTL {
			if derr := st.Update(ctx, func(tx store.Tx) error { return tx.DeleteIdempotency(ctx, scope, c.requestID) }); derr != nil {
				return h.serviceError(ctx, c, derr, nil)
			}
			rec, err = nil, hub.NotFound("expired")
		}
		switch {
		case err == nil:
			if rec.RequestHash != hash {
				return errorAnswer(http.StatusConflict, codeRequestIDReuse, text(codeRequestIDReuse, c.lang))
			}
			if rec.Status == 0 {
				return errorAnswer(http.StatusConflict, codeInProgress, text(codeInProgress, c.lang))
			}
			if rec.ContentType == rerunMarker {
				return run()
			}
			return answer{status: rec.Status, body: rec.Body, replayed: true}
		case hub.ErrorCode(err) != hub.CodeNotFound:
			return h.serviceError(ctx, c, err, nil)
		}
		err = st.Update(ctx, func(tx store.Tx) error {
			return tx.PutIdempotency(ctx, &store.IdempotencyRecord{Scope: scope, Key: c.requestID, RequestHash: hash})
		})
		switch {
		case err == nil:
			inserted = true
		case hub.ErrorCode(err) != hub.CodeConflict:
			return h.serviceError(ctx, c, err, nil)
		}
		// On a conflict a concurrent request with the same id won the
		// insert: look again and answer as its replay.
	}
	if !inserted {
		return errorAnswer(http.StatusConflict, codeInProgress, text(codeInProgress, c.lang))
	}
	done := false
	// The answer is recorded (or the id freed) even when the client has
	// gone: a client that gave up is the one that retries with this id.
	wctx := context.WithoutCancel(ctx)
	defer func() {
		// A panic or a 5xx leaves the id free for a retry.
		if !done {
			st.Update(wctx, func(tx store.Tx) error { return tx.DeleteIdempotency(wctx, scope, c.requestID) })
		}
	}()
	ans := run()
	if ans.status >= 500 {
		return ans
	}
	rec := &store.IdempotencyRecord{Scope: scope, Key: c.requestID, RequestHash: hash, Status: ans.status, ContentType: contentType, Body: ans.body}
	if !keep {
		rec.ContentType, rec.Body = rerunMarker, nil
	}
	if err := st.Update(wctx, func(tx store.Tx) error { return tx.PutIdempotency(wctx, rec) }); err != nil {
		h.log.ErrorContext(ctx, "zeek: recording the answer to a request id failed", "request_id", httpx.RequestID(ctx), "error", err)
		return ans
	}
	done = true
	return ans
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
	if a.replayed {
		w.Header().Set("Idempotent-Replayed", "true")
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
		return errorAnswer(http.StatusConflict, codeConflict, text(codeConflict, c.lang))
	case hub.CodeUnavailable:
		h.log.WarnContext(ctx, "zeek: service unavailable", "path", c.path, "request_id", httpx.RequestID(ctx), "error", err)
		return errorAnswer(http.StatusServiceUnavailable, codeUnavailable, text(codeUnavailable, c.lang))
	}
	h.log.ErrorContext(ctx, "zeek: internal error", "path", c.path, "request_id", httpx.RequestID(ctx), "error", err)
	return errorAnswer(http.StatusInternalServerError, codeInternal, text(codeInternal, c.lang))
}

// idempotencyConflict renders httpx.Idempotency's refusals (Idempotency-Key).
func (h *Handler) idempotencyConflict(w http.ResponseWriter, r *http.Request, status int, message string) {
	lang := langEN
	if c, _ := r.Context().Value(ctxKey{}).(*call); c != nil {
		lang = c.lang
	}
	switch {
	case status == http.StatusConflict:
		h.write(w, lang, errorAnswer(http.StatusConflict, codeInProgress, text(codeInProgress, lang)))
	case status == http.StatusUnprocessableEntity && strings.Contains(message, "already used"):
		h.write(w, lang, errorAnswer(http.StatusConflict, codeRequestIDReuse, pick(idemReuse, lang)))
	default:
		p := &problem{field: "Idempotency-Key", kind: kindTooLong, arg: "255"}
		if status == http.StatusBadRequest {
			p = &problem{field: "body", kind: kindService, en: message}
		}
		h.write(w, lang, errorAnswer(http.StatusBadRequest, codeInvalid, p.message(lang)))
	}
}

var idemReuse = [2]string{"Idempotency-Key was already used for a different request", "Idempotency-Key đã được dùng cho một yêu cầu khác"}

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
