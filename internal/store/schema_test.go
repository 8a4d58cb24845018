// The SQLite and PostgreSQL schemas are rendered from one set of migrations
// (internal/store/schema), whose few dialect markers could still make them
// differ; this test checks that they do not: same tables, columns, keys,
// indexes and other objects, read from each database's catalog after a
// fresh migration.

package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"orderhub/internal/testutil"
)

// schemaDifferences are the differences between the migrated SQLite and
// PostgreSQL schemas that exist on purpose, each with its reason. The test
// fails on any other difference, and on a listed one that is gone.
var schemaDifferences = map[string]string{
	// Migration 0007: SQLite is one process and wakes its readers in
	// process; PostgreSQL nodes wake each other with NOTIFY from triggers.
	"function orderhub_notify: only in postgres":                       "LISTEN/NOTIFY wake-ups across nodes (0007)",
	"trigger deliveries_notify on deliveries: only in postgres":        "LISTEN/NOTIFY wake-ups across nodes (0007)",
	"trigger deliveries_replay_notify on deliveries: only in postgres": "LISTEN/NOTIFY wake-ups across nodes (0007)",
	"trigger events_dispatched_notify on events: only in postgres":     "LISTEN/NOTIFY wake-ups across nodes (0007)",
	"trigger config_notify on config_version: only in postgres":        "LISTEN/NOTIFY wake-ups across nodes (0007)",
	// SQLite lets a PRIMARY KEY column other than an INTEGER PRIMARY KEY
	// hold NULL unless it is declared NOT NULL (a quirk it keeps for
	// compatibility); 0003 declares partner_id BIGINT PRIMARY KEY. Nothing
	// writes a NULL there (AdjustBalance always gives the partner), and
	// declaring it would take a rebuild of the table on SQLite.
	"column partner_balances.partner_id: nullable (sqlite) vs NOT NULL (postgres)": "SQLite's nullable non-INTEGER primary key; harmless, see above",
	// SQLite makes every INTEGER PRIMARY KEY column an alias of the rowid,
	// which numbers rows given none; PostgreSQL numbers only identity
	// columns. Both tables are always written with their key.
	"column config_version.id: generated (sqlite) vs given (postgres)":         "INTEGER PRIMARY KEY is the rowid in SQLite; the one row is inserted with id 1",
	"column schema_migrations.version: generated (sqlite) vs given (postgres)": "INTEGER PRIMARY KEY is the rowid in SQLite; every row is inserted with its version",
}

// TestSchemasMatch migrates a fresh SQLite and a fresh PostgreSQL store and
// compares their catalogs. Primary keys and UNIQUE constraints are compared
// by their columns (their indexes are named sqlite_autoindex_* on SQLite,
// *_pkey and *_key on PostgreSQL); indexes made by CREATE INDEX by name,
// columns, uniqueness and partial predicate. Types are compared by class
// (INTEGER and BIGINT are integers, BLOB and BYTEA bytes), predicates and
// defaults after white space, quoting, casts and redundant parentheses are
// normalised. PostgreSQL's identity sequences are not compared: an
// identity column is a generated one, as SQLite's rowid alias is.
func TestSchemasMatch(t *testing.T) {
	pg := testutil.OpenPostgres(t) // skips without a database, fails under CI=true
	lite := testutil.OpenSQLite(t)
	ctx := t.Context()
	a, err := sqliteSchema(ctx, lite.DB())
	if err != nil {
		t.Fatalf("read the SQLite catalog: %v", err)
	}
	b, err := postgresSchema(ctx, pg.DB())
	if err != nil {
		t.Fatalf("read the PostgreSQL catalog: %v", err)
	}
	if len(a.tables) < 10 || len(b.tables) < 10 {
		t.Fatalf("catalogs read %d (sqlite) and %d (postgres) tables", len(a.tables), len(b.tables))
	}
	got := map[string]bool{}
	for _, d := range compareSchemas(a, b) {
		got[d] = true
		if _, ok := schemaDifferences[d]; !ok {
			t.Errorf("schemas differ: %s", d)
		}
	}
	for _, d := range slices.Sorted(maps.Keys(schemaDifferences)) {
		if !got[d] {
			t.Errorf("listed difference is gone (remove it from schemaDifferences): %s", d)
		}
	}
}

// schema is what the test compares of one database's catalog.
type schema struct {
	tables map[string]map[string]column // table → column name → column
	// primary is each table's primary key columns, "a, b".
	primary map[string]string
	// uniques is each table's UNIQUE constraints, by their columns, sorted.
	uniques map[string][]string
	// indexes are the indexes made by CREATE INDEX, by name.
	indexes map[string]index
	// objects are the other named objects: "trigger x on t", "function f",
	// "view v".
	objects map[string]bool
}

type column struct {
	class     string // integer, text, bytes, ...
	notNull   bool
	dflt      string // normalised; "" when none
	generated bool   // numbered by the database when not given
}

type index struct {
	table   string
	columns string // "a, b DESC"
	unique  bool
	where   string // normalised partial predicate; "" when none
}

func (i index) String() string {
	s := "index on " + i.table + " (" + i.columns + ")"
	if i.unique {
		s = "unique " + s
	}
	if i.where != "" {
		s += " where " + i.where
	}
	return s
}

func newSchema() *schema {
	return &schema{tables: map[string]map[string]column{}, primary: map[string]string{},
		uniques: map[string][]string{}, indexes: map[string]index{}, objects: map[string]bool{}}
}

// compareSchemas lists the differences of b (postgres) from a (sqlite), in
// a stable order.
func compareSchemas(a, b *schema) []string {
	var out []string
	diff := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	// both reports whether a thing is in both schemas, and notes it when not.
	both := func(what string, inA, inB bool) bool {
		switch {
		case !inA:
			diff("%s: only in postgres", what)
		case !inB:
			diff("%s: only in sqlite", what)
		}
		return inA && inB
	}
	for _, name := range union(a.tables, b.tables) {
		ca, inA := a.tables[name]
		cb, inB := b.tables[name]
		if !both("table "+name, inA, inB) {
			continue
		}
		for _, col := range union(ca, cb) {
			x, inA := ca[col]
			y, inB := cb[col]
			if both("column "+name+"."+col, inA, inB) {
				if x.class != y.class {
					diff("column %s.%s: type %s (sqlite) vs %s (postgres)", name, col, x.class, y.class)
				}
				if x.notNull != y.notNull {
					diff("column %s.%s: %s (sqlite) vs %s (postgres)", name, col, nullability(x.notNull), nullability(y.notNull))
				}
				if x.dflt != y.dflt {
					diff("column %s.%s: default %q (sqlite) vs %q (postgres)", name, col, x.dflt, y.dflt)
				}
				if x.generated != y.generated {
					diff("column %s.%s: %s (sqlite) vs %s (postgres)", name, col, generation(x.generated), generation(y.generated))
				}
			}
		}
		if a.primary[name] != b.primary[name] {
			diff("primary key of %s: (%s) (sqlite) vs (%s) (postgres)", name, a.primary[name], b.primary[name])
		}
		if !slices.Equal(a.uniques[name], b.uniques[name]) {
			diff("unique constraints of %s: %v (sqlite) vs %v (postgres)", name, a.uniques[name], b.uniques[name])
		}
	}
	for _, name := range union(a.indexes, b.indexes) {
		x, inA := a.indexes[name]
		y, inB := b.indexes[name]
		if both("index "+name, inA, inB) && x != y {
			diff("index %s: %s (sqlite) vs %s (postgres)", name, x, y)
		}
	}
	for _, name := range union(a.objects, b.objects) {
		both(name, a.objects[name], b.objects[name])
	}
	return out
}

func union[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func nullability(notNull bool) string {
	if notNull {
		return "NOT NULL"
	}
	return "nullable"
}

func generation(generated bool) string {
	if generated {
		return "generated"
	}
	return "given"
}

// typeClass compares types loosely: SQLite's declared type by its affinity
// rules, PostgreSQL's data_type by name.
func typeClass(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	switch {
	case strings.Contains(t, "int"): // integer, bigint, smallint
		return "integer"
	case strings.Contains(t, "char"), strings.Contains(t, "text"), strings.Contains(t, "clob"):
		return "text"
	case t == "blob", t == "bytea", t == "":
		return "bytes"
	case t == "boolean", t == "bool":
		return "boolean"
	case strings.Contains(t, "real"), strings.Contains(t, "double"), strings.Contains(t, "float"):
		return "real"
	}
	return t
}

// ---- SQLite ----

func sqliteSchema(ctx context.Context, db *sql.DB) (*schema, error) {
	s := newSchema()
	indexSQL := map[string]string{}
	err := eachRow(ctx, db, func(rows *sql.Rows) error {
		var typ, name, table, create string
		if err := rows.Scan(&typ, &name, &table, &create); err != nil {
			return err
		}
		switch typ {
		case "table":
			s.tables[name] = nil
		case "index":
			indexSQL[name] = create
		case "trigger":
			s.objects["trigger "+name+" on "+table] = true
		default:
			s.objects[typ+" "+name] = true
		}
		return nil
	}, `SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return nil, err
	}
	for table := range s.tables {
		if err := sqliteTable(ctx, db, s, table, indexSQL); err != nil {
			return nil, fmt.Errorf("table %s: %w", table, err)
		}
	}
	return s, nil
}

func sqliteTable(ctx context.Context, db *sql.DB, s *schema, table string, indexSQL map[string]string) error {
	type col struct {
		name, typ string
		notNull   bool
		dflt      sql.NullString
		pk        int
	}
	var cols []col
	err := eachRow(ctx, db, func(rows *sql.Rows) error {
		var c col
		err := rows.Scan(&c.name, &c.typ, &c.notNull, &c.dflt, &c.pk)
		cols = append(cols, c)
		return err
	}, `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return err
	}
	var pk []col
	for _, c := range cols {
		if c.pk > 0 {
			pk = append(pk, c)
		}
	}
	slices.SortFunc(pk, func(x, y col) int { return x.pk - y.pk })
	// A lone INTEGER PRIMARY KEY is the rowid: never NULL, and numbered
	// when not given. (Other primary key columns may hold NULL in SQLite
	// unless declared NOT NULL.)
	rowid := ""
	if len(pk) == 1 && strings.EqualFold(pk[0].typ, "INTEGER") {
		rowid = pk[0].name
	}
	var pkNames []string
	for _, c := range pk {
		pkNames = append(pkNames, c.name)
	}
	s.tables[table] = map[string]column{}
	for _, c := range cols {
		s.tables[table][c.name] = column{class: typeClass(c.typ), notNull: c.notNull || c.name == rowid,
			dflt: normalizeSQL(c.dflt.String), generated: c.name == rowid}
	}
	s.primary[table] = strings.Join(pkNames, ", ")

	type idx struct {
		name, origin string
		unique       bool
	}
	var idxs []idx
	err = eachRow(ctx, db, func(rows *sql.Rows) error {
		var i idx
		err := rows.Scan(&i.name, &i.unique, &i.origin)
		idxs = append(idxs, i)
		return err
	}, `SELECT name, "unique", origin FROM pragma_index_list(?)`, table)
	if err != nil {
		return err
	}
	for _, i := range idxs {
		var cols []string
		err := eachRow(ctx, db, func(rows *sql.Rows) error {
			var c string
			var desc bool
			err := rows.Scan(&c, &desc)
			if desc {
				c += " DESC"
			}
			cols = append(cols, c)
			return err
		}, `SELECT COALESCE(name, '<expression>'), "desc" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`, i.name)
		if err != nil {
			return fmt.Errorf("index %s: %w", i.name, err)
		}
		switch i.origin {
		case "pk": // the primary key, read from table_info above
		case "u":
			s.uniques[table] = append(s.uniques[table], strings.Join(cols, ", "))
		default:
			s.indexes[i.name] = index{table: table, columns: strings.Join(cols, ", "), unique: i.unique, where: sqliteWhere(indexSQL[i.name])}
		}
	}
	slices.Sort(s.uniques[table])
	return nil
}

// sqliteWhere is the partial-index predicate of a CREATE INDEX statement as
// SQLite keeps it (the text as written), normalised.
func sqliteWhere(create string) string {
	i := strings.Index(strings.ToUpper(create), " WHERE ")
	if i < 0 {
		return ""
	}
	return normalizeSQL(create[i+len(" WHERE "):])
}

// ---- PostgreSQL ----

// The PostgreSQL catalog of the current schema: base tables, columns,
// every index with its key columns and the constraint (primary key or
// unique) it implements if any, and the other objects.
const (
	pgTables = `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	pgColumns = `SELECT table_name, column_name, data_type, is_nullable = 'NO', COALESCE(column_default, ''), is_identity = 'YES'
		FROM information_schema.columns WHERE table_schema = current_schema()`
	pgIndexes = `SELECT t.relname, i.relname, x.indisunique, COALESCE(pg_get_expr(x.indpred, x.indrelid), ''),
			(SELECT string_agg(pg_get_indexdef(x.indexrelid, k, true) ||
				CASE WHEN x.indoption[k-1] & 1 = 1 THEN ' DESC' ELSE '' END, ', ' ORDER BY k)
			   FROM generate_series(1, x.indnkeyatts) AS k),
			COALESCE((SELECT c.contype::text FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u')), '')
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = current_schema()`
	pgObjects = `SELECT 'trigger ' || t.tgname || ' on ' || c.relname FROM pg_trigger t
		JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND NOT t.tgisinternal
		UNION ALL SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = current_schema()
		UNION ALL SELECT 'view ' || table_name FROM information_schema.views WHERE table_schema = current_schema()`
)

func postgresSchema(ctx context.Context, db *sql.DB) (*schema, error) {
	s := newSchema()
	err := eachRow(ctx, db, func(rows *sql.Rows) error {
		var t string
		err := rows.Scan(&t)
		s.tables[t] = map[string]column{}
		return err
	}, pgTables)
	if err != nil {
		return nil, err
	}
	err = eachRow(ctx, db, func(rows *sql.Rows) error {
		var table, name, typ, dflt string
		var notNull, identity bool
		if err := rows.Scan(&table, &name, &typ, &notNull, &dflt, &identity); err != nil {
			return err
		}
		if cols, ok := s.tables[table]; ok {
			cols[name] = column{class: typeClass(typ), notNull: notNull, dflt: normalizeSQL(dflt),
				generated: identity || strings.HasPrefix(dflt, "nextval(")}
		}
		return nil
	}, pgColumns)
	if err != nil {
		return nil, err
	}
	err = eachRow(ctx, db, func(rows *sql.Rows) error {
		var table, name, where, cols, constraint string
		var unique bool
		if err := rows.Scan(&table, &name, &unique, &where, &cols, &constraint); err != nil {
			return err
		}
		cols = strings.ReplaceAll(cols, `"`, "")
		switch constraint {
		case "p":
			s.primary[table] = cols
		case "u":
			s.uniques[table] = append(s.uniques[table], cols)
		default:
			s.indexes[name] = index{table: table, columns: cols, unique: unique, where: normalizeSQL(where)}
		}
		return nil
	}, pgIndexes)
	if err != nil {
		return nil, err
	}
	for _, u := range s.uniques {
		slices.Sort(u)
	}
	err = eachRow(ctx, db, func(rows *sql.Rows) error {
		var o string
		err := rows.Scan(&o)
		s.objects[o] = true
		return err
	}, pgObjects)
	return s, err
}

// eachRow runs fn on each row of a query.
func eachRow(ctx context.Context, db *sql.DB, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ---- normalising SQL text ----

// normalizeSQL puts a predicate or default into one form for both
// databases: tokens separated by single spaces, words in lower case
// (string literals kept), identifiers unquoted, casts (::text) dropped,
// != as <>, and parentheses dropped where they group nothing: around a
// comparison, around the whole expression, or doubled. PostgreSQL's
// "((status = 'pending'::text) AND (blocked = 0))" and SQLite's
// "status = 'pending' AND blocked = 0" are both
// "status = 'pending' and blocked = 0".
func normalizeSQL(expr string) string {
	toks := tokenize(expr)
	for {
		next, changed := dropParens(toks)
		toks = next
		if !changed {
			break
		}
	}
	return strings.Join(toks, " ")
}

func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'': // a string literal, '' escapes a quote
			j := i + 1
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			toks = append(toks, s[i:min(j+1, len(s))])
			i = j + 1
		case c == '"': // a quoted identifier
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				j = len(s) - i - 1
			}
			toks = append(toks, strings.ToLower(s[i+1:i+1+j]))
			i += j + 2
		case c == ':' && i+1 < len(s) && s[i+1] == ':': // a cast: drop it and its type
			i += 2
			for i < len(s) && s[i] == ' ' {
				i++
			}
			j := i
			for j < len(s) && (isWord(s[j]) || s[j] == ' ' && j+1 < len(s) && isWord(s[j+1]) && castWord(s[j+1:])) {
				j++
			}
			i = j
		case isWord(c):
			j := i
			for j < len(s) && isWord(s[j]) {
				j++
			}
			toks = append(toks, strings.ToLower(s[i:j]))
			i = j
		case strings.HasPrefix(s[i:], "<>") || strings.HasPrefix(s[i:], "!=") ||
			strings.HasPrefix(s[i:], "<=") || strings.HasPrefix(s[i:], ">="):
			op := s[i : i+2]
			if op == "!=" {
				op = "<>"
			}
			toks = append(toks, op)
			i += 2
		default:
			toks = append(toks, string(c))
			i++
		}
	}
	return toks
}

func isWord(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// castWord reports whether s starts with the second word of a two-word type
// name (character varying, double precision, ... with time zone).
func castWord(s string) bool {
	for _, w := range []string{"varying", "precision", "with", "without", "time", "zone"} {
		if strings.HasPrefix(strings.ToLower(s), w) {
			return true
		}
	}
	return false
}

// dropParens removes one layer of parentheses that group nothing: a pair
// not after a word (a function's or IN's), standing between boundaries,
// whose inside has no top-level AND or OR, or that is the whole
// expression or the whole inside of another pair.
func dropParens(toks []string) ([]string, bool) {
	for open := range toks {
		if toks[open] != "(" {
			continue
		}
		depth, close, logic := 0, -1, false
		for j := open; j < len(toks); j++ {
			switch toks[j] {
			case "(":
				depth++
			case ")":
				depth--
			case "and", "or":
				if depth == 1 {
					logic = true
				}
			}
			if depth == 0 {
				close = j
				break
			}
		}
		if close < 0 {
			return toks, false
		}
		before, after := "", ""
		if open > 0 {
			before = toks[open-1]
		}
		if close+1 < len(toks) {
			after = toks[close+1]
		}
		if before != "" && before != "(" && before != "and" && before != "or" && before != "not" {
			continue // a call or a list: f(x), IN (...)
		}
		whole := (before == "" || before == "(") && (after == "" || after == ")")
		if after != "" && after != ")" && after != "and" && after != "or" {
			continue
		}
		if logic && !whole {
			continue
		}
		out := append(append(append([]string{}, toks[:open]...), toks[open+1:close]...), toks[close+1:]...)
		return out, true
	}
	return toks, false
}

func TestNormalizeSQL(t *testing.T) {
	for _, c := range []struct{ sqlite, postgres string }{
		{`ref_id <> ''`, `(ref_id <> ''::text)`},
		{`status = 'pending' AND blocked = 0`, `((status = 'pending'::text) AND (blocked = 0))`},
		{`seq IS NOT NULL`, `(seq IS NOT NULL)`},
		{`"key" != 'A b'`, `(key <> 'A b'::character varying)`},
		{`a = 1 AND (b = 2 OR c = 3)`, `((a = 1) AND ((b = 2) OR (c = 3)))`},
		{`''`, `''::text`},
		{`0`, `0`},
	} {
		if a, b := normalizeSQL(c.sqlite), normalizeSQL(c.postgres); a != b {
			t.Errorf("normalizeSQL(%q) = %q, normalizeSQL(%q) = %q; want equal", c.sqlite, a, c.postgres, b)
		}
	}
	for _, c := range []struct{ x, y string }{
		{`a = 1 AND (b = 2 OR c = 3)`, `(a = 1 AND b = 2) OR c = 3`},
		{`status = 'pending'`, `status = 'Pending'`},
		{`x IN (1, 2)`, `x IN 1, 2`},
	} {
		if a, b := normalizeSQL(c.x), normalizeSQL(c.y); a == b {
			t.Errorf("normalizeSQL(%q) = normalizeSQL(%q) = %q; want them different", c.x, c.y, a)
		}
	}
}
