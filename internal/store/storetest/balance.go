package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// Partner cash balances (store.BalanceReader, store.BalanceWriter) and
// LockProduct.

func partner(t *testing.T, s store.Store, brandID int64, name string) *hub.Partner {
	t.Helper()
	p := &hub.Partner{BrandID: brandID, Protocol: hub.ChannelJunglebook, Name: name}
	update(t, s, func(tx store.Tx) error { return tx.CreatePartner(ctxOf(t), p) })
	return p
}

// adjust runs AdjustBalance in a unit of its own.
func adjust(t *testing.T, s store.Store, partnerID, delta int64) (bool, int64) {
	t.Helper()
	var ok bool
	var b int64
	update(t, s, func(tx store.Tx) error {
		var err error
		ok, b, err = tx.AdjustBalance(ctxOf(t), partnerID, delta)
		return err
	})
	return ok, b
}

func wantBalance(t *testing.T, s store.Store, partnerID, want int64) {
	t.Helper()
	if b, err := s.GetBalance(ctxOf(t), partnerID); err != nil || b != want {
		t.Fatalf("GetBalance(%d) = %d, %v; want %d", partnerID, b, err, want)
	}
}

func testBalance(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	p1, p2 := partner(t, s, f.b1.ID, "shop 1"), partner(t, s, f.b1.ID, "shop 2")
	// Never had one: 0, and a debit is refused.
	wantBalance(t, s, p1.ID, 0)
	if ok, b := adjust(t, s, p1.ID, -1); ok || b != 0 {
		t.Fatalf("debit without a balance = %v, %d; want false, 0", ok, b)
	}
	wantBalance(t, s, p1.ID, 0)
	for i, c := range []struct {
		delta int64
		ok    bool
		after int64
	}{
		{5000, true, 5000},
		{2500, true, 7500},
		{-7000, true, 500},
		{-501, false, 500}, // would go below zero: refused, unchanged
		{-500, true, 0},    // down to exactly zero
		{-1, false, 0},
		{hub.MaxAmount, true, hub.MaxAmount},
		{-hub.MaxAmount, true, 0},
	} {
		if ok, b := adjust(t, s, p1.ID, c.delta); ok != c.ok || b != c.after {
			t.Fatalf("step %d: AdjustBalance(%d) = %v, %d; want %v, %d", i, c.delta, ok, b, c.ok, c.after)
		}
		wantBalance(t, s, p1.ID, c.after)
	}
	wantBalance(t, s, p2.ID, 0)
	// Amounts out of range are invalid and change nothing.
	adjust(t, s, p1.ID, 100)
	for _, d := range []int64{hub.MaxAmount + 1, -hub.MaxAmount - 1} {
		err := s.Update(ctx, func(tx store.Tx) error { _, _, err := tx.AdjustBalance(ctx, p1.ID, d); return err })
		wantCode(t, err, hub.CodeInvalid)
	}
	wantBalance(t, s, p1.ID, 100)
	// Inside a unit the change is visible; a failed unit takes it back.
	err := s.Update(ctx, func(tx store.Tx) error {
		if ok, b, err := tx.AdjustBalance(ctx, p1.ID, -60); err != nil || !ok || b != 40 {
			return fmt.Errorf("debit inside the unit = %v, %d, %v", ok, b, err)
		}
		if b, err := tx.GetBalance(ctx, p1.ID); err != nil || b != 40 {
			return fmt.Errorf("own debit not visible: %d, %v", b, err)
		}
		if ok, b, err := tx.AdjustBalance(ctx, p1.ID, -41); err != nil || ok || b != 40 {
			return fmt.Errorf("second debit inside the unit = %v, %d, %v; want refused at 40", ok, b, err)
		}
		if ok, b, err := tx.AdjustBalance(ctx, p2.ID, 7); err != nil || !ok || b != 7 {
			return fmt.Errorf("first credit of another partner = %v, %d, %v", ok, b, err)
		}
		return errRefused
	})
	if err != errRefused {
		t.Fatalf("unit returned %v, want its own error", err)
	}
	wantBalance(t, s, p1.ID, 100)
	wantBalance(t, s, p2.ID, 0)
}

func testBalanceEntries(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	p1, p2 := partner(t, s, f.b1.ID, "shop 1"), partner(t, s, f.b1.ID, "shop 2")
	if es, err := s.ListBalanceEntries(ctx, p1.ID, 0, 0); err != nil || len(es) != 0 {
		t.Fatalf("ListBalanceEntries without history = %v, %v", es, err)
	}
	at := base()
	e1 := &store.BalanceEntry{PartnerID: p1.ID, Kind: store.BalanceTopUp, Amount: 5000, BalanceAfter: 5000, Note: "첫 충전", CreatedAt: at}
	e2 := &store.BalanceEntry{PartnerID: p1.ID, Kind: store.BalanceOrderPayment, Amount: -1200, BalanceAfter: 3800, OrderID: 77,
		Note: "order N0000077", CreatedAt: at.Add(time.Minute)}
	other := &store.BalanceEntry{PartnerID: p2.ID, Kind: store.BalanceTopUp, Amount: 10, BalanceAfter: 10}
	e3 := &store.BalanceEntry{PartnerID: p1.ID, Kind: store.BalanceTopUp, Amount: 200, BalanceAfter: 4000}
	before := time.Now().UTC().Truncate(time.Microsecond)
	update(t, s, func(tx store.Tx) error {
		for _, e := range []*store.BalanceEntry{e1, e2, other, e3} {
			if err := tx.AddBalanceEntry(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if e1.ID <= 0 || e2.ID <= e1.ID || e3.ID <= other.ID || other.ID <= e2.ID {
		t.Fatalf("AddBalanceEntry ids: %d %d %d %d", e1.ID, e2.ID, other.ID, e3.ID)
	}
	if e3.CreatedAt.Before(before) || e3.CreatedAt.After(time.Now().UTC().Add(time.Microsecond)) || !e1.CreatedAt.Equal(at) {
		t.Fatalf("created_at: %v (given %v), %v (set by the store, after %v)", e1.CreatedAt, at, e3.CreatedAt, before)
	}
	list := func(partnerID, beforeID int64, limit int) []store.BalanceEntry {
		t.Helper()
		es, err := s.ListBalanceEntries(ctx, partnerID, beforeID, limit)
		if err != nil {
			t.Fatalf("ListBalanceEntries(%d, %d, %d): %v", partnerID, beforeID, limit, err)
		}
		return es
	}
	if got, want := list(p1.ID, 0, 0), []store.BalanceEntry{*e3, *e2, *e1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ListBalanceEntries =\n%+v\nwant\n%+v", got, want)
	}
	if got := list(p2.ID, 0, 0); len(got) != 1 || !reflect.DeepEqual(got[0], *other) {
		t.Fatalf("other partner's entries = %+v", got)
	}
	entryIDs := func(es []store.BalanceEntry) []int64 {
		return idsOf(es, func(e store.BalanceEntry) int64 { return e.ID })
	}
	for _, c := range []struct {
		before int64
		limit  int
		want   []int64
	}{
		{0, 2, []int64{e3.ID, e2.ID}},
		{e2.ID, 2, []int64{e1.ID}},
		{e3.ID, 1, []int64{e2.ID}},
		{e1.ID, 10, []int64{}},
	} {
		if got := entryIDs(list(p1.ID, c.before, c.limit)); !slices.Equal(got, c.want) {
			t.Errorf("ListBalanceEntries(before %d, limit %d) = %v, want %v", c.before, c.limit, got, c.want)
		}
	}
	// Limit 0 means 50.
	update(t, s, func(tx store.Tx) error {
		for i := range 55 {
			if err := tx.AddBalanceEntry(ctx, &store.BalanceEntry{PartnerID: p2.ID, Kind: store.BalanceTopUp, Amount: 1, BalanceAfter: int64(11 + i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if got := list(p2.ID, 0, 0); len(got) != 50 || got[0].BalanceAfter != 65 || got[49].BalanceAfter != 16 {
		t.Fatalf("default page: %d entries, from %d to %d", len(got), got[0].BalanceAfter, got[len(got)-1].BalanceAfter)
	}
	// A history row never shows a negative balance.
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.AddBalanceEntry(ctx, &store.BalanceEntry{PartnerID: p1.ID, Kind: store.BalanceOrderPayment, Amount: -1, BalanceAfter: -1})
	})
	if err == nil {
		t.Fatal("an entry with a negative balance_after was stored")
	}
	if got := list(p1.ID, 0, 0); len(got) != 3 {
		t.Fatalf("%d entries after a refused one, want 3", len(got))
	}
}

// testBalanceConcurrent: top-ups from many goroutines at once all land
// (the first one creates the balance), and debits at once never spend the
// same money twice nor go below zero.
func testBalanceConcurrent(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	p := partner(t, s, f.b1.ID, "shop")
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if err := s.Update(ctx, func(tx store.Tx) error { _, _, err := tx.AdjustBalance(ctx, p.ID, 100); return err }); err != nil {
				t.Errorf("top-up: %v", err)
			}
		})
	}
	wg.Wait()
	wantBalance(t, s, p.ID, 1000)

	// 40 debits of 30 against 1000: exactly 33 go through, each leaving a
	// different balance, and each debit writes its history row in its
	// own unit, as the service does.
	const debits, amount = 40, 30
	var mu sync.Mutex
	var after []int64
	refused := 0
	for range debits {
		wg.Go(func() {
			var ok bool
			var b int64
			err := s.Update(ctx, func(tx store.Tx) error {
				var err error
				if ok, b, err = tx.AdjustBalance(ctx, p.ID, -amount); err != nil || !ok {
					return err
				}
				return tx.AddBalanceEntry(ctx, &store.BalanceEntry{PartnerID: p.ID, Kind: store.BalanceOrderPayment, Amount: -amount, BalanceAfter: b})
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("debit: %v", err)
			case ok:
				after = append(after, b)
			default:
				refused++
				if b < 0 || b >= amount {
					t.Errorf("a refused debit of %d reported balance %d", amount, b)
				}
			}
		})
	}
	wg.Wait()
	slices.Sort(after)
	var want []int64
	for k := int64(1000 / amount); k >= 1; k-- {
		want = append(want, 1000-amount*k) // 10, 40, ..., 970
	}
	if !slices.Equal(after, want) || refused != debits-len(want) {
		t.Fatalf("balances after the debits that went through: %v (%d refused)\nwant %v (%d refused)", after, refused, want, debits-len(want))
	}
	wantBalance(t, s, p.ID, 1000%amount)
	es, err := s.ListBalanceEntries(ctx, p.ID, 0, 100)
	if err != nil || len(es) != len(want) {
		t.Fatalf("%d history rows, %v; want %d", len(es), err, len(want))
	}
}

// testLockProduct: LockProduct reads a brand's product and holds it, so
// read-change-write units on one product apply one after the other.
func testLockProduct(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	p := product(t, s, f.b1.ID, "A", "SKU-A", 1000)
	update(t, s, func(tx store.Tx) error {
		got, err := tx.LockProduct(ctx, f.b1.ID, p.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, p) {
			return fmt.Errorf("LockProduct =\n%+v\nwant\n%+v", got, p)
		}
		return nil
	})
	for _, c := range []struct{ brand, id int64 }{{f.b2.ID, p.ID}, {f.b1.ID, p.ID + 100}} {
		err := s.Update(ctx, func(tx store.Tx) error { _, err := tx.LockProduct(ctx, c.brand, c.id); return err })
		wantCode(t, err, hub.CodeNotFound)
	}
	const workers = 16
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			err := s.Update(ctx, func(tx store.Tx) error {
				cur, err := tx.LockProduct(ctx, f.b1.ID, p.ID)
				if err != nil {
					return err
				}
				cur.Price++
				cur.Name["en"] += "x"
				cur.Attributes = map[string]any{fmt.Sprintf("w%02d", i): true}
				return tx.UpdateProduct(ctx, cur)
			})
			if err != nil {
				t.Errorf("locked update: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := s.GetProduct(ctx, f.b1.ID, p.ID)
	if err != nil || got.Price != 1000+workers || got.Name["en"] != p.Name["en"]+strings.Repeat("x", workers) {
		t.Fatalf("after %d locked updates: %+v, %v", workers, got, err)
	}
}
