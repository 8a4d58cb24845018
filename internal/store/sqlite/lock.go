package sqlite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// The data directory lock. One server owns a data directory: a second
// `orderhub serve` on it would run a second writer (and its own acceptance
// loop and delivery engine) against the same file, and `orderhub restore`
// or `migrate --to` under a running server would replace or copy a
// database it is still writing. serve holds an exclusive flock on
// DIR/orderhub.lock for its whole life; restore and migrate --to take the
// same lock for their run and refuse when they cannot. The kernel drops
// the lock when the process ends, however it ends, so a crash never
// leaves a stale lock behind. Commands that work beside a running server
// (backup, orders, tokens, ...) do not take it: SQLite's own locking
// orders their writes.

// ErrLocked is LockDir's answer when another process holds the lock.
var ErrLocked = errors.New("the data directory is in use by a running orderhub")

// LockPath is the lock file of a data directory.
func LockPath(dataDir string) string { return filepath.Join(dataDir, "orderhub.lock") }

// LockDir takes the exclusive lock of dataDir (created if missing) without
// waiting; release gives it back. Another holder is ErrLocked.
func LockDir(dataDir string) (release func(), err error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	path := LockPath(dataDir)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s is held)", ErrLocked, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
