package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"orderhub/internal/hub"
)

const (
	sessionCookie = "orderhub_session"
	loginCookie   = "orderhub_login_csrf"
)

// session is one login. user and csrf never change; flash is guarded by
// sessions.mu.
type session struct {
	key     [32]byte // SHA-256 of the cookie value
	user    string
	csrf    string
	expires time.Time
	flash   []flash
}

type flash struct {
	Error bool
	Text  string
}

// sessions are kept in memory, keyed by the hash of their id (so that map
// lookups leak nothing useful by timing).
type sessions struct {
	mu  sync.Mutex
	m   map[[32]byte]*session
	ttl time.Duration
	now func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{m: map[[32]byte]*session{}, ttl: ttl, now: now}
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session and returns its cookie value.
func (ss *sessions) create(user string) (string, *session) {
	id := randomToken()
	s := &session{key: sha256.Sum256([]byte(id)), user: user, csrf: randomToken(), expires: ss.now().Add(ss.ttl)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for k, old := range ss.m {
		if !now.Before(old.expires) {
			delete(ss.m, k)
		}
	}
	ss.m[s.key] = s
	return id, s
}

func (ss *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	key := sha256.Sum256([]byte(id))
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[key]
	if !ok {
		return nil
	}
	if !ss.now().Before(s.expires) {
		delete(ss.m, key)
		return nil
	}
	return s
}

func (ss *sessions) delete(s *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, s.key)
}

func (ss *sessions) addFlash(s *session, f flash) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.flash = append(s.flash, f)
}

func (ss *sessions) takeFlash(s *session) []flash {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	f := s.flash
	s.flash = nil
	return f
}

func (h *Handler) sessionOf(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	return h.sessions.get(c.Value)
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.isHTTPS(r)})
}

type loginView struct {
	Token    string
	Username string
	Error    string
}

// loginPage is GET /ui/login: the form, with a fresh double-submit token.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if h.sessionOf(r) != nil {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
		return
	}
	h.showLogin(w, r, http.StatusOK, "", "")
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, username, msg string) {
	token := randomToken()
	h.setCookie(w, r, loginCookie, token, "/ui/login", 3600)
	h.render(w, r, nil, status, "login", "Log in", loginView{Token: token, Username: username, Error: msg})
}

// login is POST /ui/login.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !tokenEqual(r.PostForm.Get("csrf"), c.Value) {
		h.renderError(w, r, nil, http.StatusForbidden, "The login form has expired or did not come from this dashboard. Reload it and try again.")
		return
	}
	user := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	if user == "" || password == "" {
		h.showLogin(w, r, http.StatusOK, user, "Enter your username and password.")
		return
	}
	if err := h.svc.AuthenticateAdmin(r.Context(), user, password); err != nil {
		if hub.ErrorCode(err) == hub.CodeInternal {
			h.internalError(w, r, nil, err)
			return
		}
		h.showLogin(w, r, http.StatusOK, user, "Wrong username or password.")
		return
	}
	id, _ := h.sessions.create(user)
	h.setCookie(w, r, loginCookie, "", "/ui/login", -1)
	h.setCookie(w, r, sessionCookie, id, "/ui", 0)
	h.log.InfoContext(r.Context(), "dashboard login", "user", user)
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

// logout is POST /ui/logout.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *session) {
	h.sessions.delete(s)
	h.setCookie(w, r, sessionCookie, "", "/ui", -1)
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}
