package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramEmpty(t *testing.T) {
	var h Histogram
	if h.Count() != 0 || h.Quantile(0.5) != 0 || h.Quantile(0.99) != 0 || h.Max() != 0 || h.Mean() != 0 {
		t.Fatalf("empty histogram: count %d p50 %s p99 %s max %s", h.Count(), h.Quantile(0.5), h.Quantile(0.99), h.Max())
	}
}

// Below 128 µs every microsecond has its own bucket: quantiles are exact.
func TestHistogramExactSmall(t *testing.T) {
	var h Histogram
	for us := 1; us <= 100; us++ {
		h.Record(time.Duration(us) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.01, 1 * time.Microsecond}, {0.5, 50 * time.Microsecond}, {0.99, 99 * time.Microsecond}, {1, 100 * time.Microsecond}} {
		if got := h.Quantile(c.q); got != c.want {
			t.Errorf("q%.2f = %s, want %s", c.q, got, c.want)
		}
	}
	if h.Min() != time.Microsecond || h.Max() != 100*time.Microsecond || h.Count() != 100 {
		t.Errorf("min %s max %s count %d", h.Min(), h.Max(), h.Count())
	}
	if h.Mean() != 50*time.Microsecond { // 5050/100 = 50 (integer µs)
		t.Errorf("mean %s", h.Mean())
	}
}

// Every value falls in a bucket whose range contains it, and the buckets
// tile the line without gaps.
func TestHistogramBuckets(t *testing.T) {
	prevHi := uint64(0)
	for i := 0; i < histBuckets-1; i++ {
		lo, hi := bucketRange(i)
		if i > 0 && lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
		if hi < lo {
			t.Fatalf("bucket %d: [%d, %d]", i, lo, hi)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d [%d, %d]: bucketOf gives %d and %d", i, lo, hi, bucketOf(lo), bucketOf(hi))
		}
		// Width at most 1/128 of the value.
		if lo >= histSub && float64(hi-lo+1) > float64(lo)/histSub+1e-9 {
			t.Fatalf("bucket %d [%d, %d] is too wide", i, lo, hi)
		}
		prevHi = hi
	}
	if bucketOf(math.MaxUint64) != histBuckets-1 {
		t.Fatalf("huge values must land in the last bucket")
	}
}

// Quantiles of random samples match the sorted samples to within the
// bucket precision (< 1 %).
func TestHistogramQuantilesMatchSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var all []time.Duration
	for i := 0; i < 100000; i++ {
		// Log-normal-ish: from microseconds to seconds.
		d := time.Duration(math.Exp(r.NormFloat64()*2+8)) * time.Microsecond
		h.Record(d)
		all = append(all, d.Truncate(time.Microsecond))
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := all[int(math.Ceil(q*float64(len(all))))-1]
		got := h.Quantile(q)
		if diff := math.Abs(float64(got-want)) / float64(want); diff > 0.01 {
			t.Errorf("q%.3f = %s, sorted samples say %s (%.2f%% off)", q, got, want, diff*100)
		}
	}
	if h.Max() != all[len(all)-1] || h.Min() != all[0] {
		t.Errorf("max %s min %s, want %s %s", h.Max(), h.Min(), all[len(all)-1], all[0])
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, both Histogram
	for i := 1; i <= 1000; i++ {
		d := time.Duration(i) * time.Millisecond
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
		both.Record(d)
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(&Histogram{}) // merging nothing changes nothing
	if m != both {
		t.Fatalf("merged histogram differs: count %d/%d p50 %s/%s", m.Count(), both.Count(), m.Quantile(0.5), both.Quantile(0.5))
	}
	if got := m.Quantile(0.5); got < 496*time.Millisecond || got > 504*time.Millisecond {
		t.Errorf("p50 of 1..1000 ms = %s", got)
	}
}

// Negative durations (a clock step) count as zero rather than wrapping.
func TestHistogramNegative(t *testing.T) {
	var h Histogram
	h.Record(-time.Second)
	if h.Count() != 1 || h.Max() != 0 || h.Quantile(1) != 0 {
		t.Fatalf("negative sample: count %d max %s", h.Count(), h.Max())
	}
}

func TestParsePhases(t *testing.T) {
	got, err := ParsePhases("menu, qr,transitions")
	if err != nil || !slices.Equal(got, []string{"qr", "menu", "confirm", "cook", "complete"}) {
		t.Fatalf("ParsePhases = %v, %v", got, err)
	}
	if all, _ := ParsePhases("all"); !slices.Equal(all, Phases) {
		t.Fatalf("all = %v", all)
	}
	for _, bad := range []string{"", "qr,nope"} {
		if _, err := ParsePhases(bad); err == nil {
			t.Errorf("ParsePhases(%q) must fail", bad)
		}
	}
}
