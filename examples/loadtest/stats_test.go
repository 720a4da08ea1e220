package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Every value falls in a bucket whose midpoint is within 1/256 of it,
// and buckets follow the values' order.
func TestBucket(t *testing.T) {
	t.Parallel()
	values := []int64{0, 1, 2, 127, 128, 255, 256, 257, 258, 511, 512, 513, 1000, 1 << 20, 1<<20 - 1, 1<<20 + 1,
		int64(time.Millisecond), int64(time.Second) + 7, 1 << 62, math.MaxInt64 - 1, math.MaxInt64}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		values = append(values, rng.Int64N(1<<uint(rng.IntN(62)+1)))
	}
	for _, v := range values {
		b := bucket(v)
		if b < 0 || b >= histBuckets {
			t.Fatalf("bucket(%d) = %d, out of [0, %d)", v, b, histBuckets)
		}
		mid := bucketMid(b)
		if v < 2*histSub && mid != v {
			t.Errorf("bucketMid(bucket(%d)) = %d, want exact", v, mid)
		}
		if err := math.Abs(float64(mid)-float64(v)) / float64(max(v, 1)); err > 1.0/256 {
			t.Errorf("bucketMid(bucket(%d)) = %d: error %.5f > 1/256", v, mid, err)
		}
		if v < math.MaxInt64 && bucket(v+1) < b {
			t.Errorf("bucket(%d) = %d > bucket(%d) = %d", v, b, v+1, bucket(v+1))
		}
	}
	if b := bucket(-5); b != 0 {
		t.Errorf("bucket(-5) = %d, want 0", b)
	}
}

// Quantiles are within 1% of the exact nearest-rank ones, and the
// maximum is exact.
func TestQuantile(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	gen := func(n int, f func(i int) time.Duration) []time.Duration {
		d := make([]time.Duration, n)
		for i := range d {
			d[i] = f(i)
		}
		return d
	}
	tests := []struct {
		name   string
		values []time.Duration
	}{
		{"empty", nil},
		{"one", []time.Duration{5 * time.Millisecond}},
		{"two", []time.Duration{time.Microsecond, time.Second}},
		{"constant", gen(1000, func(int) time.Duration { return 1234567 })},
		{"small exact", gen(200, func(i int) time.Duration { return time.Duration(i) })},
		{"uniform", gen(10000, func(i int) time.Duration { return time.Duration(1+i) * time.Microsecond })},
		{"bimodal", gen(1000, func(i int) time.Duration {
			if i%100 == 0 {
				return time.Second
			}
			return time.Millisecond
		})},
		{"exponential", gen(20000, func(int) time.Duration {
			return time.Duration(rng.ExpFloat64() * float64(2*time.Millisecond))
		})},
		{"heavy tail", gen(20000, func(int) time.Duration {
			return time.Duration(math.Pow(10, 3+rng.Float64()*7)) // 1 µs to 10 s
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h histogram
			for _, v := range tt.values {
				h.add(v)
			}
			sorted := slices.Sorted(slices.Values(tt.values))
			if got := h.count(); got != uint64(len(sorted)) {
				t.Errorf("count %d, want %d", got, len(sorted))
			}
			for _, q := range []float64{0.001, 0.5, 0.9, 0.99, 0.999, 1} {
				got := h.quantile(q)
				var want time.Duration
				if len(sorted) > 0 {
					want = sorted[max(int(math.Ceil(q*float64(len(sorted))))-1, 0)]
				}
				if err := math.Abs(float64(got-want)) / float64(max(want, 1)); err > 0.01 {
					t.Errorf("quantile(%v) = %v, want %v (error %.4f > 1%%)", q, got, want, err)
				}
			}
			var want time.Duration
			if len(sorted) > 0 {
				want = sorted[len(sorted)-1]
			}
			if got := h.maximum(); got != want {
				t.Errorf("maximum %v, want %v", got, want)
			}
		})
	}
}

// Adding and reading may run concurrently.
func TestHistogramConcurrent(t *testing.T) {
	t.Parallel()
	var h histogram
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 1000 {
				h.add(time.Duration(g*1000+i) * time.Microsecond)
				h.quantile(0.5)
			}
		}()
	}
	for range 4 {
		<-done
	}
	if h.count() != 4000 || h.maximum() != 3999*time.Microsecond {
		t.Errorf("count %d, maximum %v", h.count(), h.maximum())
	}
}

func BenchmarkHistogramAdd(b *testing.B) {
	var h histogram
	b.ReportAllocs()
	for i := range b.N {
		h.add(time.Duration(i) * 997)
	}
}
