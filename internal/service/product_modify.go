package service

import (
	"context"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// ModifyProduct changes a stored product of a brand in one unit of work:
// it reads the product, lets fn change it, validates the result and writes
// it with its product.updated event, exactly as SaveProduct does. Partial
// updates (a partner API that carries only some of a product's fields) use
// it so that two concurrent updates cannot lose each other's fields. A
// product that is not the brand's is not found; an error from fn is
// returned as is and nothing is written.
func (s *Service) ModifyProduct(ctx context.Context, brandID, productID int64, fn func(p *hub.Product) error) (*hub.Product, error) {
	var out *hub.Product
	err := s.store.Update(ctx, func(tx store.Tx) error {
		p, err := tx.LockProduct(ctx, brandID, productID)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		// The brand and id are the stored ones whatever fn did.
		p.ID, p.BrandID = productID, brandID
		if err := p.Validate(); err != nil {
			return err
		}
		if err := s.saveProduct(ctx, tx, p); err != nil {
			return err
		}
		out = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
