package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"orderhub/internal/demo"
)

// chromiumPath finds Debian's Chromium (apt-get install chromium; .ci/run
// installs it).
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshotDir is where the browser test writes its screenshots:
// $ORDERHUB_SCREENSHOTS, or orderhub-screenshots in the temp folder.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("ORDERHUB_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "orderhub-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDashboardInBrowser drives the counter screen in headless Chromium
// against the real binary on the demo data (one browser, one server, the
// steps in order): sign in; a QR order posted to /v1/items appears on the
// board within 2 s and sets off its alert (window.orderhubAlerts counts
// the beeps attempted) with a title badge; it is advanced to completed
// with each card's primary action; muted, the next order makes no sound;
// a product snoozed on the catalog is soldOut in the bot menu; a paused
// location refuses a QR order; a dead delivery is replayed and delivered;
// at 768 px (light theme) and at phone width (dark theme) no page scrolls
// sideways and no control is under 44 px; Tab reaches a card's primary
// action; after a restart of the server the open board reconnects its
// live stream and shows the next order, and the browser is still signed
// in.
// Screenshots go to screenshotDir. Without Chromium it skips, except
// under CI=true, where it fails.
func TestDashboardInBrowser(t *testing.T) {
	chromium := chromiumPath()
	if chromium == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (.ci/run installs it with apt-get)")
		}
		t.Skip("chromium is not installed: apt-get install -y chromium")
	}
	bin := buildBinary(t)
	began := time.Now()
	data := t.TempDir()
	srv := start(t, bin, []string{"ORDERHUB_DATA=" + data}, "--demo", "--addr", "127.0.0.1:0")
	raw, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var creds demo.Credentials
	var partners struct {
		Kakao struct {
			APIKey  string `json:"api_key"`
			StoreID string `json:"store_id"`
		} `json:"kakao"`
		Tableorder struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"tableorder"`
	}
	if json.Unmarshal(raw, &creds) != nil || json.Unmarshal(raw, &partners) != nil {
		t.Fatalf("demo-credentials.json: %s", raw)
	}
	base := creds.BaseURL
	send := func(method, path, auth, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	status, tok := send("POST", "/v1/auth/login", "", `{"grant_type":"client_credentials","client_id":"`+partners.Tableorder.ClientID+
		`","client_secret":"`+partners.Tableorder.ClientSecret+`"}`)
	if status != 200 {
		t.Fatalf("QR login: %d %v", status, tok)
	}
	qrAuth := "Bearer " + tok["access_token"].(string)
	qrOrder := func(id, note string) (int, map[string]any) {
		return send("POST", "/v1/items", qrAuth, `{"id":"`+id+`","type":"PICK_UP","cart":{"items":[{"id":"P001","quantity":2,
			"special_instructions":"`+note+`","price":{"unit_price":{"amount":11000,"currency_code":"KRW"}},
			"selected_modifier_groups":[{"id":"1","selected_items":[{"id":"3","quantity":1}]},{"id":"2","selected_items":[{"id":"1","quantity":1}]}]},
			{"id":"P011","quantity":1,"price":{"unit_price":{"amount":2000,"currency_code":"KRW"}}}]}}`)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 900))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	browser, cancelTimeout := context.WithTimeout(browser, 90*time.Second)
	defer cancelTimeout()
	shots := screenshotDir(t)
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(browser, actions...); err != nil {
			loc, _ := chromedp.Run(browser, chromedp.Location())
			t.Fatalf("%s: %v (page %s)", step, err, loc)
		}
	}
	// within bounds a wait in the browser.
	within := func(d time.Duration, step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, d)
		defer cancel()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: not within %v: %v", step, d, err)
		}
	}

	// Sign in.
	run("sign in", chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(base+"/ui/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), creds.Admin.Username),
		chromedp.SendKeys(chromedp.CSS("#password"), creds.Admin.Password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS(".board")))
	within(5*time.Second, "the live stream opens", chromedp.Poll[chromedp.Void](`document.getElementById("live-status").textContent.indexOf("Live") === 0`))

	// A QR order appears within 2 s, with its alert and the title badge.
	posted := time.Now()
	if status, b := qrOrder("E2E-UI-1", "no sesame"); status != 204 {
		t.Fatalf("QR order: %d %v", status, b)
	}
	within(2*time.Second, "the QR order on the board", chromedp.Poll[chromedp.Void](`document.querySelectorAll(".col-new .card").length === 1 && window.orderhubAlerts === 1`))
	appeared := time.Since(posted)
	t.Logf("QR order on the board %v after it was posted", appeared.Round(time.Millisecond))
	orderID := evaluate[string](t, browser, `document.querySelector(".col-new .card").dataset.orderId`)
	title := evaluate[string](t, browser, `document.title`)
	card := evaluate[string](t, browser, `document.querySelector(".col-new .card").textContent`)
	if !strings.HasPrefix(title, "(1) ") {
		t.Errorf("title %q has no badge (1)", title)
	}
	for _, want := range []string{"tableorder", "2× Bulgogi rice bowl", "Hot", "Extra rice", "no sesame", "₩", "Accept"} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}

	// Advance it to completed with the primary action, column by column.
	sel := "#order-" + orderID
	for _, step := range []struct{ button, column string }{
		{"confirm", "confirmed"}, {"prepare", "preparing"}, {"ready", "ready"}, {"complete", "done"},
	} {
		run("advance: "+step.button, chromedp.Click(chromedp.CSS(sel+` button.primary[data-action="`+step.button+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(".col-"+step.column+" "+sel)))
	}
	status, o := send("GET", "/hub/v1/orders/"+orderID+"?brand_id=1", "Bearer "+creds.Hub.Token, "")
	if status != 200 || o["status"] != float64(20) { // hub.StatusCompleted
		t.Fatalf("order %s after Complete: %d %v", orderID, status, o["status"])
	}

	// Muted, a new order still arrives but makes no sound; unmuted again.
	run("mute", chromedp.Click(chromedp.CSS("#mute")), chromedp.WaitVisible(chromedp.CSS(`#mute[aria-pressed="true"]`)))
	alerts := evaluate[int](t, browser, `window.orderhubAlerts`) // per page: the advances loaded new ones
	if status, b := qrOrder("E2E-UI-MUTED", ""); status != 204 {
		t.Fatalf("QR order: %d %v", status, b)
	}
	within(5*time.Second, "the muted order on the board", chromedp.Poll[chromedp.Void](`document.querySelectorAll(".col-new .card").length === 1`))
	if n := evaluate[int](t, browser, `window.orderhubAlerts`); n != alerts {
		t.Errorf("alerts attempted while muted: %d, want still %d", n, alerts)
	}
	run("unmute", chromedp.Click(chromedp.CSS("#mute")), chromedp.WaitVisible(chromedp.CSS(`#mute[aria-pressed="false"]`)))

	// Snooze P001 for an hour on the catalog: the bot menu shows it sold out.
	p001 := `li[data-ref="P001"]`
	run("snooze", chromedp.Navigate(base+"/ui/catalog?location=1"),
		chromedp.SetValue(chromedp.CSS(p001+` select[name="for"]`), "60"),
		chromedp.Click(chromedp.CSS(p001+` button[data-action="snooze"]`)),
		chromedp.WaitVisible(chromedp.CSS(p001+` button[data-action="unsnooze"]`)))
	status, menu := send("GET", "/api/v1/stores/"+partners.Kakao.StoreID+"/items", "Bearer "+partners.Kakao.APIKey, "")
	if status != 200 {
		t.Fatalf("bot menu: %d %v", status, menu)
	}
	found := false
	for _, it := range menu["items"].([]any) {
		if it := it.(map[string]any); it["id"] == "P001" {
			found = true
			if it["soldOut"] != true {
				t.Errorf("bot menu P001 after the snooze: %v, want soldOut true", it)
			}
		}
	}
	if !found {
		t.Error("the bot menu has no P001")
	}
	run("unsnooze", chromedp.Click(chromedp.CSS(p001+` button[data-action="unsnooze"]`)),
		chromedp.WaitVisible(chromedp.CSS(p001+` button[data-action="snooze"]`)))

	// Pause the location: a QR order is refused; online again.
	run("pause", chromedp.Click(chromedp.CSS(`#status-form input[value="paused"]`)),
		chromedp.Submit(chromedp.CSS(`#status-form`)),
		chromedp.WaitVisible(chromedp.CSS(`#location-status.mode-paused`)))
	status, refused := qrOrder("E2E-UI-PAUSED", "")
	if e, _ := refused["error"].(map[string]any); status != 409 || e["code"] != "location_paused" {
		t.Fatalf("QR order while paused: %d %v, want 409 location_paused", status, refused)
	}
	run("online", chromedp.Click(chromedp.CSS(`#status-form input[value="online"]`)),
		chromedp.Submit(chromedp.CSS(`#status-form`)),
		chromedp.WaitVisible(chromedp.CSS(`#location-status.mode-online`)))

	// A dead delivery, replayed: the receiver refuses the first test event
	// (400 is final: dead at once) and takes the replay.
	var hits atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			http.Error(w, "not yet", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	status, ep := send("POST", "/hub/v1/webhook-endpoints", "Bearer "+creds.Hub.Token,
		`{"brand_id":1,"url":"`+receiver.URL+`/hook","event_types":["order.cancelled"]}`)
	if status != 201 {
		t.Fatalf("webhook endpoint: %d %v", status, ep)
	}
	epSel := fmt.Sprintf("#endpoint-%v", ep["id"])
	run("test event", chromedp.Navigate(base+"/ui/webhooks?status=dead"),
		chromedp.Click(chromedp.CSS(epSel+` button[data-action="test"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	// The engine tries it within its poll (1 s): reload until it is dead.
	deadline := time.Now().Add(10 * time.Second)
	var n int
	for {
		run("dead letters", chromedp.Navigate(base+"/ui/webhooks?status=dead"))
		n = evaluate[int](t, browser, `document.querySelectorAll('li.delivery[data-status="dead"]').length`)
		if n == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n != 1 {
		t.Fatalf("no dead delivery 10 s after the test event (receiver hit %d times)", hits.Load())
	}
	attempt := evaluate[string](t, browser, `document.querySelector('li.delivery[data-status="dead"] .attempts').innerText`)
	run("replay", chromedp.Click(chromedp.CSS(`li.delivery[data-status="dead"] button[data-action="replay"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if !strings.Contains(attempt, "400") || !strings.Contains(attempt, "not yet") || !strings.Contains(attempt, " ms") {
		t.Errorf("the dead delivery's attempt shows %q, want its status 400, latency and answer", attempt)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		run("delivered", chromedp.Navigate(base+"/ui/webhooks?status=delivered"))
		n = evaluate[int](t, browser, `document.querySelectorAll('li.delivery[data-status="delivered"]').length`)
		if n == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n != 1 || hits.Load() != 2 {
		t.Fatalf("after the replay: %d delivered, receiver hit %d times; want 1 and 2", n, hits.Load())
	}

	// Five more orders for the first-screen check and the board's
	// screenshots: two of them accepted and one of those started, so that
	// four stay New. Then the widths.
	for i, note := range []string{"extra spicy please", "", "", "no onion", ""} {
		if status, b := qrOrder(fmt.Sprintf("E2E-UI-%d", i+2), note); status != 204 {
			t.Fatalf("QR order %d: %d %v", i+2, status, b)
		}
	}
	lastNew := `.col-new article.card:last-of-type button.primary[data-action="confirm"]`
	run("accept one", chromedp.Navigate(base+"/ui/"), chromedp.WaitVisible(chromedp.CSS(lastNew)),
		chromedp.Click(chromedp.CSS(lastNew)), chromedp.WaitVisible(chromedp.CSS(".col-confirmed article.card")))
	run("accept another", chromedp.Click(chromedp.CSS(lastNew)), chromedp.WaitVisible(chromedp.CSS(".col-confirmed article.card:nth-of-type(2)")))
	run("start one", chromedp.Click(chromedp.CSS(`.col-confirmed article.card button.primary[data-action="prepare"]`)),
		chromedp.WaitVisible(chromedp.CSS(".col-preparing article.card")))
	// fits reports the page's sideways overflow and the controls under
	// 44 px (visible buttons, links, fields, summaries; the skip link as
	// it is when focused).
	const fits = `(() => {
	  const d = document.documentElement;
	  const skip = document.querySelector('.skip');
	  if (skip) { skip.focus(); }
	  const small = [...document.querySelectorAll('button, .button, select, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), summary, a')]
	    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && (r.height < 44 || r.width < 44); })
	    .map(e => { const r = e.getBoundingClientRect(); return Math.round(r.width) + "x" + Math.round(r.height) + " " + e.outerHTML.slice(0, 80); });
	  if (skip) { skip.blur(); }
	  return {scroll: d.scrollWidth, client: d.clientWidth, small};
	})()`
	// firstScreen lists the active columns whose header is not within the
	// first viewport.
	const firstScreen = `["new", "confirmed", "preparing", "ready"].filter(k => {
	  const r = document.getElementById("col-" + k).getBoundingClientRect();
	  return !(r.top >= 0 && r.top + 30 <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth);
	})`
	type fit struct {
		Scroll int      `json:"scroll"`
		Client int      `json:"client"`
		Small  []string `json:"small"`
	}
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"tablet", 768, 1024}, {"phone", 390, 844}} {
		if vp.name == "phone" {
			// The phone in the dark theme: the Theme button, kept across pages.
			run("dark theme", chromedp.Navigate(base+"/ui/"), chromedp.Click(chromedp.CSS("#theme-toggle")))
		}
		for _, pg := range []string{"/ui/", "/ui/catalog?location=1", "/ui/partners", "/ui/webhooks", "/ui/orders/" + orderID} {
			run(vp.name+" "+pg, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(base+pg), chromedp.WaitReady(chromedp.CSS("body")))
			f := evaluate[fit](t, browser, fits)
			if f.Scroll > f.Client {
				t.Errorf("%s %s at %d px: scrollWidth %d > clientWidth %d", vp.name, pg, vp.w, f.Scroll, f.Client)
			}
			if len(f.Small) > 0 {
				t.Errorf("%s %s: controls under 44 px: %v", vp.name, pg, f.Small)
			}
			if pg == "/ui/" && vp.name == "tablet" {
				if n := evaluate[int](t, browser, `document.querySelectorAll(".col-new .card").length`); n < 4 {
					t.Errorf("tablet board: %d New orders, want at least 4 for the first-screen check", n)
				}
				if off := evaluate[[]string](t, browser, firstScreen); len(off) > 0 {
					t.Errorf("tablet board at 768×1024: the headers of %v are not on the first screen", off)
				}
			}
		}
		if bg, want := evaluate[string](t, browser, `getComputedStyle(document.body).backgroundColor`), map[string]string{"tablet": "rgb(246, 246, 244)", "phone": "rgb(21, 21, 21)"}[vp.name]; bg != want {
			t.Errorf("%s: background %s, want %s (theme %s)", vp.name, bg, want, map[string]string{"tablet": "light", "phone": "dark"}[vp.name])
		}
		for name, pg := range map[string]string{"board": "/ui/", "catalog": "/ui/catalog?location=1", "webhooks": "/ui/webhooks"} {
			run(vp.name+" "+name, chromedp.Navigate(base+pg), chromedp.WaitReady(chromedp.CSS("main")))
			// The whole board; the first screen of the long pages.
			shot := chromedp.CaptureScreenshot()
			if name == "board" {
				shot = chromedp.FullScreenshot(100)
			}
			png, err := chromedp.Run(browser, shot)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(shots, name+"-"+vp.name+".png")
			if err := os.WriteFile(path, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot %s", path)
		}
	}
	// Keyboard: Tab reaches a card's primary action.
	run("keyboard", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/ui/"), chromedp.WaitVisible(chromedp.CSS(".col-new .card")),
		chromedp.Focus(chromedp.CSS(".col-new .card a.num")), chromedp.KeyEvent("\t"))
	focused := evaluate[string](t, browser, `document.activeElement.getAttribute("data-action") || document.activeElement.tagName`)
	if focused != "confirm" {
		t.Errorf("Tab from the card's number focuses %q, want its Accept button", focused)
	}

	// A restart on the same address: the open board reconnects its live
	// stream by itself and shows the next order, and the session (in the
	// database) still holds.
	run("the board before the restart", chromedp.Navigate(base+"/ui/"), chromedp.WaitVisible(chromedp.CSS(".board")))
	within(5*time.Second, "live before the restart", chromedp.Poll[chromedp.Void](`document.getElementById("live-status").textContent.indexOf("Live") === 0`))
	before := evaluate[int](t, browser, `document.querySelectorAll(".col-new .card").length`)
	srv.stop(t)
	within(10*time.Second, "the board notices the server is gone", chromedp.Poll[chromedp.Void](`document.getElementById("live-status").textContent.indexOf("Live") !== 0`))
	again := start(t, bin, []string{"ORDERHUB_DATA=" + data}, "--addr", strings.TrimPrefix(base, "http://"))
	defer again.stop(t)
	within(15*time.Second, "the live stream reconnects", chromedp.Poll[chromedp.Void](`document.getElementById("live-status").textContent.indexOf("Live") === 0`))
	if status, b := qrOrder("E2E-UI-AFTER-RESTART", ""); status != 204 {
		t.Fatalf("QR order after the restart: %d %v", status, b)
	}
	within(5*time.Second, "the order after the restart, without a reload",
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelectorAll(".col-new .card").length === %d`, before+1)))
	run("after a restart", chromedp.Navigate(base+"/ui/"), chromedp.WaitReady(chromedp.CSS("main")))
	if loc, _ := chromedp.Run(browser, chromedp.Location()); !strings.HasPrefix(loc, base+"/ui/") || strings.Contains(loc, "/login") {
		t.Errorf("after a restart the board is at %s, want no login", loc)
	}
	t.Logf("browser test took %v", time.Since(began).Round(time.Millisecond))
}

// evaluate runs a JavaScript expression in the page and decodes its value.
func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}
