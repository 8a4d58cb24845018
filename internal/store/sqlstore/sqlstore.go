// Package sqlstore is the SQL shared by the SQLite and PostgreSQL stores.
// The two schemas have the same tables and columns (package schema renders
// both from one set of migrations; times are Unix microseconds, documents
// JSON text), so one set of queries serves both; a Dialect supplies what
// differs: placeholders, how a unique violation looks, and row locks.
//
// Each table keeps the columns that queries filter, join or constrain on
// (ids, references, status) next to a JSON document with the rest; reads
// decode the document and then overwrite it from the columns, which are the
// truth.
//
// This file holds what every entity shares (the Dialect, Queries and its
// unit, statement helpers, error wrapping, encoding); each entity's queries
// live in a file of their own: brands.go, locations.go, products.go,
// timeslots.go, stock.go, orders.go, history.go, events.go, partners.go,
// credentials.go, idempotency.go, delivery.go, balance.go and retention.go.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// Dialect is what differs between databases.
type Dialect struct {
	Name string
	// Rebind turns ? placeholders into the database's own.
	Rebind func(string) string
	// IsUniqueViolation recognises a unique-constraint error.
	IsUniqueViolation func(error) bool
	// ForUpdate is appended to a SELECT that must lock its rows ("" where
	// the single writer already serialises).
	ForUpdate string
	// SkipLocked is appended to a SELECT that claims work rows: it locks
	// them and skips rows other transactions hold (" FOR UPDATE SKIP
	// LOCKED" on PostgreSQL; "" where the single writer serialises).
	SkipLocked string
	// TryDispatchLock is a statement answering whether this transaction
	// got the dispatcher's lock, held until it ends, and DispatchLock one
	// that waits for it ("" where the single writer serialises).
	TryDispatchLock, DispatchLock string
}

// Querier is what *sql.DB, *sql.Tx and *sql.Conn share.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Queries implements store.Tx (and so store.Reader) over a Querier.
type Queries struct {
	q Querier
	d *Dialect
	// Now is the clock for timestamps.
	Now func() time.Time
	// Trace, when set, sees every statement as the database gets it,
	// before it runs (the query-plan tests EXPLAIN what it saw).
	Trace Tracer
	// wrote collects what this unit wrote, for the wake-ups its store
	// sends once it commits.
	wrote store.Topic
}

// Wrote reports what the unit wrote (store.Topic bits).
func (s *Queries) Wrote() store.Topic { return s.wrote }

// configChanged notes that the unit changed configuration: Finish moves
// the configuration version.
func (s *Queries) configChanged() { s.wrote |= store.TopicConfig }

// Finish runs at the end of a successful unit, before it commits: a unit
// that changed configuration moves the version, last, so that the row
// lock it takes on PostgreSQL is held for the shortest time.
func (s *Queries) Finish(ctx context.Context) error {
	if s.wrote&store.TopicConfig == 0 {
		return nil
	}
	_, err := s.exec(ctx, `UPDATE config_version SET version = version + 1 WHERE id = 1`)
	return s.wrap(err, "config version")
}

func (s *Queries) ConfigVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.queryRow(ctx, `SELECT version FROM config_version WHERE id = 1`).Scan(&v)
	return v, s.wrap(err, "config version")
}

// Tracer sees a statement and its arguments.
type Tracer func(query string, args []any)

// Unit returns queries over q (a unit's transaction) that share s's clock
// and tracer.
func (s *Queries) Unit(q Querier) *Queries {
	return &Queries{q: q, d: s.d, Now: s.Now, Trace: s.Trace}
}

// New returns queries over q.
func New(q Querier, d *Dialect) *Queries {
	return &Queries{q: q, d: d, Now: time.Now}
}

var _ store.Tx = (*Queries)(nil)

// RebindDollar turns ? into $1, $2, ... (PostgreSQL). Queries here never
// contain a literal question mark.
func RebindDollar(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (s *Queries) rebind(query string, args []any) string {
	query = s.d.Rebind(query)
	if s.Trace != nil {
		s.Trace(query, args)
	}
	return query
}

func (s *Queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.q.ExecContext(ctx, s.rebind(query, args), args...)
}

func (s *Queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.q.QueryContext(ctx, s.rebind(query, args), args...)
}

func (s *Queries) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return s.q.QueryRowContext(ctx, s.rebind(query, args), args...)
}

// insert runs an INSERT ... RETURNING id.
func (s *Queries) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := s.queryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// pageLimit bounds a listing: 0 (or less) is the default page of 50, and
// more than store.MaxPage is store.MaxPage. A caller that asks for one row
// more than it shows (to tell whether a next page exists) gets it.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > store.MaxPage:
		return store.MaxPage
	}
	return n
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nowUTC(s *Queries) time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// nowIfZero sets a row's time that the caller left zero to now.
func nowIfZero(s *Queries, t *time.Time) {
	if t.IsZero() {
		*t = nowUTC(s)
	}
}

// stampDoc readies a document for its row: it marks the configuration
// changed, sets the document's updated time (and its created time, for a
// new row) to now, and encodes it with those times in. now is in the
// columns' unit (micros).
func (s *Queries) stampDoc(v any, what string, created, updated *time.Time) (doc string, now int64, err error) {
	s.configChanged()
	t := nowUTC(s)
	if created != nil {
		*created = t
	}
	*updated = t
	if doc, err = marshal(v); err != nil {
		return "", 0, hub.Internal(err, "encode %s", what)
	}
	return doc, micros(t), nil
}

// insertDoc inserts a new document's row and sets *id to its id: the
// document is stamped (stampDoc: created and updated now), and query's
// placeholders take keys, then the document and the two times.
func (s *Queries) insertDoc(ctx context.Context, id *int64, v any, what string, created, updated *time.Time, query string, keys ...any) error {
	doc, now, err := s.stampDoc(v, what, created, updated)
	if err != nil {
		return err
	}
	*id, err = s.insert(ctx, query, append(keys, doc, now, now)...)
	return err
}

// updateDoc rewrites a document's row: the document is stamped (updated
// now), and query's placeholders take keys, then the document and the
// time, then where.
func (s *Queries) updateDoc(ctx context.Context, v any, what string, updated *time.Time, query string, keys []any, where ...any) (sql.Result, error) {
	doc, now, err := s.stampDoc(v, what, nil, updated)
	if err != nil {
		return nil, err
	}
	return s.exec(ctx, query, append(append(keys, doc, now), where...)...)
}

func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// wrap turns database errors into hub errors: no rows is not found, a
// unique violation a plain conflict ("<what> already exists", no reason),
// anything else internal. A caller whose clash means more says so with
// wrapClash or translates the violation itself.
func (s *Queries) wrap(err error, what string) error {
	return s.wrapClash(err, what, hub.ReasonNone)
}

// wrapClash is wrap with the reason a unique violation is given: the orders
// table's keys (number, external ref, channel ref, idempotency key) clash
// as hub.ReasonDuplicateOrder, which the service's order placement relies
// on.
func (s *Queries) wrapClash(err error, what string, clash hub.Reason) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return hub.NotFound("%s not found", what)
	}
	var he *hub.Error
	if errors.As(err, &he) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &hub.Error{Code: hub.CodeUnavailable, Message: "request cancelled or timed out", Err: err}
	}
	if s.d.IsUniqueViolation(err) {
		return &hub.Error{Code: hub.CodeConflict, Reason: clash, Message: what + " already exists", Err: err}
	}
	return hub.Internal(err, "%s: database error", what)
}

// usedInBrand is err, or, for a unique violation, the caller's error: the
// value of field (what names it) is another row's in the brand.
func (s *Queries) usedInBrand(err error, field, what, value string) error {
	if err != nil && s.d.IsUniqueViolation(err) {
		return hub.Invalid(field, "%s %q is already used in this brand", what, value)
	}
	return err
}

func (s *Queries) mustAffect(res sql.Result, err error, what string) error {
	if err != nil {
		return s.wrap(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(err, what)
	}
	if n == 0 {
		return hub.NotFound("%s not found", what)
	}
	return nil
}

// brandFilter is the WHERE clause of a listing of one brand's rows, or
// of every brand's for brandID 0.
func brandFilter(brandID int64) (string, []any) {
	if brandID > 0 {
		return ` WHERE brand_id = ?`, []any{brandID}
	}
	return "", nil
}

// one reads the one row of a query's answer with scan, collect's
// counterpart for a single row: an error of the query or of the row is
// wrapped naming what (no row is a not-found).
func one[T any](ctx context.Context, s *Queries, scan func(interface{ Scan(...any) error }) (*T, error), what, query string, args ...any) (*T, error) {
	v, err := scan(s.queryRow(ctx, query, args...))
	return v, s.wrap(err, what)
}

// collect reads every row of a query's answer (rows, err) with scan;
// an error of the query or of a row is wrapped naming what.
func collect[T any](rows *sql.Rows, err error, scan func(interface{ Scan(...any) error }) (*T, error), s *Queries, what string) ([]T, error) {
	if err != nil {
		return nil, s.wrap(err, what)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.wrap(err, what)
		}
		out = append(out, *v)
	}
	return out, s.wrap(rows.Err(), what)
}

// docRow is what every document table (brands, locations, products,
// partners) keeps beside its JSON document: the id and the two timestamps,
// which the columns own (the document's copies are not trusted).
type docRow struct {
	id               int64
	created, updated time.Time
}

// scanDoc reads one document row laid out as id, keys..., doc, created_at,
// updated_at: it decodes the document into a T and lets set copy the id,
// the timestamps and the scanned keys onto it.
func scanDoc[T any](sc interface{ Scan(...any) error }, what string, keys []any, set func(*T, docRow)) (*T, error) {
	var doc string
	var id, created, updated int64
	dest := append(append([]any{&id}, keys...), &doc, &created, &updated)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	var v T
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return nil, fmt.Errorf("decode %s %d: %w", what, id, err)
	}
	set(&v, docRow{id: id, created: fromMicros(created), updated: fromMicros(updated)})
	return &v, nil
}

// scanFirst scans one extra leading column into first, then the rest.
type scanFirst struct {
	sc    interface{ Scan(...any) error }
	first any
}

func (f scanFirst) Scan(dest ...any) error { return f.sc.Scan(append([]any{f.first}, dest...)...) }
