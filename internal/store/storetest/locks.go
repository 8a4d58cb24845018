// Row locks: LockBrand, LockLocation and LockPartner hold a row from the
// read to the end of the unit, so read-change-write units running at once
// apply one after the other (PATCH on PostgreSQL's READ COMMITTED, where
// a plain read lets two units write over each other).

package storetest

import (
	"fmt"
	"sync"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// lockedUnits runs n units at once, each calling change with its index,
// and fails the test if one fails.
func lockedUnits(t *testing.T, s store.Store, n int, change func(tx store.Tx, i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.Update(ctxOf(t), func(tx store.Tx) error { return change(tx, i) })
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("unit %d: %v", i, err)
		}
	}
}

// testLockRows: each of n units at once reads a row under its lock,
// changes two fields from what it read (a counter and a field of its
// own) and writes it back; no unit's change is lost.
func testLockRows(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	const n = 12
	t.Run("partner", func(t *testing.T) {
		p := &hub.Partner{BrandID: f.b1.ID, Protocol: hub.ChannelOmni, Name: "POS"}
		update(t, s, func(tx store.Tx) error { return tx.CreatePartner(ctx, p) })
		lockedUnits(t, s, n, func(tx store.Tx, i int) error {
			p, err := tx.LockPartner(ctx, p.ID)
			if err != nil {
				return err
			}
			p.Settings.InventoryTimeoutMS++
			if p.Settings.Extra == nil {
				p.Settings.Extra = map[string]any{}
			}
			p.Settings.Extra[fmt.Sprintf("u%02d", i)] = true
			return tx.UpdatePartner(ctx, p)
		})
		got, err := s.GetPartner(ctx, p.ID)
		if err != nil || got.Settings.InventoryTimeoutMS != n || len(got.Settings.Extra) != n {
			t.Fatalf("after %d locked changes: %+v, %v", n, got, err)
		}
		err = s.Update(ctx, func(tx store.Tx) error { _, err := tx.LockPartner(ctx, p.ID+100); return err })
		wantCode(t, err, hub.CodeNotFound)
	})
	t.Run("brand", func(t *testing.T) {
		lockedUnits(t, s, n, func(tx store.Tx, i int) error {
			b, err := tx.LockBrand(ctx, f.b1.ID)
			if err != nil {
				return err
			}
			b.TaxRateBP++
			b.ServiceChargeBP += int64(i)
			return tx.UpdateBrand(ctx, b)
		})
		got, err := s.GetBrand(ctx, f.b1.ID)
		if err != nil || got.TaxRateBP != f.b1.TaxRateBP+n || got.ServiceChargeBP != f.b1.ServiceChargeBP+n*(n-1)/2 {
			t.Fatalf("after %d locked changes: %+v, %v", n, got, err)
		}
		err = s.Update(ctx, func(tx store.Tx) error { _, err := tx.LockBrand(ctx, f.b2.ID+100); return err })
		wantCode(t, err, hub.CodeNotFound)
	})
	t.Run("location", func(t *testing.T) {
		lockedUnits(t, s, n, func(tx store.Tx, i int) error {
			l, err := tx.LockLocation(ctx, f.l1.ID)
			if err != nil {
				return err
			}
			l.Address += "x"
			l.PrepMinutes++
			return tx.UpdateLocation(ctx, l)
		})
		got, err := s.GetLocation(ctx, f.l1.ID)
		if err != nil || len(got.Address) != len(f.l1.Address)+n || got.PrepMinutes != f.l1.PrepMinutes+n {
			t.Fatalf("after %d locked changes: %+v, %v", n, got, err)
		}
	})
}
