package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/internal/demo"
	"orderhub/internal/hub"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/store/postgres"
	"orderhub/internal/store/sqlite"
	"orderhub/internal/testutil"
)

// TestLocationCommand: `orderhub location status|snooze|unsnooze` on the
// demo data, on SQLite (--data) and PostgreSQL (--database-url): the
// happy paths in text and --json, with the events they write; usage
// mistakes exit 2 and refusals 1, each with a message naming what is
// wrong, and neither writes anything.
func TestLocationCommand(t *testing.T) {
	ctx := context.Background()
	type target struct {
		name string
		flag []string
		open func(t *testing.T) store.Store
	}
	dir := t.TempDir()
	targets := []target{{"sqlite", []string{"--data", dir}, func(t *testing.T) store.Store {
		st, err := sqlite.Open(ctx, sqlite.Path(dir))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}}}
	if testutil.PostgresURL(t) != "" {
		u := testutil.PostgresSchema(t)
		targets = append(targets, target{"postgres", []string{"--database-url", u}, func(t *testing.T) store.Store {
			st, err := postgres.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}})
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			// The demo data: location 1 (Gangnam, Asia/Seoul) and P001,
			// P010 (SKU SKU-P010) among its products.
			st := tg.open(t)
			if _, err := demo.Load(ctx, service.New(st, service.WithOutbound(testutil.Outbound), server.Protocols().Option()), "http://x", server.Protocols()); err != nil {
				t.Fatal(err)
			}
			l, err := st.GetLocation(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
			loc := strconv.FormatInt(l.ID, 10)
			cli := func(args ...string) (int, string, string) {
				var out, errb strings.Builder
				code := run(ctx, append(append([]string{"location"}, args...), tg.flag...), &out, &errb)
				return code, out.String(), errb.String()
			}
			// state is what a refused command must leave alone.
			state := func() string {
				st := tg.open(t)
				defer st.Close()
				l, err := st.GetLocation(ctx, 1)
				if err != nil {
					t.Fatal(err)
				}
				evs, err := st.ListEventsByID(ctx, 0, 100000)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := json.Marshal(map[string]any{"status": l.Status, "snoozes": l.Snoozes, "updated": l.UpdatedAt, "events": len(evs)})
				return string(b)
			}
			ok := func(args ...string) string {
				t.Helper()
				code, out, errs := cli(args...)
				if code != 0 || errs != "" {
					t.Fatalf("location %v: exit %d, stderr %q", args, code, errs)
				}
				return out
			}

			// Happy paths.
			if out := ok("status", loc); out != "Gangnam (location 1): online\n" {
				t.Fatalf("status: %q", out)
			}
			var s hub.LocationStatus
			if err := json.Unmarshal([]byte(ok("status", loc, "--output", "json")), &s); err != nil || s.Mode != hub.ModeOnline || s.Until != nil {
				t.Fatalf("status --json: %+v %v", s, err)
			}
			if out := ok("status", loc, "--set", "busy", "--extra-minutes", "10", "--reason", "lunch rush"); out != "Gangnam (location 1): busy, +10 min (lunch rush)\n" {
				t.Fatalf("status --set busy: %q", out)
			}
			before := time.Now()
			if err := json.Unmarshal([]byte(ok("status", loc, "--set", "paused", "--until", "90m", "--output", "json")), &s); err != nil ||
				s.Mode != hub.ModePaused || s.Until == nil || s.Until.Before(before.Add(89*time.Minute)) || s.Until.After(time.Now().Add(91*time.Minute)) {
				t.Fatalf("status --set paused --until 90m --json: %+v %v", s, err)
			}
			// An end months ahead, as the operator types it (within the
			// 366 days a control may run).
			later := time.Now().In(time.FixedZone("KST", 9*3600)).AddDate(0, 6, 0).Truncate(time.Hour).Format(time.RFC3339)
			if out := ok("status", loc, "--set", "paused", "--until", later, "--reason", "renovation"); out != "Gangnam (location 1): paused until "+later+" (renovation)\n" {
				t.Fatalf("status --set paused --until T: %q", out)
			}
			if out := ok("status", loc, "--set", "online"); out != "Gangnam (location 1): online\n" {
				t.Fatalf("status --set online: %q", out)
			}
			out := ok("snooze", loc, "P001", "SKU-P010", "--until", later, "--reason", "out of beef")
			if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "PRODUCT") ||
				!strings.Contains(lines[1], "P001") || !strings.Contains(lines[1], "Bulgogi rice bowl") || !strings.Contains(lines[1], later) ||
				!strings.Contains(lines[1], "out of beef") || !strings.Contains(lines[2], "P010") {
				t.Fatalf("snooze: %q", out)
			}
			var list struct {
				LocationID int64 `json:"location_id"`
				Data       []struct {
					ProductID int64      `json:"product_id"`
					Ref       string     `json:"ref_id"`
					Until     *time.Time `json:"until"`
				} `json:"data"`
			}
			if err := json.Unmarshal([]byte(ok("unsnooze", loc, "P001", "--output", "json")), &list); err != nil || list.LocationID != l.ID ||
				len(list.Data) != 1 || list.Data[0].Ref != "P010" || list.Data[0].Until == nil {
				t.Fatalf("unsnooze --json: %+v %v", list, err)
			}
			if out := ok("snooze", loc, "P001"); !strings.Contains(out, "unsnoozed") {
				t.Fatalf("snooze without until: %q", out)
			}
			if out := ok("unsnooze", loc, "P001", "P010"); out != "Gangnam (location 1): nothing snoozed\n" {
				t.Fatalf("unsnooze all: %q", out)
			}
			// Their events, as the store's other doors write them.
			st = tg.open(t)
			evs, err := st.ListEventsByID(ctx, 0, 100000)
			st.Close()
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, e := range evs {
				switch e.Type {
				case hub.EventLocationStatusChanged, hub.EventProductSnoozed, hub.EventProductUnsnoozed:
					var p struct {
						Data struct {
							Actor string `json:"actor"`
						} `json:"data"`
					}
					if json.Unmarshal(e.Payload, &p) != nil || p.Data.Actor != "cli" {
						t.Errorf("%s by %q, want cli", e.Type, p.Data.Actor)
					}
					kinds = append(kinds, string(e.Type))
				}
			}
			want := "location.status_changed location.status_changed location.status_changed location.status_changed " +
				"product.snoozed product.unsnoozed product.snoozed product.unsnoozed"
			if strings.Join(kinds, " ") != want {
				t.Fatalf("events %v, want %s", kinds, want)
			}

			// Mistakes and refusals.
			unchanged := state()
			for _, c := range []struct {
				args []string
				code int
				msg  string
			}{
				{nil, 2, "Usage:"},
				{[]string{"close"}, 2, "Usage:"},
				{[]string{"status"}, 2, "Usage:"},
				{[]string{"status", "abc"}, 2, `"abc" is not a location id`},
				{[]string{"status", "0"}, 2, `"0" is not a location id`},
				{[]string{"status", loc, "extra"}, 2, `unexpected argument "extra"`},
				{[]string{"status", loc, "--until", "1h"}, 2, "go with --set"},
				{[]string{"status", loc, "--set", "busy", "--extra-minutes", "ten"}, 2, "invalid value"},
				{[]string{"snooze", loc}, 2, "name at least one product"},
				{[]string{"snooze", loc, "P001", "--until", "tomorrow"}, 2, "neither an RFC 3339 time nor a duration"},
				{[]string{"unsnooze", loc, "P001", "--until", "1h"}, 2, "flag provided but not defined: -until"},
				{[]string{"status", loc, "--set", "closed"}, 1, "mode: must be online, busy or paused"},
				{[]string{"status", loc, "--set", "busy", "--extra-minutes", "-5"}, 1, "extra_prep_minutes: must be between 0 and 1440"},
				{[]string{"status", loc, "--set", "paused", "--extra-minutes", "5"}, 1, "extra_prep_minutes: applies to mode busy only"},
				{[]string{"status", loc, "--set", "paused", "--until", "2001-01-01T00:00:00Z"}, 1, "until: must be in the future"},
				{[]string{"status", loc, "--set", "online", "--until", "1h"}, 1, "until: online has no end"},
				{[]string{"snooze", loc, "P001", "--until", "-1h"}, 1, "until: must be in the future"},
				{[]string{"snooze", loc, "P001", "NOPE", "--output", "json"}, 1, `products[1]: product "NOPE" not found`},
				{[]string{"unsnooze", loc, "NOPE"}, 1, `products[0]: product "NOPE" not found`},
				{[]string{"status", "999", "--set", "paused"}, 1, "location 999 not found"},
			} {
				code, out, errs := cli(c.args...)
				if code != c.code || out != "" || !strings.Contains(errs, c.msg) {
					t.Errorf("location %v: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, out, errs, c.code, c.msg)
				}
				if c.code == 1 && strings.Count(strings.TrimSpace(errs), "\n") != 0 {
					t.Errorf("location %v: a refusal is one line, got %q", c.args, errs)
				}
			}
			if after := state(); after != unchanged {
				t.Fatalf("refused commands wrote:\n%s\n%s", unchanged, after)
			}
		})
	}
}
