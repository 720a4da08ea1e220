package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/examples/chatserver"
	"github.com/xmppkit/xmpp/stanza"
)

// testServer serves cfg (with the account alice:secret) on 127.0.0.1:0
// and its stats over HTTP, until the end of the test. The stats' "rss" is
// the runtime's heap and stack in use: the process holds the attacker
// too, and the race detector's shadow memory would swamp a real RSS.
func testServer(t *testing.T, cfg *chatserver.Config) (addr, statsURL string) {
	t.Helper()
	accounts, err := chatserver.ParseAccounts("alice:secret")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Accounts = accounts
	srv, err := chatserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, stop, err := srv.ServeLoopback()
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		st := srv.Stats()
		json.NewEncoder(w).Encode(map[string]any{
			"connections": st.Connections,
			"sessions":    st.Sessions,
			"rss":         ms.HeapInuse + ms.StackInuse,
		})
	}))
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return addr, hs.URL
}

// fastServer is the server configuration of the tests: every timeout and
// the queue small, so that the whole suite runs in a few seconds.
func fastServer() *chatserver.Config {
	return &chatserver.Config{
		AllowPlainWithoutTLS: true,
		HandshakeTimeout:     300 * time.Millisecond,
		WriteTimeout:         500 * time.Millisecond,
		CloseTimeout:         200 * time.Millisecond,
		QueueSize:            16,
	}
}

// fastArgs are the command line matching fastServer, with small sizes.
func fastArgs(addr, statsURL string, more ...string) []string {
	args := []string{
		"-addr", addr, "-domain", "localhost", "-user", "alice", "-password", "secret",
		"-handshake-timeout", "300ms", "-write-timeout", "500ms",
		"-drop-conns", "200", "-drop-parallel", "20", "-drip", "16MiB", "-random-conns", "20",
		"-min-attack", "100ms", "-slow-every", "50ms", "-slack", "3s",
	}
	if statsURL != "" {
		args = append(args, "-stats", statsURL)
	}
	return append(args, more...)
}

// caseLines maps each case to its line of output.
func caseLines(out string) map[string]string {
	lines := map[string]string{}
	for line := range strings.SplitSeq(out, "\n") {
		for _, name := range caseNames() {
			for _, verdict := range []string{"PASS ", "FAIL "} {
				if strings.HasPrefix(line, verdict+name+":") {
					lines[name] = line
				}
			}
		}
	}
	return lines
}

// TestSuite runs every case against the example server, which must pass
// them all.
func TestSuite(t *testing.T) {
	addr, statsURL := testServer(t, fastServer())
	var out bytes.Buffer
	start := time.Now()
	err := run(t.Context(), fastArgs(addr, statsURL), &out)
	t.Logf("%s\n%s", time.Since(start), out.String())
	lines := caseLines(out.String())
	for _, name := range caseNames() {
		t.Run(name, func(t *testing.T) {
			line, ok := lines[name]
			switch {
			case !ok:
				t.Fatal("no line for the case")
			case !strings.HasPrefix(line, "PASS "):
				t.Error(line)
			case strings.Contains(line, "not measured"):
				t.Errorf("with -stats everything is measured: %s", line)
			}
		})
	}
	if err != nil && !errors.Is(err, errFailed) {
		t.Errorf("run: %v", err)
	}
	if !strings.Contains(out.String(), "summary: 9 cases") {
		t.Error("no summary")
	}
}

// TestNoStats: without -stats, RSS and connections are reported as not
// measured, and the verdict rests on the wire and the pings.
func TestNoStats(t *testing.T) {
	addr, _ := testServer(t, fastServer())
	var out bytes.Buffer
	err := run(t.Context(), fastArgs(addr, "", "-cases", "random,attrs"), &out)
	t.Log(out.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for name, line := range caseLines(out.String()) {
		if !strings.HasPrefix(line, "PASS ") || !strings.Contains(line, "rss not measured (no -stats)") ||
			!strings.Contains(line, "connections not measured (no -stats)") {
			t.Errorf("%s: %s", name, line)
		}
	}
	if !strings.Contains(out.String(), "not measured for random, attrs") {
		t.Error("the summary does not say what was not measured")
	}
}

// TestSilentAgainstMuteServer: silent fails, in bounded time, against a
// listener that accepts connections and never answers.
func TestSilentAgainstMuteServer(t *testing.T) {
	addr, statsURL := testServer(t, fastServer())
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held sync.WaitGroup
	done := make(chan struct{})
	held.Go(func() {
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			held.Go(func() {
				<-done
				c.Close()
			})
		}
	})
	t.Cleanup(func() {
		mute.Close()
		close(done)
		held.Wait()
	})

	cfg, err := parseFlags(fastArgs(addr, statsURL, "-cases", "silent"), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSuite(t.Context(), cfg, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	cfg.addr = mute.Addr().String() // the health client stays on the real server
	start := time.Now()
	r := s.runCase(t.Context(), findCase("silent"))
	took := time.Since(start)
	t.Log(r.line())
	if r.pass() {
		t.Fatal("silent passed against a server that never answers")
	}
	if !strings.Contains(r.wire.fail, "no stream header") || !strings.Contains(r.wire.fail, "timeout") {
		t.Errorf("wire: %q, want no stream header, timeout", r.wire.fail)
	}
	if r.ping.fail != "" {
		t.Errorf("the health client's server was fine: %s", r.ping.fail)
	}
	if limit := cfg.handshakeTimeout*3/2 + time.Second + cfg.slack; took > limit {
		t.Errorf("took %s, more than %s", took, limit)
	}
	if !strings.HasPrefix(r.line(), "FAIL silent: nothing,") {
		t.Errorf("line %q", r.line())
	}
}

// TestBigAgainstServerWithoutLimit: big fails against a server that
// accepts 2 MiB stanzas, and run reports the failure.
func TestBigAgainstServerWithoutLimit(t *testing.T) {
	cfg := fastServer()
	cfg.Limits = stanza.Limits{MaxStanzaSize: 4 << 20}
	addr, statsURL := testServer(t, cfg)
	var out bytes.Buffer
	err := run(t.Context(), fastArgs(addr, statsURL, "-cases", "big", "-slack", "1s"), &out)
	t.Log(out.String())
	if !errors.Is(err, errFailed) {
		t.Errorf("run: %v, want errFailed", err)
	}
	line := caseLines(out.String())["big"]
	if !strings.HasPrefix(line, "FAIL big:") || !strings.Contains(line, "no <policy-violation/> stream error") {
		t.Errorf("line %q", line)
	}
	if !strings.Contains(out.String(), "1 failed (big)") {
		t.Error("the summary does not name the failure")
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"unknown case", []string{"-cases", "big,nope"}},
		{"no case", []string{"-cases", ","}},
		{"bad size", []string{"-drip", "lots"}},
		{"small drip", []string{"-drip", "1KiB"}},
		{"zero timeout", []string{"-handshake-timeout", "0s"}},
		{"no drop", []string{"-drop-conns", "0"}},
		{"argument", []string{"extra"}},
		{"unknown flag", []string{"-nope"}},
		{"bad domain", []string{"-domain", "a@b", "-addr", "127.0.0.1:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := run(t.Context(), tc.args, &bytes.Buffer{})
			if !errors.Is(err, errUsage) {
				t.Errorf("run(%q) = %v, want a usage error", tc.args, err)
			}
		})
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"123", 123, true},
		{"123B", 123, true},
		{"4KiB", 4 << 10, true},
		{"64MiB", 64 << 20, true},
		{"64M", 64 << 20, true},
		{"1GiB", 1 << 30, true},
		{" 2 GiB ", 2 << 30, true},
		{"", 0, false},
		{"-1", 0, false},
		{"1.5MiB", 0, false},
		{"MiB", 0, false},
		{"99999999999GiB", 0, false},
	} {
		var z size
		err := z.Set(tc.in)
		if (err == nil) != tc.ok || tc.ok && int64(z) != tc.want {
			t.Errorf("Set(%q) = %d, %v; want %d, ok %v", tc.in, z, err, tc.want, tc.ok)
		}
	}
	for n, want := range map[int64]string{0: "0B", 512: "512B", 1536: "1.5KiB", 64 << 20: "64MiB", 1 << 30: "1GiB", 3 << 29: "1.5GiB", -2048: "-2.0KiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
