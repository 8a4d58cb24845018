// Partners: partner documents and their callback secrets (current and
// previous, for rotation).

package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"orderhub/internal/hub"
)

func (s *Queries) CreatePartner(ctx context.Context, p *hub.Partner) error {
	err := s.insertDoc(ctx, &p.ID, p, "partner", &p.CreatedAt, &p.UpdatedAt,
		`INSERT INTO partners (brand_id, protocol, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		p.BrandID, string(p.Protocol))
	return s.wrap(err, "partner")
}

func (s *Queries) UpdatePartner(ctx context.Context, p *hub.Partner) error {
	res, err := s.updateDoc(ctx, p, "partner", &p.UpdatedAt,
		`UPDATE partners SET protocol = ?, doc = ?, updated_at = ? WHERE id = ?`, []any{string(p.Protocol)}, p.ID)
	return s.mustAffect(res, err, "partner")
}

func (s *Queries) SetPartnerCallbackSecret(ctx context.Context, partnerID int64, secret string, previousExpiresAt time.Time) error {
	// The right-hand sides read the row as it was: the current secret
	// becomes the previous one.
	res, err := s.exec(ctx, `UPDATE partners SET previous_callback_secret = callback_secret,
		previous_callback_secret_expires_at = CASE WHEN callback_secret = '' THEN NULL ELSE CAST(? AS BIGINT) END,
		callback_secret = ? WHERE id = ?`, micros(previousExpiresAt), secret, partnerID)
	return s.mustAffect(res, err, "partner")
}

func (s *Queries) PartnerPreviousCallbackSecret(ctx context.Context, partnerID int64) (string, *time.Time, error) {
	var secret string
	var exp sql.NullInt64
	err := s.queryRow(ctx, `SELECT previous_callback_secret, previous_callback_secret_expires_at FROM partners WHERE id = ?`,
		partnerID).Scan(&secret, &exp)
	if err != nil {
		return "", nil, s.wrap(err, "partner")
	}
	return secret, fromNullMicros(exp), nil
}

func (s *Queries) PartnerCallbackSecret(ctx context.Context, partnerID int64) (string, error) {
	var secret string
	err := s.queryRow(ctx, `SELECT callback_secret FROM partners WHERE id = ?`, partnerID).Scan(&secret)
	return secret, s.wrap(err, "partner")
}

const partnerCols = `id, brand_id, protocol, doc, created_at, updated_at`

func scanPartner(sc interface{ Scan(...any) error }) (*hub.Partner, error) {
	var brand int64
	var proto string
	return scanDoc(sc, "partner", []any{&brand, &proto}, func(p *hub.Partner, r docRow) {
		p.ID, p.BrandID, p.Protocol = r.id, brand, hub.Channel(proto)
		p.CreatedAt, p.UpdatedAt = r.created, r.updated
	})
}

func (s *Queries) GetPartner(ctx context.Context, id int64) (*hub.Partner, error) {
	return one(ctx, s, scanPartner, "partner", `SELECT `+partnerCols+` FROM partners WHERE id = ?`, id)
}

func (s *Queries) LockPartner(ctx context.Context, id int64) (*hub.Partner, error) {
	return one(ctx, s, scanPartner, "partner", `SELECT `+partnerCols+` FROM partners WHERE id = ?`+s.d.ForUpdate, id)
}

func (s *Queries) ListPartners(ctx context.Context, brandID int64) ([]hub.Partner, error) {
	where, args := brandFilter(brandID)
	rows, err := s.query(ctx, `SELECT `+partnerCols+` FROM partners`+where+` ORDER BY id`, args...)
	return collect(rows, err, scanPartner, s, "partners")
}
