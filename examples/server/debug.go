package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"expvar"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // /debug/pprof/ on the debug listener
	"os"
	"runtime"
	"strconv"

	"github.com/xmppkit/xmpp/examples/chatserver"
)

// Debug is what /debug/xmppkit returns, as JSON: the server's load and
// the process's memory. Heap and stack are the Go runtime's figures
// (runtime.MemStats HeapAlloc, HeapInuse, StackInuse); RSS is the
// kernel's (VmRSS of /proc/self/status, 0 where there is none).
type Debug struct {
	chatserver.Stats
	Goroutines int    `json:"goroutines"`
	HeapAlloc  uint64 `json:"heap_alloc"`
	HeapInuse  uint64 `json:"heap_inuse"`
	StackInuse uint64 `json:"stack_inuse"`
	Sys        uint64 `json:"sys"`
	RSS        uint64 `json:"rss"`
	NumGC      uint32 `json:"num_gc"`
}

// serveDebug serves the monitoring endpoints on ln until it is closed.
// /debug/xmppkit?gc=1 collects garbage (twice, so that finalizers have
// run and stacks have shrunk) before reading the figures.
func serveDebug(ln net.Listener, srv *chatserver.Server) {
	expvar.Publish("xmppkit", expvar.Func(func() any { return srv.Stats() }))
	http.HandleFunc("/debug/xmppkit", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("gc") != "" {
			runtime.GC()
			runtime.GC()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		d := Debug{
			Stats:      srv.Stats(),
			Goroutines: runtime.NumGoroutine(),
			HeapAlloc:  ms.HeapAlloc,
			HeapInuse:  ms.HeapInuse,
			StackInuse: ms.StackInuse,
			Sys:        ms.Sys,
			RSS:        rss(),
			NumGC:      ms.NumGC,
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(d)
	})
	hs := &http.Server{Handler: http.DefaultServeMux, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, 0)}
	hs.Serve(ln)
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

// leveled is a slog.Handler that drops records below its level.
type leveled struct {
	slog.Handler
	min slog.Level
}

func (h leveled) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h leveled) WithAttrs(as []slog.Attr) slog.Handler {
	return leveled{h.Handler.WithAttrs(as), h.min}
}

func (h leveled) WithGroup(name string) slog.Handler {
	return leveled{h.Handler.WithGroup(name), h.min}
}
