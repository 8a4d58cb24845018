package service_test

import (
	"errors"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestBounds: a stock quantity and an order's line count are accepted at
// their bound and refused one over it, naming the field, with nothing
// written.
func TestBounds(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFx(t, st)
		if err := f.svc.SetStock(f.ctx, f.brand.ID, f.locA.ID, f.tea.ID, ptr[int64](hub.MaxStock)); err != nil {
			t.Fatalf("stock at MaxStock: %v", err)
		}
		err := f.svc.SetStock(f.ctx, f.brand.ID, f.locA.ID, f.tea.ID, ptr[int64](hub.MaxStock+1))
		var he *hub.Error
		if !errors.As(err, &he) || he.Code != hub.CodeInvalid || he.Field != "quantity" {
			t.Fatalf("stock over MaxStock: %v, want invalid quantity", err)
		}
		if q, _ := st.GetStock(f.ctx, f.locA.ID, f.tea.ID); q == nil || *q != hub.MaxStock {
			t.Errorf("stock after the refusal: %v, want %d", q, hub.MaxStock)
		}

		lines := func(n int) []service.LineInput {
			out := make([]service.LineInput, n)
			for i := range out {
				out[i] = service.LineInput{ProductRef: f.tea.RefID, Quantity: 1}
			}
			return out
		}
		in := service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.locA.ID, Channel: hub.ChannelHub, DryRun: true}
		in.Lines = lines(hub.MaxLines)
		if _, err := f.svc.PlaceOrder(f.ctx, in); hub.AsError(err) != nil && hub.AsError(err).Field == "lines" {
			t.Fatalf("%d lines refused by the bound: %v", hub.MaxLines, err)
		}
		in.Lines = lines(hub.MaxLines + 1)
		_, err = f.svc.PlaceOrder(f.ctx, in)
		if !errors.As(err, &he) || he.Code != hub.CodeInvalid || he.Field != "lines" {
			t.Fatalf("%d lines: %v, want invalid lines", hub.MaxLines+1, err)
		}
	})
}
