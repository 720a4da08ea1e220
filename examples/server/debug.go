package main

import (
	"context"
	"encoding/json"
	"expvar"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // /debug/pprof/ on the debug listener

	"github.com/xmppkit/xmpp/examples/chatserver"
)

// serveDebug serves the monitoring endpoints on ln until it is closed:
// /debug/xmppkit, the server's chatserver.Snapshot as JSON (after a
// garbage collection with ?gc=1), /debug/vars and /debug/pprof/.
func serveDebug(ln net.Listener, srv *chatserver.Server) {
	expvar.Publish("xmppkit", expvar.Func(func() any { return srv.Stats() }))
	http.HandleFunc("/debug/xmppkit", func(w http.ResponseWriter, r *http.Request) {
		snap := srv.Snapshot(r.URL.Query().Get("gc") != "")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(snap)
	})
	hs := &http.Server{Handler: http.DefaultServeMux, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, 0)}
	hs.Serve(ln)
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
