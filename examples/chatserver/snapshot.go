package chatserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
)

// Snapshot is a Server's load and its process's memory, the document
// examples/server serves as JSON at /debug/xmppkit, and that
// examples/loadtest and examples/hostile read. Heap and stack are the
// Go runtime's figures (runtime.MemStats HeapAlloc, HeapInuse,
// StackInuse); RSS is the kernel's (VmRSS of /proc/self/status, 0 where
// there is none). Fields a server does not report stay zero.
type Snapshot struct {
	Connections int    `json:"connections"` // Stats.Connections
	Sessions    int    `json:"sessions"`    // Stats.Sessions
	Goroutines  int    `json:"goroutines"`
	HeapAlloc   uint64 `json:"heap_alloc"`
	HeapInuse   uint64 `json:"heap_inuse"`
	StackInuse  uint64 `json:"stack_inuse"`
	Sys         uint64 `json:"sys"`
	RSS         uint64 `json:"rss"`
	NumGC       uint32 `json:"num_gc"`
}

// Snapshot returns the server's figures now. With gc it collects garbage
// first, twice, so that the heap counts live memory only and idle
// goroutines' stacks have been shrunk: slow, for monitoring on demand.
func (s *Server) Snapshot(gc bool) Snapshot {
	if gc {
		runtime.GC()
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := s.Stats()
	return Snapshot{
		Connections: st.Connections,
		Sessions:    st.Sessions,
		Goroutines:  runtime.NumGoroutine(),
		HeapAlloc:   ms.HeapAlloc,
		HeapInuse:   ms.HeapInuse,
		StackInuse:  ms.StackInuse,
		Sys:         ms.Sys,
		RSS:         rss(),
		NumGC:       ms.NumGC,
	}
}

// FetchSnapshot reads a Snapshot from u, a /debug/xmppkit endpoint, with
// hc (nil: http.DefaultClient); with gc it asks the server to collect
// garbage first (?gc=1).
func FetchSnapshot(ctx context.Context, hc *http.Client, u string, gc bool) (Snapshot, error) {
	var snap Snapshot
	pu, err := url.Parse(u)
	if err != nil {
		return snap, fmt.Errorf("chatserver: snapshot: %w", err)
	}
	if gc {
		q := pu.Query()
		q.Set("gc", "1")
		pu.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pu.String(), nil)
	if err != nil {
		return snap, fmt.Errorf("chatserver: snapshot: %w", err)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return snap, fmt.Errorf("chatserver: snapshot: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return snap, fmt.Errorf("chatserver: snapshot: %s: %s", pu.Redacted(), resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&snap); err != nil {
		return snap, fmt.Errorf("chatserver: snapshot: %s: %w", pu.Redacted(), err)
	}
	return snap, nil
}

// rss returns the process's resident set size in bytes, from
// /proc/self/status; 0 when it cannot be read.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := bytes.Fields(sc.Bytes()); len(f) >= 2 && string(f[0]) == "VmRSS:" {
			kb, _ := strconv.ParseUint(string(f[1]), 10, 64)
			return kb << 10
		}
	}
	return 0
}
