package world

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
)

// PlaceHubOrder places an order at brand A's first location through
// /hub/v1 and returns its number (the fuzz targets of the store-side
// calls need an order to name).
func (w *World) PlaceHubOrder(tb testing.TB, externalRef, product string) string {
	tb.Helper()
	body := fmt.Sprintf(`{"brand_id": %d, "location_id": %d, "external_ref": %q, "lines": [{"product": %q, "quantity": 1}]}`,
		w.A.BrandID, w.ALocations[0], externalRef, product)
	rr := w.Do(Request("POST", "/hub/v1/orders", body, "Authorization", "Bearer "+w.A.Hub.Token, "Content-Type", "application/json"))
	var out struct {
		Number string `json:"number"`
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &out); rr.Code != http.StatusCreated || err != nil {
		tb.Fatalf("hub order: %d %s", rr.Code, rr.Body.Bytes())
	}
	return out.Number
}

var seq atomic.Int64

// Unique is a fresh id for headers that must not repeat between fuzz
// iterations (KS-Client-Request-Id: a repeat would be replayed).
func Unique(prefix string) string { return prefix + strconv.FormatInt(seq.Add(1), 10) }

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// UISession signs the demo admin in to the dashboard and returns the
// session cookie's value and the session's CSRF token.
func (w *World) UISession(tb testing.TB) (session, csrf string) {
	tb.Helper()
	page := w.Do(Request("GET", "/ui/login", ""))
	var login *http.Cookie
	for _, c := range page.Result().Cookies() {
		if c.Name == "orderhub_login_csrf" {
			login = c
		}
	}
	if login == nil {
		tb.Fatalf("login page set no CSRF cookie: %d", page.Code)
	}
	form := url.Values{"csrf": {login.Value}, "username": {w.A.Admin.Username}, "password": {w.A.Admin.Password}}
	req := Request("POST", "/ui/login", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(login)
	rr := w.Do(req)
	for _, c := range rr.Result().Cookies() {
		if c.Name == "orderhub_session" && c.Value != "" {
			session = c.Value
		}
	}
	if rr.Code != http.StatusSeeOther || session == "" {
		tb.Fatalf("dashboard login: %d %s", rr.Code, rr.Body.Bytes())
	}
	req = Request("GET", "/ui/", "")
	req.AddCookie(&http.Cookie{Name: "orderhub_session", Value: session})
	board := w.Do(req)
	m := csrfField.FindSubmatch(board.Body.Bytes())
	if board.Code != http.StatusOK || m == nil {
		tb.Fatalf("board: %d, no CSRF token", board.Code)
	}
	return session, string(m[1])
}
