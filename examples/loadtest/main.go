// Command loadtest is a load generator for any XMPP client-to-server
// service that offers SASL PLAIN or SCRAM (RFC 6120 §6): it logs in many
// streams, sends chat messages between random pairs of them, and checks
// that every message arrives exactly once and, between each sender and
// receiver, in the order sent (RFC 6120 §10.1 asks a server to deliver
// a sender's stanzas to one recipient in order).
//
//	go run ./examples/loadtest -addr 127.0.0.1:5222 -domain localhost -users 1000 -password secret -streams 1000 -messages 100000
//
// Against examples/server:
//
//	go run ./examples/server -tls none -plain -register-users 1000 -log warn -debug-addr 127.0.0.1:5280
//	go run ./examples/loadtest -plain -users 1000 -streams 1000 -messages 100000 -stats http://127.0.0.1:5280/debug/xmppkit
//
// Flags:
//
//	-addr 127.0.0.1:5222     the server
//	-domain localhost        the XMPP domain of the accounts
//	-users 1000              the accounts are user1 … userN; stream i logs in
//	                         as user((i mod N)+1) with the resource lt<i>
//	-password secret         their common password
//	-streams 100             streams to log in
//	-messages 10000          messages to send in all (0: none, just log in)
//	-rate 0                  messages per second in all (0: as fast as the
//	                         windows allow)
//	-window 32               most messages of one sender in flight (sent,
//	                         not yet arrived), so that a server that keeps
//	                         up never has to drop any
//	-seed 1                  seed of the random choice of receivers
//	-login-parallel 64       logins under way at once
//	-tls none|optional|required
//	                         STARTTLS policy (default optional)
//	-cafile FILE             trust the CA or self-signed certificate in FILE (PEM)
//	-insecure                do not verify the server's certificate at all
//	-plain                   log in with SASL PLAIN only, without TLS too
//	                         (cheap logins; SCRAM costs a PBKDF2 per login)
//	-idle 0                  once every stream is logged in, hold them idle
//	                         that long before sending
//	-stats URL               the server's /debug/xmppkit (examples/server
//	                         -debug-addr): report its memory growth per
//	                         stream, between before the first login and
//	                         after the last (and -idle), both after a
//	                         garbage collection
//	-max-stream-bytes 0      fail when that growth (heap + stack) exceeds
//	                         this many bytes per stream (0: no bound)
//	-timeout 10m             bound on the whole run
//	-drain 30s               how long to wait for the last messages once
//	                         sending is done (and how long a sender waits
//	                         for room in its window)
//	-json                    print the summary as one JSON object
//
// The summary goes to standard output: logins (count, time, rate),
// the server's memory per stream (with -stats), messages sent and
// received, throughput (messages per second from the first send to the
// last arrival), latency percentiles from send to arrival, and the
// messages lost (not arrived by the end of -drain), duplicated and
// reordered, and the errors: stanza errors (a bounced message),
// stream errors, streams that ended early, and anything unexpected.
// On a terminal, a progress line is written to standard error meanwhile.
//
// The exit status is 0 when every stream logged in and every message
// arrived once and in order without any error, 1 otherwise (standard
// error says why), 2 for a bad command line.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/sasl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// maxStreams bounds -streams (and so the stream numbers messages carry).
const maxStreams = 1 << 20

// plainOnly is ClientConfig.Mechanisms with -plain.
var plainOnly = []sasl.Mechanism{sasl.Plain}

// config is the command line, parsed.
type config struct {
	addr, domain, password string
	users, streams         int
	messages, window       int
	loginParallel          int
	rate                   float64
	seed                   uint64
	tls                    stream.TLSPolicy
	tlsConfig              *tls.Config
	plain                  bool
	idle, timeout, drain   time.Duration
	statsURL               string
	maxStreamBytes         int64
	json                   bool
}

// usageError is a bad command line: exit status 2.
type usageError struct{ error }

// errFailed is returned by run when the load ran but found faults.
var errFailed = errors.New("FAIL")

// parseArgs parses the command line; its errors are usageErrors (or
// flag.ErrHelp).
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.addr, "addr", "127.0.0.1:5222", "server address host:port")
	fs.StringVar(&c.domain, "domain", "localhost", "XMPP domain of the accounts")
	fs.IntVar(&c.users, "users", 1000, "accounts user1 … userN; stream i logs in as user((i mod N)+1)")
	fs.StringVar(&c.password, "password", "secret", "the accounts' password")
	fs.IntVar(&c.streams, "streams", 100, "streams to log in")
	fs.IntVar(&c.messages, "messages", 10000, "messages to send in all (0: none)")
	fs.Float64Var(&c.rate, "rate", 0, "messages per second in all (0: as fast as the windows allow)")
	fs.IntVar(&c.window, "window", 32, "most messages of one sender in flight")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the random choice of receivers")
	fs.IntVar(&c.loginParallel, "login-parallel", 64, "logins under way at once")
	tlsFlag := fs.String("tls", "optional", "STARTTLS policy: none, optional or required")
	cafile := fs.String("cafile", "", "PEM file of a CA or self-signed certificate to trust")
	insecure := fs.Bool("insecure", false, "skip verifying the server's certificate")
	fs.BoolVar(&c.plain, "plain", false, "log in with SASL PLAIN only, also without TLS")
	fs.DurationVar(&c.idle, "idle", 0, "hold every stream idle that long after the last login")
	fs.StringVar(&c.statsURL, "stats", "", "the server's /debug/xmppkit URL: report its memory per stream")
	fs.Int64Var(&c.maxStreamBytes, "max-stream-bytes", 0, "fail when the server's heap+stack per stream exceeds this (0: no bound)")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Minute, "bound on the whole run")
	fs.DurationVar(&c.drain, "drain", 30*time.Second, "wait for the last messages that long after sending")
	fs.BoolVar(&c.json, "json", false, "print the summary as one JSON object")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{err}
	}
	bad := func(format string, args ...any) (*config, error) {
		return nil, usageError{fmt.Errorf(format, args...)}
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected arguments: %q", fs.Args())
	case c.users < 1:
		return bad("-users %d: want at least 1", c.users)
	case c.streams < 1 || c.streams > maxStreams:
		return bad("-streams %d: want 1 to %d", c.streams, maxStreams)
	case c.messages < 0 || c.messages > 1<<32-1:
		return bad("-messages %d: want 0 to %d", c.messages, 1<<32-1)
	case c.messages > 0 && c.streams < 2:
		return bad("-messages needs -streams 2 or more: a stream does not send to itself")
	case c.rate < 0:
		return bad("-rate %v: want 0 or more", c.rate)
	case c.window < 1:
		return bad("-window %d: want at least 1", c.window)
	case c.loginParallel < 1:
		return bad("-login-parallel %d: want at least 1", c.loginParallel)
	case c.timeout <= 0, c.drain <= 0, c.idle < 0:
		return bad("-timeout and -drain must be positive, -idle not negative")
	case c.maxStreamBytes < 0:
		return bad("-max-stream-bytes %d: want 0 or more", c.maxStreamBytes)
	case c.maxStreamBytes > 0 && c.statsURL == "":
		return bad("-max-stream-bytes needs -stats")
	}
	if _, err := jid.New("user1", c.domain, "lt0"); err != nil {
		return bad("-domain %q: %w", c.domain, err)
	}
	switch *tlsFlag {
	case "none", "off":
		c.tls = stream.TLSOff
	case "optional":
		c.tls = stream.TLSOptional
	case "required":
		c.tls = stream.TLSRequired
	default:
		return bad("-tls %q: want none, optional or required", *tlsFlag)
	}
	c.tlsConfig = &tls.Config{InsecureSkipVerify: *insecure}
	if *cafile != "" {
		pem, err := os.ReadFile(*cafile)
		if err != nil {
			return bad("-cafile: %w", err)
		}
		c.tlsConfig.RootCAs = x509.NewCertPool()
		if !c.tlsConfig.RootCAs.AppendCertsFromPEM(pem) {
			return bad("-cafile: no PEM certificate in %s", *cafile)
		}
	}
	return c, nil
}

// run runs the command: args are its arguments, the summary goes to
// stdout, the progress line (on a terminal) to stderr. It returns a
// usageError for a bad command line and an error wrapping errFailed
// when the load found faults.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	l := newLoad(cfg)
	var stopProgress func()
	if isTerminal(stderr) {
		stopProgress = startProgress(l, stderr)
	}
	sum := l.run(ctx)
	if stopProgress != nil {
		stopProgress()
	}
	if cfg.json {
		err = writeJSON(stdout, sum)
	} else {
		err = writeText(stdout, sum)
	}
	if err != nil {
		return err
	}
	if !sum.OK {
		return fmt.Errorf("%w: %s", errFailed, strings.Join(sum.Failures, "; "))
	}
	return nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressEvery is how often the progress line is rewritten.
const progressEvery = 500 * time.Millisecond

// startProgress writes l's progress line to w until the returned
// function is called, which erases it.
func startProgress(l *load, w io.Writer) (stop func()) {
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		var lastRecv int64
		lastAt := time.Now()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case now := <-t.C:
				recv := l.chk.received.Load()
				rate := float64(recv-lastRecv) / now.Sub(lastAt).Seconds()
				lastRecv, lastAt = recv, now
				fmt.Fprintf(w, "\r%s\x1b[K", progressLine(l, rate))
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}

// progressLine describes where l is; rate is the recent arrivals per
// second.
func progressLine(l *load, rate float64) string {
	ph := l.phase.Load()
	s := fmt.Sprintf("%-7s %6.1fs  streams %d/%d", phaseNames[ph], l.since().Seconds(), l.loggedIn.Load(), l.cfg.streams)
	if ph >= phaseSend {
		s += fmt.Sprintf("  sent %d/%d  received %d  %.0f msg/s", l.nsent.Load(), l.cfg.messages, l.chk.received.Load(), rate)
	}
	if n := l.errorCount(); n > 0 {
		s += fmt.Sprintf("  errors %d", n)
	}
	return s
}

// errorCount is the running total of errors, duplicates and reorders.
func (l *load) errorCount() int64 {
	return l.loginErrors.Load() + l.sendErrors.Load() + l.closeErrors.Load() +
		l.stanzaErrors.Load() + l.streamErrors.Load() + l.endedEarly.Load() +
		l.stalled.Load() + l.misrouted.Load() + l.unexpected.Load() + l.badStanzas.Load() +
		l.chk.duplicates.Load() + l.chk.reordered.Load() + l.chk.bogus.Load()
}

// summary is a run's outcome, as printed (-json: with these names).
type summary struct {
	OK       bool     `json:"ok"`
	Failures []string `json:"failures"`

	Streams         int     `json:"streams"`
	LoggedIn        int     `json:"logged_in"`
	LoginSeconds    float64 `json:"login_seconds"`
	LoginsPerSecond float64 `json:"logins_per_second"`

	Server *memoryReport `json:"server,omitempty"`

	Messages    int     `json:"messages"`
	Sent        int64   `json:"sent"`
	Received    int64   `json:"received"`
	SendSeconds float64 `json:"send_seconds"`
	Throughput  float64 `json:"messages_per_second"`

	Latency latencyReport `json:"latency_ms"`

	Lost        int64       `json:"lost"`
	Duplicates  int64       `json:"duplicates"`
	Reordered   int64       `json:"reordered"`
	Errors      int64       `json:"errors"`
	ErrorCounts errorCounts `json:"error_counts"`
	ErrorLines  []string    `json:"error_lines,omitempty"`

	Elapsed float64 `json:"elapsed_seconds"`
}

// latencyReport holds latency percentiles in milliseconds.
type latencyReport struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// errorCounts counts the errors by kind.
type errorCounts struct {
	Login       int64 `json:"login"`        // logins that failed
	Send        int64 `json:"send"`         // sends that failed
	Close       int64 `json:"close"`        // closes that failed
	StanzaError int64 `json:"stanza_error"` // messages bounced (RFC 6120 §8.3)
	StreamError int64 `json:"stream_error"` // stream errors received (§4.9)
	EndedEarly  int64 `json:"ended_early"`  // streams that ended before the close
	Stalled     int64 `json:"stalled"`      // senders that gave up on a full window
	Misrouted   int64 `json:"misrouted"`    // messages delivered to the wrong stream
	Unexpected  int64 `json:"unexpected"`   // stanzas the load did not send
	BadStanza   int64 `json:"bad_stanza"`   // stanzas with an invalid address or value
}

func (e errorCounts) total() int64 {
	return e.Login + e.Send + e.Close + e.StanzaError + e.StreamError + e.EndedEarly +
		e.Stalled + e.Misrouted + e.Unexpected + e.BadStanza
}

func seconds(d time.Duration) float64 { return round3(d.Seconds()) }
func millis(d time.Duration) float64  { return round3(float64(d) / float64(time.Millisecond)) }

// round3 rounds to three decimals, for a readable JSON summary.
func round3(f float64) float64 {
	if f < 0 {
		return -round3(-f)
	}
	return float64(int64(f*1000+0.5)) / 1000
}

// writeJSON writes sum as one JSON object on one line.
func writeJSON(w io.Writer, sum *summary) error {
	s := *sum
	if s.Failures == nil {
		s.Failures = []string{}
	}
	s.LoginsPerSecond = round3(s.LoginsPerSecond)
	s.Throughput = round3(s.Throughput)
	return json.NewEncoder(w).Encode(&s)
}

// writeText writes sum for people.
func writeText(w io.Writer, s *summary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "streams     %d/%d logged in in %.2fs (%.0f logins/s)\n",
		s.LoggedIn, s.Streams, s.LoginSeconds, s.LoginsPerSecond)
	if m := s.Server; m != nil {
		fmt.Fprintf(&b, "server      %d sessions, %d connections, %d goroutines\n", m.Sessions, m.Connections, m.Goroutines)
		fmt.Fprintf(&b, "per stream  heap %s + stack %s = %s; RSS %s\n",
			iec(m.HeapPerStream), iec(m.StackPerStream), iec(m.BytesPerStream), iec(m.RSSPerStream))
	}
	if s.Messages > 0 {
		fmt.Fprintf(&b, "messages    %d sent, %d received in %.2fs: %.0f msg/s\n",
			s.Sent, s.Received, s.SendSeconds, s.Throughput)
		fmt.Fprintf(&b, "latency     p50 %.3fms  p90 %.3fms  p99 %.3fms  max %.3fms\n",
			s.Latency.P50, s.Latency.P90, s.Latency.P99, s.Latency.Max)
	}
	fmt.Fprintf(&b, "faults      %d lost, %d duplicated, %d reordered, %d errors\n",
		s.Lost, s.Duplicates, s.Reordered, s.Errors)
	if s.Errors > 0 {
		e := s.ErrorCounts
		fmt.Fprintf(&b, "errors      login %d, send %d, close %d, stanza error %d, stream error %d, ended early %d, stalled %d, misrouted %d, unexpected %d, bad stanza %d\n",
			e.Login, e.Send, e.Close, e.StanzaError, e.StreamError, e.EndedEarly, e.Stalled, e.Misrouted, e.Unexpected, e.BadStanza)
	}
	for _, line := range s.ErrorLines {
		fmt.Fprintf(&b, "  %s\n", line)
	}
	fmt.Fprintf(&b, "elapsed     %.2fs\n", s.Elapsed)
	if s.OK {
		b.WriteString("result      OK\n")
	} else {
		fmt.Fprintf(&b, "result      FAIL: %s\n", strings.Join(s.Failures, "; "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// iec formats a byte count with a binary unit.
func iec(n int64) string {
	a := n
	if a < 0 {
		a = -a
	}
	switch {
	case a >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case a >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case a >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
