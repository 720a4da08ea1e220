package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/xmppkit/xmpp/examples/chatserver"
)

// serverStats is what the server's /debug/xmppkit returns (see
// examples/server): its load and its process's memory. Fields another
// server does not report stay zero.
type serverStats = chatserver.Snapshot

// fetchStats reads the server's figures from u; with gc, it asks the
// server to collect garbage first (?gc=1), so that the heap figures
// count live memory only.
func fetchStats(ctx context.Context, u string, gc bool) (serverStats, error) {
	st, err := chatserver.FetchSnapshot(ctx, nil, u, gc)
	if err != nil {
		return st, fmt.Errorf("-stats: %w", err)
	}
	return st, nil
}

// statsPollInterval is how often waitSessions asks the server.
const statsPollInterval = 100 * time.Millisecond

// errTooFewSessions is returned by waitSessions when the server does not
// report enough sessions in time.
var errTooFewSessions = errors.New("server reports fewer sessions than streams")

// waitSessions polls u until the server reports at least n sessions, or
// until ctx is done or within elapses (the server may register a session
// a little after the client's login completes). It returns the last
// figures read.
func waitSessions(ctx context.Context, u string, n int, within time.Duration) (serverStats, error) {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	t := time.NewTicker(statsPollInterval)
	defer t.Stop()
	var last serverStats
	var lastErr error // of the last poll, if none succeeded
	read := false
	for {
		st, err := fetchStats(ctx, u, false)
		switch {
		case err == nil && st.Sessions >= n:
			return st, nil
		case err == nil:
			last, read = st, true
		case !read:
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if !read {
				return last, lastErr
			}
			return last, fmt.Errorf("%w: %d < %d after %v", errTooFewSessions, last.Sessions, n, within)
		case <-t.C:
		}
	}
}

// memoryReport is the server's memory growth between the baseline taken
// before any login and the figures taken with every stream logged in,
// per stream.
type memoryReport struct {
	Sessions    int `json:"sessions"`
	Connections int `json:"connections"`
	Goroutines  int `json:"goroutines"`
	// Per stream, in bytes; deltas, so they may be negative.
	HeapPerStream  int64 `json:"heap_per_stream"`
	StackPerStream int64 `json:"stack_per_stream"`
	BytesPerStream int64 `json:"bytes_per_stream"` // heap_alloc + stack_inuse
	RSSPerStream   int64 `json:"rss_per_stream"`

	Baseline serverStats `json:"baseline"`
	Loaded   serverStats `json:"loaded"`
}

// newMemoryReport computes the per-stream growth from base to loaded
// for n streams.
func newMemoryReport(base, loaded serverStats, n int) *memoryReport {
	per := func(a, b uint64) int64 {
		if n <= 0 {
			return 0
		}
		return (int64(b) - int64(a)) / int64(n)
	}
	return &memoryReport{
		Sessions:       loaded.Sessions,
		Connections:    loaded.Connections,
		Goroutines:     loaded.Goroutines,
		HeapPerStream:  per(base.HeapAlloc, loaded.HeapAlloc),
		StackPerStream: per(base.StackInuse, loaded.StackInuse),
		BytesPerStream: per(base.HeapAlloc+base.StackInuse, loaded.HeapAlloc+loaded.StackInuse),
		RSSPerStream:   per(base.RSS, loaded.RSS),
		Baseline:       base,
		Loaded:         loaded,
	}
}
