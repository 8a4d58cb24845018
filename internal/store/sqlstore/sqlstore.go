// Package sqlstore is the SQL shared by the SQLite and PostgreSQL stores.
// The two schemas have the same tables and columns (times are Unix
// microseconds, documents JSON text), so one set of queries serves both; a
// Dialect supplies what differs: placeholders, how a unique violation looks,
// and row locks.
//
// Each table keeps the columns that queries filter, join or constrain on
// (ids, references, status) next to a JSON document with the rest; reads
// decode the document and then overwrite it from the columns, which are the
// truth.
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

func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// wrap turns database errors into hub errors: no rows is not found, a
// unique violation a conflict, anything else internal.
func (s *Queries) wrap(err error, what string) error {
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
		return &hub.Error{Code: hub.CodeConflict, Reason: hub.ReasonDuplicateOrder, Message: what + " already exists", Err: err}
	}
	return hub.Internal(err, "%s: database error", what)
}

// ---- brands ----

func (s *Queries) CreateBrand(ctx context.Context, b *hub.Brand) error {
	s.configChanged()
	now := nowUTC(s)
	b.CreatedAt, b.UpdatedAt = now, now
	doc, err := marshal(b)
	if err != nil {
		return hub.Internal(err, "encode brand")
	}
	b.ID, err = s.insert(ctx, `INSERT INTO brands (name, doc, created_at, updated_at) VALUES (?, ?, ?, ?)`,
		b.Name, doc, micros(now), micros(now))
	return s.wrap(err, "brand")
}

func (s *Queries) UpdateBrand(ctx context.Context, b *hub.Brand) error {
	s.configChanged()
	b.UpdatedAt = nowUTC(s)
	doc, err := marshal(b)
	if err != nil {
		return hub.Internal(err, "encode brand")
	}
	res, err := s.exec(ctx, `UPDATE brands SET name = ?, doc = ?, updated_at = ? WHERE id = ?`,
		b.Name, doc, micros(b.UpdatedAt), b.ID)
	return s.mustAffect(res, err, "brand")
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

const brandCols = `id, doc, created_at, updated_at`

func scanBrand(sc interface{ Scan(...any) error }) (*hub.Brand, error) {
	var b hub.Brand
	var doc string
	var id, created, updated int64
	if err := sc.Scan(&id, &doc, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), &b); err != nil {
		return nil, fmt.Errorf("decode brand %d: %w", id, err)
	}
	b.ID, b.CreatedAt, b.UpdatedAt = id, fromMicros(created), fromMicros(updated)
	return &b, nil
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
	if err != nil {
		return nil, s.wrap(err, "brands")
	}
	return collect(rows, scanBrand, s, "brands")
}

// collect reads every row with scan.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (*T, error), s *Queries, what string) ([]T, error) {
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

// ---- locations ----

func (s *Queries) CreateLocation(ctx context.Context, l *hub.Location) error {
	s.configChanged()
	now := nowUTC(s)
	l.CreatedAt, l.UpdatedAt = now, now
	doc, err := marshal(l)
	if err != nil {
		return hub.Internal(err, "encode location")
	}
	l.ID, err = s.insert(ctx, `INSERT INTO locations (brand_id, code, ref_id, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		l.BrandID, l.Code, l.RefID, doc, micros(now), micros(now))
	if err != nil && s.d.IsUniqueViolation(err) {
		return hub.Invalid("code", "location code %q is already used in this brand", l.Code)
	}
	return s.wrap(err, "location")
}

func (s *Queries) UpdateLocation(ctx context.Context, l *hub.Location) error {
	s.configChanged()
	l.UpdatedAt = nowUTC(s)
	doc, err := marshal(l)
	if err != nil {
		return hub.Internal(err, "encode location")
	}
	res, err := s.exec(ctx, `UPDATE locations SET code = ?, ref_id = ?, doc = ?, updated_at = ? WHERE id = ?`,
		l.Code, l.RefID, doc, micros(l.UpdatedAt), l.ID)
	if err != nil && s.d.IsUniqueViolation(err) {
		return hub.Invalid("code", "location code %q is already used in this brand", l.Code)
	}
	return s.mustAffect(res, err, "location")
}

const locationCols = `id, brand_id, doc, created_at, updated_at`

func scanLocation(sc interface{ Scan(...any) error }) (*hub.Location, error) {
	var l hub.Location
	var doc string
	var id, brand, created, updated int64
	if err := sc.Scan(&id, &brand, &doc, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), &l); err != nil {
		return nil, fmt.Errorf("decode location %d: %w", id, err)
	}
	l.ID, l.BrandID, l.CreatedAt, l.UpdatedAt = id, brand, fromMicros(created), fromMicros(updated)
	return &l, nil
}

func (s *Queries) GetLocation(ctx context.Context, id int64) (*hub.Location, error) {
	l, err := scanLocation(s.queryRow(ctx, `SELECT `+locationCols+` FROM locations WHERE id = ?`, id))
	return l, s.wrap(err, "location")
}

func (s *Queries) LockLocation(ctx context.Context, id int64) (*hub.Location, error) {
	l, err := scanLocation(s.queryRow(ctx, `SELECT `+locationCols+` FROM locations WHERE id = ?`+s.d.ForUpdate, id))
	return l, s.wrap(err, "location")
}

func (s *Queries) ListLocations(ctx context.Context, brandID int64) ([]hub.Location, error) {
	rows, err := s.query(ctx, `SELECT `+locationCols+` FROM locations WHERE brand_id = ? ORDER BY id`, brandID)
	if err != nil {
		return nil, s.wrap(err, "locations")
	}
	return collect(rows, scanLocation, s, "locations")
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
	l, err := scanLocation(s.queryRow(ctx, `SELECT `+locationCols+` FROM locations
		WHERE brand_id = ? AND (code = ? OR (ref_id <> '' AND ref_id = ?)) ORDER BY (code = ?) DESC, id LIMIT 1`,
		brandID, ref, ref, ref))
	return l, s.wrap(err, "location")
}

// ---- products ----

func (s *Queries) CreateProduct(ctx context.Context, p *hub.Product) error {
	s.configChanged()
	now := nowUTC(s)
	p.CreatedAt, p.UpdatedAt = now, now
	doc, err := marshal(p)
	if err != nil {
		return hub.Internal(err, "encode product")
	}
	p.ID, err = s.insert(ctx, `INSERT INTO products (brand_id, ref_id, sku, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		p.BrandID, p.RefID, p.SKU, doc, micros(now), micros(now))
	if err != nil && s.d.IsUniqueViolation(err) {
		return hub.Invalid("ref_id", "product ref id %q is already used in this brand", p.RefID)
	}
	return s.wrap(err, "product")
}

func (s *Queries) UpdateProduct(ctx context.Context, p *hub.Product) error {
	s.configChanged()
	p.UpdatedAt = nowUTC(s)
	doc, err := marshal(p)
	if err != nil {
		return hub.Internal(err, "encode product")
	}
	res, err := s.exec(ctx, `UPDATE products SET ref_id = ?, sku = ?, doc = ?, updated_at = ? WHERE id = ? AND brand_id = ?`,
		p.RefID, p.SKU, doc, micros(p.UpdatedAt), p.ID, p.BrandID)
	if err != nil && s.d.IsUniqueViolation(err) {
		return hub.Invalid("ref_id", "product ref id %q is already used in this brand", p.RefID)
	}
	return s.mustAffect(res, err, "product")
}

const productCols = `id, brand_id, doc, created_at, updated_at`

func scanProduct(sc interface{ Scan(...any) error }) (*hub.Product, error) {
	var p hub.Product
	var doc string
	var id, brand, created, updated int64
	if err := sc.Scan(&id, &brand, &doc, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("decode product %d: %w", id, err)
	}
	p.ID, p.BrandID, p.CreatedAt, p.UpdatedAt = id, brand, fromMicros(created), fromMicros(updated)
	return &p, nil
}

func (s *Queries) GetProduct(ctx context.Context, brandID, id int64) (*hub.Product, error) {
	p, err := scanProduct(s.queryRow(ctx, `SELECT `+productCols+` FROM products WHERE id = ? AND brand_id = ?`, id, brandID))
	return p, s.wrap(err, "product")
}

func (s *Queries) LockProduct(ctx context.Context, brandID, id int64) (*hub.Product, error) {
	p, err := scanProduct(s.queryRow(ctx, `SELECT `+productCols+` FROM products WHERE id = ? AND brand_id = ?`+s.d.ForUpdate, id, brandID))
	return p, s.wrap(err, "product")
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
	if err != nil {
		return nil, s.wrap(err, "product")
	}
	ps, err := collect(rows, scanProduct, s, "product")
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
	if err != nil {
		return nil, s.wrap(err, "products")
	}
	return collect(rows, scanProduct, s, "products")
}

// ---- timeslots ----

func (s *Queries) PutTimeslot(ctx context.Context, t *hub.Timeslot) error {
	s.configChanged()
	doc, err := marshal(t)
	if err != nil {
		return hub.Internal(err, "encode timeslot")
	}
	_, err = s.exec(ctx, `INSERT INTO timeslots (brand_id, id, doc) VALUES (?, ?, ?)
		ON CONFLICT (brand_id, id) DO UPDATE SET doc = excluded.doc`, t.BrandID, t.ID, doc)
	return s.wrap(err, "timeslot")
}

func (s *Queries) ListTimeslots(ctx context.Context, brandID int64) ([]hub.Timeslot, error) {
	rows, err := s.query(ctx, `SELECT doc FROM timeslots WHERE brand_id = ? ORDER BY id`, brandID)
	if err != nil {
		return nil, s.wrap(err, "timeslots")
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (*hub.Timeslot, error) {
		var doc string
		var t hub.Timeslot
		if err := sc.Scan(&doc); err != nil {
			return nil, err
		}
		return &t, json.Unmarshal([]byte(doc), &t)
	}, s, "timeslots")
}

// ---- stock ----

func (s *Queries) SetStock(ctx context.Context, locationID, productID int64, qty *int64) error {
	if qty != nil && *qty < 0 {
		return hub.Invalid("quantity", "must not be negative")
	}
	var v any
	if qty != nil {
		v = *qty
	}
	_, err := s.exec(ctx, `INSERT INTO stock (location_id, product_id, quantity, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (location_id, product_id) DO UPDATE SET quantity = excluded.quantity, updated_at = excluded.updated_at`,
		locationID, productID, v, micros(nowUTC(s)))
	return s.wrap(err, "stock")
}

func (s *Queries) GetStock(ctx context.Context, locationID, productID int64) (*int64, error) {
	var q sql.NullInt64
	err := s.queryRow(ctx, `SELECT quantity FROM stock WHERE location_id = ? AND product_id = ?`, locationID, productID).Scan(&q)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.wrap(err, "stock")
	}
	if !q.Valid {
		return nil, nil
	}
	return &q.Int64, nil
}

func (s *Queries) ListStock(ctx context.Context, locationID int64) (map[int64]int64, error) {
	rows, err := s.query(ctx, `SELECT product_id, quantity FROM stock WHERE location_id = ? AND quantity IS NOT NULL`, locationID)
	if err != nil {
		return nil, s.wrap(err, "stock")
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var pid, q int64
		if err := rows.Scan(&pid, &q); err != nil {
			return nil, s.wrap(err, "stock")
		}
		out[pid] = q
	}
	return out, s.wrap(rows.Err(), "stock")
}

// TakeStock reads which products are tracked, then decrements them all in
// one UPDATE that also requires enough on hand (quantity >= need): the
// condition is part of the UPDATE, so concurrent takers (goroutines or
// nodes) are serialised by the row locks and none can take what another
// already took; a row the UPDATE skipped for that reason is a shortage.
func (s *Queries) TakeStock(ctx context.Context, locationID int64, needs []hub.StockNeed) (map[int64]int64, *store.Shortage, error) {
	if len(needs) == 0 {
		return nil, nil, nil
	}
	need := make(map[int64]int64, len(needs))
	ids := make([]int64, 0, len(needs))
	for _, n := range needs {
		if n.Quantity <= 0 {
			return nil, nil, hub.Invalid("quantity", "must be positive")
		}
		if _, ok := need[n.ProductID]; !ok {
			ids = append(ids, n.ProductID)
		}
		need[n.ProductID] += int64(n.Quantity)
	}
	have, err := s.stockOf(ctx, locationID, ids)
	if err != nil {
		return nil, nil, err
	}
	var tracked []int64
	for _, id := range ids {
		if q, ok := have[id]; ok {
			if q < need[id] {
				return nil, &store.Shortage{ProductID: id, Left: q}, nil
			}
			tracked = append(tracked, id)
		}
	}
	if len(tracked) == 0 {
		return map[int64]int64{}, nil, nil
	}
	by, byArgs := caseByProduct(tracked, need)
	in, inArgs := inList(tracked)
	args := append(append(append([]any{}, byArgs...), micros(nowUTC(s)), locationID), inArgs...)
	args = append(args, byArgs...)
	rows, err := s.query(ctx, `UPDATE stock SET quantity = quantity - `+by+`, updated_at = ?
		WHERE location_id = ? AND product_id IN (`+in+`) AND quantity IS NOT NULL AND quantity >= `+by+`
		RETURNING product_id, quantity`, args...)
	if err != nil {
		return nil, nil, s.wrap(err, "stock")
	}
	left, err := scanStock(rows, s)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range tracked {
		if _, ok := left[id]; !ok {
			// Taken meanwhile by another node (PostgreSQL): short now.
			now, err := s.stockOf(ctx, locationID, []int64{id})
			if err != nil {
				return nil, nil, err
			}
			return nil, &store.Shortage{ProductID: id, Left: now[id]}, nil
		}
	}
	return left, nil, nil
}

func (s *Queries) ReturnStock(ctx context.Context, locationID int64, back []hub.StockNeed) (map[int64]int64, error) {
	add := map[int64]int64{}
	var ids []int64
	for _, n := range back {
		if n.Quantity <= 0 {
			continue
		}
		if _, ok := add[n.ProductID]; !ok {
			ids = append(ids, n.ProductID)
		}
		add[n.ProductID] += int64(n.Quantity)
	}
	if len(ids) == 0 {
		return map[int64]int64{}, nil
	}
	by, byArgs := caseByProduct(ids, add)
	in, inArgs := inList(ids)
	args := append(append(append([]any{}, byArgs...), micros(nowUTC(s)), locationID), inArgs...)
	rows, err := s.query(ctx, `UPDATE stock SET quantity = quantity + `+by+`, updated_at = ?
		WHERE location_id = ? AND product_id IN (`+in+`) AND quantity IS NOT NULL
		RETURNING product_id, quantity`, args...)
	if err != nil {
		return nil, s.wrap(err, "stock")
	}
	return scanStock(rows, s)
}

// stockOf reads the tracked quantities of some products at a location.
func (s *Queries) stockOf(ctx context.Context, locationID int64, ids []int64) (map[int64]int64, error) {
	in, inArgs := inList(ids)
	rows, err := s.query(ctx, `SELECT product_id, quantity FROM stock
		WHERE location_id = ? AND product_id IN (`+in+`) AND quantity IS NOT NULL`, append([]any{locationID}, inArgs...)...)
	if err != nil {
		return nil, s.wrap(err, "stock")
	}
	return scanStock(rows, s)
}

// caseByProduct is a CASE expression giving each product its quantity.
func caseByProduct(ids []int64, qty map[int64]int64) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 2*len(ids))
	b.WriteString("CASE product_id")
	for _, id := range ids {
		b.WriteString(" WHEN ? THEN CAST(? AS BIGINT)")
		args = append(args, id, qty[id])
	}
	b.WriteString(" END")
	return b.String(), args
}

func scanStock(rows *sql.Rows, s *Queries) (map[int64]int64, error) {
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, q int64
		if err := rows.Scan(&id, &q); err != nil {
			return nil, s.wrap(err, "stock")
		}
		out[id] = q
	}
	return out, s.wrap(rows.Err(), "stock")
}

// ---- orders ----

func (s *Queries) CreateOrder(ctx context.Context, o *hub.Order, encoded []byte, idempotencyKey, requestHash string) error {
	doc, err := orderDoc(o, encoded)
	if err != nil {
		return err
	}
	o.ID, err = s.insert(ctx, `INSERT INTO orders (brand_id, location_id, partner_id, channel, number, external_ref, channel_ref,
		idempotency_key, request_hash, status, payment_status, version, doc, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.BrandID, o.LocationID, o.PartnerID, string(o.Channel), o.Number, o.ExternalRef, o.ChannelRef,
		idempotencyKey, requestHash, int(o.Status), int(o.PaymentStatus), o.Version, doc,
		micros(o.CreatedAt), micros(o.UpdatedAt))
	return s.wrap(err, "order")
}

// orderDoc is the stored document of an order: the caller's encoding, or
// its own.
func orderDoc(o *hub.Order, doc []byte) (string, error) {
	if doc != nil {
		return string(doc), nil
	}
	s, err := marshal(o)
	if err != nil {
		return "", hub.Internal(err, "encode order")
	}
	return s, nil
}

func (s *Queries) UpdateOrder(ctx context.Context, o *hub.Order, encoded []byte) error {
	doc, err := orderDoc(o, encoded)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE orders SET status = ?, payment_status = ?, channel_ref = ?, version = ?, doc = ?, updated_at = ?
		WHERE id = ? AND version = ?`,
		int(o.Status), int(o.PaymentStatus), o.ChannelRef, o.Version, doc, micros(o.UpdatedAt), o.ID, o.Version-1)
	if err != nil {
		return s.wrap(err, "order")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(err, "order")
	}
	if n == 0 {
		return hub.Conflict(hub.ReasonNone, "order %s was changed concurrently", o.Number)
	}
	return nil
}

const orderCols = `id, brand_id, location_id, partner_id, channel, number, external_ref, channel_ref,
	status, payment_status, version, doc, created_at, updated_at`

func scanOrder(sc interface{ Scan(...any) error }) (*hub.Order, error) {
	var o hub.Order
	var doc, channel string
	var status, pay, version int
	var created, updated int64
	if err := sc.Scan(&o.ID, &o.BrandID, &o.LocationID, &o.PartnerID, &channel, &o.Number, &o.ExternalRef, &o.ChannelRef,
		&status, &pay, &version, &doc, &created, &updated); err != nil {
		return nil, err
	}
	cols := o
	if err := json.Unmarshal([]byte(doc), &o); err != nil {
		return nil, fmt.Errorf("decode order %d: %w", cols.ID, err)
	}
	o.ID, o.BrandID, o.LocationID, o.PartnerID = cols.ID, cols.BrandID, cols.LocationID, cols.PartnerID
	o.Number, o.ExternalRef, o.ChannelRef = cols.Number, cols.ExternalRef, cols.ChannelRef
	o.Channel = hub.Channel(channel)
	o.Status, o.PaymentStatus, o.Version = hub.Status(status), hub.PaymentStatus(pay), version
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &o, nil
}

func (s *Queries) GetOrder(ctx context.Context, id int64) (*hub.Order, error) {
	o, err := scanOrder(s.queryRow(ctx, `SELECT `+orderCols+` FROM orders WHERE id = ?`, id))
	return o, s.wrap(err, "order")
}

func (s *Queries) LockOrderVersion(ctx context.Context, id int64) (int, error) {
	var v int
	err := s.queryRow(ctx, `SELECT version FROM orders WHERE id = ?`+s.d.ForUpdate, id).Scan(&v)
	return v, s.wrap(err, "order")
}

func (s *Queries) LockOrder(ctx context.Context, id int64) (*hub.Order, error) {
	o, err := scanOrder(s.queryRow(ctx, `SELECT `+orderCols+` FROM orders WHERE id = ?`+s.d.ForUpdate, id))
	return o, s.wrap(err, "order")
}

// FindOrdersByRef reads each reference's own index (a UNION ALL: one OR
// would tempt a planner into walking the brand's orders) and leaves out
// the repeats of an order found twice.
func (s *Queries) FindOrdersByRef(ctx context.Context, brandID int64, ref string, byID bool) ([]hub.Order, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, nil
	}
	q := `SELECT ` + orderCols + ` FROM orders WHERE brand_id = ? AND number = ?
		UNION ALL SELECT ` + orderCols + ` FROM orders WHERE brand_id = ? AND external_ref = ? AND external_ref <> ''
		UNION ALL SELECT ` + orderCols + ` FROM orders WHERE brand_id = ? AND channel_ref = ? AND channel_ref <> ''`
	args := []any{brandID, ref, brandID, ref, brandID, ref}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 && byID {
		q += ` UNION ALL SELECT ` + orderCols + ` FROM orders WHERE brand_id = ? AND id = ?`
		args = append(args, brandID, id)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.wrap(err, "order")
	}
	all, err := collect(rows, scanOrder, s, "order")
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	out := all[:0]
	for _, o := range all {
		if !seen[o.ID] {
			seen[o.ID] = true
			out = append(out, o)
		}
	}
	return out, nil
}

func (s *Queries) FindOrderByExternalRef(ctx context.Context, brandID int64, channel hub.Channel, ref string) (*hub.Order, error) {
	o, err := scanOrder(s.queryRow(ctx, `SELECT `+orderCols+` FROM orders WHERE brand_id = ? AND external_ref = ? AND channel = ? AND external_ref <> ''`,
		brandID, ref, string(channel)))
	return o, s.wrap(err, "order")
}

func (s *Queries) FindOrderByKeys(ctx context.Context, k store.OrderKeys) (*hub.Order, string, *hub.Order, error) {
	if k.IdempotencyKey == "" && k.ExternalRef == "" {
		return nil, "", nil, nil
	}
	// Each side of the OR is its own partial index; an empty key matches
	// nothing (the indexes leave empty keys out).
	rows, err := s.query(ctx, `SELECT request_hash, idempotency_key, `+orderCols+` FROM orders
		WHERE (partner_id = ? AND idempotency_key = ? AND idempotency_key <> '')
		   OR (brand_id = ? AND external_ref = ? AND channel = ? AND external_ref <> '')
		LIMIT 2`, k.PartnerID, k.IdempotencyKey, k.BrandID, k.ExternalRef, string(k.Channel))
	if err != nil {
		return nil, "", nil, s.wrap(err, "order")
	}
	defer rows.Close()
	var byKey, byRef *hub.Order
	var keyHash string
	for rows.Next() {
		var hash, key string
		o, err := scanOrder(scanFirst{scanFirst{rows, &hash}, &key})
		if err != nil {
			return nil, "", nil, s.wrap(err, "order")
		}
		if k.IdempotencyKey != "" && key == k.IdempotencyKey && o.PartnerID == k.PartnerID {
			byKey, keyHash = o, hash
		}
		if k.ExternalRef != "" && o.ExternalRef == k.ExternalRef && o.Channel == k.Channel && o.BrandID == k.BrandID {
			byRef = o
		}
	}
	return byKey, keyHash, byRef, s.wrap(rows.Err(), "order")
}

// scanFirst scans one extra leading column into first, then the rest.
type scanFirst struct {
	sc    interface{ Scan(...any) error }
	first any
}

func (f scanFirst) Scan(dest ...any) error { return f.sc.Scan(append([]any{f.first}, dest...)...) }

func (s *Queries) ListOrders(ctx context.Context, f store.OrderFilter) ([]hub.Order, error) {
	var where []string
	var args []any
	add := func(cond string, v ...any) { where = append(where, cond); args = append(args, v...) }
	add("brand_id = ?", f.BrandID)
	if f.LocationID > 0 {
		add("location_id = ?", f.LocationID)
	}
	if len(f.LocationIDs) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(f.LocationIDs)), ", ")
		vals := make([]any, len(f.LocationIDs))
		for i, id := range f.LocationIDs {
			vals[i] = id
		}
		add("location_id IN ("+ph+")", vals...)
	}
	if f.Status != 0 {
		add("status = ?", int(f.Status))
	}
	if f.Channel != "" {
		add("channel = ?", string(f.Channel))
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	limit := pageLimit(f.Limit)
	args = append(args, limit)
	rows, err := s.query(ctx, `SELECT `+orderCols+` FROM orders WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, s.wrap(err, "orders")
	}
	return collect(rows, scanOrder, s, "orders")
}

func (s *Queries) AddHistory(ctx context.Context, e *hub.OrderEvent) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = nowUTC(s)
	}
	var err error
	e.ID, err = s.insert(ctx, `INSERT INTO order_history (order_id, action, from_status, to_status, actor, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.OrderID, e.Action, int(e.FromStatus), int(e.ToStatus), e.Actor, e.Note, micros(e.CreatedAt))
	return s.wrap(err, "order history")
}

func (s *Queries) OrderHistory(ctx context.Context, orderID int64) ([]hub.OrderEvent, error) {
	rows, err := s.query(ctx, `SELECT id, order_id, action, from_status, to_status, actor, note, created_at
		FROM order_history WHERE order_id = ? ORDER BY id`, orderID)
	if err != nil {
		return nil, s.wrap(err, "order history")
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (*hub.OrderEvent, error) {
		var e hub.OrderEvent
		var from, to int
		var at int64
		if err := sc.Scan(&e.ID, &e.OrderID, &e.Action, &from, &to, &e.Actor, &e.Note, &at); err != nil {
			return nil, err
		}
		e.FromStatus, e.ToStatus, e.CreatedAt = hub.Status(from), hub.Status(to), fromMicros(at)
		return &e, nil
	}, s, "order history")
}

// ---- events ----

func (s *Queries) AddEvent(ctx context.Context, e *store.Event) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = nowUTC(s)
	}
	s.wrote |= store.TopicEvents
	var err error
	e.ID, err = s.insert(ctx, `INSERT INTO events (type, brand_id, location_id, order_id, payload, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, string(e.Type), e.BrandID, e.LocationID, e.OrderID, string(e.Payload), micros(e.CreatedAt))
	return s.wrap(err, "event")
}

func (s *Queries) AddEvents(ctx context.Context, es []*store.Event) error {
	if len(es) == 0 {
		return nil
	}
	s.wrote |= store.TopicEvents
	now := nowUTC(s)
	var b strings.Builder
	args := make([]any, 0, 6*len(es))
	b.WriteString(`INSERT INTO events (type, brand_id, location_id, order_id, payload, created_at) VALUES `)
	for i, e := range es {
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?)")
		args = append(args, string(e.Type), e.BrandID, e.LocationID, e.OrderID, string(e.Payload), micros(e.CreatedAt))
	}
	_, err := s.exec(ctx, b.String(), args...)
	return s.wrap(err, "event")
}

func (s *Queries) ListEvents(ctx context.Context, afterSeq int64, limit int) ([]store.Event, error) {
	return s.listEvents(ctx, `seq > ?`, `seq`, []any{afterSeq}, limit)
}

func (s *Queries) ListBrandEvents(ctx context.Context, brandID, afterSeq int64, limit int) ([]store.Event, error) {
	return s.listEvents(ctx, `brand_id = ? AND seq > ?`, `seq`, []any{brandID, afterSeq}, limit)
}

func (s *Queries) ListEventsByID(ctx context.Context, afterID int64, limit int) ([]store.Event, error) {
	return s.listEvents(ctx, `id > ?`, `id`, []any{afterID}, limit)
}

func (s *Queries) listEvents(ctx context.Context, where, order string, args []any, limit int) ([]store.Event, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.query(ctx, `SELECT `+eventCols+` FROM events WHERE `+where+` ORDER BY `+order+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, s.wrap(err, "events")
	}
	return collect(rows, scanEvent, s, "events")
}

const eventCols = `id, type, brand_id, location_id, order_id, payload, created_at, seq`

func scanEvent(sc interface{ Scan(...any) error }) (*store.Event, error) {
	var e store.Event
	var typ, payload string
	var at int64
	var seq sql.NullInt64
	if err := sc.Scan(&e.ID, &typ, &e.BrandID, &e.LocationID, &e.OrderID, &payload, &at, &seq); err != nil {
		return nil, err
	}
	e.Type, e.Payload, e.CreatedAt, e.Seq = hub.EventType(typ), []byte(payload), fromMicros(at), seq.Int64
	return &e, nil
}

func (s *Queries) LastEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events WHERE seq IS NOT NULL`).Scan(&seq)
	return seq, s.wrap(err, "events")
}

// ---- partners ----

func (s *Queries) CreatePartner(ctx context.Context, p *hub.Partner) error {
	s.configChanged()
	now := nowUTC(s)
	p.CreatedAt, p.UpdatedAt = now, now
	doc, err := marshal(p)
	if err != nil {
		return hub.Internal(err, "encode partner")
	}
	p.ID, err = s.insert(ctx, `INSERT INTO partners (brand_id, protocol, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		p.BrandID, string(p.Protocol), doc, micros(now), micros(now))
	return s.wrap(err, "partner")
}

func (s *Queries) UpdatePartner(ctx context.Context, p *hub.Partner) error {
	s.configChanged()
	p.UpdatedAt = nowUTC(s)
	doc, err := marshal(p)
	if err != nil {
		return hub.Internal(err, "encode partner")
	}
	res, err := s.exec(ctx, `UPDATE partners SET protocol = ?, doc = ?, updated_at = ? WHERE id = ?`,
		string(p.Protocol), doc, micros(p.UpdatedAt), p.ID)
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
	var p hub.Partner
	var doc, proto string
	var id, brand, created, updated int64
	if err := sc.Scan(&id, &brand, &proto, &doc, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("decode partner %d: %w", id, err)
	}
	p.ID, p.BrandID, p.Protocol = id, brand, hub.Channel(proto)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &p, nil
}

func (s *Queries) GetPartner(ctx context.Context, id int64) (*hub.Partner, error) {
	p, err := scanPartner(s.queryRow(ctx, `SELECT `+partnerCols+` FROM partners WHERE id = ?`, id))
	return p, s.wrap(err, "partner")
}

func (s *Queries) LockPartner(ctx context.Context, id int64) (*hub.Partner, error) {
	p, err := scanPartner(s.queryRow(ctx, `SELECT `+partnerCols+` FROM partners WHERE id = ?`+s.d.ForUpdate, id))
	return p, s.wrap(err, "partner")
}

func (s *Queries) ListPartners(ctx context.Context, brandID int64) ([]hub.Partner, error) {
	q := `SELECT ` + partnerCols + ` FROM partners`
	var args []any
	if brandID > 0 {
		q += ` WHERE brand_id = ?`
		args = append(args, brandID)
	}
	rows, err := s.query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, s.wrap(err, "partners")
	}
	return collect(rows, scanPartner, s, "partners")
}

// ---- credentials ----

func (s *Queries) CreateCredential(ctx context.Context, c *store.Credential) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = nowUTC(s)
	}
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
	c, err := scanCredential(s.queryRow(ctx, `SELECT `+credentialCols+` FROM credentials WHERE kind = ? AND lookup = ?`, string(kind), lookup))
	return c, s.wrap(err, "credential")
}

func (s *Queries) ListCredentials(ctx context.Context, partnerID int64) ([]store.Credential, error) {
	rows, err := s.query(ctx, `SELECT `+credentialCols+` FROM credentials WHERE partner_id = ? AND kind <> ? ORDER BY id`,
		partnerID, string(store.CredAccessToken))
	if err != nil {
		return nil, s.wrap(err, "credentials")
	}
	return collect(rows, scanCredential, s, "credentials")
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
	if err != nil {
		return nil, s.wrap(err, "credentials")
	}
	return collect(rows, scanCredential, s, "credentials")
}

// ---- idempotency ----

const idempotencyCols = `scope, key, request_hash, status, content_type, body, created_at, owner, lease_until`

func scanIdempotency(sc interface{ Scan(...any) error }) (*store.IdempotencyRecord, error) {
	var r store.IdempotencyRecord
	var at int64
	var lease sql.NullInt64
	if err := sc.Scan(&r.Scope, &r.Key, &r.RequestHash, &r.Status, &r.ContentType, &r.Body, &at, &r.Owner, &lease); err != nil {
		return nil, err
	}
	r.CreatedAt, r.LeaseUntil = fromMicros(at), fromNullMicros(lease)
	return &r, nil
}

func (s *Queries) GetIdempotency(ctx context.Context, scope, key string) (*store.IdempotencyRecord, error) {
	r, err := scanIdempotency(s.queryRow(ctx, `SELECT `+idempotencyCols+` FROM idempotency WHERE scope = ? AND key = ?`, scope, key))
	return r, s.wrap(err, "idempotency record")
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
	abandoned := held.Status == 0 && held.RequestHash == r.RequestHash && (held.LeaseUntil == nil || !held.LeaseUntil.After(now))
	if !expired && !abandoned {
		return held, nil
	}
	_, err = s.exec(ctx, `UPDATE idempotency SET request_hash = ?, status = 0, content_type = '', body = NULL, created_at = ?,
		owner = ?, lease_until = ? WHERE scope = ? AND key = ?`,
		r.RequestHash, micros(r.CreatedAt), r.Owner, nullMicros(r.LeaseUntil), r.Scope, r.Key)
	return nil, s.wrap(err, "idempotency record")
}

func (s *Queries) FinishIdempotency(ctx context.Context, r *store.IdempotencyRecord) error {
	_, err := s.exec(ctx, `UPDATE idempotency SET status = ?, content_type = ?, body = ?, lease_until = NULL
		WHERE scope = ? AND key = ? AND owner = ? AND status = 0`, r.Status, r.ContentType, r.Body, r.Scope, r.Key, r.Owner)
	return s.wrap(err, "idempotency record")
}

func (s *Queries) ReleaseIdempotency(ctx context.Context, scope, key, owner string) error {
	_, err := s.exec(ctx, `DELETE FROM idempotency WHERE scope = ? AND key = ? AND owner = ? AND status = 0`, scope, key, owner)
	return s.wrap(err, "idempotency record")
}

func (s *Queries) RenewIdempotency(ctx context.Context, scope, key, owner string, until time.Time) error {
	_, err := s.exec(ctx, `UPDATE idempotency SET lease_until = ? WHERE scope = ? AND key = ? AND owner = ? AND status = 0`,
		micros(until), scope, key, owner)
	return s.wrap(err, "idempotency record")
}
