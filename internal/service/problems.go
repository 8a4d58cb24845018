package service

import (
	"context"

	"orderhub/internal/hub"
)

// OrderProblems checks an order as PlaceOrder does (checkOrder, the one
// validation path) and writes nothing, but instead of stopping at the
// first problem it returns every one it finds, in checkOrder's order, so
// that a protocol whose contract ranks its errors (the partner shop's table
// 001 → 208) can answer the highest-ranked one. The error is a failure to
// check (database, unknown location, the partner's scope), never a problem
// of the order.
func (s *Service) OrderProblems(ctx context.Context, in PlaceOrderInput) ([]*hub.Error, error) {
	cfg, err := s.Config(ctx)
	if err != nil {
		return nil, err
	}
	_, _, probs, err := s.checkOrder(ctx, cfg, in, true)
	return probs, err
}

// checkSoldOut refuses a line whose product, or a combo item chosen for
// it, is flagged sold out (ReasonOutOfStock, like a stock of zero, with
// Details["product_id"]).
func (s *Service) checkSoldOut(ctx context.Context, cfg *Config, brandID int64, line *hub.OrderLine, field string) error {
	ids := []int64{line.ProductID}
	for _, m := range line.Modifiers {
		if m.Kind == hub.ModifierCombo && !m.Removed && m.ProductID != 0 {
			ids = append(ids, m.ProductID)
		}
	}
	for _, id := range ids {
		p, err := cfg.Product(ctx, brandID, id)
		if err != nil {
			return err
		}
		if p.SoldOut {
			return hub.Conflict(hub.ReasonOutOfStock, "%s is sold out", p.Name.Get("en")).WithField(field).WithDetail("product_id", p.ID)
		}
	}
	return nil
}
