package ui

import (
	"testing"
	"time"
)

func TestMoney(t *testing.T) {
	for _, c := range []struct {
		v        int64
		currency string
		want     string
	}{
		{13500, "KRW", "₩13,500"}, {0, "KRW", "₩0"}, {999, "KRW", "₩999"}, {1000, "KRW", "₩1,000"}, {-500, "KRW", "-₩500"},
		{1234567, "KRW", "₩1,234,567"}, {1250, "USD", "$12.50"}, {123456789, "USD", "$1,234,567.89"}, {5, "USD", "$0.05"},
		{120000, "VND", "120,000 ₫"}, {1500, "JPY", "¥1,500"}, {1500, "CHF", "15.00 CHF"}, {100000, "krw", "₩100,000"},
	} {
		if got := money(c.v, c.currency); got != c.want {
			t.Errorf("money(%d, %s) = %q, want %q", c.v, c.currency, got, c.want)
		}
	}
}

func TestClockAndAgo(t *testing.T) {
	seoul, _ := time.LoadLocation("Asia/Seoul")
	now := time.Date(2026, 12, 2, 5, 5, 0, 0, time.UTC) // Wed 14:05 in Seoul
	for _, c := range []struct {
		t         time.Time
		clock     string
		ago       string
		sameDayIn bool
	}{
		{now, "14:05", "just now", true},
		{now.Add(-59 * time.Second), "14:04", "just now", true},
		{now.Add(-7 * time.Minute), "13:58", "7 min ago", true},
		{now.Add(-65 * time.Minute), "13:00", "1 h 5 min ago", true},
		{now.Add(-2 * time.Hour), "12:05", "2 h ago", true},
		{now.Add(-15 * time.Hour), "Tue 23:05", "15 h ago", false},
		{now.Add(-3 * 24 * time.Hour), "Sun 14:05", "3 d ago", false},
		{now.Add(-10 * 24 * time.Hour), "22 Nov 14:05", "10 d ago", false},
		{now.Add(10 * time.Minute), "14:15", "in 10 min", true},
	} {
		if got := clock(c.t, now, seoul); got != c.clock {
			t.Errorf("clock(%v) = %q, want %q", c.t, got, c.clock)
		}
		if got := ago(c.t, now); got != c.ago {
			t.Errorf("ago(%v) = %q, want %q", c.t, got, c.ago)
		}
		if got := sameDay(c.t, now, seoul); got != c.sameDayIn {
			t.Errorf("sameDay(%v) = %v", c.t, got)
		}
	}
	if got, want := endOfDay(now, seoul), time.Date(2026, 12, 3, 0, 0, 0, 0, seoul); !got.Equal(want) {
		t.Errorf("endOfDay = %v, want %v", got, want)
	}
}

func TestUrgency(t *testing.T) {
	start := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	deadline := start.Add(10 * time.Minute)
	for _, c := range []struct {
		at   time.Duration
		dl   *time.Time
		want string
	}{
		{0, &deadline, ""}, {4*time.Minute + 59*time.Second, &deadline, ""}, {5 * time.Minute, &deadline, "warn"},
		{7*time.Minute + 59*time.Second, &deadline, "warn"}, {8 * time.Minute, &deadline, "late"}, {20 * time.Minute, &deadline, "late"},
		{time.Hour, nil, ""}, {time.Hour, &start, ""},
	} {
		if got := urgency(start, c.dl, start.Add(c.at)); got != c.want {
			t.Errorf("urgency at +%v (deadline %v) = %q, want %q", c.at, c.dl, got, c.want)
		}
	}
}
