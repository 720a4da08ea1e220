package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// serve starts an HTTP server with h for the test's duration.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		hs.Close()
		http.DefaultClient.CloseIdleConnections()
	})
	return hs.URL
}

func TestFetchStats(t *testing.T) {
	t.Parallel()
	var query atomic.Value
	u := serve(t, func(w http.ResponseWriter, r *http.Request) {
		query.Store(r.URL.RawQuery)
		switch r.URL.Path {
		case "/ok":
			fmt.Fprint(w, `{"connections":3,"sessions":2,"goroutines":9,"heap_alloc":1000,"heap_inuse":2000,`+
				`"stack_inuse":300,"sys":5000,"rss":7000,"num_gc":4,"extra":true}`)
		case "/bad":
			fmt.Fprint(w, `{"sessions":`)
		default:
			http.NotFound(w, r)
		}
	})
	ctx := context.Background()
	want := serverStats{Connections: 3, Sessions: 2, Goroutines: 9, HeapAlloc: 1000, HeapInuse: 2000,
		StackInuse: 300, Sys: 5000, RSS: 7000, NumGC: 4}
	tests := []struct {
		name      string
		path      string
		gc        bool
		wantQuery string
		wantErr   bool
	}{
		{"plain", "/ok", false, "", false},
		{"gc", "/ok", true, "gc=1", false},
		{"gc keeps the query", "/ok?x=y", true, "gc=1&x=y", false},
		{"not found", "/nothing", false, "", true},
		{"bad json", "/bad", false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fetchStats(ctx, u+tt.path, tt.gc)
			if tt.wantErr {
				if err == nil {
					t.Errorf("fetchStats: %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("fetchStats = %+v, want %+v", got, want)
			}
			if q := query.Load(); q != tt.wantQuery {
				t.Errorf("query %q, want %q", q, tt.wantQuery)
			}
		})
	}
	if _, err := fetchStats(ctx, "http://127.0.0.1:1/x", false); err == nil {
		t.Error("fetchStats with nobody listening: no error")
	}
	if _, err := fetchStats(ctx, "://", false); err == nil {
		t.Error("fetchStats with a bad URL: no error")
	}
}

// waitSessions polls until the server reports enough sessions, and
// gives up after its deadline.
func TestWaitSessions(t *testing.T) {
	t.Parallel()
	var polls atomic.Int64
	u := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := polls.Add(1)
		if r.URL.Path == "/stuck" {
			n = 1
		}
		fmt.Fprintf(w, `{"sessions":%d}`, n)
	})
	st, err := waitSessions(context.Background(), u+"/growing", 3, time.Minute)
	if err != nil || st.Sessions != 3 {
		t.Errorf("waitSessions = %+v, %v; want 3 sessions", st, err)
	}
	st, err = waitSessions(context.Background(), u+"/stuck", 3, 3*statsPollInterval)
	if !errors.Is(err, errTooFewSessions) || st.Sessions != 1 {
		t.Errorf("waitSessions = %+v, %v; want errTooFewSessions", st, err)
	}
}

func TestMemoryReport(t *testing.T) {
	t.Parallel()
	base := serverStats{HeapAlloc: 1 << 20, StackInuse: 1 << 16, RSS: 10 << 20}
	tests := []struct {
		name                    string
		loaded                  serverStats
		n                       int
		heap, stack, both, rssP int64
	}{
		{"growth", serverStats{Sessions: 10, HeapAlloc: 1<<20 + 10*5000, StackInuse: 1<<16 + 10*8192, RSS: 10<<20 + 10*20000},
			10, 5000, 8192, 13192, 20000},
		{"shrank", serverStats{HeapAlloc: 1<<20 - 400, StackInuse: 1 << 16, RSS: 10 << 20}, 4, -100, 0, -100, 0},
		{"no streams", serverStats{HeapAlloc: 1 << 30}, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemoryReport(base, tt.loaded, tt.n)
			if m.HeapPerStream != tt.heap || m.StackPerStream != tt.stack || m.BytesPerStream != tt.both || m.RSSPerStream != tt.rssP {
				t.Errorf("got heap %d stack %d both %d rss %d, want %d %d %d %d",
					m.HeapPerStream, m.StackPerStream, m.BytesPerStream, m.RSSPerStream, tt.heap, tt.stack, tt.both, tt.rssP)
			}
			if m.Baseline != base || m.Loaded != tt.loaded || m.Sessions != tt.loaded.Sessions {
				t.Errorf("report %+v", m)
			}
		})
	}
}
