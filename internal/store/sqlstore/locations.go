// Locations: a brand's locations, found by id, code or ref id.

package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"orderhub/internal/hub"
)

func (s *Queries) CreateLocation(ctx context.Context, l *hub.Location) error {
	err := s.insertDoc(ctx, &l.ID, l, "location", &l.CreatedAt, &l.UpdatedAt,
		`INSERT INTO locations (brand_id, code, ref_id, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		l.BrandID, l.Code, l.RefID)
	return s.wrap(s.codeClash(err, l), "location")
}

func (s *Queries) UpdateLocation(ctx context.Context, l *hub.Location) error {
	res, err := s.updateDoc(ctx, l, "location", &l.UpdatedAt,
		`UPDATE locations SET code = ?, ref_id = ?, doc = ?, updated_at = ? WHERE id = ?`, []any{l.Code, l.RefID}, l.ID)
	return s.mustAffect(res, s.codeClash(err, l), "location")
}

// codeClash is the error of a unique violation on the locations table
// (the brand's code), or err as it is.
func (s *Queries) codeClash(err error, l *hub.Location) error {
	return s.usedInBrand(err, "code", "location code", l.Code)
}

const locationCols = `id, brand_id, doc, created_at, updated_at`

func scanLocation(sc interface{ Scan(...any) error }) (*hub.Location, error) {
	var brand int64
	return scanDoc(sc, "location", []any{&brand}, func(l *hub.Location, r docRow) {
		l.ID, l.BrandID, l.CreatedAt, l.UpdatedAt = r.id, brand, r.created, r.updated
	})
}

func (s *Queries) GetLocation(ctx context.Context, id int64) (*hub.Location, error) {
	return one(ctx, s, scanLocation, "location", `SELECT `+locationCols+` FROM locations WHERE id = ?`, id)
}

func (s *Queries) LockLocation(ctx context.Context, id int64) (*hub.Location, error) {
	return one(ctx, s, scanLocation, "location", `SELECT `+locationCols+` FROM locations WHERE id = ?`+s.d.ForUpdate, id)
}

func (s *Queries) ListLocations(ctx context.Context, brandID int64) ([]hub.Location, error) {
	rows, err := s.query(ctx, `SELECT `+locationCols+` FROM locations WHERE brand_id = ? ORDER BY id`, brandID)
	return collect(rows, err, scanLocation, s, "locations")
}

// FindLocation finds a location of a brand by id, code or ref id.
func (s *Queries) FindLocation(ctx context.Context, brandID int64, ref string) (*hub.Location, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		l, err := s.GetLocation(ctx, id)
		if err == nil && l.BrandID == brandID {
			return l, nil
		}
		if err != nil && hub.ErrorCode(err) != hub.CodeNotFound {
			return nil, err
		}
	}
	return one(ctx, s, scanLocation, "location", `SELECT `+locationCols+` FROM locations
		WHERE brand_id = ? AND (code = ? OR (ref_id <> '' AND ref_id = ?)) ORDER BY (code = ?) DESC, id LIMIT 1`,
		brandID, ref, ref, ref)
}
