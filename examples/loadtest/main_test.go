package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/examples/chatserver"
	"github.com/xmppkit/xmpp/stream/streamtest"
)

// TestMain fails the run if a test leaves a goroutine behind: every
// stream's reader must have ended with its Close.
func TestMain(m *testing.M) { streamtest.Main(m) }

// startServer serves a chatserver with the accounts user1 … userN
// (password "secret") on a loopback port, without TLS and with PLAIN,
// for the test's duration.
func startServer(t *testing.T, users int) (string, *chatserver.Server) {
	t.Helper()
	accounts := chatserver.NewAccounts()
	if err := accounts.AddNumbered("user", users, "secret"); err != nil {
		t.Fatal(err)
	}
	srv, err := chatserver.New(&chatserver.Config{
		Accounts:             accounts,
		TLS:                  chatserver.TLSNone,
		AllowPlainWithoutTLS: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	addr, stop, err := srv.ServeLoopback()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return addr, srv
}

// startStats serves a /debug/xmppkit lookalike reporting srv's sessions
// and connections, and heap figures that grow by perStream bytes for
// each session, for the test's duration. It counts the requests with
// ?gc=1 in gcs.
func startStats(t *testing.T, srv *chatserver.Server, perStream uint64, gcs *atomic.Int64) string {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/debug/xmppkit" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("gc") == "1" {
			gcs.Add(1)
		}
		st := srv.Stats()
		json.NewEncoder(w).Encode(serverStats{
			Connections: st.Connections,
			Sessions:    st.Sessions,
			HeapAlloc:   1<<20 + uint64(st.Sessions)*perStream,
			StackInuse:  1 << 16,
			RSS:         8<<20 + uint64(st.Sessions)*2*perStream,
		})
	}))
	t.Cleanup(func() {
		hs.Close()
		http.DefaultClient.CloseIdleConnections()
	})
	return hs.URL + "/debug/xmppkit"
}

// runJSON runs the command with -json and returns its summary and error.
func runJSON(t *testing.T, args ...string) (*summary, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, append(args, "-json"), &stdout, &stderr)
	if stderr.Len() > 0 {
		t.Errorf("stderr (not a terminal) should stay empty, got %q", stderr.String())
	}
	if bytes.Count(stdout.Bytes(), []byte("\n")) != 1 {
		t.Errorf("want one JSON line, got %q", stdout.String())
	}
	var sum summary
	if jerr := json.Unmarshal(stdout.Bytes(), &sum); jerr != nil {
		t.Fatalf("summary %q: %v (run: %v)", stdout.String(), jerr, err)
	}
	return &sum, err
}

// The load end to end against the example server: every message arrives
// once, in order, and the JSON summary says so; the server's figures
// are read before the first login and after the last.
func TestRunNoLoss(t *testing.T) {
	t.Parallel()
	addr, srv := startServer(t, 7)
	var gcs atomic.Int64
	statsURL := startStats(t, srv, 4096, &gcs)
	sum, err := runJSON(t, "-addr", addr, "-users", "7", "-streams", "20", "-messages", "2000",
		"-window", "8", "-plain", "-tls", "none", "-stats", statsURL, "-max-stream-bytes", "8192")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !sum.OK || len(sum.Failures) != 0 {
		t.Errorf("ok %v, failures %q", sum.OK, sum.Failures)
	}
	if sum.LoggedIn != 20 || sum.Sent != 2000 || sum.Received != 2000 {
		t.Errorf("logged in %d, sent %d, received %d; want 20, 2000, 2000", sum.LoggedIn, sum.Sent, sum.Received)
	}
	if sum.Lost+sum.Duplicates+sum.Reordered+sum.Errors != 0 {
		t.Errorf("lost %d, duplicates %d, reordered %d, errors %d %+v %q",
			sum.Lost, sum.Duplicates, sum.Reordered, sum.Errors, sum.ErrorCounts, sum.ErrorLines)
	}
	if sum.Throughput <= 0 || sum.Latency.P50 <= 0 || sum.Latency.P50 > sum.Latency.P99 || sum.Latency.P99 > sum.Latency.Max {
		t.Errorf("throughput %v, latency %+v", sum.Throughput, sum.Latency)
	}
	m := sum.Server
	if m == nil {
		t.Fatal("no server figures")
	}
	if m.Sessions < 20 || m.HeapPerStream != 4096 || m.StackPerStream != 0 || m.BytesPerStream != 4096 || m.RSSPerStream != 8192 {
		t.Errorf("server figures %+v", m)
	}
	if n := gcs.Load(); n != 2 {
		t.Errorf("%d requests with ?gc=1, want 2 (baseline and loaded)", n)
	}
}

// The text summary, at a set rate.
func TestRunText(t *testing.T) {
	t.Parallel()
	addr, _ := startServer(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"-addr", addr, "-users", "3", "-streams", "4", "-messages", "100", "-rate", "5000",
		"-plain", "-tls", "none"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stdout.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"streams     4/4 logged in",
		"messages    100 sent, 100 received",
		"latency     p50 ",
		"faults      0 lost, 0 duplicated, 0 reordered, 0 errors\n",
		"result      OK\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %q", stderr.String())
	}
}

// A server with more memory per stream than -max-stream-bytes allows
// fails the run (exit status 1), with no messages to send.
func TestRunMaxStreamBytes(t *testing.T) {
	t.Parallel()
	addr, srv := startServer(t, 2)
	var gcs atomic.Int64
	statsURL := startStats(t, srv, 50000, &gcs)
	sum, err := runJSON(t, "-addr", addr, "-users", "2", "-streams", "3", "-messages", "0",
		"-plain", "-tls", "none", "-idle", "20ms", "-stats", statsURL, "-max-stream-bytes", "40000")
	if !errors.Is(err, errFailed) {
		t.Fatalf("run: %v, want errFailed", err)
	}
	if sum.OK || len(sum.Failures) != 1 || !strings.Contains(sum.Failures[0], "-max-stream-bytes 40000") {
		t.Errorf("ok %v, failures %q", sum.OK, sum.Failures)
	}
	if sum.Server == nil || sum.Server.BytesPerStream != 50000 {
		t.Errorf("server figures %+v", sum.Server)
	}
}

// A refused login is a failure: no messages are sent, and what
// logged in is closed.
func TestRunLoginFails(t *testing.T) {
	t.Parallel()
	addr, _ := startServer(t, 2)
	sum, err := runJSON(t, "-addr", addr, "-users", "2", "-password", "wrong", "-streams", "3",
		"-messages", "10", "-login-parallel", "1", "-plain", "-tls", "none")
	if !errors.Is(err, errFailed) {
		t.Fatalf("run: %v, want errFailed", err)
	}
	if sum.OK || sum.LoggedIn != 0 || sum.Sent != 0 || sum.ErrorCounts.Login != 1 {
		t.Errorf("ok %v, logged in %d, sent %d, errors %+v", sum.OK, sum.LoggedIn, sum.Sent, sum.ErrorCounts)
	}
	if len(sum.ErrorLines) != 1 || !strings.Contains(sum.ErrorLines[0], "not-authorized") {
		t.Errorf("error lines %q", sum.ErrorLines)
	}
}

// Bad command lines are usage errors (exit status 2), found before any
// connection is made.
func TestRunUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"unknown flag", []string{"-bogus"}},
		{"argument", []string{"extra"}},
		{"no streams", []string{"-streams", "0"}},
		{"one stream sending", []string{"-streams", "1", "-messages", "5"}},
		{"negative messages", []string{"-messages", "-1"}},
		{"no users", []string{"-users", "0"}},
		{"tls", []string{"-tls", "sometimes"}},
		{"window", []string{"-window", "0"}},
		{"rate", []string{"-rate", "-3"}},
		{"login parallel", []string{"-login-parallel", "0"}},
		{"drain", []string{"-drain", "0s"}},
		{"max without stats", []string{"-max-stream-bytes", "100"}},
		{"domain", []string{"-domain", "a b"}},
		{"cafile", []string{"-cafile", "/nonexistent/ca.pem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"-addr", "127.0.0.1:1"}, tt.args...), &stdout, &stderr)
			if ue := (usageError{}); !errors.As(err, &ue) {
				t.Errorf("run: %v, want a usageError", err)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout: %q", stdout.String())
			}
		})
	}
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &bytes.Buffer{}, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(stderr.String(), "-max-stream-bytes") {
		t.Errorf("-h prints no usage: %q", stderr.String())
	}
}
