package ui_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
	"orderhub/internal/testutil/harness"
	"orderhub/internal/ui"
)

const (
	adminUser = "admin"
	adminPass = "correct horse battery"
)

// clock is 2026-03-01 03:04 UTC: 12:04 in Seoul, 19:04 the day before in
// Los Angeles.
var clock = time.Date(2026, 3, 1, 3, 4, 0, 0, time.UTC)

type fixture struct {
	*harness.Harness
	brand  *hub.Brand // KRW, two locations
	diner  *hub.Brand // USD
	seoul  *hub.Location
	la     *hub.Location
	nyc    *hub.Location
	rice   *hub.Product
	burger *hub.Product
}

func quietLog() *slog.Logger { return harness.Quiet() }

// testCatalog is the fixture's data: a KRW brand with two locations and
// a product, a USD brand with one of each.
func testCatalog() harness.Data {
	return harness.Data{Brands: []harness.Brand{{
		Brand: hub.Brand{Name: "Hanok", Currency: "KRW", TaxRateBP: 1000, TaxIncluded: true},
		Locations: []hub.Location{
			{Code: "SEL", Name: "Seoul", Timezone: "Asia/Seoul"},
			{Code: "LAX", Name: "Los Angeles", Timezone: "America/Los_Angeles"},
		},
		Products: []harness.Product{{Ref: "P001", Name: hub.I18n{"en": "Rice bowl"}, Price: 9500}},
	}, {
		Brand:     hub.Brand{Name: "Diner", Currency: "USD"},
		Locations: []hub.Location{{Code: "NYC", Name: "New York", Timezone: "America/New_York"}},
		Products:  []harness.Product{{Ref: "B1", Name: hub.I18n{"en": "Burger"}, Price: 1250}},
	}}}
}

// newFixture builds a catalog and an admin on st, the clock standing at
// clock; handler makes the server's handler (nil: the whole
// server.Handler, as orderhub serves it).
func newFixture(t *testing.T, st store.Store, handler func(*service.Service) http.Handler) *fixture {
	t.Helper()
	f := &fixture{Harness: harness.New(t, st, harness.Config{Clock: clock, Data: testCatalog()})}
	f.brand, f.diner = f.Brand(0), f.Brand(1)
	f.seoul, f.la, f.nyc = f.Location(t, "SEL"), f.Location(t, "LAX"), f.Location(t, "NYC")
	f.rice, f.burger = f.Product(t, "P001"), f.Product(t, "B1")
	must(f.T, f.Svc.CreateAdmin(f.Ctx, adminUser, adminPass))
	var h http.Handler
	if handler == nil {
		h = server.Handler(server.Config{Version: "test"}, f.Svc, quietLog())
	} else {
		h = handler(f.Svc)
	}
	f.Serve(h, nil)
	return f
}

// must fails the test on a setup error.
var must = testutil.Must

// order places an order through the service.
func (f *fixture) order(loc *hub.Location, p *hub.Product, qty int, notes string) *hub.Order {
	f.T.Helper()
	res, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: loc.BrandID, LocationID: loc.ID, Channel: hub.ChannelHub,
		Type: hub.OrderDineIn, Table: "7", Notes: notes, Lines: []service.LineInput{{ProductRef: p.RefID, Quantity: qty}}, Actor: "test"})
	must(f.T, err)
	// The live view follows dispatched events, as the delivery engine's
	// dispatcher numbers them.
	testutil.DispatchAll(f.T, f.Svc.Store())
	return res.Order
}

// client is a browser: cookies kept, redirects not followed.
func (f *fixture) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type answer struct {
	status int
	body   string
	header http.Header
}

func (f *fixture) get(c *http.Client, path string) answer {
	f.T.Helper()
	res, err := c.Get(f.Srv.URL + path)
	must(f.T, err)
	return read(f.T, res)
}

func (f *fixture) post(c *http.Client, path string, form url.Values) answer {
	f.T.Helper()
	res, err := c.PostForm(f.Srv.URL+path, form)
	must(f.T, err)
	return read(f.T, res)
}

func read(t *testing.T, res *http.Response) answer {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: res.StatusCode, body: string(b), header: res.Header}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field in %s", body)
	}
	return m[1]
}

// login logs a new client in and returns it with its session's CSRF token.
func (f *fixture) login() (*http.Client, string) {
	f.T.Helper()
	c := f.client()
	form := f.get(c, "/ui/login")
	a := f.post(c, "/ui/login", url.Values{"csrf": {csrfOf(f.T, form.body)}, "username": {adminUser}, "password": {adminPass}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/" {
		f.T.Fatalf("login: %d %s", a.status, a.header.Get("Location"))
	}
	board := f.get(c, "/ui/")
	if board.status != http.StatusOK {
		f.T.Fatalf("board after login: %d", board.status)
	}
	return c, csrfOf(f.T, board.body)
}

func sessionCookie(h http.Header) *http.Cookie {
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == "orderhub_session" {
			return c
		}
	}
	return nil
}

func TestLogin(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t), nil)

	t.Run("wrong password", func(t *testing.T) {
		c := f.client()
		form := f.get(c, "/ui/login")
		a := f.post(c, "/ui/login", url.Values{"csrf": {csrfOf(t, form.body)}, "username": {adminUser}, "password": {"wrong horse battery"}})
		if a.status != http.StatusOK || !strings.Contains(a.body, "Wrong username or password.") {
			t.Fatalf("status %d, body %s", a.status, a.body)
		}
		if sessionCookie(a.header) != nil {
			t.Error("a session cookie after a wrong password")
		}
		if a := f.get(c, "/ui/"); a.status != http.StatusSeeOther {
			t.Errorf("board after a failed login: %d", a.status)
		}
		// An unknown user reads the same.
		a = f.post(c, "/ui/login", url.Values{"csrf": {csrfOf(t, a.body)}, "username": {"nobody"}, "password": {adminPass}})
		if a.status != http.StatusOK || !strings.Contains(a.body, "Wrong username or password.") {
			t.Errorf("unknown user: %d", a.status)
		}
	})

	t.Run("login CSRF", func(t *testing.T) {
		c := f.client()
		f.get(c, "/ui/login")
		for _, token := range []string{"", "forged"} {
			a := f.post(c, "/ui/login", url.Values{"csrf": {token}, "username": {adminUser}, "password": {adminPass}})
			if a.status != http.StatusForbidden || sessionCookie(a.header) != nil {
				t.Errorf("csrf %q: status %d", token, a.status)
			}
		}
	})

	t.Run("success and logout", func(t *testing.T) {
		c := f.client()
		form := f.get(c, "/ui/login")
		a := f.post(c, "/ui/login", url.Values{"csrf": {csrfOf(t, form.body)}, "username": {adminUser}, "password": {adminPass}})
		sc := sessionCookie(a.header)
		if a.status != http.StatusSeeOther || sc == nil {
			t.Fatalf("status %d, cookie %v", a.status, sc)
		}
		if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Secure || sc.Path != "/ui" || len(sc.Value) < 40 {
			t.Errorf("session cookie %+v", sc)
		}
		board := f.get(c, "/ui/")
		if board.status != http.StatusOK || !strings.Contains(board.body, adminUser) {
			t.Fatalf("board: %d", board.status)
		}
		if csp := board.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("CSP %q", csp)
		}
		// Logging out needs the CSRF token too.
		if a := f.post(c, "/ui/logout", nil); a.status != http.StatusForbidden {
			t.Errorf("logout without CSRF: %d", a.status)
		}
		a = f.post(c, "/ui/logout", url.Values{"csrf": {csrfOf(t, board.body)}})
		if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/login" {
			t.Fatalf("logout: %d %s", a.status, a.header.Get("Location"))
		}
		// The old cookie is dead on the server, not only in this browser.
		old := f.client()
		u, _ := url.Parse(f.Srv.URL + "/ui/")
		old.Jar.SetCookies(u, []*http.Cookie{{Name: "orderhub_session", Value: sc.Value, Path: "/ui"}})
		if a := f.get(old, "/ui/"); a.status != http.StatusSeeOther {
			t.Errorf("board with a logged-out session: %d", a.status)
		}
	})
}

func TestSecureCookieOverHTTPS(t *testing.T) {
	svc := service.New(testutil.OpenSQLite(t), service.WithOutbound(testutil.Outbound))
	if err := svc.CreateAdmin(context.Background(), adminUser, adminPass); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(server.Handler(server.Config{}, svc, quietLog()))
	t.Cleanup(srv.Close)
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Get(srv.URL + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	form := read(t, res)
	res, err = c.PostForm(srv.URL+"/ui/login", url.Values{"csrf": {csrfOf(t, form.body)}, "username": {adminUser}, "password": {adminPass}})
	if err != nil {
		t.Fatal(err)
	}
	a := read(t, res)
	if sc := sessionCookie(a.header); a.status != http.StatusSeeOther || sc == nil || !sc.Secure {
		t.Fatalf("status %d, cookie %+v", a.status, sc)
	}
}

func TestLoggedOut(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t), nil)
	o := f.order(f.seoul, f.rice, 1, "")
	c := f.client()
	id := strconv.FormatInt(o.ID, 10)
	for _, path := range []string{"/ui/", "/ui/?brand=1", "/ui/orders/" + id, "/ui/events", "/ui/nowhere"} {
		if a := f.get(c, path); a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/login" {
			t.Errorf("GET %s: %d %q", path, a.status, a.header.Get("Location"))
		}
	}
	a := f.post(c, "/ui/orders/"+id+"/actions/confirm", url.Values{"csrf": {"x"}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/login" {
		t.Errorf("POST action: %d", a.status)
	}
	if got, _ := f.Svc.Store().GetOrder(f.Ctx, o.ID); got.Status != hub.StatusNew {
		t.Errorf("status %v", got.Status)
	}
	// The stylesheet and script need no login.
	for name, ct := range map[string]string{"ui.css": "text/css", "ui.js": "text/javascript"} {
		if a := f.get(c, "/ui/static/"+name); a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), ct) {
			t.Errorf("%s: %d %s", name, a.status, a.header.Get("Content-Type"))
		}
	}
	if a := f.get(c, "/ui/static/nope.css"); a.status != http.StatusNotFound {
		t.Errorf("unknown static file: %d", a.status)
	}
}

func TestCSRF(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t), nil)
	o := f.order(f.seoul, f.rice, 1, "")
	c, _ := f.login()
	_, otherToken := f.login() // another session's token is no good here
	path := "/ui/orders/" + strconv.FormatInt(o.ID, 10) + "/actions/confirm"
	for name, form := range map[string]url.Values{
		"missing":         {},
		"wrong":           {"csrf": {"forged"}},
		"another session": {"csrf": {otherToken}},
	} {
		if a := f.post(c, path, form); a.status != http.StatusForbidden {
			t.Errorf("%s token: status %d", name, a.status)
		}
	}
	if got, _ := f.Svc.Store().GetOrder(f.Ctx, o.ID); got.Status != hub.StatusNew {
		t.Errorf("a refused POST changed the order: %v", got.Status)
	}
}

// cardRE finds the board's cards and the column each one sits in.
var cardRE = regexp.MustCompile(`<section class="col col-(\w+)"|<article class="card[^"]*" id="order-(\d+)"`)

// columns maps each board column to its cards' ids, in order.
func columns(body string) map[string][]string {
	out := map[string][]string{}
	col := ""
	for _, m := range cardRE.FindAllStringSubmatch(body, -1) {
		if m[1] != "" {
			col = m[1]
			out[col] = out[col][:0:0]
			continue
		}
		out[col] = append(out[col], m[2])
	}
	return out
}

func id(o *hub.Order) string { return strconv.FormatInt(o.ID, 10) }

func TestBoard(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, nil)
		seoul := f.order(f.seoul, f.rice, 2, "")
		la := f.order(f.la, f.rice, 1, "")
		burger := f.order(f.nyc, f.burger, 3, "")
		done := f.order(f.seoul, f.rice, 1, "")
		move := func(o *hub.Order, a hub.Action) {
			t.Helper()
			if _, err := f.Svc.Transition(f.Ctx, service.TransitionInput{Scope: service.OrderScope{BrandID: o.BrandID},
				OrderRef: o.Number, Action: a, Actor: hub.Actor{Role: hub.RoleStore, Name: "test"}}); err != nil {
				t.Fatal(err)
			}
		}
		move(la, hub.ActionConfirm)
		move(done, hub.ActionComplete)
		c, _ := f.login()

		// The first brand by default; each order in its status's column,
		// money with the currency's sign and grouping, local times.
		a := f.get(c, "/ui/")
		got := columns(a.body)
		want := map[string][]string{"new": {id(seoul)}, "confirmed": {id(la)}, "preparing": {}, "ready": {}, "scheduled": {}, "done": {id(done)}}
		for col, ids := range want {
			if strings.Join(got[col], ",") != strings.Join(ids, ",") {
				t.Errorf("column %s: %v, want %v", col, got[col], ids)
			}
		}
		for _, want := range []string{seoul.Number, "₩19,000", "₩9,500", "12:04", "19:04", "just now", "Rice bowl", "Dine-in · table 7",
			"Los Angeles", `<option value="` + strconv.FormatInt(f.diner.ID, 10) + `">Diner</option>`, `data-new-count="1"`,
			`button type="submit" class="primary" data-action="confirm">Accept</button>`,
			`button type="submit" class="primary" data-action="prepare">Start preparing</button>`} {
			if !strings.Contains(a.body, want) {
				t.Errorf("board lacks %q", want)
			}
		}
		// The other brand, in its currency.
		a = f.get(c, "/ui/?brand="+strconv.FormatInt(f.diner.ID, 10))
		if got := columns(a.body); len(got["new"]) != 1 || got["new"][0] != id(burger) || !strings.Contains(a.body, "$37.50") {
			t.Errorf("diner board: %v", got)
		}
		// One location.
		a = f.get(c, "/ui/?location="+strconv.FormatInt(f.la.ID, 10))
		if got := columns(a.body); len(got["new"]) != 0 || len(got["confirmed"]) != 1 || len(got["done"]) != 0 {
			t.Errorf("location filter: %v", got)
		}
		// Bad filters are the user's mistake, not a 500.
		for path, want := range map[string]int{
			"/ui/?brand=x": http.StatusBadRequest, "/ui/?brand=999": http.StatusNotFound,
			"/ui/?brand=" + strconv.FormatInt(f.brand.ID, 10) + "&location=" + strconv.FormatInt(f.nyc.ID, 10): http.StatusNotFound,
			"/ui/?location=-1": http.StatusBadRequest, "/ui/nowhere": http.StatusNotFound, "/ui/orders/999999": http.StatusNotFound,
			"/ui/orders/abc": http.StatusNotFound, "/ui/catalog?location=x": http.StatusBadRequest, "/ui/webhooks?status=lost": http.StatusBadRequest,
		} {
			if a := f.get(c, path); a.status != want {
				t.Errorf("%s: %d, want %d", path, a.status, want)
			}
		}
	})
}

func TestOrderPageAndActions(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, nil)
		o := f.order(f.seoul, f.rice, 2, `<script>alert("x")</script> & "quotes"`)
		c, token := f.login()
		page := "/ui/orders/" + strconv.FormatInt(o.ID, 10)
		act := func(action string) answer {
			return f.post(c, page+"/actions/"+action, url.Values{"csrf": {token}, "back": {page}})
		}

		a := f.get(c, page)
		if a.status != http.StatusOK {
			t.Fatalf("order page: %d", a.status)
		}
		for _, want := range []string{o.Number, "Rice bowl", "₩19,000", "Subtotal", "<td>create</td>", "12:04 (just now)",
			`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;`} {
			if !strings.Contains(a.body, want) {
				t.Errorf("order page lacks %q", want)
			}
		}
		if strings.Contains(a.body, "<script>alert") {
			t.Error("the order note is not escaped")
		}
		// A new order may be confirmed, prepared, completed, paid or
		// cancelled, but not be ready.
		for action, shown := range map[string]bool{"confirm": true, "prepare": true, "ready": false, "complete": true, "pay": true, "cancel": true} {
			if got := strings.Contains(a.body, "/actions/"+action+`"`); got != shown {
				t.Errorf("button %s shown = %v, want %v", action, got, shown)
			}
		}

		a = act("confirm")
		if a.status != http.StatusSeeOther || a.header.Get("Location") != page {
			t.Fatalf("confirm: %d %q", a.status, a.header.Get("Location"))
		}
		got, err := f.Svc.Store().GetOrder(f.Ctx, o.ID)
		must(f.T, err)
		hist, err := f.Svc.Store().OrderHistory(f.Ctx, o.ID)
		must(f.T, err)
		last := hist[len(hist)-1]
		if got.Status != hub.StatusConfirmed || last.Action != "confirm" || last.Actor != "ui:admin" || last.ToStatus != hub.StatusConfirmed {
			t.Fatalf("after confirm: status %v, history %+v", got.Status, last)
		}
		a = f.get(c, page)
		if !strings.Contains(a.body, "Order "+o.Number+" confirmed.") || !strings.Contains(a.body, "ui:admin") {
			t.Error("no success message or history row on the page")
		}
		if strings.Contains(a.body, "/actions/confirm\"") || !strings.Contains(a.body, "/actions/ready\"") {
			t.Error("buttons do not follow the new status")
		}
		// The flash is shown once.
		if a = f.get(c, page); strings.Contains(a.body, "Order "+o.Number+" confirmed.") {
			t.Error("the flash message came back")
		}

		// Refused by the domain: its own message, no 500, nothing changed.
		_, refusal := hub.Transition(hub.StatusConfirmed, hub.ActionConfirm, hub.Actor{Role: hub.RoleStore})
		a = act("confirm")
		if a.status != http.StatusSeeOther {
			t.Fatalf("refused confirm: %d", a.status)
		}
		a = f.get(c, page)
		if !strings.Contains(a.body, `role="alert"`) || !strings.Contains(a.body, hub.PublicMessage(refusal)) {
			t.Errorf("no refusal message %q on the page", hub.PublicMessage(refusal))
		}
		if hist2, _ := f.Svc.Store().OrderHistory(f.Ctx, o.ID); len(hist2) != len(hist) {
			t.Error("a refused action wrote history")
		}
		// An unknown action is a message too.
		if a = act("explode"); a.status != http.StatusSeeOther {
			t.Errorf("unknown action: %d", a.status)
		}
		if a = f.get(c, page); !strings.Contains(a.body, "unknown action") {
			t.Error("no message for an unknown action")
		}

		// Mark paid, from the board, back to the board.
		a = f.post(c, page+"/actions/pay", url.Values{"csrf": {token}, "back": {"/ui/?status=confirmed"}})
		if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/?status=confirmed" {
			t.Fatalf("pay: %d %q", a.status, a.header.Get("Location"))
		}
		if got, _ := f.Svc.Store().GetOrder(f.Ctx, o.ID); got.PaymentStatus != hub.PaymentPaid {
			t.Errorf("payment %v", got.PaymentStatus)
		}
		// back never leaves the dashboard.
		a = f.post(c, page+"/actions/prepare", url.Values{"csrf": {token}, "back": {"//evil.example/"}})
		if a.header.Get("Location") != page {
			t.Errorf("back to %q", a.header.Get("Location"))
		}
		if got, _ := f.Svc.Store().GetOrder(f.Ctx, o.ID); got.Status != hub.StatusPreparing {
			t.Errorf("status %v after prepare", got.Status)
		}
	})
}

// stream opens GET /ui/events and sends its lines on a channel.
func stream(t *testing.T, f *fixture, c *http.Client, path string) (<-chan string, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.Srv.URL+path, nil)
	sc := *c
	sc.Timeout = 0 // the context bounds it
	res, err := sc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(res.Body)
		for s.Scan() {
			lines <- s.Text()
		}
	}()
	return lines, res
}

// nextData waits (bounded) for the next "data:" line of an "order" event.
func nextData(t *testing.T, lines <-chan string, within time.Duration) string {
	t.Helper()
	deadline := time.After(within)
	event := ""
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended")
			}
			if v, ok := strings.CutPrefix(l, "event: "); ok {
				event = v
			}
			if v, ok := strings.CutPrefix(l, "data: "); ok && event == "order" {
				return v
			}
		case <-deadline:
			t.Fatalf("no order event within %v", within)
		}
	}
}

func TestLiveEvents(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t), nil)
	f.order(f.seoul, f.rice, 1, "") // before the stream: not announced
	c, _ := f.login()
	lines, _ := stream(t, f, c, "/ui/events?brand="+strconv.FormatInt(f.brand.ID, 10))
	// The stream has its starting point once its headers are in.
	f.order(f.nyc, f.burger, 1, "") // another brand: not announced
	o := f.order(f.la, f.rice, 1, "")
	data := nextData(t, lines, 5*time.Second)
	want := `{"order_id":` + strconv.FormatInt(o.ID, 10) + `,"location_id":` + strconv.FormatInt(f.la.ID, 10) + `,"type":"order.created"}`
	if data != want {
		t.Fatalf("data %s, want %s", data, want)
	}
}

// TestLiveStreamLimitsAndShutdown runs the dashboard alone with a small
// stream limit, fast polling and a server with short read/write timeouts:
// streams outlive the timeouts, the limit answers 503, and closing
// Config.Shutdown ends them so that http.Server.Shutdown returns at once.
func TestLiveStreamLimitsAndShutdown(t *testing.T) {
	shutdown := make(chan struct{})
	f := newFixture(t, testutil.OpenSQLite(t), func(svc *service.Service) http.Handler {
		mux := http.NewServeMux()
		ui.New(svc, ui.Config{Log: quietLog(), Shutdown: shutdown, MaxStreams: 1, PollInterval: 50 * time.Millisecond,
			Heartbeat: 100 * time.Millisecond}).Routes(mux)
		return mux
	})
	// Log in (slow under -race: PBKDF2), then restart the test server on
	// the same handler with timeouts shorter than the test. Cookies do not
	// care about the port.
	c, _ := f.login()
	f.Srv.Close()
	f.Srv = httptest.NewUnstartedServer(f.Srv.Config.Handler)
	srv := f.Srv.Config
	srv.ReadTimeout, srv.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	srv.RegisterOnShutdown(func() { close(shutdown) })
	f.Srv.Start()
	t.Cleanup(f.Srv.Close)

	lines, _ := stream(t, f, c, "/ui/events")
	if a := f.get(c, "/ui/events"); a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") == "" {
		t.Errorf("a second stream over the limit: %d", a.status)
	}
	time.Sleep(800 * time.Millisecond) // past both server timeouts
	o := f.order(f.nyc, f.burger, 1, "")
	if data := nextData(t, lines, 5*time.Second); !strings.Contains(data, `"order_id":`+strconv.FormatInt(o.ID, 10)+",") {
		t.Fatalf("data %s", data)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Shutdown took %v: it waited for the stream", d)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-lines:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the stream did not end at shutdown")
		}
	}
}

func TestModifierTree(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t), nil)
	res, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.seoul.ID, Channel: hub.ChannelHub,
		Lines: []service.LineInput{{ProductRef: f.rice.RefID, Quantity: 1, SpecialInstructions: "no <b>onions</b>",
			ExtraModifiers: []hub.Modifier{
				{Kind: hub.ModifierOption, GroupName: "Toppings", ItemID: "9", Name: "Egg", Quantity: 1, Removed: true},
				{Kind: hub.ModifierCombo, ItemID: "10", Name: "Side", Quantity: 1,
					Children: []hub.Modifier{{Kind: hub.ModifierOption, ItemID: "11", Name: "Kimchi", Quantity: 2}}},
			}}}, Actor: "test"})
	must(f.T, err)
	c, _ := f.login()
	a := f.get(c, "/ui/orders/"+strconv.FormatInt(res.Order.ID, 10))
	for _, want := range []string{`<li class="removed"><span class="tag">no</span> <span class="group">Toppings:</span> 1× Egg</li>`,
		`1× Side<ul class="mods"><li>2× Kimchi</li></ul>`, "no &lt;b&gt;onions&lt;/b&gt;"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("order page lacks %s", want)
		}
	}
}

// TestLiveStreamEndsWithSession: an open stream reads its session again
// (Config.SessionCheck) and ends, with an "ended" event, once a logout, a
// new password or the admin's removal has ended the session. On both
// databases.
func TestLiveStreamEndsWithSession(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, func(svc *service.Service) http.Handler {
			mux := http.NewServeMux()
			ui.New(svc, ui.Config{Log: quietLog(), PollInterval: 50 * time.Millisecond, SessionCheck: 20 * time.Millisecond}).Routes(mux)
			return mux
		})
		for _, tc := range []struct {
			name string
			end  func(c *http.Client, token string)
		}{
			{"logout", func(c *http.Client, token string) {
				if a := f.post(c, "/ui/logout", url.Values{"csrf": {token}}); a.status != http.StatusSeeOther {
					t.Fatalf("logout: %d", a.status)
				}
			}},
			{"admin passwd", func(*http.Client, string) { must(f.T, f.Svc.SetAdminPassword(f.Ctx, adminUser, adminPass)) }},
			{"admin remove", func(*http.Client, string) { must(f.T, f.Svc.RemoveAdmin(f.Ctx, adminUser)) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c, token := f.login()
				lines, _ := stream(t, f, c, "/ui/events")
				// The session is checked while it lasts: an order still comes.
				o := f.order(f.seoul, f.rice, 1, "")
				if data := nextData(t, lines, 5*time.Second); !strings.Contains(data, `"order_id":`+strconv.FormatInt(o.ID, 10)+",") {
					t.Fatalf("data %s", data)
				}
				tc.end(c, token)
				deadline := time.After(5 * time.Second)
				ended := false
				for {
					select {
					case l, ok := <-lines:
						if !ok {
							if !ended {
								t.Error("the stream closed without an ended event")
							}
							return
						}
						ended = ended || l == "event: ended"
					case <-deadline:
						t.Fatal("the stream outlived its session")
					}
				}
			})
		}
	})
}
