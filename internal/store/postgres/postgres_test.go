package postgres_test

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/store/storetest"
	"orderhub/internal/testutil"
)

// TestConformance runs when ORDERHUB_TEST_DATABASE_URL is set, each subtest
// in a fresh schema; without it the test is skipped, except under CI=true,
// where it fails.
func TestConformance(t *testing.T) {
	if testutil.PostgresURL(t) == "" {
		t.Skipf("PostgreSQL conformance skipped: set %s", testutil.PostgresEnv)
	}
	storetest.Run(t, func(t *testing.T) store.Store { return testutil.OpenPostgres(t) })
}

// TestStockCheckConstraint writes a negative quantity past the store: the
// schema refuses it.
func TestStockCheckConstraint(t *testing.T) {
	st := testutil.OpenPostgres(t)
	ctx := t.Context()
	var loc, prod int64
	err := st.Update(ctx, func(tx store.Tx) error {
		b := &hub.Brand{Name: "b", Currency: "KRW"}
		if err := tx.CreateBrand(ctx, b); err != nil {
			return err
		}
		l := &hub.Location{BrandID: b.ID, Code: "c", Name: "c", Timezone: "UTC"}
		if err := tx.CreateLocation(ctx, l); err != nil {
			return err
		}
		p := &hub.Product{BrandID: b.ID, Name: hub.I18n{"en": "p"}}
		if err := tx.CreateProduct(ctx, p); err != nil {
			return err
		}
		loc, prod = l.ID, p.ID
		q := int64(1)
		return tx.SetStock(ctx, l.ID, p.ID, &q)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE stock SET quantity = quantity - 2 WHERE location_id = $1 AND product_id = $2`,
		`UPDATE stock SET quantity = -1 WHERE location_id = $1 AND product_id = $2`,
	} {
		_, err := st.DB().ExecContext(ctx, q, loc, prod)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23514" {
			t.Errorf("%s: %v, want a check violation (23514)", q, err)
		}
	}
	if q, err := st.GetStock(ctx, loc, prod); err != nil || q == nil || *q != 1 {
		t.Fatalf("stock = %v, %v; want 1", q, err)
	}
}
