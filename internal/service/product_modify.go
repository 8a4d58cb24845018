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
	lock := func(tx store.Tx) (*hub.Product, error) { return tx.LockProduct(ctx, brandID, productID) }
	return modifyRow(ctx, s, lock, fn, func(*hub.Product) func(store.Tx, *hub.Product) error {
		return func(tx store.Tx, p *hub.Product) error {
			// The brand and id are the stored ones whatever fn did.
			p.ID, p.BrandID = productID, brandID
			if err := p.Validate(); err != nil {
				return err
			}
			return s.saveProduct(ctx, tx, p)
		}
	})
}
