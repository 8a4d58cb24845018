package service

import (
	"context"

	"orderhub/internal/store"
)

// modifyRow is the one unit of work of every Modify… (DESIGN.md §10:
// read-modify-write under a lock): it reads a row with lock, which holds
// it against concurrent changes until the unit ends (SELECT … FOR UPDATE
// on PostgreSQL; SQLite's one writer), lets change alter it, and writes
// it with save. guard sees the row before change and returns the save:
// it keeps what the save must compare the changed row with (the fields a
// change may not touch), and the save checks the row and writes it. Two
// concurrent modifications apply one after the other, and neither loses
// the other's fields; an error of change or save is returned as is and
// nothing is written.
func modifyRow[T any](ctx context.Context, s *Service, lock func(store.Tx) (*T, error), change func(*T) error,
	guard func(before *T) (save func(tx store.Tx, v *T) error)) (*T, error) {
	var out *T
	err := s.store.Update(ctx, func(tx store.Tx) error {
		v, err := lock(tx)
		if err != nil {
			return err
		}
		save := guard(v)
		if err := change(v); err != nil {
			return err
		}
		if err := save(tx, v); err != nil {
			return err
		}
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
