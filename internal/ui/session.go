package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/service"
)

const (
	sessionCookie = "orderhub_session"
	loginCookie   = "orderhub_login_csrf"
	flashCookie   = "orderhub_flash"
)

// session is the login of one request: the cookie's token (only its hash
// is stored, by service.Login), whose it is, and the CSRF token derived
// from it.
type session struct {
	token string
	user  string
	csrf  string
}

type flash struct {
	Error bool   `json:"e,omitempty"`
	Text  string `json:"t"`
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken is derived from the session token, so nothing more is stored
// and every node computes the same one; a page of another origin can read
// neither.
func csrfToken(sessionToken string) string {
	sum := sha256.Sum256([]byte("orderhub-csrf\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// sessionOf reads the request's session from the database (nil: none, or
// it expired or was ended).
func (h *Handler) sessionOf(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	a, err := h.svc.Session(r.Context(), c.Value)
	if err != nil {
		if hub.ErrorCode(err) == hub.CodeUnauthorized {
			return nil, nil
		}
		return nil, err
	}
	return &session{token: c.Value, user: a.Username, csrf: csrfToken(c.Value)}, nil
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.isHTTPS(r)})
}

// addFlash keeps a message for the next page in a short cookie (it is the
// user's own text to see; html/template escapes it).
func (h *Handler) addFlash(w http.ResponseWriter, r *http.Request, f flash) {
	b, _ := json.Marshal([]flash{f})
	h.setCookie(w, r, flashCookie, base64.RawURLEncoding.EncodeToString(b), "/ui", 60)
}

// takeFlash reads and clears the flash cookie.
func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) []flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	h.setCookie(w, r, flashCookie, "", "/ui", -1)
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	var fs []flash
	if err != nil || json.Unmarshal(b, &fs) != nil || len(fs) > 5 {
		return nil
	}
	return fs
}

type loginView struct {
	Token    string
	Username string
	Error    string
}

// loginPage is GET /ui/login: the form, with a fresh double-submit token.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if s, _ := h.sessionOf(r); s != nil {
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

// clientAddress is the throttle's address, by the one rule of every
// surface (httpx.ClientAddr: the right-most X-Forwarded-For hop that is not
// a trusted proxy).
func (h *Handler) clientAddress(r *http.Request) string {
	return httpx.ClientAddr(r, h.cfg.TrustedProxies).String()
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
	token, err := h.svc.Login(r.Context(), service.LoginInput{Username: user, Password: password,
		Address: h.clientAddress(r), TTL: h.cfg.SessionTTL})
	if err != nil {
		e := hub.AsError(err)
		switch {
		case e.Reason == service.ReasonLoginThrottled:
			h.log.WarnContext(r.Context(), "dashboard login throttled", "user", user, "address", h.clientAddress(r))
			if secs, ok := e.Details["retry_after"].(int); ok && secs > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(secs))
			}
			h.showLogin(w, r, http.StatusTooManyRequests, user,
				"Too many failed logins for this account from this address: "+strings.TrimPrefix(e.Message, "too many failed logins: ")+
					". An admin can set a new password with orderhub admin passwd.")
		case e.Code == hub.CodeUnauthorized:
			h.showLogin(w, r, http.StatusOK, user, "Wrong username or password.")
		default:
			h.internalError(w, r, nil, err)
		}
		return
	}
	h.setCookie(w, r, loginCookie, "", "/ui/login", -1)
	h.setCookie(w, r, sessionCookie, token, "/ui", int(h.cfg.SessionTTL.Seconds()))
	h.log.InfoContext(r.Context(), "dashboard login", "user", user)
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

// logout is POST /ui/logout.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *session) {
	if err := h.svc.Logout(r.Context(), s.token); err != nil {
		h.internalError(w, r, s, err)
		return
	}
	h.setCookie(w, r, sessionCookie, "", "/ui", -1)
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}
