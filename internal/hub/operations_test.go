package hub

import (
	"testing"
	"time"
)

func TestStoreControls(t *testing.T) {
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	loc := func(mut func(l *Location)) *Location {
		l := &Location{ID: 1, Name: "Gangnam", Timezone: "Asia/Seoul"}
		if mut != nil {
			mut(l)
		}
		return l
	}
	t.Run("status at an instant", func(t *testing.T) {
		for _, c := range []struct {
			name string
			s    LocationStatus
			t    time.Time
			want LocationMode
		}{
			{"none set", LocationStatus{}, now, ModeOnline},
			{"paused", LocationStatus{Mode: ModePaused}, now, ModePaused},
			{"paused until later", LocationStatus{Mode: ModePaused, Until: at(time.Hour)}, now, ModePaused},
			{"paused until now", LocationStatus{Mode: ModePaused, Until: at(0)}, now, ModeOnline},
			{"busy, ended", LocationStatus{Mode: ModeBusy, ExtraPrepMinutes: 10, Until: at(-time.Second)}, now, ModeOnline},
		} {
			l := loc(func(l *Location) { l.Status = c.s })
			if got := l.StatusAt(c.t).Mode; got != c.want {
				t.Errorf("%s: %s, want %s", c.name, got, c.want)
			}
			err := CheckOpen(l, c.t)
			if (c.want == ModePaused) != (ErrorReason(err) == ReasonLocationPaused) {
				t.Errorf("%s: CheckOpen = %v", c.name, err)
			}
		}
		err := CheckOpen(loc(func(l *Location) {
			l.Status = LocationStatus{Mode: ModePaused, Until: at(90 * time.Minute), Reason: "kitchen fire drill"}
		}), now)
		if e := AsError(err); e.Code != CodeConflict || e.Message != "Gangnam is paused and takes no orders until 13:30: kitchen fire drill" || e.Field != "location_id" {
			t.Errorf("CheckOpen message %q (%s)", e.Message, e.Field)
		}
		// An end on another day names its date.
		err = CheckOpen(loc(func(l *Location) { l.Status = LocationStatus{Mode: ModePaused, Until: at(3 * 24 * time.Hour)} }), now)
		if e := AsError(err); e.Message != "Gangnam is paused and takes no orders until 2026-12-04 12:00" {
			t.Errorf("CheckOpen message of a pause of days %q", e.Message)
		}
	})
	t.Run("estimates", func(t *testing.T) {
		for _, c := range []struct {
			name string
			l    *Location
			want time.Duration
		}{
			{"default prep", loc(nil), 15 * time.Minute},
			{"own prep", loc(func(l *Location) { l.PrepMinutes = 25 }), 25 * time.Minute},
			{"busy adds", loc(func(l *Location) {
				l.PrepMinutes = 20
				l.Status = LocationStatus{Mode: ModeBusy, ExtraPrepMinutes: 15}
			}), 35 * time.Minute},
			{"busy ended adds nothing", loc(func(l *Location) {
				l.Status = LocationStatus{Mode: ModeBusy, ExtraPrepMinutes: 15, Until: at(-time.Minute)}
			}), 15 * time.Minute},
		} {
			if got := EstimatedReady(c.l, now).Sub(now); got != c.want {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		l := loc(func(l *Location) { l.PrepMinutes = 20 })
		if got := AcceptanceStart(l, now, nil); !got.Equal(now) {
			t.Errorf("now: %v", got)
		}
		if got := AcceptanceStart(l, now, at(2*time.Hour)); !got.Equal(now.Add(100 * time.Minute)) {
			t.Errorf("scheduled in 2 h: %v", got)
		}
		if got := AcceptanceStart(l, now, at(10*time.Minute)); !got.Equal(now) {
			t.Errorf("scheduled sooner than the prep time: %v", got)
		}
	})
	t.Run("snoozes", func(t *testing.T) {
		l := loc(func(l *Location) {
			l.Snoozes = map[int64]Snooze{7: {}, 8: {Until: at(time.Hour)}, 9: {Until: at(-time.Second)}}
		})
		for id, want := range map[int64]bool{7: true, 8: true, 9: false, 10: false} {
			if _, got := l.SnoozeAt(id, now); got != want {
				t.Errorf("product %d snoozed %v, want %v", id, got, want)
			}
		}
		if _, got := l.SnoozeAt(8, now.Add(time.Hour)); got {
			t.Error("a snooze outlived its until")
		}
	})
	t.Run("validation", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			err   error
			field string
		}{
			{"a mode outside the list", ValidateStatus(&LocationStatus{Mode: "closed"}, now), "mode"},
			{"negative minutes", ValidateStatus(&LocationStatus{Mode: ModeBusy, ExtraPrepMinutes: -5}, now), "extra_prep_minutes"},
			{"minutes when not busy", ValidateStatus(&LocationStatus{Mode: ModePaused, ExtraPrepMinutes: 5}, now), "extra_prep_minutes"},
			{"until in the past", ValidateStatus(&LocationStatus{Mode: ModePaused, Until: at(-time.Minute)}, now), "until"},
			{"online with an end", ValidateStatus(&LocationStatus{Mode: ModeOnline, Until: at(time.Minute)}, now), "until"},
			{"a reason too long", ValidateStatus(&LocationStatus{Mode: ModePaused, Reason: string(make([]byte, 201))}, now), "reason"},
			{"an accept mode outside the list", ValidateAccept(&AcceptPolicy{Mode: "sometimes"}), "mode"},
			{"a negative deadline", ValidateAccept(&AcceptPolicy{Mode: AcceptManual, DeadlineSeconds: -1}), "deadline_seconds"},
			{"a deadline of a second", ValidateAccept(&AcceptPolicy{Mode: AcceptManual, DeadlineSeconds: 1}), "deadline_seconds"},
			{"a deadline just under the minimum", ValidateAccept(&AcceptPolicy{Mode: AcceptManual, DeadlineSeconds: MinAcceptDeadline - 1}), "deadline_seconds"},
			{"ok: the minimum deadline", ValidateAccept(&AcceptPolicy{Mode: AcceptManual, DeadlineSeconds: MinAcceptDeadline}), ""},
			{"prep of 0", ValidatePrep(0), "prep_minutes"},
			{"prep of a day and a minute", ValidatePrep(MaxPrepMinutes + 1), "prep_minutes"},
			{"a deadline over a day", ValidateAccept(&AcceptPolicy{Mode: AcceptManual, DeadlineSeconds: MaxAcceptDeadline + 1}), "deadline_seconds"},
			{"scheduled in the past", ValidateSchedule(now.Add(-time.Second), now), "scheduled_for"},
			{"scheduled over a week ahead", ValidateSchedule(now.Add(MaxScheduleAhead+time.Minute), now), "scheduled_for"},
			{"ok: scheduled now (the platform seed's example)", ValidateSchedule(now, now), ""},
			{"ok: scheduled in a week", ValidateSchedule(now.Add(MaxScheduleAhead), now), ""},
			{"a location's prep", (&Location{BrandID: 1, Code: "A", Name: "a", Timezone: "UTC", PrepMinutes: -3}).Validate(), "prep_minutes"},
			{"a location's accept mode", (&Location{BrandID: 1, Code: "A", Name: "a", Timezone: "UTC", Accept: AcceptPolicy{Mode: "x"}}).Validate(), "accept.mode"},
			{"ok: a location with defaults", (&Location{BrandID: 1, Code: "A", Name: "a", Timezone: "UTC"}).Validate(), ""},
			{"a snooze ending in the past", ValidateSnooze(&Snooze{Until: at(-time.Second)}, now), "until"},
			{"a snooze over a year", ValidateSnooze(&Snooze{Until: at(MaxControlAhead + time.Second)}, now), "until"},
			{"a pause over a year", ValidateStatus(&LocationStatus{Mode: ModePaused, Until: at(MaxControlAhead + time.Second)}, now), "until"},
			{"ok: a snooze of a year", ValidateSnooze(&Snooze{Until: at(MaxControlAhead)}, now), ""},
			{"ok: busy", ValidateStatus(&LocationStatus{Mode: ModeBusy, ExtraPrepMinutes: 10, Until: at(time.Hour)}, now), ""},
			{"ok: auto", ValidateAccept(&AcceptPolicy{Mode: AcceptAuto}), ""},
		} {
			e := AsError(c.err)
			if c.field == "" {
				if c.err != nil {
					t.Errorf("%s: %v", c.name, c.err)
				}
				continue
			}
			if e == nil || e.Code != CodeInvalid || e.Field != c.field {
				t.Errorf("%s: %v, want invalid %s", c.name, c.err, c.field)
			}
		}
	})
}

func TestAcceptance(t *testing.T) {
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	for _, c := range []struct {
		name      string
		loc       Location
		scheduled *time.Time
		mode      AcceptMode
		from      time.Time
		by        *time.Time // nil: no deadline
		ready     time.Time
		auto      bool // confirmed by the system as it is taken
	}{
		{name: "defaults: manual, 600 s, 15 min",
			mode: AcceptManual, from: now, by: at(10 * time.Minute), ready: now.Add(15 * time.Minute)},
		{name: "own deadline and prep", loc: Location{PrepMinutes: 20, Accept: AcceptPolicy{Mode: AcceptManual, DeadlineSeconds: 90}},
			mode: AcceptManual, from: now, by: at(90 * time.Second), ready: now.Add(20 * time.Minute)},
		{name: "auto: no deadline, confirmed at once", loc: Location{Accept: AcceptPolicy{Mode: AcceptAuto}},
			mode: AcceptAuto, from: now, ready: now.Add(15 * time.Minute), auto: true},
		{name: "busy: extra minutes", loc: Location{Status: LocationStatus{Mode: ModeBusy, ExtraPrepMinutes: 25}},
			mode: AcceptManual, from: now, by: at(10 * time.Minute), ready: now.Add(40 * time.Minute)},
		{name: "paused until later does not lengthen", loc: Location{Status: LocationStatus{Mode: ModePaused, Until: at(time.Hour)}},
			mode: AcceptManual, from: now, by: at(10 * time.Minute), ready: now.Add(15 * time.Minute)},
		{name: "scheduled in 2 h: acceptance starts prep before it", loc: Location{PrepMinutes: 30}, scheduled: at(2 * time.Hour),
			mode: AcceptManual, from: now.Add(90 * time.Minute), by: at(100 * time.Minute), ready: now.Add(2 * time.Hour)},
		{name: "scheduled auto waits for its time", loc: Location{Accept: AcceptPolicy{Mode: AcceptAuto}}, scheduled: at(time.Hour),
			mode: AcceptAuto, from: now.Add(45 * time.Minute), ready: now.Add(time.Hour)},
		{name: "scheduled sooner than prep: at once, ready after prep", loc: Location{PrepMinutes: 30}, scheduled: at(10 * time.Minute),
			mode: AcceptManual, from: now, by: at(10 * time.Minute), ready: now.Add(30 * time.Minute)},
	} {
		l := c.loc
		l.ID, l.Name, l.Timezone = 1, "Gangnam", "Asia/Seoul"
		o := &Order{Status: StatusNew, ScheduledFor: c.scheduled}
		o.SetAcceptance(&l, now)
		if o.AcceptMode != c.mode || !o.AcceptFrom.Equal(c.from) || !o.EstimatedReadyAt.Equal(c.ready) {
			t.Errorf("%s: mode %s from %v ready %v, want %s %v %v", c.name, o.AcceptMode, o.AcceptFrom, o.EstimatedReadyAt, c.mode, c.from, c.ready)
		}
		if (o.AcceptBy == nil) != (c.by == nil) || (c.by != nil && !o.AcceptBy.Equal(*c.by)) {
			t.Errorf("%s: deadline %v, want %v", c.name, o.AcceptBy, c.by)
		}
		if got := o.AutoAccepted(now); got != c.auto {
			t.Errorf("%s: auto-accepted %v, want %v", c.name, got, c.auto)
		}
		// What the loop acts on, and when: the deadline (manual) or the
		// start of acceptance (auto, scheduled); nothing once it moved on.
		want := c.by
		if c.mode == AcceptAuto {
			want = &c.from
		}
		if due := o.DueAt(); (due == nil) != (want == nil) || (due != nil && !due.Equal(*want)) {
			t.Errorf("%s: due %v, want %v", c.name, due, want)
		}
		if got := o.Scheduled(now); got != (c.from.After(now)) {
			t.Errorf("%s: scheduled %v", c.name, got)
		}
		o.Status = StatusConfirmed
		if o.DueAt() != nil {
			t.Errorf("%s: a confirmed order is still due", c.name)
		}
	}
	// Accepted early (the store confirms a scheduled order before its
	// time): never ready before the time it is for.
	l := &Location{ID: 1, Name: "Gangnam", Timezone: "Asia/Seoul"}
	o := &Order{ScheduledFor: at(3 * time.Hour)}
	o.Accepted(l, now)
	if !o.EstimatedReadyAt.Equal(now.Add(3 * time.Hour)) {
		t.Errorf("accepted early: ready %v", o.EstimatedReadyAt)
	}
	o.Accepted(l, now.Add(3*time.Hour))
	if !o.EstimatedReadyAt.Equal(now.Add(3*time.Hour + 15*time.Minute)) {
		t.Errorf("accepted at its time: ready %v", o.EstimatedReadyAt)
	}
}

func TestSnoozedProducts(t *testing.T) {
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	until := now.Add(2 * time.Hour)
	l := &Location{ID: 1, Name: "Gangnam", Timezone: "Asia/Seoul", Snoozes: map[int64]Snooze{
		7: {Since: now}, 8: {Until: &until, Since: now}}}
	p := func(id int64) *Product {
		return &Product{ID: id, Name: I18n{"en": "Bulgogi"}, Launch: Launch{Launched: true}, Displayed: true}
	}
	for _, c := range []struct {
		name      string
		id        int64
		at        time.Time
		snoozed   bool
		available *time.Time
		message   string
	}{
		{name: "until unsnoozed", id: 7, at: now, snoozed: true, message: "Bulgogi is off the menu at Gangnam"},
		{name: "until a time", id: 8, at: now, snoozed: true, available: &until, message: "Bulgogi is off the menu at Gangnam until 14:00"},
		{name: "after its time", id: 8, at: until},
		{name: "not snoozed", id: 9, at: now},
	} {
		err := CheckAvailable(p(c.id), l, c.at, nil)
		if CheckOnSale(p(c.id), l, c.at, nil) != nil {
			t.Errorf("%s: a snoozed product is still on sale (menus list it, sold out)", c.name)
		}
		if !c.snoozed {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		e := AsError(err)
		if e == nil || e.Code != CodeConflict || e.Reason != ReasonNotAvailable || e.Details["snoozed"] != true || e.Message != c.message {
			t.Errorf("%s: %#v", c.name, e)
			continue
		}
		got, _ := e.Details["available_at"].(*time.Time)
		if (got == nil) != (c.available == nil) || (got != nil && !got.Equal(*c.available)) {
			t.Errorf("%s: available_at %v, want %v", c.name, got, c.available)
		}
	}
}

// TestLocationInForce: the location as an operator reads it agrees with the
// rules at that instant.
func TestLocationInForce(t *testing.T) {
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	stored := Location{ID: 1, Name: "Gangnam", Timezone: "Asia/Seoul",
		Status:  LocationStatus{Mode: ModePaused, Until: at(time.Hour), Reason: "meeting"},
		Snoozes: map[int64]Snooze{1: {Until: at(30 * time.Minute)}, 2: {}, 3: {Until: at(-time.Second)}}}
	for _, c := range []struct {
		name    string
		t       time.Time
		mode    LocationMode
		snoozed []int64
	}{
		{"now", now, ModePaused, []int64{1, 2}},
		{"the first snooze ended", now.Add(30 * time.Minute), ModePaused, []int64{2}},
		{"the pause ended", now.Add(time.Hour), ModeOnline, []int64{2}},
	} {
		v := stored.InForce(c.t)
		if v.Status.Mode != c.mode || v.Accept != (AcceptPolicy{Mode: AcceptManual, DeadlineSeconds: DefaultAcceptDeadline}) || v.PrepMinutes != DefaultPrepMinutes {
			t.Errorf("%s: status %+v accept %+v prep %d", c.name, v.Status, v.Accept, v.PrepMinutes)
		}
		if len(v.Snoozes) != len(c.snoozed) {
			t.Errorf("%s: snoozes %v, want %v", c.name, v.Snoozes, c.snoozed)
		}
		for _, id := range c.snoozed {
			if _, ok := v.Snoozes[id]; !ok {
				t.Errorf("%s: product %d not snoozed in %v", c.name, id, v.Snoozes)
			}
		}
	}
	if len(stored.Snoozes) != 3 || stored.Status.Mode != ModePaused {
		t.Fatal("InForce changed the stored location")
	}
}
