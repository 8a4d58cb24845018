package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

func ordersUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  orderhub orders list [--brand N] [--status S] [--channel C] [--location N] [--limit 50] [--output table|json]
  orderhub orders show <number | channel id | hub id> [--brand N] [--output table|json]

list shows the newest orders first; show one order with its lines and its
history. --brand may be left out on an install with one brand.
Storage flags (--data, --database-url) as for migrate.
`)
}

// maxListLimit is the most orders one list shows: the API's page (?limit=
// at most 500), so that the command line and the API agree.
const maxListLimit = 500

// knownChannel reports whether c is a channel orders come through (a
// registered protocol or hub), with the known ones for the refusal.
func knownChannel(c hub.Channel) (names []string, ok bool) {
	for _, p := range server.Protocols() {
		names = append(names, string(p.Channel))
		ok = ok || p.Channel == c
	}
	return append(names, string(hub.ChannelHub)), ok || c == hub.ChannelHub
}

// orders is `orderhub orders list|show`.
func orders(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	sc := newSubcommand("orders", args, []string{"list", "show"}, ordersUsage, stderr)
	if sc == nil {
		return 2
	}
	cmd, fs, fail := args[0], sc.fs, sc.fail
	var brand, location int64
	var status, channel string
	limit := 50
	fs.Int64Var(&brand, "brand", 0, "brand id (default: the only brand)")
	sc.listing()
	if cmd == "list" {
		fs.StringVar(&status, "status", "", "new, confirmed, preparing, ready, completed or cancelled")
		fs.StringVar(&channel, "channel", "", "the channel (kakao, omni, junglebook, zeek, tableorder, hub)")
		fs.Int64Var(&location, "location", 0, "location id")
		fs.IntVar(&limit, "limit", 50, "how many, newest first (at most 500)")
	}
	pos, ok := sc.parse(args[1:])
	if !ok {
		return 2
	}
	output := sc.output
	f := store.OrderFilter{LocationID: location, Channel: hub.Channel(channel), Limit: limit}
	switch {
	case cmd == "list" && len(pos) > 0:
		return fail(2, "unexpected argument %q", pos[0])
	case cmd == "show" && len(pos) != 1:
		ordersUsage(stderr)
		return 2
	case limit < 1 || limit > maxListLimit:
		return fail(2, "--limit must be between 1 and %d", maxListLimit)
	}
	if channel != "" {
		if names, ok := knownChannel(hub.Channel(channel)); !ok {
			return fail(2, "--channel must be one of %s", strings.Join(names, ", "))
		}
	}
	if status != "" {
		st, ok := hub.ParseStatus(status)
		if !ok {
			return fail(2, "--status must be new, confirmed, preparing, ready, completed or cancelled")
		}
		f.Status = st
	}
	st, ok := sc.open(ctx)
	if !ok {
		return 1
	}
	defer st.Close()
	var err error
	if f.BrandID, err = brandOf(ctx, st, brand); err != nil {
		return fail(1, "%v", err)
	}
	if cmd == "list" {
		os, err := st.ListOrders(ctx, f)
		if err != nil {
			return fail(1, "%v", err)
		}
		t := &table{header: []string{"ID", "NUMBER", "CHANNEL", "REF", "LOCATION", "STATUS", "PAYMENT", "TOTAL", "CREATED"}, empty: "(no orders)"}
		for _, o := range os {
			t.add(strconv.FormatInt(o.ID, 10), o.Number, string(o.Channel), o.ExternalRef, strconv.FormatInt(o.LocationID, 10),
				o.Status.String(), o.PaymentStatus.String(), hub.FormatAmount(o.Fees.Total, o.Currency)+" "+o.Currency,
				o.CreatedAt.Format(time.RFC3339))
		}
		if os == nil {
			os = []hub.Order{}
		}
		emit(stdout, output, os, t)
		return 0
	}
	svc := service.New(st)
	o, err := svc.FindOrder(ctx, service.OrderScope{BrandID: f.BrandID}, pos[0])
	if err != nil {
		return fail(1, "%s", describe(err))
	}
	hist, err := st.OrderHistory(ctx, o.ID)
	if err != nil {
		return fail(1, "%v", err)
	}
	if output == "json" {
		emit(stdout, output, map[string]any{"order": o, "history": hist}, nil)
		return 0
	}
	printOrder(stdout, o, hist)
	return 0
}

func printOrder(w io.Writer, o *hub.Order, hist []hub.OrderEvent) {
	money := func(v int64) string { return hub.FormatAmount(v, o.Currency) + " " + o.Currency }
	fmt.Fprintf(w, "order %s (id %d), %s via %s", o.Number, o.ID, o.Status, o.Channel)
	if o.ExternalRef != "" {
		fmt.Fprintf(w, " %s", o.ExternalRef)
	}
	fmt.Fprintf(w, ", location %d, %s, payment %s\n", o.LocationID, o.Type, o.PaymentStatus)
	if o.Table != "" {
		fmt.Fprintf(w, "table %s\n", o.Table)
	}
	if o.ScheduledFor != nil {
		fmt.Fprintf(w, "scheduled for %s\n", o.ScheduledFor.Format(time.RFC3339))
	}
	if o.EstimatedReadyAt != nil {
		fmt.Fprintf(w, "ready by %s\n", o.EstimatedReadyAt.Format(time.RFC3339))
	}
	if o.CancelReason != "" {
		fmt.Fprintf(w, "cancelled: %s\n", o.CancelReason)
	}
	t := &table{header: []string{"QTY", "ITEM", "UNIT", "TOTAL"}}
	for _, l := range o.Lines {
		t.add(strconv.Itoa(l.Quantity), l.Name, money(l.UnitPrice), money(l.TotalPrice))
		for _, m := range l.Modifiers {
			name := "  + " + m.Name
			if m.Removed {
				name = "  - " + m.Name
			}
			t.add("", name, "", "")
		}
	}
	emit(w, "table", nil, t)
	fmt.Fprintf(w, "subtotal %s, tax %s, total %s\n", money(o.Fees.Subtotal), money(o.Fees.Tax), money(o.Fees.Total))
	if o.Notes != "" {
		fmt.Fprintf(w, "notes: %s\n", o.Notes)
	}
	h := &table{header: []string{"WHEN", "ACTION", "FROM", "TO", "BY", "NOTE"}}
	for _, e := range hist {
		h.add(e.CreatedAt.Format(time.RFC3339), e.Action, e.FromStatus.String(), e.ToStatus.String(), e.Actor, strings.TrimSpace(e.Note))
	}
	emit(w, "table", nil, h)
}
