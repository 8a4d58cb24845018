package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/demo"
	"orderhub/internal/hub"
	"orderhub/internal/protocol/junglebook"
	"orderhub/internal/protocol/kakao"
	"orderhub/internal/protocol/omni"
	"orderhub/internal/protocol/tableorder"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/store/postgres"
	"orderhub/internal/store/sqlite"
	"orderhub/internal/testutil"
)

// The query-plan tests (issue 10). Every statement the hot paths run is
// recorded as the database gets it, with its arguments, and EXPLAINed on
// tables that hold data: intake through every door and its duplicate
// lookups, an order by reference, transitions, stock, the menu, event
// fan-out, the delivery claim, and the event and live-view cursors. A plan
// that reads all of orders, order_history, deliveries, delivery_attempts,
// events or idempotency records fails the test: such a statement costs
// more with every order stored. PostgreSQL plans with sequential scans
// priced out (postgres.Store.Explain), so what is left is a scan no index
// can serve, whatever the table's size.

// guarded are the tables that grow with the orders (and products, with
// the catalog).
var guarded = map[string]bool{"orders": true, "order_history": true, "deliveries": true, "delivery_attempts": true,
	"events": true, "idempotency": true, "products": true}

// references are the selective columns a lookup names: when a statement
// asks for one (col = ?), the index it reads must use one, or it is
// filtering a range it walks (the brand's orders, say), which SQLite's
// plan shows only as the columns its index uses.
var references = []string{"id", "number", "external_ref", "channel_ref", "idempotency_key", "ref_id", "sku",
	"seq", "order_id", "delivery_id", "lookup", "key"}

// recorder keeps the distinct statements seen while on.
type recorder struct {
	mu    sync.Mutex
	on    bool
	stmts map[string][]any
	order []string
}

func (r *recorder) trace(query string, args []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.on {
		return
	}
	if _, ok := r.stmts[query]; !ok {
		r.order = append(r.order, query)
	}
	r.stmts[query] = slices.Clone(args)
}

type explainer interface {
	Explain(ctx context.Context, query string, args ...any) ([]string, error)
}

// fromAlias maps the names a statement gives its tables ("deliveries d")
// to the tables, for SQLite's plans, which name aliases.
var fromAlias = regexp.MustCompile(`(?i)\b(?:FROM|JOIN|UPDATE)\s+([a-z_]+)(?:\s+(?:AS\s+)?([a-z_]+))?`)

var sqlKeywords = map[string]bool{"where": true, "set": true, "order": true, "group": true, "limit": true, "join": true,
	"left": true, "inner": true, "on": true, "returning": true, "values": true}

// queues are partial indexes that hold only work still to do: reading one
// whole costs the backlog, not the history (the dispatcher's queue of
// undispatched events; the pending deliveries, and the dead ones, kept
// only until --retain-dead, that /metrics counts).
var queues = map[string]bool{"events_undispatched": true, "events_pending_order": true,
	"deliveries_pending_order": true, "deliveries_dead_at": true}

// fullScans returns the guarded tables a plan reads in full.
func fullScans(dialect, query string, plan []string) []string {
	var out []string
	switch dialect {
	case "sqlite":
		alias := map[string]string{}
		for _, m := range fromAlias.FindAllStringSubmatch(query, -1) {
			alias[strings.ToLower(m[1])] = strings.ToLower(m[1])
			if a := strings.ToLower(m[2]); a != "" && !sqlKeywords[a] {
				alias[a] = strings.ToLower(m[1])
			}
		}
		for _, line := range plan {
			// "SCAN t" reads a whole table, "SCAN t USING INDEX i" a whole
			// index; "SEARCH" is a range.
			f := strings.Fields(line)
			if len(f) >= 2 && f[0] == "SCAN" && guarded[alias[f[1]]] && !queues[sqliteIndex(f)] {
				out = append(out, line)
			}
			if len(f) >= 2 && f[0] == "SEARCH" && guarded[alias[f[1]]] && !usesReference(query, line) {
				out = append(out, line+" (a reference the statement names is not in the index it reads)")
			}
		}
	case "postgres":
		scan := regexp.MustCompile(`(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan)(?: Backward)?(?: using \w+)? on (\w+)`)
		for i, line := range plan {
			m := scan.FindStringSubmatch(line)
			if m == nil || !guarded[m[2]] || queues[indexOf(line)] {
				continue
			}
			if m[1] == "Seq Scan" {
				out = append(out, strings.TrimSpace(line))
				continue
			}
			// An index scan without a condition walks the whole index,
			// unless a Limit right above it stops the walk (MAX over an
			// index: one row).
			cond, filter := false, false
			for _, next := range plan[i+1:] {
				if strings.Contains(next, "->") {
					break
				}
				if strings.Contains(next, "Index Cond") || strings.Contains(next, "Recheck Cond") {
					cond = true
				}
				if strings.Contains(next, "Filter:") {
					filter = true
				}
			}
			if i > 0 && strings.Contains(plan[i-1], "Limit") && !filter {
				continue
			}
			if !cond && m[1] != "Bitmap Heap Scan" {
				out = append(out, strings.TrimSpace(line))
			}
		}
	}
	return out
}

// usesReference reports whether a SQLite SEARCH step uses one of the
// reference columns the statement compares for equality (true when it
// compares none: a page of a range is what it asks for).
func usesReference(query, line string) bool {
	_, cons, _ := strings.Cut(line, "(")
	if strings.Contains(line, "INTEGER PRIMARY KEY") {
		cons += " id="
	}
	named := false
	for _, col := range references {
		if regexp.MustCompile(`\b` + col + ` = \?`).MatchString(query) {
			named = true
			if regexp.MustCompile(`\b` + col + `=`).MatchString(cons) {
				return true
			}
		}
	}
	return !named
}

// sqliteIndex is the index a SQLite plan step reads ("SCAN t USING
// [COVERING] INDEX i": i; "" when none).
func sqliteIndex(step []string) string {
	for i, w := range step {
		if w == "INDEX" && i+1 < len(step) {
			return step[i+1]
		}
	}
	return ""
}

// indexOf is the index a PostgreSQL plan line scans ("" when none).
func indexOf(line string) string {
	_, after, ok := strings.Cut(line, " using ")
	if !ok {
		return ""
	}
	return strings.Fields(after)[0]
}

func TestQueryPlans(t *testing.T) {
	for name, open := range testutil.Stores(t) {
		t.Run(name, func(t *testing.T) { testQueryPlans(t, open(t)) })
	}
}

func testQueryPlans(t *testing.T, st store.Store) {
	ctx := t.Context()
	rec := &recorder{stmts: map[string][]any{}}
	var ex explainer
	switch s := st.(type) {
	case *sqlite.Store:
		s.Queries.Trace, ex = rec.trace, s
	case *postgres.Store:
		s.Queries.Trace, ex = rec.trace, s
	default:
		t.Fatalf("store %T cannot be traced", st)
	}
	svc := service.New(st, service.WithOutbound(testutil.Outbound), Protocols().Option())
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(`{"status":"OK"}`))
	}))
	t.Cleanup(receiver.Close)
	engine := delivery.New(st, delivery.Config{Outbound: testutil.Outbound, PollInterval: 10 * time.Millisecond, Logger: quietLog()})
	srv := httptest.NewServer(Handler(Config{Version: "plan", Delivery: engine}, svc, quietLog()))
	t.Cleanup(srv.Close)
	creds, err := demo.Load(ctx, svc, srv.URL, Protocols())
	if err != nil {
		t.Fatal(err)
	}
	kakaoCreds := creds.Partner(hub.ChannelKakao).(kakao.DemoCredentials)
	qrCreds := creds.Partner(hub.ChannelTableOrder).(tableorder.DemoCredentials)
	brandID, locID := creds.BrandID, qrCreds.LocationID
	p004, err := st.FindProduct(ctx, brandID, "P004")
	if err != nil {
		t.Fatal(err)
	}

	c := &planClient{t: t, base: srv.URL}
	hubTok := "Bearer " + creds.Hub.Token
	// A webhook endpoint, so that events fan out into deliveries.
	c.do("POST", "/hub/v1/webhook-endpoints?brand_id="+itoa(brandID), hubTok, "application/json",
		fmt.Sprintf(`{"brand_id": %d, "url": %q, "event_types": ["order.created", "order.confirmed", "order.completed", "stock.changed"]}`,
			brandID, receiver.URL), 201)

	// Tables that hold data: orders of every channel, with references,
	// idempotency keys, history and events; dispatched, so deliveries too.
	seedOrders(t, st, brandID, locID, p004.ID, 1500)
	testutil.DispatchAll(t, st)
	if _, err := engine.DispatchOnce(ctx); err != nil {
		t.Fatal(err)
	}

	// QR login and intake: new, replayed (same unique_code), duplicate id.
	tok := c.qrToken(creds)
	qr := func(id, code string) string {
		return fmt.Sprintf(`{"id": %q, "unique_code": %q, "type": "DINE_IN", "cart": {"items": [{"id": "P004", "title": "x",
			"quantity": 1, "price": {"unit_price": {"amount": 8000, "currency_code": "KRW"},
			"total_price": {"amount": 8000, "currency_code": "KRW"}}}]}}`, id, code)
	}
	rec.on = true
	c.do("POST", "/v1/items", "Bearer "+tok, "application/json", qr("PLAN-QR-1", "plan-u-1"), 204)
	c.do("POST", "/v1/items", "Bearer "+tok, "application/json", qr("PLAN-QR-1", "plan-u-1"), 204)
	c.do("POST", "/v1/items", "Bearer "+tok, "application/json", qr("PLAN-QR-1", "plan-u-2"), 409)

	// kakao: menu (twice: cached), order, status, cook, complete.
	kakaoKey, storeID := "Bearer "+kakaoCreds.APIKey, kakaoCreds.StoreID
	c.do("GET", "/api/v1/stores/"+storeID+"/items", kakaoKey, "", "", 200)
	c.do("GET", "/api/v1/stores/"+storeID+"/items", kakaoKey, "", "", 200)
	body := c.do("POST", "/api/v1/stores/"+storeID+"/orders", kakaoKey, "application/json",
		`{"botOrderId": "plan-bot-1", "type": "PICK_UP", "items": [{"id": "P004", "quantity": 1}]}`, 201)
	var bot map[string]any
	json.Unmarshal(body, &bot)
	orderID, numb := fmt.Sprint(bot["orderId"]), fmt.Sprint(bot["numb"])
	c.do("GET", "/api/v1/stores/"+storeID+"/orders/"+url.PathEscape(orderID)+"/numbs/"+numb, kakaoKey, "", "", 200)
	c.do("POST", "/api/kakao/v1/order/cook?storeId="+storeID, kakaoKey, "application/json", `{"orderId": "plan-bot-1"}`, 200)
	c.do("POST", "/api/kakao/v1/order/complete?storeId="+storeID, kakaoKey, "application/json", `{"orderId": "plan-bot-1"}`, 200)

	// Junglebook: the multipart data field.
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("data", fmt.Sprintf(`{"oaType": "api", "oaOrderNo": "plan-jb-1", "nameReceiver": "정글북",
		"phoneReceiver": "010-1234-5678", "mobileReceiver": "010-1234-5678", "zipCode": "12345", "address": "서울",
		"address2": "1", "settleKind": "a", "bankSender": "정글북", "doubleCheck": "1", "orderItem": [{"goodsNo": %d, "ea": 1}]}`, p004.ID))
	mw.Close()
	c.do("POST", "/order", creds.Partner(hub.ChannelJunglebook).(junglebook.DemoCredentials).APIKey, mw.FormDataContentType(), mp.String(), 200)

	// /hub/v1: an order with an Idempotency-Key (and its replay), by
	// reference, listed, confirmed; stock set and read; the outbox cursor.
	hubOrder := fmt.Sprintf(`{"brand_id": %d, "location_id": %d, "external_ref": "plan-hub-1", "lines": [{"product": "P004", "quantity": 1}]}`, brandID, locID)
	body = c.doKey("POST", "/hub/v1/orders", hubTok, hubOrder, "plan-key-1", 201)
	c.doKey("POST", "/hub/v1/orders", hubTok, hubOrder, "plan-key-1", 201)
	var ho map[string]any
	json.Unmarshal(body, &ho)
	number := fmt.Sprint(ho["number"])
	b := "?brand_id=" + itoa(brandID)
	for _, ref := range []string{number, "plan-hub-1", fmt.Sprint(ho["id"])} {
		c.do("GET", "/hub/v1/orders/"+ref+b, hubTok, "", "", 200)
	}
	c.do("GET", "/hub/v1/orders"+b+"&limit=20", hubTok, "", "", 200)
	c.do("GET", "/hub/v1/orders"+b+"&status=new&location_id="+itoa(locID), hubTok, "", "", 200)
	c.do("POST", "/hub/v1/orders/"+number+"/actions/confirm"+b, hubTok, "application/json", "", 200)
	c.do("PUT", "/hub/v1/locations/"+itoa(locID)+"/stock/"+itoa(p004.ID)+b, hubTok, "application/json", `{"quantity": 500}`, 200)
	c.do("GET", "/hub/v1/locations/"+itoa(locID)+"/stock/"+itoa(p004.ID)+b, hubTok, "", "", 200)
	// Store operations: snooze and unsnooze, the status, a scheduled order.
	ops := "/hub/v1/locations/" + itoa(locID)
	c.do("POST", ops+"/snooze"+b, hubTok, "application/json", `{"products": ["P005", "SKU-NOPE-0"], "until": null}`, 404)
	c.do("POST", ops+"/snooze"+b, hubTok, "application/json", `{"products": ["P005"], "until": null}`, 200)
	c.do("POST", ops+"/unsnooze"+b, hubTok, "application/json", `{"products": ["P005"]}`, 200)
	c.do("PUT", ops+"/status"+b, hubTok, "application/json", `{"mode": "busy", "extra_prep_minutes": 5}`, 200)
	c.do("GET", ops+"/status"+b, hubTok, "", "", 200)
	scheduled := time.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)
	c.do("POST", "/hub/v1/orders", hubTok, "application/json", fmt.Sprintf(`{"brand_id": %d, "location_id": %d, "scheduled_for": %q,
		"lines": [{"product": "P004", "quantity": 1}]}`, brandID, locID, scheduled), 201)

	// Omni: confirm and complete by number (a QR order's).
	qrOrder, err := svc.FindOrder(ctx, service.OrderScope{BrandID: brandID}, "PLAN-QR-1")
	if err != nil {
		t.Fatal(err)
	}
	omniTok := "token " + creds.Partner(hub.ChannelOmni).(omni.DemoCredentials).Token
	c.do("POST", "/api/store/orders/confirm", omniTok, "application/json", `{"number": "`+qrOrder.Number+`"}`, 200)
	c.do("POST", "/api/store/orders/complete", omniTok, "application/json", `{"order": "`+qrOrder.Number+`"}`, 200)

	// Fan-out, claim, attempt and record: the engine delivers the backlog.
	engine.Start(ctx)
	waitUntil(t, 30*time.Second, func() bool {
		due, err := st.PendingTargets(ctx)
		return err == nil && len(due) == 0
	})
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	engine.Stop(stopCtx)
	cancel()
	// The cursors: /hub/v1/events and the live view's.
	c.do("GET", "/hub/v1/events"+b+"&cursor=100&limit=50", hubTok, "", "", 200)
	if _, err := st.ListEvents(ctx, 100, 500); err != nil {
		t.Fatal(err)
	}
	if _, err := st.LastEventSeq(ctx); err != nil {
		t.Fatal(err)
	}
	// The gauges of /metrics, as a scrape reads them.
	c.do("GET", "/metrics", "", "", "", 200)
	if _, err := st.DeliveryBacklog(ctx); err != nil {
		t.Fatal(err)
	}
	// The acceptance loop, an hour on: the deadlines of the orders above.
	later := service.New(st, service.WithOutbound(testutil.Outbound), service.WithClock(func() time.Time { return time.Now().Add(4 * time.Hour) }))
	if n, err := later.AcceptDue(ctx); err != nil || n == 0 {
		t.Fatalf("AcceptDue: %d, %v", n, err)
	}
	rec.on = false

	if len(rec.order) < 30 {
		t.Fatalf("only %d statements recorded: the trace is not wired", len(rec.order))
	}
	explained := 0
	for _, q := range rec.order {
		verb := strings.ToUpper(strings.Fields(strings.TrimSpace(q))[0])
		if verb == "INSERT" && !strings.Contains(strings.ToUpper(q), "SELECT") || verb == "SAVEPOINT" || verb == "RELEASE" {
			continue
		}
		plan, err := ex.Explain(ctx, q, rec.stmts[q]...)
		if err != nil {
			t.Errorf("EXPLAIN %s\n%v", q, err)
			continue
		}
		explained++
		if os.Getenv("ORDERHUB_PLAN_DUMP") != "" {
			t.Logf("%s\n%s", q, strings.Join(plan, "\n"))
		}
		if scans := fullScans(st.Dialect(), q, plan); len(scans) > 0 {
			t.Errorf("full scan %v in\n%s\nplan:\n%s", scans, q, strings.Join(plan, "\n"))
		}
	}
	t.Logf("%d statements recorded, %d explained", len(rec.order), explained)
}

// seedOrders stores n orders spread over the channels, each with its
// references, a history row and an event.
func seedOrders(t *testing.T, st store.Store, brandID, locID, productID int64, n int) {
	t.Helper()
	ctx := t.Context()
	channels := []hub.Channel{hub.ChannelHub, hub.ChannelKakao, hub.ChannelJunglebook, hub.ChannelZeek, hub.ChannelTableOrder}
	now := time.Now().UTC()
	err := st.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			ch := channels[i%len(channels)]
			o := &hub.Order{Number: fmt.Sprintf("SEED%04d", i), BrandID: brandID, LocationID: locID, PartnerID: int64(i%3 + 1),
				Channel: ch, ExternalRef: fmt.Sprintf("seed-ext-%d", i), Type: hub.OrderPickUp, Currency: "KRW",
				Status: hub.StatusNew, PaymentStatus: hub.PaymentUnpaid, Version: 1, CreatedAt: now, UpdatedAt: now,
				Lines: []hub.OrderLine{{ProductID: productID, Name: "seed", Quantity: 1, UnitPrice: 8000, TotalPrice: 8000}}}
			if ch == hub.ChannelJunglebook {
				o.ChannelRef = fmt.Sprintf("seed-ch-%d", i)
			}
			if err := tx.CreateOrder(ctx, o, nil, fmt.Sprintf("seed-key-%d", i), "h"); err != nil {
				return err
			}
			if err := tx.AddHistory(ctx, &hub.OrderEvent{OrderID: o.ID, Action: "create", ToStatus: hub.StatusNew, Actor: "seed", CreatedAt: now}); err != nil {
				return err
			}
			if err := tx.AddEvent(ctx, &store.Event{Type: hub.EventOrderCreated, BrandID: brandID, LocationID: locID, OrderID: o.ID,
				Payload: []byte(`{"version":1}`)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type planClient struct {
	t    *testing.T
	base string
}

func (c *planClient) doKey(method, path, auth, body, key string, want int) []byte {
	return c.send(method, path, auth, "application/json", body, key, want)
}

func (c *planClient) do(method, path, auth, ctype, body string, want int) []byte {
	return c.send(method, path, auth, ctype, body, "", want)
}

func (c *planClient) send(method, path, auth, ctype, body, key string, want int) []byte {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, b, want)
	}
	return b
}

func (c *planClient) qrToken(creds *demo.Credentials) string {
	c.t.Helper()
	qrCreds := creds.Partner(hub.ChannelTableOrder).(tableorder.DemoCredentials)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {qrCreds.ClientID},
		"client_secret": {qrCreds.ClientSecret}}
	body := c.do("POST", "/v1/auth/login", "", "application/x-www-form-urlencoded", form.Encode(), 200)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		c.t.Fatalf("login: %s", body)
	}
	return tok.AccessToken
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func waitUntil(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("condition not met within %v", d)
}
