package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"orderhub/internal/store/postgres"
	"orderhub/internal/store/sqlite"
	"orderhub/internal/store/transfer"
)

// backup is `orderhub backup --to FILE`: a consistent copy of the embedded
// database, taken while orderhub serves (sqlite.Backup).
func backup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fc := newFileCommand("backup", `Usage: orderhub backup --to FILE [--data DIR]

Writes a consistent, checked copy of the embedded database (DIR/orderhub.db)
to FILE, which must not exist. Safe while orderhub serves. Restore it with
orderhub restore --from FILE into the data directory of a stopped orderhub.
On PostgreSQL use pg_dump.
`, "to", "the backup file to write (must not exist)", stderr)
	if !fc.parse(args, "back it up with pg_dump (see docs/operations.md)") {
		return 2
	}
	c, to := &fc.c, fc.file
	if err := sqlite.Backup(ctx, sqlite.Path(c.DataDir), to); err != nil {
		fmt.Fprintln(stderr, "orderhub backup:", err)
		return 1
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", sqlite.Path(c.DataDir), to)
	return 0
}

// restore is `orderhub restore --from FILE`: a backup in place of the
// embedded database of a stopped orderhub.
func restore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var force bool
	fc := newFileCommand("restore", `Usage: orderhub restore --from FILE [--data DIR] [--force]

Checks the backup FILE and puts it in place of DIR/orderhub.db. Stop every
orderhub using DIR first: a running server keeps writing into the file it
has open. A database already in DIR is replaced only with --force.
`, "from", "the backup file (from orderhub backup)", stderr)
	fc.fs.BoolVar(&force, "force", false, "replace the database in --data")
	if !fc.parse(args, "restore it with pg_restore or psql") {
		return 2
	}
	c, from := &fc.c, fc.file
	path := sqlite.Path(c.DataDir)
	release, ok := lockStopped("restore", c.DataDir, stderr)
	if !ok {
		return 1
	}
	defer release()
	if _, err := os.Stat(path); err == nil && !force {
		fmt.Fprintf(stderr, "orderhub restore: %s exists: stop orderhub and pass --force to replace it\n", path)
		return 1
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(stderr, "orderhub restore:", err)
		return 1
	}
	if err := sqlite.Restore(ctx, from, path); err != nil {
		fmt.Fprintln(stderr, "orderhub restore:", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s from %s\n", path, from)
	return 0
}

// fileCommand is the command line of backup and restore: the storage
// flags and one file (--to or --from), for the embedded database only.
type fileCommand struct {
	name, fileFlag string
	fs             *flag.FlagSet
	c              config
	file           string
	stderr         io.Writer
}

func newFileCommand(name, usage, fileFlag, fileHelp string, stderr io.Writer) *fileCommand {
	fc := &fileCommand{name: name, fileFlag: fileFlag, fs: flag.NewFlagSet(name, flag.ContinueOnError), stderr: stderr}
	fc.fs.SetOutput(stderr)
	fc.fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fc.fs.PrintDefaults()
	}
	storageFlags(fc.fs, &fc.c)
	fc.fs.StringVar(&fc.file, fileFlag, "", fileHelp)
	return fc
}

// parse reads the variables and flags (parse); ok is false once it has
// said why not: on PostgreSQL (pgTools: what to use instead), or without
// the file.
func (fc *fileCommand) parse(args []string, pgTools string) bool {
	if err := parse(fc.fs, args, &fc.c); err != nil {
		return false
	}
	if fc.c.DatabaseURL != "" {
		fmt.Fprintf(fc.stderr, "orderhub %s: the database is PostgreSQL: %s\n", fc.name, pgTools)
		return false
	}
	if strings.TrimSpace(fc.file) == "" {
		fmt.Fprintf(fc.stderr, "orderhub %s: --%s FILE is required\n", fc.name, fc.fileFlag)
		return false
	}
	return true
}

// migrateTo is `orderhub migrate --to postgres://…`: the embedded
// database copied into an empty PostgreSQL one (internal/store/transfer).
func migrateTo(ctx context.Context, c *config, to string, stdout, stderr io.Writer) int {
	if c.DatabaseURL != "" {
		fmt.Fprintln(stderr, "orderhub migrate: --to copies the embedded database (--data): do not give --database-url")
		return 2
	}
	if !strings.HasPrefix(to, "postgres://") && !strings.HasPrefix(to, "postgresql://") {
		fmt.Fprintln(stderr, "orderhub migrate: --to must be a postgres:// URL")
		return 2
	}
	path := sqlite.Path(c.DataDir)
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(stderr, "orderhub migrate: no embedded database at %s\n", path)
		return 1
	}
	release, ok := lockStopped("migrate", c.DataDir, stderr)
	if !ok {
		return 1
	}
	defer release()
	src, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(stderr, "orderhub migrate: open the embedded database:", err)
		return 1
	}
	defer src.Close()
	// Checked before postgres.Open migrates the target: a refused move
	// leaves the target as it was (no schema_migrations of its own).
	if err := transfer.CheckTarget(ctx, src.DB(), to); err != nil {
		fmt.Fprintln(stderr, "orderhub migrate:", err)
		return 1
	}
	dst, err := postgres.Open(ctx, to)
	if err != nil {
		fmt.Fprintln(stderr, "orderhub migrate: open PostgreSQL:", err)
		return 1
	}
	defer dst.Close()
	rep, err := transfer.Copy(ctx, src.DB(), dst.DB())
	if err != nil {
		fmt.Fprintln(stderr, "orderhub migrate:", err)
		return 1
	}
	for _, t := range rep.Tables {
		fmt.Fprintf(stdout, "%-24s %d rows\n", t.Name, t.Rows)
	}
	fmt.Fprintf(stdout, "copied %d rows from %s; row counts verified. Start orderhub with --database-url.\n", rep.Rows(), path)
	return 0
}

// lockStopped takes the data directory's lock (sqlite.LockDir) for a
// command that must not run beside a server, saying why when it cannot.
func lockStopped(cmd, dataDir string, stderr io.Writer) (release func(), ok bool) {
	release, err := sqlite.LockDir(dataDir)
	if errors.Is(err, sqlite.ErrLocked) {
		fmt.Fprintf(stderr, "orderhub %s: an orderhub is serving %s (%s is locked): stop orderhub first\n", cmd, dataDir, sqlite.LockPath(dataDir))
		return nil, false
	} else if err != nil {
		fmt.Fprintf(stderr, "orderhub %s: %v\n", cmd, err)
		return nil, false
	}
	return release, true
}
