// Idempotency: the replay records of keyed requests, claimed under a
// lease and finished with the answer.

package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

const idempotencyCols = `scope, key, request_hash, status, content_type, body, created_at, owner, lease_until, committed`

func scanIdempotency(sc interface{ Scan(...any) error }) (*store.IdempotencyRecord, error) {
	var r store.IdempotencyRecord
	var at int64
	var lease sql.NullInt64
	var committed int64
	if err := sc.Scan(&r.Scope, &r.Key, &r.RequestHash, &r.Status, &r.ContentType, &r.Body, &at, &r.Owner, &lease, &committed); err != nil {
		return nil, err
	}
	r.CreatedAt, r.LeaseUntil, r.Committed = fromMicros(at), fromNullMicros(lease), committed != 0
	return &r, nil
}

func (s *Queries) GetIdempotency(ctx context.Context, scope, key string) (*store.IdempotencyRecord, error) {
	return one(ctx, s, scanIdempotency, "idempotency record", `SELECT `+idempotencyCols+` FROM idempotency WHERE scope = ? AND key = ?`, scope, key)
}

func (s *Queries) ClaimIdempotency(ctx context.Context, r *store.IdempotencyRecord, now time.Time, ttl time.Duration) (*store.IdempotencyRecord, error) {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now.UTC().Truncate(time.Microsecond)
	}
	// Insert unless the key is held; ON CONFLICT DO NOTHING keeps a
	// PostgreSQL transaction usable when a concurrent attempt won.
	res, err := s.exec(ctx, `INSERT INTO idempotency (scope, key, request_hash, status, content_type, body, created_at, owner, lease_until)
		VALUES (?, ?, ?, 0, '', NULL, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING`,
		r.Scope, r.Key, r.RequestHash, micros(r.CreatedAt), r.Owner, nullMicros(r.LeaseUntil))
	if err != nil {
		return nil, s.wrap(err, "idempotency record")
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return nil, s.wrap(err, "idempotency record")
	}
	held, err := scanIdempotency(s.queryRow(ctx, `SELECT `+idempotencyCols+` FROM idempotency WHERE scope = ? AND key = ?`+s.d.ForUpdate,
		r.Scope, r.Key))
	if err != nil {
		return nil, s.wrap(err, "idempotency record")
	}
	expired := held.CreatedAt.Before(now.Add(-ttl))
	// An abandoned attempt is taken over only if it never committed: one
	// that did has its effect in the database (its answer was lost).
	abandoned := held.Status == 0 && !held.Committed && held.RequestHash == r.RequestHash &&
		(held.LeaseUntil == nil || !held.LeaseUntil.After(now))
	if !expired && !abandoned {
		return held, nil
	}
	_, err = s.exec(ctx, `UPDATE idempotency SET request_hash = ?, status = 0, content_type = '', body = NULL, created_at = ?,
		owner = ?, lease_until = ?, committed = 0 WHERE scope = ? AND key = ?`,
		r.RequestHash, micros(r.CreatedAt), r.Owner, nullMicros(r.LeaseUntil), r.Scope, r.Key)
	return nil, s.wrap(err, "idempotency record")
}

func (s *Queries) FinishIdempotency(ctx context.Context, r *store.IdempotencyRecord) error {
	_, err := s.exec(ctx, `UPDATE idempotency SET status = ?, content_type = ?, body = ?, lease_until = NULL
		WHERE scope = ? AND key = ? AND owner = ? AND status = 0`, r.Status, r.ContentType, r.Body, r.Scope, r.Key, r.Owner)
	return s.wrap(err, "idempotency record")
}

func (s *Queries) ReleaseIdempotency(ctx context.Context, scope, key, owner string) error {
	_, err := s.exec(ctx, `DELETE FROM idempotency WHERE scope = ? AND key = ? AND owner = ? AND status = 0 AND committed = 0`, scope, key, owner)
	return s.wrap(err, "idempotency record")
}

func (s *Queries) CommitIdempotency(ctx context.Context, scope, key, owner string) error {
	res, err := s.exec(ctx, `UPDATE idempotency SET committed = 1 WHERE scope = ? AND key = ? AND owner = ? AND status = 0`, scope, key, owner)
	if err != nil {
		return s.wrap(err, "idempotency record")
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return &hub.Error{Code: hub.CodeConflict, Reason: hub.ReasonIdempotencyTakenOver,
			Message: "this request's Idempotency-Key was taken over by a retry; nothing was written", Err: err}
	}
	return nil
}

func (s *Queries) RenewIdempotency(ctx context.Context, scope, key, owner string, until time.Time) error {
	_, err := s.exec(ctx, `UPDATE idempotency SET lease_until = ? WHERE scope = ? AND key = ? AND owner = ? AND status = 0`,
		micros(until), scope, key, owner)
	return s.wrap(err, "idempotency record")
}
