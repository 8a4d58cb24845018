package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
)

func locationUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  orderhub location status <location id>                       show the status in force now
  orderhub location status <location id> --set online|busy|paused [--extra-minutes N] [--until T] [--reason TEXT]
  orderhub location snooze <location id> <product>... [--until T] [--reason TEXT]
  orderhub location unsnooze <location id> <product>...

The store controls of DESIGN.md §9, as /hub/v1/locations/{id}/status and
/snooze do them (the same rules, the same events). A product is a hub id,
ref id or SKU of the location's brand. T is an RFC 3339 time
(2026-12-01T21:00:00+09:00) or a duration from now (90m, 2h). snooze and
unsnooze print the snoozes in force afterwards. --output json prints JSON.
Storage flags (--data, --database-url) as for migrate; a running server
obeys within a second.
`)
}

// location is `orderhub location status|snooze|unsnooze`.
func location(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	sc := newSubcommand("location", args, []string{"status", "snooze", "unsnooze"}, locationUsage, stderr)
	if sc == nil {
		return 2
	}
	cmd, fs, fail := args[0], sc.fs, sc.fail
	var set, until, reason string
	var extra int
	sc.listing()
	if cmd != "unsnooze" {
		fs.StringVar(&until, "until", "", "end: an RFC 3339 time or a duration from now (default: until changed)")
		fs.StringVar(&reason, "reason", "", "why (shown to the store)")
	}
	if cmd == "status" {
		fs.StringVar(&set, "set", "", "online, busy or paused (default: show the status)")
		fs.IntVar(&extra, "extra-minutes", 0, "busy: minutes added to estimates")
	}
	pos, ok := sc.parse(args[1:])
	if !ok {
		return 2
	}
	output := sc.output
	if len(pos) == 0 {
		locationUsage(stderr)
		return 2
	}
	locID, ok := idArg(pos[0])
	if !ok {
		return fail(2, "%q is not a location id", pos[0])
	}
	products := pos[1:]
	switch {
	case cmd == "status" && len(products) > 0:
		return fail(2, "unexpected argument %q", products[0])
	case cmd != "status" && len(products) == 0:
		return fail(2, "name at least one product")
	case cmd == "status" && set == "" && (until != "" || reason != "" || extra != 0):
		return fail(2, "--until, --reason and --extra-minutes go with --set")
	}
	now := time.Now()
	end, err := parseUntil(until, now)
	if err != nil {
		return fail(2, "%v", err)
	}

	st, ok := sc.open(ctx)
	if !ok {
		return 1
	}
	defer st.Close()
	svc := service.New(st)
	l, err := st.GetLocation(ctx, locID)
	if service.ErrNotFound(err) {
		return fail(1, "location %d not found", locID)
	}
	if err != nil {
		return fail(1, "%v", err)
	}
	const actor = "cli"
	switch cmd {
	case "status":
		if set != "" {
			l, err = svc.SetLocationStatus(ctx, service.StatusInput{BrandID: l.BrandID, LocationID: l.ID, Actor: actor,
				Status: hub.LocationStatus{Mode: hub.LocationMode(set), ExtraPrepMinutes: extra, Until: end, Reason: reason}})
			if err != nil {
				return fail(1, "%v", err)
			}
		}
		s := l.StatusAt(time.Now())
		if output == "json" {
			emit(stdout, output, s, nil)
			return 0
		}
		printStatus(stdout, l, s)
	case "snooze", "unsnooze":
		in := service.SnoozeInput{BrandID: l.BrandID, LocationID: l.ID, Products: products, Until: end, Reason: reason, Actor: actor}
		var res *service.SnoozeResult
		if cmd == "snooze" {
			res, err = svc.Snooze(ctx, in)
		} else {
			res, err = svc.Unsnooze(ctx, in)
		}
		if err != nil {
			return fail(1, "%v", err)
		}
		if err := printSnoozes(ctx, stdout, svc, res.Location, output); err != nil {
			return fail(1, "%v", err)
		}
	}
	return 0
}

// parseUntil reads --until: empty (no end), an RFC 3339 time, or a
// duration from now.
func parseUntil(v string, now time.Time) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	d, err := time.ParseDuration(strings.TrimPrefix(v, "+"))
	if err != nil {
		return nil, fmt.Errorf("--until %q is neither an RFC 3339 time nor a duration such as 90m", v)
	}
	t := now.Add(d)
	return &t, nil
}

func printStatus(w io.Writer, l *hub.Location, s hub.LocationStatus) {
	fmt.Fprintf(w, "%s (location %d): %s", l.Name, l.ID, s.Mode)
	if s.Mode == hub.ModeBusy {
		fmt.Fprintf(w, ", +%d min", s.ExtraPrepMinutes)
	}
	if s.Until != nil {
		fmt.Fprintf(w, " until %s", s.Until.In(l.Zone()).Format(time.RFC3339))
	}
	if s.Reason != "" {
		fmt.Fprintf(w, " (%s)", s.Reason)
	}
	fmt.Fprintln(w)
}

// printSnoozes prints the location's snoozes in force (JSON: the shape
// /hub/v1 answers).
func printSnoozes(ctx context.Context, w io.Writer, svc *service.Service, l *hub.Location, format string) error {
	rows, err := svc.SnoozedProducts(ctx, l)
	if err != nil {
		return err
	}
	t := &table{header: []string{"PRODUCT", "REF", "NAME", "UNTIL", "REASON"},
		empty: fmt.Sprintf("%s (location %d): nothing snoozed", l.Name, l.ID)}
	for _, r := range rows {
		until := "unsnoozed"
		if r.Until != nil {
			until = r.Until.In(l.Zone()).Format(time.RFC3339)
		}
		t.add(strconv.FormatInt(r.ProductID, 10), r.RefID, r.Name, until, r.Reason)
	}
	return emit(w, format, map[string]any{"location_id": l.ID, "data": rows}, t)
}
