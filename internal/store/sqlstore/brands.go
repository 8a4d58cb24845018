// Brands: the brands table (a document per brand).

package sqlstore

import (
	"context"

	"orderhub/internal/hub"
)

func (s *Queries) CreateBrand(ctx context.Context, b *hub.Brand) error {
	err := s.insertDoc(ctx, &b.ID, b, "brand", &b.CreatedAt, &b.UpdatedAt,
		`INSERT INTO brands (name, doc, created_at, updated_at) VALUES (?, ?, ?, ?)`, b.Name)
	return s.wrap(err, "brand")
}

func (s *Queries) UpdateBrand(ctx context.Context, b *hub.Brand) error {
	res, err := s.updateDoc(ctx, b, "brand", &b.UpdatedAt,
		`UPDATE brands SET name = ?, doc = ?, updated_at = ? WHERE id = ?`, []any{b.Name}, b.ID)
	return s.mustAffect(res, err, "brand")
}

const brandCols = `id, doc, created_at, updated_at`

func scanBrand(sc interface{ Scan(...any) error }) (*hub.Brand, error) {
	return scanDoc(sc, "brand", nil, func(b *hub.Brand, r docRow) {
		b.ID, b.CreatedAt, b.UpdatedAt = r.id, r.created, r.updated
	})
}

func (s *Queries) GetBrand(ctx context.Context, id int64) (*hub.Brand, error) {
	return one(ctx, s, scanBrand, "brand", `SELECT `+brandCols+` FROM brands WHERE id = ?`, id)
}

func (s *Queries) LockBrand(ctx context.Context, id int64) (*hub.Brand, error) {
	return one(ctx, s, scanBrand, "brand", `SELECT `+brandCols+` FROM brands WHERE id = ?`+s.d.ForUpdate, id)
}

func (s *Queries) ListBrands(ctx context.Context) ([]hub.Brand, error) {
	rows, err := s.query(ctx, `SELECT `+brandCols+` FROM brands ORDER BY id`)
	return collect(rows, err, scanBrand, s, "brands")
}
