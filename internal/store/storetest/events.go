// Events: the outbox, read by id and by dispatch sequence.

package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func testEvents(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	if got, err := s.ListEvents(ctx, 0, 10); err != nil || len(got) != 0 {
		t.Fatalf("ListEvents on empty store = %v, %v", got, err)
	}
	if last, err := s.LastEventSeq(ctx); err != nil || last != 0 {
		t.Fatalf("LastEventSeq on empty store = %d, %v", last, err)
	}
	var evs []*store.Event
	for i := range 5 {
		evs = append(evs, &store.Event{Type: hub.EventOrderCreated, BrandID: 1, LocationID: 2, OrderID: int64(i + 1),
			Payload: []byte(fmt.Sprintf(`{"version":1,"n":%d,"text":"주문"}`, i))})
	}
	evs[4].CreatedAt = time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	evs[4].Type = hub.EventStockChanged
	update(t, s, func(tx store.Tx) error {
		for _, e := range evs {
			if err := tx.AddEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	for i, e := range evs {
		if e.ID <= 0 || (i > 0 && e.ID <= evs[i-1].ID) || e.CreatedAt.IsZero() || e.Seq != 0 {
			t.Fatalf("AddEvent %d: id %d, created %v, seq %d", i, e.ID, e.CreatedAt, e.Seq)
		}
	}
	// Readers see events once dispatched, in dispatch order: the sequence,
	// not the id, orders them.
	if got, err := s.ListEvents(ctx, 0, 100); err != nil || len(got) != 0 {
		t.Fatalf("undispatched events are listed: %d, %v", len(got), err)
	}
	order := []*store.Event{evs[2], evs[0], evs[1], evs[3], evs[4]}
	at := base()
	update(t, s, func(tx store.Tx) error { return tx.MarkEventsDispatched(ctx, []int64{evs[2].ID, evs[0].ID}, at) })
	update(t, s, func(tx store.Tx) error {
		return tx.MarkEventsDispatched(ctx, []int64{evs[1].ID, evs[3].ID, evs[4].ID}, at)
	})
	for i, e := range order {
		e.Seq = int64(i + 1)
	}
	all, err := s.ListEvents(ctx, 0, 100)
	if err != nil || len(all) != 5 {
		t.Fatalf("ListEvents = %d, %v", len(all), err)
	}
	for i := range all {
		if !reflect.DeepEqual(all[i], *order[i]) {
			t.Fatalf("event %d = %+v\nwant %+v", i, all[i], *order[i])
		}
	}
	got, err := s.ListEvents(ctx, 2, 2)
	if err != nil || len(got) != 2 || got[0].ID != evs[1].ID || got[1].ID != evs[3].ID {
		t.Fatalf("ListEvents(after seq 2, 2) = %+v, %v", got, err)
	}
	if got, err := s.ListEvents(ctx, 5, 10); err != nil || len(got) != 0 {
		t.Fatalf("ListEvents after the last = %v, %v", got, err)
	}
	if last, err := s.LastEventSeq(ctx); err != nil || last != 5 {
		t.Fatalf("LastEventSeq = %d, %v; want 5", last, err)
	}
	// One brand's events only, in seq order, after a cursor.
	other := &store.Event{Type: hub.EventOrderCreated, BrandID: 2, OrderID: 9, Payload: []byte(`{}`)}
	update(t, s, func(tx store.Tx) error {
		if err := tx.AddEvent(ctx, other); err != nil {
			return err
		}
		return tx.MarkEventsDispatched(ctx, []int64{other.ID}, at)
	})
	if got, err := s.ListBrandEvents(ctx, 2, 0, 10); err != nil || len(got) != 1 || got[0].ID != other.ID || got[0].Seq != 6 {
		t.Fatalf("ListBrandEvents(2) = %+v, %v", got, err)
	}
	if got, err := s.ListBrandEvents(ctx, 1, 3, 10); err != nil || len(got) != 2 || got[0].ID != evs[3].ID || got[1].ID != evs[4].ID {
		t.Fatalf("ListBrandEvents(1, after seq 3) = %+v, %v", got, err)
	}
	if got, err := s.ListBrandEvents(ctx, 1, 0, 2); err != nil || len(got) != 2 || got[1].ID != evs[0].ID {
		t.Fatalf("ListBrandEvents(1, limit 2) = %+v, %v", got, err)
	}
	// Events written by a failed unit are not there.
	var lost store.Event
	err = s.Update(ctx, func(tx store.Tx) error {
		lost = store.Event{Type: hub.EventOrderPaid, BrandID: 1, Payload: []byte(`{}`)}
		if err := tx.AddEvent(ctx, &lost); err != nil {
			return err
		}
		if err := tx.MarkEventsDispatched(ctx, []int64{lost.ID}, at); err != nil {
			return err
		}
		return errors.New("refused")
	})
	if err == nil {
		t.Fatal("failing unit returned nil")
	}
	if got, _ := s.ListEvents(ctx, 0, 100); len(got) != 6 {
		t.Fatalf("a rolled-back event is visible: %d events, want 6", len(got))
	}
	if last, err := s.LastEventSeq(ctx); err != nil || last != 6 {
		t.Fatalf("LastEventSeq after a rolled-back dispatch = %d, %v; want 6", last, err)
	}
}

// testEventsLateCommit: a unit that wrote an event with a smaller id
// commits after one with a larger id was committed, dispatched and read:
// a reader that follows the dispatch sequence still gets it, where a
// reader paging by id (id > cursor) passes over it for good. Only
// PostgreSQL commits units out of id order (SQLite has one writer, whose
// units commit in the order they wrote).
func testEventsLateCommit(t *testing.T, s store.Store) {
	if s.Dialect() == "sqlite" {
		t.Skip("one writer: units commit in the order they wrote")
	}
	ctx := ctxOf(t)
	at := base()
	late := &store.Event{Type: hub.EventStockChanged, BrandID: 1, Payload: []byte(`{"late":true}`)}
	written, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, func(tx store.Tx) error {
			if err := tx.AddEvent(ctx, late); err != nil {
				close(written)
				return err
			}
			close(written)
			<-release // the slow transaction
			return nil
		})
	}()
	<-written
	early := &store.Event{Type: hub.EventStockChanged, BrandID: 1, Payload: []byte(`{"late":false}`)}
	update(t, s, func(tx store.Tx) error { return tx.AddEvent(ctx, early) })
	if late.ID <= 0 || late.ID >= early.ID {
		close(release)
		t.Fatalf("ids %d (late) and %d (early): the late event must have the smaller id", late.ID, early.ID)
	}
	if got := claimEvents(t, s, 10, at, true, nil); len(got) != 1 || got[0].ID != early.ID {
		close(release)
		t.Fatalf("dispatched %v before the late commit, want only %d", eventIDs(got), early.ID)
	}
	page, err := s.ListEvents(ctx, 0, 10)
	if err != nil || len(page) != 1 || page[0].ID != early.ID {
		close(release)
		t.Fatalf("first page = %+v, %v", page, err)
	}
	cursor := page[0].Seq
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the slow unit: %v", err)
	}
	if got := claimEvents(t, s, 10, at, true, nil); len(got) != 1 || got[0].ID != late.ID {
		t.Fatalf("dispatched %v after the late commit, want %d", eventIDs(got), late.ID)
	}
	next, err := s.ListEvents(ctx, cursor, 10)
	if err != nil || len(next) != 1 || next[0].ID != late.ID {
		t.Fatalf("the page after seq %d = %+v, %v; want the late event", cursor, next, err)
	}
	if byID, _ := s.ListEventsByID(ctx, early.ID, 10); len(byID) != 0 {
		t.Fatalf("paging by id after %d finds %d events: the case this guards is gone", early.ID, len(byID))
	}
}
