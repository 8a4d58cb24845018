package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/store/sqlite"
)

// counts reads how many orders and history rows a database holds.
func counts(t *testing.T, st *sqlite.Store) (orders, history int) {
	t.Helper()
	ctx := t.Context()
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM orders`).Scan(&orders); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM order_history`).Scan(&history); err != nil {
		t.Fatal(err)
	}
	return orders, history
}

// TestBackupWhileWriting: a backup taken while units commit is one
// instant of the database (each unit writes an order and its history row:
// the backup has as many of one as of the other), checked, and restores
// into a database orderhub opens.
func TestBackupWhileWriting(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := sqlite.Path(filepath.Join(dir, "live"))
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := &hub.Brand{Name: "B", Currency: "KRW"}
	l := &hub.Location{Code: "L", Name: "L", Timezone: "UTC"}
	if err := st.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateBrand(ctx, b); err != nil {
			return err
		}
		l.BrandID = b.ID
		return tx.CreateLocation(ctx, l)
	}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; i < 5000; i++ { // bounded; stopped once the backup is done
			select {
			case <-stop:
				return
			default:
			}
			now := time.Now().UTC()
			o := &hub.Order{Number: fmt.Sprintf("B%06d", i), BrandID: b.ID, LocationID: l.ID, Channel: hub.ChannelHub,
				Type: hub.OrderPickUp, Currency: "KRW", Status: hub.StatusNew, CreatedAt: now, UpdatedAt: now, Version: 1}
			if err := st.Update(ctx, func(tx store.Tx) error {
				if err := tx.CreateOrder(ctx, o, nil, "", ""); err != nil {
					return err
				}
				return tx.AddHistory(ctx, &hub.OrderEvent{OrderID: o.ID, Action: "create", ToStatus: hub.StatusNew, Actor: "t", CreatedAt: now})
			}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	time.Sleep(50 * time.Millisecond) // some orders first
	dest := filepath.Join(dir, "backup.db")
	if err := sqlite.Backup(ctx, path, dest); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()

	if err := sqlite.Backup(ctx, path, dest); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("a backup over an existing file: %v", err)
	}
	if _, err := os.Stat(dest + ".partial"); !os.IsNotExist(err) {
		t.Fatalf("a partial file was left: %v", err)
	}
	restored := sqlite.Path(filepath.Join(dir, "restored"))
	if err := sqlite.Restore(ctx, dest, restored); err != nil {
		t.Fatal(err)
	}
	rs, err := sqlite.Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	orders, history := counts(t, rs)
	live, _ := counts(t, st)
	if orders == 0 || orders != history || orders > live {
		t.Fatalf("backup holds %d orders and %d history rows (live %d): not one instant", orders, history, live)
	}
	// The restored database takes writes.
	if _, err := rs.GetBrand(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	t.Logf("backup taken with %d of %d orders", orders, live)
}

func TestRestoreRefusesWhatIsNoBackup(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("not a database at all, but long enough to look like a header"), 0o600)
	target := sqlite.Path(filepath.Join(dir, "data"))
	for _, from := range []string{junk, filepath.Join(dir, "missing.db")} {
		if err := sqlite.Restore(ctx, from, target); err == nil {
			t.Errorf("restore from %s: no error", from)
		}
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("a refused restore wrote %s", target)
	}
	// An empty SQLite file that is not orderhub's.
	other := filepath.Join(dir, "other.db")
	st, err := sqlite.Open(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := sqlite.Check(ctx, other); err != nil {
		t.Fatalf("a fresh orderhub database fails Check: %v", err)
	}
}

// TestBackupFileMode: a backup holds token hashes and callback secrets:
// it is written owner-only (0600) like the database, whatever the umask.
func TestBackupFileMode(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := sqlite.Path(filepath.Join(dir, "live"))
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	dest := filepath.Join(dir, "backup.db")
	if err := sqlite.Backup(ctx, path, dest); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Fatalf("backup mode %o, want 600", got)
	}
	if _, err := os.Stat(dest + ".partial"); !os.IsNotExist(err) {
		t.Fatalf(".partial left behind: %v", err)
	}
}

// TestDatabaseFileMode: the database and its WAL files are 0600 (they hold
// token hashes and callback secrets), whatever the process's umask.
func TestDatabaseFileMode(t *testing.T) {
	ctx := t.Context()
	path := sqlite.Path(filepath.Join(t.TempDir(), "live"))
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// A write makes the WAL and its index exist.
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateBrand(ctx, &hub.Brand{Name: "b", Currency: "KRW"}) }); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %o, want 600", filepath.Base(f), got)
		}
	}
}
