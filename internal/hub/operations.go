package hub

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Store operations (DESIGN.md §9): the controls a store runs its day with,
// as rules every door obeys. A location carries them (its document), so
// they reach every node through the configuration version, and each is
// judged at the instant: a snooze or a pause with an end needs no sweep to
// end.

// LocationMode is what a location does with new orders.
type LocationMode string

const (
	// ModeOnline takes orders.
	ModeOnline LocationMode = "online"
	// ModeBusy takes orders and promises them later (ExtraPrepMinutes).
	ModeBusy LocationMode = "busy"
	// ModePaused refuses new orders at every door; orders taken go on.
	ModePaused LocationMode = "paused"
)

// Bounds of the store controls.
const (
	DefaultPrepMinutes    = 15
	MaxPrepMinutes        = 24 * 60
	DefaultAcceptDeadline = 600 // seconds
	MaxAcceptDeadline     = 24 * 60 * 60
	// MinAcceptDeadline is the shortest manual acceptance deadline: under
	// half a minute nobody at a counter can accept, so every order would
	// be cancelled unseen.
	MinAcceptDeadline = 30
	MaxReasonLength   = 200
)

// LocationStatus is a location's mode, until when (nil: until changed),
// and why.
type LocationStatus struct {
	Mode             LocationMode `json:"mode"`
	ExtraPrepMinutes int          `json:"extra_prep_minutes"`
	Until            *time.Time   `json:"until"`
	Reason           string       `json:"reason,omitempty"`
	Since            *time.Time   `json:"since,omitempty"`
}

// AcceptMode says who accepts a new order.
type AcceptMode string

const (
	// AcceptManual: the store confirms; an order still NEW after the
	// deadline is cancelled by the system (reason not_accepted).
	AcceptManual AcceptMode = "manual"
	// AcceptAuto: the system confirms a new order at once.
	AcceptAuto AcceptMode = "auto"
)

// AcceptPolicy is how a location accepts orders.
type AcceptPolicy struct {
	Mode            AcceptMode `json:"mode"`
	DeadlineSeconds int        `json:"deadline_seconds"`
}

// Snooze takes a product off a location's menu ("86 it") until Until (nil:
// until unsnoozed).
type Snooze struct {
	Until  *time.Time `json:"until"`
	Reason string     `json:"reason,omitempty"`
	Since  time.Time  `json:"since"`
}

// Reasons of the store controls' refusals.
const (
	ReasonLocationPaused Reason = "location_paused"
	ReasonNotAccepted    Reason = "not_accepted" // the cancel reason of a deadline passed
)

// StatusAt is the location's status at t: online when none was set or
// once its Until has passed.
func (l *Location) StatusAt(t time.Time) LocationStatus {
	s := l.Status
	if s.Mode == "" || (s.Until != nil && !t.Before(*s.Until)) {
		return LocationStatus{Mode: ModeOnline}
	}
	return s
}

// Prep is the location's preparation time.
func (l *Location) Prep() time.Duration {
	if l.PrepMinutes <= 0 {
		return DefaultPrepMinutes * time.Minute
	}
	return time.Duration(l.PrepMinutes) * time.Minute
}

// AcceptPolicyOf is the location's acceptance policy with its defaults
// (manual, 600 s).
func (l *Location) AcceptPolicyOf() AcceptPolicy {
	p := l.Accept
	if p.Mode == "" {
		p.Mode = AcceptManual
	}
	if p.DeadlineSeconds <= 0 {
		p.DeadlineSeconds = DefaultAcceptDeadline
	}
	return p
}

// InForce is the location as its controls stand at t, the way an operator
// reads it: the status in force (online once a pause or busy spell has
// ended), the acceptance policy and preparation time with their defaults,
// and only the snoozes still running. The stored document keeps what was
// set; every rule reads it through StatusAt, AcceptPolicyOf, Prep and
// SnoozeAt, so this view and the rules agree.
func (l Location) InForce(t time.Time) Location {
	l.Status = l.StatusAt(t)
	l.Accept = l.AcceptPolicyOf()
	l.PrepMinutes = int(l.Prep() / time.Minute)
	if len(l.Snoozes) > 0 {
		running := make(map[int64]Snooze, len(l.Snoozes))
		for id := range l.Snoozes {
			if s, ok := l.SnoozeAt(id, t); ok {
				running[id] = s
			}
		}
		l.Snoozes = running
	}
	return l
}

// SnoozeAt reports whether a product is snoozed at the location at t.
func (l *Location) SnoozeAt(productID int64, t time.Time) (Snooze, bool) {
	s, ok := l.Snoozes[productID]
	if !ok || (s.Until != nil && !t.Before(*s.Until)) {
		return Snooze{}, false
	}
	return s, true
}

// clockUntil says when a control asked at now ends, in the location's
// time: the time of day when it ends that day, with the date otherwise
// ("until 13:30", "until 2026-12-24 09:00").
func (l *Location) clockUntil(until, now time.Time) string {
	z := l.Zone()
	u := until.In(z)
	if u.Format(time.DateOnly) == now.In(z).Format(time.DateOnly) {
		return u.Format("15:04")
	}
	return u.Format("2006-01-02 15:04")
}

// CheckOpen refuses a new order at a location paused at t.
func CheckOpen(l *Location, t time.Time) error {
	s := l.StatusAt(t)
	if s.Mode != ModePaused {
		return nil
	}
	msg := l.Name + " is paused and takes no orders"
	if s.Until != nil {
		msg += " until " + l.clockUntil(*s.Until, t)
	}
	if s.Reason != "" {
		msg += ": " + s.Reason
	}
	return Conflict(ReasonLocationPaused, "%s", msg).WithField("location_id")
}

// EstimatedReady is when an order accepted at at should be ready: the
// location's preparation time, longer by the extra minutes of a busy
// location.
func EstimatedReady(l *Location, at time.Time) time.Time {
	d := l.Prep()
	if s := l.StatusAt(at); s.Mode == ModeBusy {
		d += time.Duration(s.ExtraPrepMinutes) * time.Minute
	}
	return at.Add(d)
}

// AcceptanceStart is when acceptance of an order starts: at once, or for a
// scheduled order its time less the preparation time (never before it was
// taken).
func AcceptanceStart(l *Location, createdAt time.Time, scheduledFor *time.Time) time.Time {
	if scheduledFor == nil {
		return createdAt
	}
	if start := scheduledFor.Add(-l.Prep()); start.After(createdAt) {
		return start
	}
	return createdAt
}

// ValidateStatus checks a status a store asks for at now.
func ValidateStatus(s *LocationStatus, now time.Time) error {
	switch s.Mode {
	case ModeOnline, ModeBusy, ModePaused:
	default:
		return Invalid("mode", "must be online, busy or paused")
	}
	if s.ExtraPrepMinutes < 0 || s.ExtraPrepMinutes > MaxPrepMinutes {
		return Invalid("extra_prep_minutes", "must be between 0 and %d", MaxPrepMinutes)
	}
	if s.Mode != ModeBusy && s.ExtraPrepMinutes != 0 {
		return Invalid("extra_prep_minutes", "applies to mode busy only")
	}
	if err := checkUntil(&s.Until, now); err != nil {
		return err
	}
	if s.Mode == ModeOnline && s.Until != nil {
		return Invalid("until", "online has no end")
	}
	return CheckReason(&s.Reason)
}

// ValidateAccept checks an acceptance policy.
func ValidateAccept(p *AcceptPolicy) error {
	switch p.Mode {
	case AcceptManual, AcceptAuto:
	default:
		return Invalid("mode", "must be manual or auto")
	}
	if p.DeadlineSeconds != 0 && (p.DeadlineSeconds < MinAcceptDeadline || p.DeadlineSeconds > MaxAcceptDeadline) {
		return Invalid("deadline_seconds", "must be between %d and %d (0: the default, %d)", MinAcceptDeadline, MaxAcceptDeadline, DefaultAcceptDeadline)
	}
	if p.DeadlineSeconds == 0 {
		p.DeadlineSeconds = DefaultAcceptDeadline
	}
	return nil
}

// ValidatePrep checks a preparation time in minutes.
func ValidatePrep(minutes int) error {
	if minutes < 1 || minutes > MaxPrepMinutes {
		return Invalid("prep_minutes", "must be between 1 and %d", MaxPrepMinutes)
	}
	return nil
}

// MaxControlAhead bounds the until of a snooze or a location status: a
// year is longer than any real pause, and shorter than a typo's 9999.
const MaxControlAhead = 366 * 24 * time.Hour

// checkUntil checks the end of a control asked for at now, and keeps it in
// UTC as every stored time is.
func checkUntil(until **time.Time, now time.Time) error {
	u := *until
	if u == nil {
		return nil
	}
	if !u.After(now) {
		return Invalid("until", "must be in the future")
	}
	if u.Sub(now) > MaxControlAhead {
		return Invalid("until", "must be at most %d days ahead", int(MaxControlAhead/(24*time.Hour)))
	}
	utc := u.UTC()
	*until = &utc
	return nil
}

// ValidateSnooze checks a snooze asked for at now.
func ValidateSnooze(s *Snooze, now time.Time) error {
	if err := checkUntil(&s.Until, now); err != nil {
		return err
	}
	return CheckReason(&s.Reason)
}

// CheckReason trims a reason a person gave (a pause, a snooze, a cancel)
// and bounds it.
func CheckReason(r *string) error {
	*r = strings.TrimSpace(*r)
	if !utf8.ValidString(*r) || len(*r) > MaxReasonLength {
		return Invalid("reason", "must be valid UTF-8 of at most %d bytes", MaxReasonLength)
	}
	return nil
}

// MaxScheduleAhead bounds how far ahead an order may be scheduled.
const MaxScheduleAhead = 7 * 24 * time.Hour

// ValidateSchedule checks the time a scheduled order is for, asked at now:
// not in the past (now itself is an order for now that says so, as the
// platform seed's example does) and at most MaxScheduleAhead ahead.
func ValidateSchedule(at time.Time, now time.Time) error {
	if at.Before(now) {
		return Invalid("scheduled_for", "must not be in the past")
	}
	if at.Sub(now) > MaxScheduleAhead {
		return Invalid("scheduled_for", "must be at most %d days ahead", int(MaxScheduleAhead/(24*time.Hour)))
	}
	return nil
}

// SetAcceptance fixes an order's acceptance when it is taken at now at l:
// the location's mode, when acceptance starts (now, or prep time before a
// scheduled order's time), the deadline of manual acceptance counted from
// that start, and the estimate (the start plus the prep time, busy extra
// included; a scheduled order's own time when later). Settings changed
// afterwards do not move them: the store and the channel were told these.
func (o *Order) SetAcceptance(l *Location, now time.Time) {
	p := l.AcceptPolicyOf()
	start := AcceptanceStart(l, now, o.ScheduledFor)
	o.AcceptMode, o.AcceptFrom, o.AcceptBy = p.Mode, &start, nil
	o.Accepted(l, start)
	if p.Mode == AcceptManual {
		by := start.Add(time.Duration(p.DeadlineSeconds) * time.Second)
		o.AcceptBy = &by
	}
}

// AutoAccepted reports whether the system confirms the order when its
// acceptance starts at t (auto acceptance, not waiting for its time).
func (o *Order) AutoAccepted(t time.Time) bool {
	return o.Status == StatusNew && o.AcceptMode == AcceptAuto && !o.Scheduled(t)
}

// Accepted sets the estimate of an order accepted at at: at plus the
// location's prep time (busy extra included), or the order's scheduled
// time when that is later.
func (o *Order) Accepted(l *Location, at time.Time) {
	ready := EstimatedReady(l, at)
	if o.ScheduledFor != nil && o.ScheduledFor.After(ready) {
		ready = *o.ScheduledFor
	}
	o.EstimatedReadyAt = &ready
}
