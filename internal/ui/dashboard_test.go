package ui_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestSessionsInDatabase: a login made at one node is served by another
// on the same database, and by a restarted one; logging out at one ends it
// at both; it expires after its TTL on every node. On both databases.
func TestSessionsInDatabase(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, nil)
		c, token := f.login()
		other := httptest.NewServer(server.Handler(server.Config{Version: "test"},
			service.New(st, service.WithClock(func() time.Time { return clock })), quietLog()))
		defer other.Close()
		jar := c.Jar
		onOther := func(path string) *http.Response {
			t.Helper()
			u, _ := url.Parse(f.Srv.URL + "/ui/")
			req, _ := http.NewRequest("GET", other.URL+path, nil)
			for _, ck := range jar.Cookies(u) {
				req.AddCookie(ck)
			}
			res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		if res := onOther("/ui/"); res.StatusCode != http.StatusOK {
			t.Fatalf("the other node: %d, want the board", res.StatusCode)
		}
		// Twelve hours later (the default TTL) it has expired everywhere.
		late := httptest.NewServer(server.Handler(server.Config{Version: "test"},
			service.New(st, service.WithClock(func() time.Time { return clock.Add(12 * time.Hour) })), quietLog()))
		defer late.Close()
		req, _ := http.NewRequest("GET", late.URL+"/ui/", nil)
		u, _ := url.Parse(f.Srv.URL + "/ui/")
		for _, ck := range jar.Cookies(u) {
			req.AddCookie(ck)
		}
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("an expired session: %d, want the login", res.StatusCode)
		}
		if a := f.post(c, "/ui/logout", url.Values{"csrf": {token}}); a.status != http.StatusSeeOther {
			t.Fatalf("logout: %d", a.status)
		}
		if res := onOther("/ui/"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("the other node after logout: %d, want the login", res.StatusCode)
		}
	})
}

// TestLoginThrottleMessage: the sixth wrong try says why and is a 429; a
// right password does not get through while the name is locked.
func TestLoginThrottleMessage(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t), nil)
	c := f.client()
	page := f.get(c, "/ui/login")
	for i := range service.LoginAccountFailures {
		page = f.post(c, "/ui/login", url.Values{"csrf": {csrfOf(t, page.body)}, "username": {adminUser}, "password": {"wrong"}})
		if page.status != http.StatusOK || !strings.Contains(page.body, "Wrong username or password.") {
			t.Fatalf("try %d: %d", i+1, page.status)
		}
	}
	a := f.post(c, "/ui/login", url.Values{"csrf": {csrfOf(t, page.body)}, "username": {adminUser}, "password": {adminPass}})
	if a.status != http.StatusTooManyRequests || sessionCookie(a.header) != nil ||
		!strings.Contains(a.body, "Too many failed logins for this account from this address: try again in 15 min.") {
		t.Fatalf("locked: %d %s", a.status, a.body)
	}
	// 429 says when to try again, as every surface's does.
	if ra := a.header.Get("Retry-After"); ra != "900" {
		t.Errorf("Retry-After %q, want 900", ra)
	}
}

// TestCSRFEveryChange: every state-changing route refuses a POST without
// the session's token, or with another session's, with a 403, and writes
// nothing (no configuration version, no event, no order change).
func TestCSRFEveryChange(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t), nil)
	o := f.order(f.seoul, f.rice, 1, "")
	p := &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelKakao, Name: "bot"}
	svc := service.New(f.Svc.Store(), server.Protocols().Option())
	cred, _, err := svc.CreatePartner(f.Ctx, p)
	must(f.T, err)
	ep, _, err := delivery.CreateEndpoint(f.Ctx, f.Svc.Store(), f.brand.ID, "https://hooks.example/x", []string{"order.created"})
	must(f.T, err)
	c, token := f.login()
	_, other := f.login()
	if other == token {
		t.Fatal("two sessions share a CSRF token")
	}
	loc, prod, pid, eid := strconv.FormatInt(f.seoul.ID, 10), strconv.FormatInt(f.rice.ID, 10), strconv.FormatInt(p.ID, 10), strconv.FormatInt(ep.ID, 10)
	paths := []string{
		"/ui/logout", "/ui/orders/" + id(o) + "/actions/confirm", "/ui/orders/" + id(o) + "/actions/cancel",
		"/ui/locations/" + loc + "/status", "/ui/locations/" + loc + "/accept",
		"/ui/locations/" + loc + "/products/" + prod + "/stock", "/ui/locations/" + loc + "/products/" + prod + "/snooze",
		"/ui/locations/" + loc + "/products/" + prod + "/unsnooze",
		"/ui/partners", "/ui/partners/" + pid + "/settings", "/ui/partners/" + pid + "/rotate", "/ui/partners/" + pid + "/rotate-callback-secret",
		"/ui/partners/" + pid + "/credentials/" + strconv.FormatInt(cred.ID, 10) + "/revoke", "/ui/partners/" + pid + "/balance",
		"/ui/partners/" + pid + "/replay-dead", "/ui/webhooks", "/ui/webhooks/" + eid + "/test", "/ui/webhooks/" + eid + "/replay-dead",
		"/ui/deliveries/1/replay",
	}
	version := func() int64 {
		v, err := f.Svc.Store().ConfigVersion(f.Ctx)
		must(f.T, err)
		return v
	}
	events := func() int {
		es, err := f.Svc.Store().ListEventsByID(f.Ctx, 0, 10000)
		must(f.T, err)
		return len(es)
	}
	v0, e0 := version(), events()
	form := url.Values{"brand": {strconv.FormatInt(f.brand.ID, 10)}, "protocol": {"kakao"}, "mode": {"paused"}, "quantity": {"3"},
		"for": {"60"}, "amount": {"1000"}, "url": {"https://hooks.example/y"}, "event_type": {"order.created"}, "reason": {"Too busy"}}
	for _, path := range paths {
		for name, tok := range map[string]string{"missing": "", "forged": "forged", "another session": other} {
			fm := url.Values{}
			for k, v := range form {
				fm[k] = v
			}
			if tok != "" {
				fm.Set("csrf", tok)
			}
			if a := f.post(c, path, fm); a.status != http.StatusForbidden {
				t.Errorf("POST %s with a %s token: %d, want 403", path, name, a.status)
			}
		}
	}
	if version() != v0 || events() != e0 {
		t.Errorf("refused POSTs wrote: config version %d → %d, events %d → %d", v0, version(), e0, events())
	}
	if got, _ := f.Svc.Store().GetOrder(f.Ctx, o.ID); got.Status != hub.StatusNew {
		t.Errorf("order %v", got.Status)
	}
	if ds, _ := f.Svc.Store().ListDeliveries(f.Ctx, store.DeliveryFilter{BrandID: f.brand.ID}); len(ds) != 0 {
		t.Errorf("%d deliveries after refused POSTs", len(ds))
	}
}

// TestStoreControls: the catalog page's stock, snooze, status and
// acceptance forms, each a service call with the rules' refusals shown.
func TestStoreControls(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, nil)
		c, token := f.login()
		loc := "/ui/locations/" + strconv.FormatInt(f.seoul.ID, 10)
		prod := loc + "/products/" + strconv.FormatInt(f.rice.ID, 10)
		back := "/ui/catalog?location=" + strconv.FormatInt(f.seoul.ID, 10)
		post := func(path string, form url.Values) string {
			t.Helper()
			form.Set("csrf", token)
			form.Set("back", back)
			a := f.post(c, path, form)
			if a.status != http.StatusSeeOther || a.header.Get("Location") != back {
				t.Fatalf("POST %s: %d %q", path, a.status, a.header.Get("Location"))
			}
			return f.get(c, back).body
		}
		page := post(prod+"/stock", url.Values{"quantity": {"0"}})
		if q, _ := st.GetStock(f.Ctx, f.seoul.ID, f.rice.ID); q == nil || *q != 0 || !strings.Contains(page, "Sold out") {
			t.Errorf("stock 0: %v", q)
		}
		page = post(prod+"/stock", url.Values{"quantity": {"-2"}})
		if q, _ := st.GetStock(f.Ctx, f.seoul.ID, f.rice.ID); *q != 0 || !strings.Contains(page, `role="alert"`) {
			t.Errorf("a negative stock was taken (%d) or not refused on the page", *q)
		}
		post(prod+"/stock", url.Values{"quantity": {""}})
		if q, _ := st.GetStock(f.Ctx, f.seoul.ID, f.rice.ID); q != nil {
			t.Errorf("blank stock: %v, want untracked", *q)
		}
		// Snooze until close: the end of the day in Seoul (clock is 12:04 KST).
		page = post(prod+"/snooze", url.Values{"for": {"close"}})
		l, _ := st.GetLocation(f.Ctx, f.seoul.ID)
		sn, on := l.SnoozeAt(f.rice.ID, clock)
		wantUntil := time.Date(2026, 3, 2, 0, 0, 0, 0, time.FixedZone("KST", 9*3600))
		if !on || sn.Until == nil || !sn.Until.Equal(wantUntil) || !strings.Contains(page, "Snoozed until Mon 00:00") {
			t.Errorf("snooze until close: %+v %v", sn, on)
		}
		post(prod+"/unsnooze", url.Values{})
		l, _ = st.GetLocation(f.Ctx, f.seoul.ID)
		if _, on := l.SnoozeAt(f.rice.ID, clock); on {
			t.Error("still snoozed after unsnooze")
		}
		post(prod+"/snooze", url.Values{"for": {"custom"}, "minutes": {"90"}})
		l, _ = st.GetLocation(f.Ctx, f.seoul.ID)
		if sn, _ := l.SnoozeAt(f.rice.ID, clock); sn.Until == nil || !sn.Until.Equal(clock.Add(90*time.Minute)) {
			t.Errorf("custom snooze: %+v", sn)
		}
		page = post(prod+"/snooze", url.Values{"for": {"custom"}, "minutes": {"0"}})
		if !strings.Contains(page, "minutes: must be between 1 and") {
			t.Error("a 0-minute snooze not refused")
		}
		// Status: busy +20 for 30 min, then a refusal, then paused.
		page = post(loc+"/status", url.Values{"mode": {"busy"}, "extra_minutes": {"20"}, "for_minutes": {"30"}})
		l, _ = st.GetLocation(f.Ctx, f.seoul.ID)
		if s := l.StatusAt(clock); s.Mode != hub.ModeBusy || s.ExtraPrepMinutes != 20 || s.Until == nil || !s.Until.Equal(clock.Add(30*time.Minute)) ||
			!strings.Contains(page, "busy (&#43;20 min) until 12:34") {
			t.Errorf("busy: %+v", s)
		}
		// The refusal names the form's field, not the domain's.
		page = post(loc+"/status", url.Values{"mode": {"busy"}, "extra_minutes": {"-5"}})
		if !strings.Contains(page, "Not changed: extra_minutes: must be between 0 and") {
			t.Error("negative extra minutes not refused with the form's field name")
		}
		page = post(loc+"/accept", url.Values{"mode": {"manual"}, "deadline_seconds": {"1"}})
		if l, _ = st.GetLocation(f.Ctx, f.seoul.ID); l.AcceptPolicyOf().DeadlineSeconds == 1 ||
			!strings.Contains(page, "deadline_seconds: must be between 30 and 86400") {
			t.Errorf("a 1 s deadline: %+v", l.AcceptPolicyOf())
		}
		page = post(loc+"/status", url.Values{"mode": {"asleep"}})
		if !strings.Contains(page, "mode: must be online, busy or paused") {
			t.Error("an unknown mode not refused")
		}
		post(loc+"/status", url.Values{"mode": {"paused"}, "reason": {"inventory"}})
		l, _ = st.GetLocation(f.Ctx, f.seoul.ID)
		if s := l.StatusAt(clock); s.Mode != hub.ModePaused || s.Reason != "inventory" {
			t.Errorf("paused: %+v", s)
		}
		post(loc+"/accept", url.Values{"mode": {"auto"}, "deadline_seconds": {"300"}})
		l, _ = st.GetLocation(f.Ctx, f.seoul.ID)
		if p := l.AcceptPolicyOf(); p.Mode != hub.AcceptAuto || p.DeadlineSeconds != 300 {
			t.Errorf("accept: %+v", p)
		}
	})
}

// TestPartnersPage: a partner created for a protocol shows its secrets
// once; bad settings are refused with the field named and nothing
// written; a top-up shows the new balance.
func TestPartnersPage(t *testing.T) {
	st := testutil.OpenSQLite(t)
	f := newFixture(t, st, func(svc *service.Service) http.Handler {
		return server.Handler(server.Config{Version: "test"}, service.New(svc.Store(), server.Protocols().Option(),
			service.WithClock(func() time.Time { return clock })), quietLog())
	})
	c, token := f.login()
	back := "/ui/partners?brand=" + strconv.FormatInt(f.brand.ID, 10)
	a := f.post(c, "/ui/partners", url.Values{"csrf": {token}, "back": {back}, "brand": {strconv.FormatInt(f.brand.ID, 10)},
		"protocol": {"kakao"}, "name": {"Bot"}, "bot_url": {"https://bot.example/notify"}})
	if a.status != http.StatusOK || !strings.Contains(a.body, "API key") || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	key := regexpFind(a.body, `<dt>API key</dt><dd><code class="secret">(ohk_[^<]+)</code>`)
	ps, _ := st.ListPartners(f.Ctx, f.brand.ID)
	if len(ps) != 1 || key == "" {
		t.Fatalf("partners %v, key %q", ps, key)
	}
	list := f.get(c, back)
	if strings.Contains(list.body, key) || !strings.Contains(list.body, "₩0") {
		t.Errorf("the partners page shows the key again (%v), or no balance", strings.Contains(list.body, key))
	}
	p := ps[0]
	before, _ := st.GetPartner(f.Ctx, p.ID)
	a = f.post(c, "/ui/partners/"+strconv.FormatInt(p.ID, 10)+"/settings", url.Values{"csrf": {token}, "back": {back},
		"bot_url": {"https://bot.example/notify"}, "extra": {`{"no_such_setting": 1}`}})
	list = f.get(c, back)
	after, _ := st.GetPartner(f.Ctx, p.ID)
	if a.status != http.StatusSeeOther || !strings.Contains(list.body, `role="alert"`) || !strings.Contains(list.body, "extra") ||
		!after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("bad settings: %d, refused on the page %v", a.status, strings.Contains(list.body, `role="alert"`))
	}
	a = f.post(c, "/ui/partners/"+strconv.FormatInt(p.ID, 10)+"/balance", url.Values{"csrf": {token}, "back": {back}, "amount": {"50,000"}})
	list = f.get(c, back)
	if bal, _ := f.Svc.Balance(f.Ctx, p.ID); bal != 50000 || !strings.Contains(list.body, "₩50,000 added; the balance is ₩50,000.") {
		t.Errorf("top-up: balance %d", bal)
	}
	a = f.post(c, "/ui/partners/"+strconv.FormatInt(p.ID, 10)+"/rotate", url.Values{"csrf": {token}, "back": {back}})
	if a.status != http.StatusOK || regexpFind(a.body, `<dt>API key</dt><dd><code class="secret">(ohk_[^<]+)</code>`) == key {
		t.Errorf("rotate: %d", a.status)
	}
	if cs, _ := st.ListCredentials(f.Ctx, p.ID); len(cs) != 2 {
		t.Errorf("%d credentials after rotate", len(cs))
	}
}

// TestWebhooksPage: send a test event to an endpoint, see its attempt,
// replay the dead delivery.
func TestWebhooksPage(t *testing.T) {
	st := testutil.OpenSQLite(t)
	f := newFixture(t, st, nil)
	ep, _, err := delivery.CreateEndpoint(f.Ctx, st, f.brand.ID, "https://hooks.example/x", []string{"order.created"})
	must(f.T, err)
	c, token := f.login()
	back := "/ui/webhooks?brand=" + strconv.FormatInt(f.brand.ID, 10)
	a := f.post(c, "/ui/webhooks/"+strconv.FormatInt(ep.ID, 10)+"/test", url.Values{"csrf": {token}, "back": {back}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("test event: %d", a.status)
	}
	ds, _ := st.ListDeliveries(f.Ctx, store.DeliveryFilter{BrandID: f.brand.ID})
	if len(ds) != 1 || ds[0].EventType != delivery.EventWebhookTest || ds[0].Status != store.DeliveryPending {
		t.Fatalf("deliveries %+v", ds)
	}
	// A dead one, with the attempt the engine recorded (a 400 is final).
	d := &store.Delivery{EventID: 99, EventType: hub.EventOrderCreated, BrandID: f.brand.ID, Target: store.Target{Kind: store.TargetWebhook, ID: ep.ID},
		URL: ep.URL, Method: "POST", ContentType: "application/json", Body: []byte(`{}`), Signing: "standard-webhooks", Acceptance: "2xx",
		Status: store.DeliveryDead, LastError: "HTTP 400", LastStatus: 400}
	must(f.T, st.Update(f.Ctx, func(tx store.Tx) error {
		if err := tx.CreateDelivery(f.Ctx, d); err != nil {
			return err
		}
		_, err := tx.CompleteAttempt(f.Ctx, "test", d, &store.DeliveryAttempt{DeliveryID: d.ID, At: clock, StatusCode: 400,
			Latency: 42 * time.Millisecond, Response: "nope"})
		return err
	}))
	page := f.get(c, back)
	for _, want := range []string{"webhook.test", "order.created", "<b>400</b> · 42 ms", "<code>nope</code>", `data-status="dead"`, "Replay 1 dead", "1 to webhook"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("webhooks page lacks %q", want)
		}
	}
	a = f.post(c, "/ui/deliveries/"+strconv.FormatInt(d.ID, 10)+"/replay", url.Values{"csrf": {token}, "back": {back}})
	if got, _ := st.GetDelivery(f.Ctx, d.ID); a.status != http.StatusSeeOther || got.Status != store.DeliveryPending {
		t.Errorf("replay: %d, status %v", a.status, got.Status)
	}
}

func regexpFind(s, re string) string {
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestBoardCards: a scheduled order waits in Scheduled; a card shows
// removed modifiers and instructions; cancel needs a reason, which is
// kept on the order; a refused cancel writes nothing.
func TestBoardCards(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t), nil)
	later := clock.Add(3 * time.Hour)
	res, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.seoul.ID, Channel: hub.ChannelHub,
		Type: hub.OrderPickUp, ScheduledFor: &later, Actor: "test",
		Lines: []service.LineInput{{ProductRef: f.rice.RefID, Quantity: 1, SpecialInstructions: "well done",
			ExtraModifiers: []hub.Modifier{{Kind: hub.ModifierOption, GroupName: "Toppings", ItemID: "9", Name: "Onion", Quantity: 1, Removed: true}}}}})
	must(f.T, err)
	scheduled := res.Order
	now := f.order(f.seoul, f.rice, 1, "ring the bell")
	c, token := f.login()
	a := f.get(c, "/ui/")
	cols := columns(a.body)
	if strings.Join(cols["scheduled"], ",") != id(scheduled) || strings.Join(cols["new"], ",") != id(now) {
		t.Fatalf("columns %v", cols)
	}
	for _, want := range []string{`<li class="removed">no Onion</li>`, "“well done”", "Pickup", "for 15:04", "ring the bell"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("board lacks %q", want)
		}
	}
	// The scheduled card says when it is for, not an age from the future,
	// and does not tick.
	sched := columnsHTML(a.body, "scheduled")
	if !strings.Contains(sched, `">for 15:04</time>`) || strings.Contains(sched, "just now") || strings.Contains(sched, "data-since") {
		t.Errorf("the scheduled card's age:\n%s", sched)
	}
	if live := regexpFind(a.body, `data-updated="([^"]*)"`); live != "12:04" {
		t.Errorf("the live line's time %q, want 12:04 (Seoul, as the cards)", live)
	}
	cancel := "/ui/orders/" + id(now) + "/actions/cancel"
	f.post(c, cancel, url.Values{"csrf": {token}, "back": {"/ui/"}, "reason": {""}})
	if got, _ := f.Svc.Store().GetOrder(f.Ctx, now.ID); got.Status != hub.StatusNew {
		t.Fatalf("cancelled without a reason: %v", got.Status)
	}
	if a := f.get(c, "/ui/"); !strings.Contains(a.body, ": say why the order is cancelled") {
		t.Error("no message for a cancel without a reason")
	}
	f.post(c, cancel, url.Values{"csrf": {token}, "back": {"/ui/"}, "reason": {"other"}, "reason_text": {"oven broke"}})
	got, _ := f.Svc.Store().GetOrder(f.Ctx, now.ID)
	if got.Status != hub.StatusCancelled || got.CancelReason != "oven broke" {
		t.Fatalf("cancel: %v %q", got.Status, got.CancelReason)
	}
	testutil.DispatchAll(t, f.Svc.Store())
	if a := f.get(c, "/ui/"); !strings.Contains(columnsHTML(a.body, "done"), "Cancelled: oven broke") {
		t.Error("the cancelled card is not in Done with its reason")
	}
}

// columnsHTML is the HTML of one board column.
func columnsHTML(body, col string) string {
	i := strings.Index(body, `<section class="col col-`+col+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest[1:], `<section class="col `); j >= 0 {
		return rest[:j+1]
	}
	return rest
}

// TestWebhookPrivateURLRefused: the counter screen refuses an endpoint on
// a private address as /hub/v1 does (service.CreateWebhookEndpoint), shows
// the refusal naming "url", and stores nothing.
func TestWebhookPrivateURLRefused(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, func(svc *service.Service) http.Handler {
			// The default outbound policy: no private targets.
			return server.Handler(server.Config{Version: "test"}, service.New(svc.Store(),
				service.WithClock(func() time.Time { return clock })), quietLog())
		})
		c, token := f.login()
		back := "/ui/webhooks?brand=" + strconv.FormatInt(f.brand.ID, 10)
		a := f.post(c, "/ui/webhooks", url.Values{"csrf": {token}, "back": {back}, "brand": {strconv.FormatInt(f.brand.ID, 10)},
			"url": {"http://10.0.0.8/hook"}, "event_type": {"order.created"}})
		if a.status != http.StatusSeeOther || a.header.Get("Location") != back {
			t.Fatalf("create: %d %q %s", a.status, a.header.Get("Location"), a.body)
		}
		page := f.get(c, back)
		if want := "Not changed: url: must not point at 10.0.0.8 (a private address)"; !strings.Contains(page.body, want) {
			t.Errorf("the page does not say %q:\n%s", want, page.body)
		}
		if eps, err := st.ListWebhookEndpoints(f.Ctx, f.brand.ID); err != nil || len(eps) != 0 {
			t.Errorf("endpoints after the refusal: %v %v", eps, err)
		}
	})
}
