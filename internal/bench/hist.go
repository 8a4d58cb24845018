package bench

import (
	"math"
	"math/bits"
	"time"
)

// Histogram records durations in microseconds in log-linear buckets: exact
// below 128 µs, then 128 buckets per power of two, so a percentile is off
// by less than 1/128 (0.8 %) of its value. Its memory is fixed (35 KB),
// whatever the number of samples. Not safe for concurrent
// use: each load-generator goroutine keeps its own and Merge joins them.
type Histogram struct {
	counts   [histBuckets]uint64
	n        uint64
	sum      uint64 // µs
	min, max uint64 // µs
}

const (
	histSubBits = 7
	histSub     = 1 << histSubBits // 128
	// histMaxExp covers values up to 2^(histSubBits+1+histMaxExp) µs
	// (2^40 µs, about 12 days); larger values go to the last bucket.
	histMaxExp  = 32
	histBuckets = histSub + (histMaxExp+1)*histSub
)

// bucketOf returns the bucket index of v (µs).
func bucketOf(v uint64) int {
	if v < histSub {
		return int(v)
	}
	e := bits.Len64(v) - (histSubBits + 1) // v>>e is in [128, 256)
	if e > histMaxExp {
		return histBuckets - 1
	}
	return histSub + e*histSub + int(v>>uint(e)) - histSub
}

// bucketRange returns the smallest and largest value (µs) of bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < histSub {
		return uint64(i), uint64(i)
	}
	e := uint((i - histSub) / histSub)
	m := uint64((i-histSub)%histSub + histSub)
	return m << e, (m+1)<<e - 1
}

// Record adds one duration (negative counts as 0).
func (h *Histogram) Record(d time.Duration) {
	us := uint64(0)
	if d > 0 {
		us = uint64(d / time.Microsecond)
	}
	h.counts[bucketOf(us)]++
	if h.n == 0 || us < h.min {
		h.min = us
	}
	if us > h.max {
		h.max = us
	}
	h.n++
	h.sum += us
}

// Merge adds o's samples to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Count is the number of samples.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest sample (0 without samples).
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) * time.Microsecond }

// Min is the smallest sample (0 without samples).
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) * time.Microsecond }

// Mean is the average sample (0 without samples).
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum/h.n) * time.Microsecond
}

// Quantile returns the q-quantile (0 < q <= 1): the smallest recorded
// value v such that at least q of the samples are <= v, to within the
// bucket's width (the middle of the bucket, clamped to the observed min
// and max). 0 without samples.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q <= 0 {
		return h.Min()
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketRange(i)
			v := lo + (hi-lo)/2
			v = max(v, h.min)
			v = min(v, h.max)
			return time.Duration(v) * time.Microsecond
		}
	}
	return h.Max()
}
