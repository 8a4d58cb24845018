package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/store/postgres"
	"orderhub/internal/store/sqlite"
	"orderhub/internal/testutil"
)

func TestDeliveriesCommand(t *testing.T) {
	type db struct {
		name  string
		flags []string
		open  func(t *testing.T) store.Store
	}
	dir := t.TempDir()
	dbs := []db{{"sqlite", []string{"--data", dir}, func(t *testing.T) store.Store {
		st, err := sqlite.Open(context.Background(), sqlite.Path(dir))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}}}
	if testutil.PostgresURL(t) != "" {
		u := testutil.PostgresSchema(t)
		dbs = append(dbs, db{"postgres", []string{"--database-url", u}, func(t *testing.T) store.Store {
			st, err := postgres.Open(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}})
	}
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			st := d.open(t)
			b := &hub.Brand{Name: "B", Currency: "KRW"}
			if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateBrand(ctx, b) }); err != nil {
				t.Fatal(err)
			}
			ep, _, err := delivery.CreateEndpoint(ctx, st, b.ID, "https://hooks.example/x", []string{"order.created"})
			if err != nil {
				t.Fatal(err)
			}
			var dead, done *store.Delivery
			err = st.Update(ctx, func(tx store.Tx) error {
				for i, s := range []store.DeliveryStatus{store.DeliveryDead, store.DeliveryDelivered} {
					dl := &store.Delivery{EventID: int64(i + 1), EventType: hub.EventOrderCreated, BrandID: b.ID, OrderID: 9,
						Target: store.Target{Kind: store.TargetWebhook, ID: ep.ID}, URL: ep.URL, Method: "POST",
						ContentType: "application/json", Body: []byte(`{}`), Signing: "standard-webhooks", Acceptance: "2xx",
						Status: s, LastError: "HTTP 400"}
					if err := tx.CreateDelivery(ctx, dl); err != nil {
						return err
					}
					if i == 0 {
						dead = dl
					} else {
						done = dl
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
			cli := func(args ...string) (int, string, string) {
				var out, errb strings.Builder
				code := run(ctx, append(append([]string{"deliveries"}, args...), d.flags...), &out, &errb)
				return code, out.String(), errb.String()
			}
			deadID := strconv.FormatInt(dead.ID, 10)

			code, out, errs := cli("list", "--status", "dead")
			if code != 0 || !hasRow(out, deadID, "dead") || hasRow(out, strconv.FormatInt(done.ID, 10), "delivered") {
				t.Fatalf("list --status dead: %d\n%s%s", code, out, errs)
			}
			code, out, _ = cli("list", "--endpoint", strconv.FormatInt(ep.ID, 10))
			if code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(out, "HTTP 400") {
				t.Errorf("list --endpoint:\n%s", out)
			}
			code, out, errs = cli("replay", deadID)
			if code != 0 || !strings.Contains(out, "pending again") {
				t.Fatalf("replay: %d %s%s", code, out, errs)
			}
			code, _, errs = cli("replay", deadID)
			if code != 1 || !strings.Contains(errs, "already pending") {
				t.Errorf("replaying a pending delivery: %d %s", code, errs)
			}
			code, out, _ = cli("list", "--status", "pending")
			if code != 0 || !hasRow(out, deadID, "pending") {
				t.Errorf("list --status pending:\n%s", out)
			}
			code, out, errs = cli("replay", "--endpoint", strconv.FormatInt(ep.ID, 10), "--dead")
			if code != 0 || !strings.Contains(out, "replayed 0 dead") {
				t.Errorf("replay --dead: %d %s%s", code, out, errs)
			}
			for _, bad := range [][]string{{}, {"explode"}, {"replay"}, {"replay", "x"}, {"replay", "--dead"},
				{"list", "--status", "lost"}, {"replay", "1", "--endpoint", "1", "--dead"}} {
				if code, _, _ := cli(bad...); code != 2 {
					t.Errorf("deliveries %v: exit %d, want 2", bad, code)
				}
			}
		})
	}
}

// hasRow reports whether a listing has a row with this id and status.
func hasRow(out, id, status string) bool {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == id && f[1] == status {
			return true
		}
	}
	return false
}
