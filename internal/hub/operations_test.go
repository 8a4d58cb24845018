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
			{"prep of 0", ValidatePrep(0), "prep_minutes"},
			{"a snooze ending in the past", ValidateSnooze(&Snooze{Until: at(-time.Second)}, now), "until"},
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
