package service_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

func TestModifyProduct(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := service.New(st, service.WithOutbound(testutil.Outbound))
		check := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		b := &hub.Brand{Name: "B", Currency: "USD"}
		check(svc.CreateBrand(ctx, b))
		other := &hub.Brand{Name: "O", Currency: "USD"}
		check(svc.CreateBrand(ctx, other))
		p := &hub.Product{BrandID: b.ID, RefID: "p", SKU: "s", Name: hub.I18n{"en": "P"}, Price: 100, Displayed: true}
		check(svc.SaveProduct(ctx, p))

		got, err := svc.ModifyProduct(ctx, b.ID, p.ID, func(p *hub.Product) error {
			p.Price = 250
			p.BrandID, p.ID = other.ID, 999 // ignored: brand and id stay
			return nil
		})
		check(err)
		if got.Price != 250 || got.ID != p.ID || got.BrandID != b.ID || got.SKU != "s" {
			t.Errorf("modified %+v", got)
		}
		stored, err := st.GetProduct(ctx, b.ID, p.ID)
		check(err)
		if stored.Price != 250 || !stored.CreatedAt.Equal(p.CreatedAt) {
			t.Errorf("stored %+v", stored)
		}

		// Another brand's product is not found; fn's error and invalid
		// results write nothing.
		if _, err := svc.ModifyProduct(ctx, other.ID, p.ID, func(*hub.Product) error { return nil }); hub.ErrorCode(err) != hub.CodeNotFound {
			t.Errorf("other brand: %v", err)
		}
		boom := errors.New("boom")
		if _, err := svc.ModifyProduct(ctx, b.ID, p.ID, func(p *hub.Product) error { p.Price = 1; return boom }); !errors.Is(err, boom) {
			t.Errorf("fn error: %v", err)
		}
		if _, err := svc.ModifyProduct(ctx, b.ID, p.ID, func(p *hub.Product) error { p.Price = -1; return nil }); hub.ErrorCode(err) != hub.CodeInvalid {
			t.Errorf("invalid: %v", err)
		}
		if stored, _ := st.GetProduct(ctx, b.ID, p.ID); stored.Price != 250 {
			t.Errorf("price %d after refused changes", stored.Price)
		}
		evs, err := st.ListEventsByID(ctx, 0, 100)
		check(err)
		updates := 0
		for _, e := range evs {
			if e.Type == hub.EventProductUpdated {
				updates++
			}
		}
		if updates != 2 {
			t.Errorf("%d product.updated events, want 2 (save, one modify)", updates)
		}

		// Concurrent partial updates lose nothing.
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := svc.ModifyProduct(ctx, b.ID, p.ID, func(p *hub.Product) error { p.SortOrder++; return nil })
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if stored, _ := st.GetProduct(ctx, b.ID, p.ID); stored.SortOrder != 8 {
			t.Errorf("sort order %d after 8 concurrent increments, want 8", stored.SortOrder)
		}
	})
}
