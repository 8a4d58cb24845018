// Credentials: partner keys, hub tokens and the access tokens issued for
// them; revocation.

package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func (s *Queries) CreateCredential(ctx context.Context, c *store.Credential) error {
	nowIfZero(s, &c.CreatedAt)
	var exp any
	if c.ExpiresAt != nil {
		exp = micros(*c.ExpiresAt)
	}
	var err error
	c.ID, err = s.insert(ctx, `INSERT INTO credentials (partner_id, brand_id, kind, lookup, secret_hash, hint, label, parent_id, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.PartnerID, c.BrandID, string(c.Kind), c.Lookup, c.SecretHash, c.Hint, c.Label, c.ParentID, micros(c.CreatedAt), exp)
	if err != nil && s.d.IsUniqueViolation(err) {
		return hub.Conflict(hub.ReasonNone, "credential already exists")
	}
	return s.wrap(err, "credential")
}

// RevokeCredential revokes a credential and the tokens issued for it.
func (s *Queries) RevokeCredential(ctx context.Context, id int64, at time.Time) error {
	s.configChanged()
	res, err := s.exec(ctx, `UPDATE credentials SET revoked_at = ? WHERE (id = ? OR parent_id = ?) AND revoked_at IS NULL`, micros(at), id, id)
	if err != nil {
		return s.wrap(err, "credential")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		if err := s.queryRow(ctx, `SELECT 1 FROM credentials WHERE id = ?`, id).Scan(&one); err != nil {
			return s.wrap(err, "credential")
		}
	}
	return nil
}

const credentialCols = `id, partner_id, brand_id, kind, lookup, secret_hash, hint, label, parent_id, created_at, expires_at, revoked_at`

func scanCredential(sc interface{ Scan(...any) error }) (*store.Credential, error) {
	var c store.Credential
	var kind string
	var created int64
	var exp, rev sql.NullInt64
	if err := sc.Scan(&c.ID, &c.PartnerID, &c.BrandID, &kind, &c.Lookup, &c.SecretHash, &c.Hint, &c.Label, &c.ParentID,
		&created, &exp, &rev); err != nil {
		return nil, err
	}
	c.Kind, c.CreatedAt = store.CredentialKind(kind), fromMicros(created)
	if exp.Valid {
		t := fromMicros(exp.Int64)
		c.ExpiresAt = &t
	}
	if rev.Valid {
		t := fromMicros(rev.Int64)
		c.RevokedAt = &t
	}
	return &c, nil
}

func (s *Queries) CredentialByLookup(ctx context.Context, kind store.CredentialKind, lookup string) (*store.Credential, error) {
	return one(ctx, s, scanCredential, "credential", `SELECT `+credentialCols+` FROM credentials WHERE kind = ? AND lookup = ?`, string(kind), lookup)
}

func (s *Queries) ListCredentials(ctx context.Context, partnerID int64) ([]store.Credential, error) {
	rows, err := s.query(ctx, `SELECT `+credentialCols+` FROM credentials WHERE partner_id = ? AND kind <> ? ORDER BY id`,
		partnerID, string(store.CredAccessToken))
	return collect(rows, err, scanCredential, s, "credentials")
}

func (s *Queries) ListHubTokens(ctx context.Context, brandID int64) ([]store.Credential, error) {
	return s.hubTokens(ctx, brandID, "")
}

func (s *Queries) LockHubTokens(ctx context.Context, brandID int64) ([]store.Credential, error) {
	return s.hubTokens(ctx, brandID, s.d.ForUpdate)
}

func (s *Queries) hubTokens(ctx context.Context, brandID int64, lock string) ([]store.Credential, error) {
	q, args := `SELECT `+credentialCols+` FROM credentials WHERE kind = ?`, []any{string(store.CredHubToken)}
	if brandID != 0 {
		q, args = q+` AND brand_id = ?`, append(args, brandID)
	}
	rows, err := s.query(ctx, q+` ORDER BY id`+lock, args...)
	return collect(rows, err, scanCredential, s, "credentials")
}
