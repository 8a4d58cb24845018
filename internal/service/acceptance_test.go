package service_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/protocol/kakao"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// Acceptance (DESIGN.md §9) with the service's injected clock: deadlines,
// auto acceptance, scheduled orders, estimates.

func (f *fx) setAccept(locID int64, mut func(l *hub.Location)) {
	f.t.Helper()
	_, err := f.svc.ModifyLocation(f.ctx, locID, func(l *hub.Location) error { mut(l); return nil })
	f.must(err)
}

func (f *fx) order(id int64) *hub.Order {
	f.t.Helper()
	o, err := f.st.GetOrder(f.ctx, id)
	f.must(err)
	return o
}

func (f *fx) acceptDue(svc *service.Service, want int) {
	f.t.Helper()
	n, err := svc.AcceptDue(f.ctx)
	f.must(err)
	if n != want {
		f.t.Fatalf("AcceptDue acted on %d orders, want %d", n, want)
	}
}

func (f *fx) history(id int64) []hub.OrderEvent {
	f.t.Helper()
	h, err := f.st.OrderHistory(f.ctx, id)
	f.must(err)
	return h
}

func TestAcceptanceDeadline(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		t0 := f.clock.Now()
		late := f.place(f.coffeeOrder(2))
		if late.AcceptMode != hub.AcceptManual || !late.AcceptBy.Equal(t0.Add(600*time.Second)) ||
			!late.EstimatedReadyAt.Equal(t0.Add(15*time.Minute)) {
			t.Fatalf("taken: mode %s, by %v, ready %v", late.AcceptMode, late.AcceptBy, late.EstimatedReadyAt)
		}
		f.clock.Advance(time.Minute)
		kept := f.place(f.coffeeOrder(1)) // its deadline is a minute later
		f.wantStock(f.locA.ID, f.coffee.ID, 17)
		f.clock.Advance(8 * time.Minute)
		confirmed := f.place(f.coffeeOrder(1)) // confirmed in time, below
		if _, err := f.svc.Transition(f.ctx, service.TransitionInput{Scope: service.OrderScope{BrandID: f.brand.ID},
			OrderRef: confirmed.Number, Action: hub.ActionConfirm, Actor: storeActor}); err != nil {
			t.Fatal(err)
		}
		if o := f.order(confirmed.ID); !o.EstimatedReadyAt.Equal(t0.Add(9*time.Minute + 15*time.Minute)) {
			t.Errorf("confirmed at 9 min: ready %v, want 15 min after", o.EstimatedReadyAt)
		}

		f.clock.Advance(time.Minute - time.Microsecond) // 599.999999 s
		f.acceptDue(f.svc, 0)
		before := f.lastEventID()
		f.clock.Advance(time.Microsecond) // 600 s: the deadline, inclusive
		f.acceptDue(f.svc, 1)
		f.acceptDue(f.svc, 0) // never twice

		o := f.order(late.ID)
		if o.Status != hub.StatusCancelled || o.CancelReason != string(hub.ReasonNotAccepted) || o.CancelledBy != "system" ||
			o.StockTaken != nil {
			t.Fatalf("late order: status %s, reason %q, by %q, stock %v", o.Status, o.CancelReason, o.CancelledBy, o.StockTaken)
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 18) // the late order's two came back
		h := f.history(late.ID)
		if last := h[len(h)-1]; last.Action != "cancel" || last.Actor != "system" || last.FromStatus != hub.StatusNew ||
			last.Note != "not accepted before the deadline" {
			t.Errorf("history: %+v", last)
		}
		evs := f.eventsAfter(before)
		if got := eventTypes(evs); len(got) != 2 || got[0] != hub.EventOrderCancelled || got[1] != hub.EventStockChanged {
			t.Fatalf("events %v", got)
		}
		data := payload(t, evs[0])
		if ord := data["order"].(map[string]any); ord["cancel_reason"] != "not_accepted" || data["from_status"] != "new" {
			t.Errorf("cancel event: %v", data)
		}
		if f.order(kept.ID).Status != hub.StatusNew || f.order(confirmed.ID).Status != hub.StatusConfirmed {
			t.Error("an order not yet due was acted on")
		}
		// The next deadline, a minute later.
		f.clock.Advance(time.Minute)
		f.acceptDue(f.svc, 1)
		if f.order(kept.ID).Status != hub.StatusCancelled || f.order(confirmed.ID).Status != hub.StatusConfirmed {
			t.Error("second deadline")
		}
	})
}

// TestAcceptanceAfterRestart: deadlines are data. A node that was down
// when the deadline passed acts on its first look, from the stored orders.
func TestAcceptanceAfterRestart(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		first := open()
		f := newFx(t, first)
		o := f.place(f.coffeeOrder(1))
		first.Close()
		f.clock.Advance(time.Hour)
		st := open()
		svc := service.New(st, service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now))
		n, err := svc.AcceptDue(f.ctx)
		if err != nil || n != 1 {
			t.Fatalf("after the restart: %d, %v", n, err)
		}
		got, err := st.GetOrder(f.ctx, o.ID)
		if err != nil || got.Status != hub.StatusCancelled || got.CancelReason != "not_accepted" {
			t.Fatalf("%+v %v", got, err)
		}
	})
}

func TestAutoAcceptance(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		f.setAccept(f.locA.ID, func(l *hub.Location) { l.Accept = hub.AcceptPolicy{Mode: hub.AcceptAuto}; l.PrepMinutes = 20 })
		before := f.lastEventID()
		o := f.place(f.coffeeOrder(1))
		if o.Status != hub.StatusConfirmed || o.Version != 2 || o.AcceptMode != hub.AcceptAuto || o.AcceptBy != nil {
			t.Fatalf("auto: %s v%d %s %v", o.Status, o.Version, o.AcceptMode, o.AcceptBy)
		}
		if stored := f.order(o.ID); stored.Status != hub.StatusConfirmed || stored.Version != 2 ||
			!stored.EstimatedReadyAt.Equal(f.clock.Now().Add(20*time.Minute)) {
			t.Fatalf("stored: %s v%d ready %v", stored.Status, stored.Version, stored.EstimatedReadyAt)
		}
		h := f.history(o.ID)
		if len(h) != 2 || h[0].Action != "create" || h[1].Action != "confirm" || h[1].Actor != "system" {
			t.Fatalf("history %+v", h)
		}
		got := eventTypes(f.eventsAfter(before))
		want := []hub.EventType{hub.EventOrderCreated, hub.EventStockChanged, hub.EventOrderConfirmed}
		if len(got) != len(want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("events %v, want %v", got, want)
			}
		}
		if n, err := f.st.NextDueAt(f.ctx); err != nil || n != nil {
			t.Fatalf("an auto-accepted order is still due: %v %v", n, err)
		}
		// Location B is still manual.
		in := f.coffeeOrder(1)
		in.LocationID, in.Lines[0].ProductRef = f.locB.ID, "TEA"
		if o := f.place(in); o.Status != hub.StatusNew {
			t.Fatalf("manual location: %s", o.Status)
		}
	})
}

func TestScheduledOrders(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		t0 := f.clock.Now()
		at := t0.Add(2 * time.Hour)
		in := f.coffeeOrder(3)
		in.ScheduledFor = &at
		manual := f.place(in)
		f.wantStock(f.locA.ID, f.coffee.ID, 17) // held at once
		if manual.Status != hub.StatusNew || !manual.Scheduled(t0) || !manual.AcceptFrom.Equal(at.Add(-15*time.Minute)) ||
			!manual.AcceptBy.Equal(at.Add(-5*time.Minute)) || !manual.EstimatedReadyAt.Equal(at) {
			t.Fatalf("scheduled manual: %+v", manual)
		}
		f.setAccept(f.locB.ID, func(l *hub.Location) { l.Accept = hub.AcceptPolicy{Mode: hub.AcceptAuto} })
		in = f.coffeeOrder(1)
		in.LocationID, in.Lines[0].ProductRef, in.ScheduledFor = f.locB.ID, "TEA", &at
		auto := f.place(in)
		if auto.Status != hub.StatusNew || !auto.Scheduled(t0) {
			t.Fatalf("a scheduled auto order is confirmed before its time: %s", auto.Status)
		}
		// Refused: in the past, too far ahead.
		for _, when := range []time.Time{t0.Add(-time.Minute), t0.Add(8 * 24 * time.Hour)} {
			in := f.coffeeOrder(1)
			in.ScheduledFor = &when
			_, err := f.svc.PlaceOrder(f.ctx, in)
			if e := hub.AsError(err); e == nil || e.Code != hub.CodeInvalid || e.Field != "scheduled_for" {
				t.Errorf("scheduled for %v: %v", when, err)
			}
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 17)

		f.clock.Advance(105*time.Minute - time.Second)
		f.acceptDue(f.svc, 0)
		f.clock.Advance(time.Second) // 1 h 45: acceptance starts
		f.acceptDue(f.svc, 1)
		if o := f.order(auto.ID); o.Status != hub.StatusConfirmed || o.Scheduled(f.clock.Now()) ||
			!o.EstimatedReadyAt.Equal(at) {
			t.Fatalf("auto at its start: %s ready %v", o.Status, o.EstimatedReadyAt)
		}
		if o := f.order(manual.ID); o.Status != hub.StatusNew || o.Scheduled(f.clock.Now()) {
			t.Fatalf("manual at its start: %s", o.Status)
		}
		f.clock.Advance(10 * time.Minute) // 1 h 55: its deadline
		f.acceptDue(f.svc, 1)
		if o := f.order(manual.ID); o.Status != hub.StatusCancelled || o.CancelReason != "not_accepted" {
			t.Fatalf("manual after its deadline: %s", o.Status)
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 20)
	})
}

func TestPausedAndBusy(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		t0 := f.clock.Now()
		taken := f.place(f.coffeeOrder(1))
		until := t0.Add(30 * time.Minute)
		if _, err := f.svc.SetLocationStatus(f.ctx, service.StatusInput{BrandID: f.brand.ID, LocationID: f.locA.ID,
			Status: hub.LocationStatus{Mode: hub.ModePaused, Until: &until, Reason: "inventory"}}); err != nil {
			t.Fatal(err)
		}
		before, orders := f.lastEventID(), len(f.orders(store.OrderFilter{}))
		_, err := f.svc.PlaceOrder(f.ctx, f.coffeeOrder(1))
		wantErr(t, err, hub.CodeConflict, hub.ReasonLocationPaused)
		if f.lastEventID() != before || len(f.orders(store.OrderFilter{})) != orders {
			t.Fatal("a refused order wrote something")
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 19)
		// Orders taken go on.
		if _, err := f.svc.Transition(f.ctx, service.TransitionInput{Scope: service.OrderScope{BrandID: f.brand.ID},
			OrderRef: taken.Number, Action: hub.ActionConfirm, Actor: storeActor}); err != nil {
			t.Fatalf("confirm while paused: %v", err)
		}
		// Past until: open again, no sweep.
		f.clock.Advance(30 * time.Minute)
		f.place(f.coffeeOrder(1))

		if _, err := f.svc.SetLocationStatus(f.ctx, service.StatusInput{BrandID: f.brand.ID, LocationID: f.locA.ID,
			Status: hub.LocationStatus{Mode: hub.ModeBusy, ExtraPrepMinutes: 25}}); err != nil {
			t.Fatal(err)
		}
		o := f.place(f.coffeeOrder(1))
		if !o.EstimatedReadyAt.Equal(f.clock.Now().Add(40 * time.Minute)) {
			t.Fatalf("busy estimate %v", o.EstimatedReadyAt)
		}
	})
}

// TestRefundOnDeadline: an order paid from the partner's cash balance and
// cancelled at the deadline gives the money back.
func TestRefundOnDeadline(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newBalFixture(t, st)
		c := &clock{now: time.Now().UTC()}
		svc := service.New(st, service.WithOutbound(testutil.Outbound), service.WithClock(c.Now))
		if _, err := svc.TopUpBalance(f.ctx, f.partner.ID, 5000, "float"); err != nil {
			t.Fatal(err)
		}
		res, err := svc.PlaceOrder(f.ctx, f.input("OA-1", service.LineInput{ProductRef: "ITEM", Quantity: 2}))
		if err != nil || res.Payment == nil || !res.Payment.Paid {
			t.Fatalf("%+v %v", res, err)
		}
		if b, _ := svc.Balance(f.ctx, f.partner.ID); b != 3000 {
			t.Fatalf("balance after paying %d", b)
		}
		c.Advance(11 * time.Minute)
		if n, err := svc.AcceptDue(f.ctx); err != nil || n != 1 {
			t.Fatalf("AcceptDue %d %v", n, err)
		}
		o, _ := st.GetOrder(f.ctx, res.Order.ID)
		if o.Status != hub.StatusCancelled || o.PaymentStatus != hub.PaymentRefunded {
			t.Fatalf("%s %s", o.Status, o.PaymentStatus)
		}
		if b, _ := svc.Balance(f.ctx, f.partner.ID); b != 5000 {
			t.Fatalf("balance after the deadline %d, want 5000", b)
		}
	})
}

// botReceiver records the bot's cancel notifications by order.
type botReceiver struct {
	mu      sync.Mutex
	cancels map[string]int
	reasons map[string]string
}

func (b *botReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var n struct {
		OrderID string `json:"orderId"`
		Reason  string `json:"reason"`
	}
	json.Unmarshal(body, &n)
	b.mu.Lock()
	defer b.mu.Unlock()
	if r.URL.Path == "/api/kakao/v1/order/cancel" {
		b.cancels[n.OrderID]++
		b.reasons[n.OrderID] = n.Reason
	}
}

func (b *botReceiver) total() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.cancels {
		n += c
	}
	return n
}

// TestTwoNodesDeadline: two nodes (two stores on one database, each with
// its acceptance loop and delivery engine) past the deadline of 20 bot
// orders: each is cancelled once, with one order.cancelled event, and the
// bot hears of each exactly once.
func TestTwoNodesDeadline(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		f := newFx(t, open())
		rcv := &botReceiver{cancels: map[string]int{}, reasons: map[string]string{}}
		bot := httptest.NewServer(rcv)
		t.Cleanup(bot.Close)
		p, _ := f.partner(hub.ChannelKakao, nil, hub.PartnerSettings{BotURL: bot.URL})
		const orders = 20
		var numbers []string
		for i := range orders {
			in := f.coffeeOrder(1)
			in.Channel, in.Partner, in.ExternalRef = hub.ChannelKakao, p, "bot-"+strconv.Itoa(i)
			numbers = append(numbers, f.place(in).Number)
		}
		f.clock.Advance(10 * time.Minute)
		nodes := []*service.Service{f.svc, service.New(open(), service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now))}
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		ctx, stop := context.WithCancel(f.ctx)
		var wg sync.WaitGroup
		for i, node := range nodes {
			e := delivery.New(node.Store(), delivery.Config{Outbound: testutil.Outbound, Node: "node-" + strconv.Itoa(i), PollInterval: 10 * time.Millisecond,
				Timeout: 5 * time.Second, Logger: quiet})
			e.Register(hub.ChannelKakao, kakao.Formatter)
			e.Start(ctx)
			t.Cleanup(func() {
				c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				e.Stop(c)
			})
			wg.Go(func() { node.RunAcceptance(ctx, 5*time.Millisecond) })
		}
		deadline := time.Now().Add(30 * time.Second)
		for rcv.total() < orders && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // a second notification would have come by now
		stop()
		wg.Wait()
		for _, num := range numbers {
			if rcv.cancels[num] != 1 || rcv.reasons[num] != "not_accepted" {
				t.Errorf("order %s: %d cancel notifications (reason %q), want 1", num, rcv.cancels[num], rcv.reasons[num])
			}
		}
		cancelled := 0
		for _, e := range f.eventsAfter(0) {
			if e.Type == hub.EventOrderCancelled {
				cancelled++
			}
		}
		if cancelled != orders {
			t.Errorf("%d order.cancelled events, want %d", cancelled, orders)
		}
		for _, o := range f.orders(store.OrderFilter{}) {
			n := 0
			for _, h := range f.history(o.ID) {
				if h.Action == "cancel" {
					n++
				}
			}
			if o.Status != hub.StatusCancelled || n != 1 {
				t.Errorf("order %s: %s with %d cancels in its history", o.Number, o.Status, n)
			}
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 20)
	})
}
