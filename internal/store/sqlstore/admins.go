// The dashboard's logins: admin credentials, sessions (by the hash of
// their cookie) and the failed-login counters (migration 0010).

package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func (s *Queries) ListAdmins(ctx context.Context) ([]store.Credential, error) {
	rows, err := s.query(ctx, `SELECT `+credentialCols+` FROM credentials WHERE kind = ? ORDER BY lookup`, string(store.CredAdminPassword))
	if err != nil {
		return nil, s.wrap(err, "admins")
	}
	return collect(rows, scanCredential, s, "admins")
}

func (s *Queries) SetCredentialSecret(ctx context.Context, id int64, secretHash string) error {
	s.configChanged()
	res, err := s.exec(ctx, `UPDATE credentials SET secret_hash = ? WHERE id = ?`, secretHash, id)
	return s.affected(res, err, "credential")
}

func (s *Queries) DeleteCredential(ctx context.Context, id int64) error {
	s.configChanged()
	res, err := s.exec(ctx, `DELETE FROM credentials WHERE id = ?`, id)
	return s.affected(res, err, "credential")
}

// affected turns "no row changed" into not found.
func (s *Queries) affected(res sql.Result, err error, what string) error {
	if err != nil {
		return s.wrap(err, what)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.wrap(err, what)
	} else if n == 0 {
		return hub.NotFound("%s not found", what)
	}
	return nil
}

func (s *Queries) CreateAdminSession(ctx context.Context, a *store.AdminSession) error {
	_, err := s.exec(ctx, `INSERT INTO admin_sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		a.TokenHash, a.Username, micros(a.CreatedAt), micros(a.ExpiresAt))
	return s.wrap(err, "session")
}

func (s *Queries) GetAdminSession(ctx context.Context, tokenHash string) (*store.AdminSession, error) {
	var a store.AdminSession
	var created, expires int64
	err := s.queryRow(ctx, `SELECT token_hash, username, created_at, expires_at FROM admin_sessions WHERE token_hash = ?`, tokenHash).
		Scan(&a.TokenHash, &a.Username, &created, &expires)
	if err != nil {
		return nil, s.wrap(err, "session")
	}
	a.CreatedAt, a.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &a, nil
}

func (s *Queries) DeleteAdminSession(ctx context.Context, tokenHash string) error {
	_, err := s.exec(ctx, `DELETE FROM admin_sessions WHERE token_hash = ?`, tokenHash)
	return s.wrap(err, "session")
}

func (s *Queries) DeleteAdminSessions(ctx context.Context, username string) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM admin_sessions WHERE username = ?`, username)
	if err != nil {
		return 0, s.wrap(err, "sessions")
	}
	n, err := res.RowsAffected()
	return int(n), s.wrap(err, "sessions")
}

func (s *Queries) DeleteStaleLogins(ctx context.Context, now, failuresBefore time.Time) error {
	if _, err := s.exec(ctx, `DELETE FROM admin_sessions WHERE expires_at <= ?`, micros(now)); err != nil {
		return s.wrap(err, "sessions")
	}
	_, err := s.exec(ctx, `DELETE FROM login_failures WHERE window_start < ?`, micros(failuresBefore))
	return s.wrap(err, "login failures")
}

func (s *Queries) LoginFailures(ctx context.Context, key string) (int, time.Time, error) {
	var n int
	var start int64
	err := s.queryRow(ctx, `SELECT failures, window_start FROM login_failures WHERE key = ?`, key).Scan(&n, &start)
	if err == sql.ErrNoRows {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, s.wrap(err, "login failures")
	}
	return n, fromMicros(start), nil
}

// AddLoginFailure is one upsert, so that two nodes counting the same key
// at once both count.
func (s *Queries) AddLoginFailure(ctx context.Context, key string, now, windowStartAfter time.Time) (int, error) {
	var n int
	err := s.queryRow(ctx, `INSERT INTO login_failures (key, failures, window_start) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN login_failures.window_start > ? THEN login_failures.failures + 1 ELSE 1 END,
			window_start = CASE WHEN login_failures.window_start > ? THEN login_failures.window_start ELSE excluded.window_start END
		RETURNING failures`, key, micros(now), micros(windowStartAfter), micros(windowStartAfter)).Scan(&n)
	return n, s.wrap(err, "login failures")
}

func (s *Queries) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.exec(ctx, `DELETE FROM login_failures WHERE key = ?`, key)
	return s.wrap(err, "login failures")
}
