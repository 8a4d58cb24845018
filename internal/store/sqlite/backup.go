package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Backup and restore of the embedded database.
//
// Backup writes a consistent copy of the database at path to dest while
// orderhub serves: SQLite's VACUUM INTO runs as one read transaction, so
// the copy is the database as of one instant (WAL readers do not block the
// writer, nor it them), compacted, with no WAL of its own. The copy is
// written beside dest and renamed into place once its integrity check
// passes, so dest is either a whole backup or absent. dest must not exist.
//
// Restore puts a backup in place of the database of a stopped orderhub: it
// checks the backup (integrity and that it is an orderhub database),
// copies it beside the database, syncs it, removes the old database's WAL
// and shared-memory files, and renames the copy over the database. A
// running server would keep writing into the old file through its open
// handles: restore only what no process has open (Restore cannot tell; the
// command line says so). The next start applies any migrations the backup
// predates.

// Backup writes a consistent, checked copy of the database file at path to
// dest, which must not exist.
func Backup(ctx context.Context, path, dest string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database at %s: %w", path, err)
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s exists: back up to a new file", dest)
	}
	// Not query_only: SQLite counts VACUUM INTO as a write (of the
	// copy); the statement reads the database in one read transaction.
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tmp := dest + ".partial"
	os.Remove(tmp)
	// The copy holds token hashes and callback secrets: owner-only, like
	// the database. VACUUM INTO accepts an empty file, which keeps the mode
	// it was created with (SQLite would create it 0644 under the umask).
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	return renameInto(tmp, dest, func() error {
		if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if err := Check(ctx, tmp); err != nil {
			return err
		}
		return syncFile(tmp)
	})
}

// Check opens a database file without changing it and runs SQLite's
// integrity check, and checks that it holds orderhub's schema.
func Check(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	var res []string
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("%s is not a SQLite database: %w", path, err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		res = append(res, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(res) != 1 || res[0] != "ok" {
		return fmt.Errorf("%s fails the integrity check: %s", path, strings.Join(res, "; "))
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
		return fmt.Errorf("%s is not an orderhub database (no migrations recorded)", path)
	}
	return nil
}

// Restore replaces the database file at path with the backup at from
// (checked first). No process may have the database open.
func Restore(ctx context.Context, from, path string) error {
	if err := Check(ctx, from); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".restoring"
	return renameInto(tmp, path, func() error {
		if err := copyFile(from, tmp); err != nil {
			return err
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		return nil
	})
}

// renameInto makes dest by way of tmp: prepare writes tmp (and readies
// what the rename needs), then tmp is renamed over dest and dest's
// directory synced, so dest is either the whole new file or as it was.
// tmp is removed when prepare or the rename fails.
func renameInto(tmp, dest string, prepare func() error) error {
	if err := prepare(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(dest))
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
