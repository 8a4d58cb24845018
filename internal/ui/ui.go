package ui

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/service"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the dashboard needs from the command line.
type Config struct {
	Log *slog.Logger
	// TrustedProxies may say, with X-Forwarded-Proto, that a request came
	// over HTTPS (the session cookie is then Secure).
	TrustedProxies []netip.Prefix
	// Shutdown, once closed, ends every live stream, so that
	// http.Server.Shutdown does not wait for them. Nil: streams end only
	// when their clients go away.
	Shutdown <-chan struct{}
	// MaxStreams bounds the concurrent live streams (default 100).
	MaxStreams int
	// PollInterval is how often a stream reads new events (default 1 s).
	PollInterval time.Duration
	// Heartbeat is how often an idle stream sends a comment (default 15 s).
	Heartbeat time.Duration
	// SessionCheck is how often a live stream reads its session again and
	// ends once it has ended (default 5 s).
	SessionCheck time.Duration
	// SessionTTL is how long a login lasts (default 12 h).
	SessionTTL time.Duration
}

// Handler serves /ui.
type Handler struct {
	svc     *service.Service
	cfg     Config
	log     *slog.Logger
	pages   map[string]*template.Template
	streams chan struct{}

	zonesMu sync.Mutex
	zones   map[string]*time.Location
}

// Mux is where routes are registered: *http.ServeMux, or a wrapper.
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// New returns the dashboard.
func New(svc *service.Service, cfg Config) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = 100
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if cfg.SessionCheck <= 0 {
		cfg.SessionCheck = 5 * time.Second
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	h := &Handler{
		svc: svc, cfg: cfg, log: cfg.Log,
		pages:   map[string]*template.Template{},
		streams: make(chan struct{}, cfg.MaxStreams),
		zones:   map[string]*time.Location{},
	}
	for _, page := range []string{"login", "board", "order", "error", "catalog", "partners", "webhooks", "secret"} {
		h.pages[page] = template.Must(template.New("layout.html").ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+page+".html"))
	}
	return h
}

// Routes lists every /ui route.
func (h *Handler) Routes(mux Mux) {
	mux.Handle("GET /ui/static/{name}", secure(http.HandlerFunc(h.static)))
	mux.Handle("GET /ui/login", secure(http.HandlerFunc(h.loginPage)))
	mux.Handle("POST /ui/login", secure(http.HandlerFunc(h.login)))
	mux.Handle("POST /ui/logout", secure(h.authed(h.logout)))
	mux.Handle("GET /ui/", secure(h.authed(h.board)))
	mux.Handle("GET /ui/orders/{id}", secure(h.authed(h.orderPage)))
	mux.Handle("POST /ui/orders/{id}/actions/{action}", secure(h.authed(h.action)))
	mux.Handle("GET /ui/events", secure(h.authed(h.events)))
	mux.Handle("GET /ui/catalog", secure(h.authed(h.catalogPage)))
	mux.Handle("POST /ui/locations/{id}/status", secure(h.authed(h.setStatus)))
	mux.Handle("POST /ui/locations/{id}/accept", secure(h.authed(h.setAccept)))
	mux.Handle("POST /ui/locations/{id}/products/{product}/stock", secure(h.authed(h.setStock)))
	mux.Handle("POST /ui/locations/{id}/products/{product}/snooze", secure(h.authed(h.snooze)))
	mux.Handle("POST /ui/locations/{id}/products/{product}/unsnooze", secure(h.authed(h.unsnooze)))
	mux.Handle("GET /ui/partners", secure(h.authed(h.partnersPage)))
	mux.Handle("POST /ui/partners", secure(h.authed(h.createPartner)))
	mux.Handle("POST /ui/partners/{id}/settings", secure(h.authed(h.partnerSettings)))
	mux.Handle("POST /ui/partners/{id}/rotate", secure(h.authed(h.rotateCredential)))
	mux.Handle("POST /ui/partners/{id}/rotate-callback-secret", secure(h.authed(h.rotateCallbackSecret)))
	mux.Handle("POST /ui/partners/{id}/credentials/{credential}/revoke", secure(h.authed(h.revokeCredential)))
	mux.Handle("POST /ui/partners/{id}/balance", secure(h.authed(h.topUp)))
	mux.Handle("GET /ui/webhooks", secure(h.authed(h.webhooksPage)))
	mux.Handle("POST /ui/webhooks", secure(h.authed(h.createEndpoint)))
	mux.Handle("POST /ui/webhooks/{id}/test", secure(h.authed(h.testEndpoint)))
	mux.Handle("POST /ui/webhooks/{id}/replay-dead", secure(h.authed(h.replayEndpointDead)))
	mux.Handle("POST /ui/partners/{id}/replay-dead", secure(h.authed(h.replayPartnerDead)))
	mux.Handle("POST /ui/deliveries/{id}/replay", secure(h.authed(h.replayDelivery)))
}

// secure sets the headers every dashboard answer carries.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	b, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// authed finds the session (or redirects to the login) and checks the CSRF
// token of every POST.
func (h *Handler) authed(fn func(http.ResponseWriter, *http.Request, *session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := h.sessionOf(r)
		if err != nil {
			h.internalError(w, r, nil, err)
			return
		}
		if s == nil {
			http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if !h.parseForm(w, r) {
				return
			}
			if !tokenEqual(r.PostForm.Get("csrf"), s.csrf) {
				h.renderError(w, r, s, http.StatusForbidden, "The form has expired or did not come from this dashboard. Go back, reload the page and try again.")
				return
			}
		}
		fn(w, r, s)
	})
}

// parseForm reads a form body of at most 64 KiB.
func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, nil, http.StatusBadRequest, "The form could not be read.")
		return false
	}
	return true
}

// tokenEqual compares secrets in constant time; empty never matches.
func tokenEqual(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// isHTTPS is httpx.IsHTTPS under Config.TrustedProxies.
func (h *Handler) isHTTPS(r *http.Request) bool { return httpx.IsHTTPS(r, h.cfg.TrustedProxies) }

// page is what every template gets.
type page struct {
	Title string
	User  string
	CSRF  string
	// Nav is the current section (board, catalog, partners, webhooks).
	Nav   string
	Flash []flash
	// Data is the page's own view.
	Data any
}

// render writes a page; a template failure is a plain 500 (nothing
// half-written).
func (h *Handler) render(w http.ResponseWriter, r *http.Request, s *session, status int, name, title string, data any) {
	p := page{Title: title, Data: data, Nav: name}
	if s != nil {
		p.User, p.CSRF = s.user, s.csrf
		// The live view's background refresh must not eat a flash meant
		// for the page the user is being sent to.
		if r.Header.Get("X-Orderhub-Live") == "" {
			p.Flash = h.takeFlash(w, r)
		}
	}
	var buf bytes.Buffer
	if err := h.pages[name].Execute(&buf, p); err != nil {
		h.log.ErrorContext(r.Context(), "render", "request_id", httpx.RequestID(r.Context()), "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorView struct {
	Status  int
	Message string
}

func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	h.render(w, r, s, status, "error", http.StatusText(status), errorView{Status: status, Message: msg})
}

// internalError logs err in full and shows nothing of it.
func (h *Handler) internalError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	h.log.ErrorContext(r.Context(), "internal error", "request_id", httpx.RequestID(r.Context()), "error", err)
	h.renderError(w, r, s, http.StatusInternalServerError, "Something went wrong. Try again in a moment.")
}

// pathRow loads the row of the {id} path value (a what: "There is no
// such what." is the page of an id that names none); any error but not
// found is an internal one. ok false: it answered.
func pathRow[T any](h *Handler, w http.ResponseWriter, r *http.Request, s *session, what string,
	get func(context.Context, int64) (*T, error)) (*T, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.renderError(w, r, s, http.StatusNotFound, "There is no such "+what+".")
		return nil, false
	}
	v, err := get(r.Context(), id)
	if err != nil {
		if hub.ErrorCode(err) == hub.CodeNotFound {
			h.renderError(w, r, s, http.StatusNotFound, "There is no such "+what+".")
		} else {
			h.internalError(w, r, s, err)
		}
		return nil, false
	}
	return v, true
}

// postRow is the row of a POST's {id} (a what: "There is no such what."
// is the page of an id that names none) and where to go back to: the
// form's back, else the brand's list page (list?brand=N). ok false: it
// answered.
func postRow[T any](h *Handler, w http.ResponseWriter, r *http.Request, s *session, what string,
	get func(context.Context, int64) (*T, error), brandOf func(*T) int64, list string) (*T, string, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var v *T
	if err == nil && id > 0 {
		v, err = get(r.Context(), id)
	}
	if err != nil || id <= 0 {
		if err == nil || hub.ErrorCode(err) != hub.CodeInternal {
			h.renderError(w, r, s, http.StatusNotFound, "There is no such "+what+".")
		} else {
			h.internalError(w, r, s, err)
		}
		return nil, "", false
	}
	return v, safeBack(r.PostForm.Get("back"), list+"?brand="+strconv.FormatInt(brandOf(v), 10)), true
}

// scopedPage starts a page of a brand (scopeOf) and its view (view makes
// it with the scope). ok false: it answered, with an error or, while there
// is nothing to show (no brand; with needLocation, no location), with the
// empty view under title.
func scopedPage[V any](h *Handler, w http.ResponseWriter, r *http.Request, s *session, name, title string,
	needLocation bool, view func(*scope) V) (*scope, V, bool) {
	sc, ok := h.scopeOf(w, r, s, needLocation)
	if !ok {
		var none V
		return nil, none, false
	}
	v := view(sc)
	if sc.Brand == nil || needLocation && sc.Location == nil {
		h.render(w, r, s, http.StatusOK, name, title, v)
		return nil, v, false
	}
	return sc, v, true
}

// zone returns a location's time zone (UTC when it cannot be loaded).
func (h *Handler) zone(name string) *time.Location {
	h.zonesMu.Lock()
	defer h.zonesMu.Unlock()
	if z, ok := h.zones[name]; ok {
		return z
	}
	z, err := time.LoadLocation(name)
	if err != nil {
		z = time.UTC
	}
	h.zones[name] = z
	return z
}
