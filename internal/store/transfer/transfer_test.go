package transfer_test

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"orderhub/internal/demo"
	"orderhub/internal/hub"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/store/transfer"
	"orderhub/internal/testutil"
)

func count(t *testing.T, db *sql.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCopyToPostgres fills an embedded database as a store would (the
// demo, orders through several doors, events dispatched into deliveries),
// copies it into an empty PostgreSQL database, and checks every table's
// rows, an order read back from each side, ids continuing past the copied
// ones, and that a second copy is refused.
func TestCopyToPostgres(t *testing.T) {
	pg := testutil.OpenPostgres(t) // skips without a database, fails under CI=true
	lite := testutil.OpenSQLite(t)
	ctx := t.Context()
	svc := service.New(lite, server.Protocols().Option())
	creds, err := demo.Load(ctx, svc, "http://127.0.0.1:8080", server.Protocols())
	if err != nil {
		t.Fatal(err)
	}
	locs, err := lite.ListLocations(ctx, creds.BrandID)
	if err != nil || len(locs) == 0 {
		t.Fatal(locs, err)
	}
	var last *hub.Order
	for i := range 25 {
		res, err := svc.PlaceOrder(ctx, service.PlaceOrderInput{BrandID: creds.BrandID, LocationID: locs[0].ID, Channel: hub.ChannelHub,
			ExternalRef: fmt.Sprint("copy-", i), Notes: "주문 " + fmt.Sprint(i),
			Lines: []service.LineInput{{ProductRef: "P004", Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		last = res.Order
	}
	if _, err := svc.Transition(ctx, service.TransitionInput{Scope: service.OrderScope{BrandID: creds.BrandID}, OrderRef: last.Number,
		Action: hub.ActionConfirm, Actor: hub.Actor{Role: hub.RoleStore, Name: "t"}}); err != nil {
		t.Fatal(err)
	}
	testutil.DispatchAll(t, lite)

	rep, err := transfer.Copy(ctx, lite.DB(), pg.DB())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Tables) < 10 || rep.Rows() == 0 {
		t.Fatalf("report %+v", rep)
	}
	for _, tb := range rep.Tables {
		if got, want := count(t, pg.DB(), tb.Name), count(t, lite.DB(), tb.Name); got != want || tb.Rows != want {
			t.Errorf("%s: %d rows on the target, %d reported, %d on the source", tb.Name, got, tb.Rows, want)
		}
	}
	for _, tb := range []string{"orders", "order_history", "events", "products", "partners", "credentials", "stock"} {
		if count(t, pg.DB(), tb) == 0 {
			t.Errorf("%s copied no rows", tb)
		}
	}
	a, err := lite.GetOrder(ctx, last.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pg.GetOrder(ctx, last.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("the order differs:\n%+v\n%+v", a, b)
	}
	v1, _ := lite.ConfigVersion(ctx)
	v2, _ := pg.ConfigVersion(ctx)
	if v1 != v2 {
		t.Errorf("config version %d copied as %d", v1, v2)
	}
	// The copy works: credentials authenticate, new ids follow the old.
	psvc := service.New(pg, server.Protocols().Option())
	if _, err := psvc.AuthenticateHubToken(ctx, creds.Hub.Token); err != nil {
		t.Fatalf("the demo token on the copy: %v", err)
	}
	res, err := psvc.PlaceOrder(ctx, service.PlaceOrderInput{BrandID: creds.BrandID, LocationID: locs[0].ID, Channel: hub.ChannelHub,
		Lines: []service.LineInput{{ProductRef: "P004", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Order.ID <= last.ID {
		t.Fatalf("a new order on the copy got id %d, not after %d", res.Order.ID, last.ID)
	}
	if _, err := transfer.Copy(ctx, lite.DB(), pg.DB()); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a copy into a database in use: %v", err)
	}
	var _ store.Store = pg
}
