package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/xmppkit/xmpp/examples/chatserver"
)

// stats is what the server's monitoring endpoint reports
// (examples/server's /debug/xmppkit); the suite uses the connections,
// sessions and RSS.
type stats = chatserver.Snapshot

// statsClient reads the server's stats; a nil *statsClient means -stats
// was not given.
type statsClient struct {
	url string
	hc  *http.Client
}

func newStatsClient(url string) *statsClient {
	if url == "" {
		return nil
	}
	return &statsClient{url: url, hc: &http.Client{Timeout: 2 * time.Second}}
}

// get fetches the stats once.
func (c *statsClient) get(ctx context.Context) (stats, error) {
	s, err := chatserver.FetchSnapshot(ctx, c.hc, c.url, false)
	if err != nil {
		return s, fmt.Errorf("hostile: stats: %w", err)
	}
	return s, nil
}

// sampler reads the stats every 100 ms from its start until stop, and
// keeps the first RSS, the highest, and the last figures read.
type sampler struct {
	c    *statsClient
	stop chan struct{}
	done chan struct{}

	mu          sync.Mutex
	first, peak uint64
	samples     int
	err         error // the first failure to read
}

// startSampler takes a first sample at once, then samples in a goroutine
// until stop.
func startSampler(ctx context.Context, c *statsClient) *sampler {
	s := &sampler{c: c, stop: make(chan struct{}), done: make(chan struct{})}
	s.sample(ctx)
	go func() {
		defer close(s.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				s.sample(ctx)
				return
			case <-ctx.Done():
				return
			case <-t.C:
				s.sample(ctx)
			}
		}
	}()
	return s
}

func (s *sampler) sample(ctx context.Context) {
	st, err := s.c.get(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.err == nil && ctx.Err() == nil {
			s.err = err
		}
		return
	}
	if s.samples == 0 {
		s.first = st.RSS
	}
	s.samples++
	s.peak = max(s.peak, st.RSS)
}

// finish stops the sampler (after one last sample) and returns the RSS
// check of the case.
func (s *sampler) finish(limit int64) check {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.err != nil:
		return check{fail: fmt.Sprintf("rss: %v", s.err)}
	case s.samples == 0:
		return check{fail: "rss: no sample read"}
	case s.first == 0:
		return check{unmeasured: "rss not measured (the stats report none)"}
	}
	growth := int64(s.peak) - int64(s.first)
	c := check{text: fmt.Sprintf("rss +%s (%s→%s peak, %d samples)",
		formatBytes(growth), formatBytes(int64(s.first)), formatBytes(int64(s.peak)), s.samples)}
	if growth >= limit {
		c.fail = fmt.Sprintf("rss grew by %s, not less than -max-rss-growth %s", formatBytes(growth), formatBytes(limit))
	}
	return c
}

// check is the outcome of one of the assertions (b), (c) or (d) for a
// case: text describes what was measured; fail, if not empty, why it
// failed; unmeasured, if not empty, why it could not be measured.
type check struct {
	text, fail, unmeasured string
}

func (c check) String() string {
	if c.unmeasured != "" {
		return c.unmeasured
	}
	return c.text
}
