// Products: a brand's catalogue, found by id, ref id or SKU.

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func (s *Queries) CreateProduct(ctx context.Context, p *hub.Product) error {
	err := s.insertDoc(ctx, &p.ID, p, "product", &p.CreatedAt, &p.UpdatedAt,
		`INSERT INTO products (brand_id, ref_id, sku, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		p.BrandID, p.RefID, p.SKU)
	return s.wrap(s.refClash(err, p), "product")
}

func (s *Queries) UpdateProduct(ctx context.Context, p *hub.Product) error {
	res, err := s.updateDoc(ctx, p, "product", &p.UpdatedAt,
		`UPDATE products SET ref_id = ?, sku = ?, doc = ?, updated_at = ? WHERE id = ? AND brand_id = ?`,
		[]any{p.RefID, p.SKU}, p.ID, p.BrandID)
	return s.mustAffect(res, s.refClash(err, p), "product")
}

// refClash is the error of a unique violation on the products table (the
// brand's ref id), or err as it is.
func (s *Queries) refClash(err error, p *hub.Product) error {
	return s.usedInBrand(err, "ref_id", "product ref id", p.RefID)
}

const productCols = `id, brand_id, doc, created_at, updated_at`

func scanProduct(sc interface{ Scan(...any) error }) (*hub.Product, error) {
	var brand int64
	return scanDoc(sc, "product", []any{&brand}, func(p *hub.Product, r docRow) {
		p.ID, p.BrandID, p.CreatedAt, p.UpdatedAt = r.id, brand, r.created, r.updated
	})
}

func (s *Queries) GetProduct(ctx context.Context, brandID, id int64) (*hub.Product, error) {
	return one(ctx, s, scanProduct, "product", `SELECT `+productCols+` FROM products WHERE id = ? AND brand_id = ?`, id, brandID)
}

func (s *Queries) ProductBrand(ctx context.Context, id int64) (int64, error) {
	var brandID int64
	err := s.queryRow(ctx, `SELECT brand_id FROM products WHERE id = ?`, id).Scan(&brandID)
	return brandID, s.wrap(err, "product")
}

func (s *Queries) LockProduct(ctx context.Context, brandID, id int64) (*hub.Product, error) {
	return one(ctx, s, scanProduct, "product", `SELECT `+productCols+` FROM products WHERE id = ? AND brand_id = ?`+s.d.ForUpdate, id, brandID)
}

func (s *Queries) FindProduct(ctx context.Context, brandID int64, ref string) (*hub.Product, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, hub.NotFound("product not found")
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		p, err := s.GetProduct(ctx, brandID, id)
		if err == nil || hub.ErrorCode(err) != hub.CodeNotFound {
			return p, err
		}
	}
	p, err := scanProduct(s.queryRow(ctx, `SELECT `+productCols+` FROM products WHERE brand_id = ? AND ref_id = ? AND ref_id <> ''`, brandID, ref))
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, s.wrap(err, "product")
	}
	rows, err := s.query(ctx, `SELECT `+productCols+` FROM products WHERE brand_id = ? AND sku = ? AND sku <> ''`, brandID, ref)
	ps, err := collect(rows, err, scanProduct, s, "product")
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, hub.NotFound("product not found")
	}
	first := &ps[0] // the oldest of those sharing the SKU
	for i := range ps {
		if ps[i].ID < first.ID {
			first = &ps[i]
		}
	}
	return first, nil
}

func (s *Queries) ListProducts(ctx context.Context, f store.ProductFilter) ([]hub.Product, error) {
	q := `SELECT ` + productCols + ` FROM products WHERE brand_id = ? AND id > ? ORDER BY id`
	args := []any{f.BrandID, f.AfterID}
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.query(ctx, q, args...)
	return collect(rows, err, scanProduct, s, "products")
}
