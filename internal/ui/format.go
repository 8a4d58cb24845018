package ui

import (
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
)

// currencySigns are how the dashboard writes the currencies it knows: a
// sign before the amount, or (after) one written after it, as the
// currency's own country does. Others are written "13,500 XYZ".
var currencySigns = map[string]struct {
	sign  string
	after bool
}{
	"KRW": {"₩", false}, "USD": {"$", false}, "EUR": {"€", false}, "GBP": {"£", false},
	"JPY": {"¥", false}, "CNY": {"¥", false}, "VND": {"₫", true}, "THB": {"฿", false},
	"SGD": {"S$", false}, "AUD": {"A$", false}, "CAD": {"C$", false}, "INR": {"₹", false},
}

// money formats minor units in the currency, exactly (hub.FormatAmount)
// with thousands grouped: ₩13,500, $12.50, -₩500, 120,000 ₫.
func money(v int64, currency string) string {
	s := hub.FormatAmount(v, currency)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	num := b.String()
	if hasFrac {
		num += "." + frac
	}
	sign := ""
	if neg {
		sign = "-"
	}
	cs, ok := currencySigns[strings.ToUpper(currency)]
	switch {
	case !ok:
		return sign + num + " " + currency
	case cs.after:
		return sign + num + " " + cs.sign
	}
	return sign + cs.sign + num
}

// clock is a time as the counter reads it, in the location's zone: 14:05
// today, "Mon 14:05" within the week, else "2 Dec 14:05".
func clock(t, now time.Time, z *time.Location) string {
	lt, ln := t.In(z), now.In(z)
	y1, m1, d1 := lt.Date()
	y2, m2, d2 := ln.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return lt.Format("15:04")
	case lt.After(ln.AddDate(0, 0, -6)) && lt.Before(ln.AddDate(0, 0, 6)):
		return lt.Format("Mon 15:04")
	}
	return lt.Format("2 Jan 15:04")
}

// ago is how long ago t was: "just now", "7 min ago", "2 h 5 min ago",
// "3 d ago"; a future t is "in 7 min".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch m := int(d / time.Minute); {
	case m < 1:
		return "just now"
	case m < 60:
		s = strconv.Itoa(m) + " min"
	case m < 24*60:
		s = strconv.Itoa(m/60) + " h"
		if m%60 != 0 {
			s += " " + strconv.Itoa(m%60) + " min"
		}
	default:
		s = strconv.Itoa(m/(24*60)) + " d"
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// sameDay reports whether t falls on now's date in zone z.
func sameDay(t, now time.Time, z *time.Location) bool {
	y1, m1, d1 := t.In(z).Date()
	y2, m2, d2 := now.In(z).Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

// endOfDay is the next midnight in z after now: "until close" for a
// snooze (the locations have no opening hours; the business day ends at
// midnight).
func endOfDay(now time.Time, z *time.Location) time.Time {
	y, m, d := now.In(z).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, z)
}

// urgency is a card's colour against its deadline: "" while less than
// half the time from start to deadline has passed, "warn" after, "late"
// from 80 % (and past the deadline).
func urgency(start time.Time, deadline *time.Time, now time.Time) string {
	if deadline == nil || !deadline.After(start) {
		return ""
	}
	total, gone := deadline.Sub(start), now.Sub(start)
	switch {
	case gone*5 >= total*4:
		return "late"
	case gone*2 >= total:
		return "warn"
	}
	return ""
}
