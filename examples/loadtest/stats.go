package main

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Latencies are kept in a log-linear histogram rather than one value per
// message, so that a run of any length costs the same fixed 58 KiB:
// values below 2·histSub nanoseconds have a bucket each; above, every
// power of two [2^k, 2^(k+1)) is cut into histSub buckets of equal
// width, so a bucket is at most 1/histSub of its lower bound wide and
// its midpoint, which is what quantiles report, is within 1/(2·histSub)
// (0.4%) of any value in it.
const (
	histSubBits = 7
	histSub     = 1 << histSubBits // buckets per power of two
	// histBuckets covers every non-negative int64: the exact range
	// [0, 2·histSub) and then 63-histSubBits-1 powers of two above.
	histBuckets = 2*histSub + (63-histSubBits-1)*histSub
)

// histogram counts durations. Its methods may be called concurrently.
type histogram struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
	max    atomic.Int64
}

// bucket returns the index of the bucket holding v nanoseconds.
func bucket(v int64) int {
	if v < 0 {
		v = 0
	}
	if v < 2*histSub {
		return int(v)
	}
	e := bits.Len64(uint64(v)) - histSubBits - 1 // v>>e is in [histSub, 2·histSub)
	return 2*histSub + (e-1)*histSub + int(v>>e) - histSub
}

// bucketMid returns the midpoint of bucket i: the value it stands for.
func bucketMid(i int) int64 {
	if i < 2*histSub {
		return int64(i)
	}
	e := (i-2*histSub)/histSub + 1
	lo := int64(histSub+(i-2*histSub)%histSub) << e
	return lo + int64(1)<<e/2
}

// add records one duration.
func (h *histogram) add(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0 // the clock is monotonic; this cannot happen, but never index out of range
	}
	h.counts[bucket(v)].Add(1)
	h.n.Add(1)
	for m := h.max.Load(); v > m && !h.max.CompareAndSwap(m, v); m = h.max.Load() {
	}
}

// count returns how many durations were recorded.
func (h *histogram) count() uint64 { return h.n.Load() }

// quantile returns the q-quantile (0 < q ≤ 1) by the nearest-rank
// method: the smallest recorded value that at least q of all values do
// not exceed, to within the histogram's precision, and never more than
// the largest value recorded. It returns 0 when nothing was recorded.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	rank = max(rank, 1)
	rank = min(rank, n)
	max := h.max.Load()
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(min(bucketMid(i), max))
		}
	}
	return time.Duration(max)
}

// maximum returns the largest duration recorded, exactly.
func (h *histogram) maximum() time.Duration { return time.Duration(h.max.Load()) }
