// Brands: the brands table (a document per brand).

package sqlstore

import (
	"context"

	"orderhub/internal/hub"
)

func (s *Queries) CreateBrand(ctx context.Context, b *hub.Brand) error {
	doc, now, err := s.stampDoc(b, "brand", &b.CreatedAt, &b.UpdatedAt)
	if err != nil {
		return err
	}
	b.ID, err = s.insert(ctx, `INSERT INTO brands (name, doc, created_at, updated_at) VALUES (?, ?, ?, ?)`,
		b.Name, doc, now, now)
	return s.wrap(err, "brand")
}

func (s *Queries) UpdateBrand(ctx context.Context, b *hub.Brand) error {
	doc, now, err := s.stampDoc(b, "brand", nil, &b.UpdatedAt)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE brands SET name = ?, doc = ?, updated_at = ? WHERE id = ?`,
		b.Name, doc, now, b.ID)
	return s.mustAffect(res, err, "brand")
}

const brandCols = `id, doc, created_at, updated_at`

func scanBrand(sc interface{ Scan(...any) error }) (*hub.Brand, error) {
	return scanDoc(sc, "brand", nil, func(b *hub.Brand, r docRow) {
		b.ID, b.CreatedAt, b.UpdatedAt = r.id, r.created, r.updated
	})
}

func (s *Queries) GetBrand(ctx context.Context, id int64) (*hub.Brand, error) {
	b, err := scanBrand(s.queryRow(ctx, `SELECT `+brandCols+` FROM brands WHERE id = ?`, id))
	return b, s.wrap(err, "brand")
}

func (s *Queries) LockBrand(ctx context.Context, id int64) (*hub.Brand, error) {
	b, err := scanBrand(s.queryRow(ctx, `SELECT `+brandCols+` FROM brands WHERE id = ?`+s.d.ForUpdate, id))
	return b, s.wrap(err, "brand")
}

func (s *Queries) ListBrands(ctx context.Context) ([]hub.Brand, error) {
	rows, err := s.query(ctx, `SELECT `+brandCols+` FROM brands ORDER BY id`)
	return collect(rows, err, scanBrand, s, "brands")
}
