// Command hostile attacks a running XMPP client-to-server service with
// hostile peers, one case at a time, and checks that the server answers
// each with the right stream error (RFC 6120 §4.9.3) and stays healthy
// for everyone else. It is the hostile-peer suite of issue 8, written for
// examples/server but usable against any c2s server that offers SASL PLAIN
// without TLS.
//
//	go run ./examples/server -addr 127.0.0.1:35222 -tls none -plain \
//		-handshake-timeout 3s -write-timeout 2s -debug-addr 127.0.0.1:35280 &
//	go run ./examples/hostile -addr 127.0.0.1:35222 -domain localhost \
//		-stats http://127.0.0.1:35280/debug/xmppkit -user alice -password secret \
//		-handshake-timeout 3s -write-timeout 2s
//
// For every case it asserts:
//
//	(a) the exact stream error condition on the wire: the server's header
//	    (when not sent yet), <stream:features/> (only before login),
//	    <stream:error/> with the expected condition, </stream:stream>, then
//	    the end of the connection (EOF or reset; nothing else after the
//	    closing tag);
//	(b) the server stays healthy for others: a separate client, logged in
//	    as -user, sends XEP-0199 pings to the domain all along; at least one
//	    full round trip completes while the attack is under way, and none
//	    takes longer than -max-ping (nor fails);
//	(c) the server's RSS, read from -stats every 100 ms, grows by less than
//	    -max-rss-growth over its value at the start of the case;
//	(d) afterwards the server's connections and sessions (from -stats) come
//	    back to their baseline, the health client's, within -slack: nothing
//	    leaked.
//
// Without -stats, (c) and (d) are reported as not measured (never as
// passed) and the verdict rests on (a) and (b).
//
// Cases (-cases takes a comma-separated list of these, or all, the
// default, which runs them in this order, the slow ones last):
//
//	big         a logged-in client sends a 2 MiB <message/> → policy-violation
//	deep        a logged-in client sends a message nesting 100,000 elements
//	            deep → policy-violation
//	attrs       a logged-in client sends an element with 20,000 attributes
//	            → policy-violation
//	drip        before authenticating (after its header: the attack needs no
//	            account), a client sends <message a=' and then attribute bytes
//	            in 64 KiB writes, up to -drip bytes → policy-violation long
//	            before they are through (the bytes the server took are reported)
//	random      -random-conns connections, each sending 16 to 2,048 random
//	            bytes from a generator seeded with -seed, the first of them
//	            ASCII but neither NUL, '<' nor whitespace (so that no encoding
//	            detection applies) → the server's header, then not-well-formed,
//	            on each
//	drop        -drop-conns connections, -drop-parallel at a time, each sends
//	            a partial header and is dropped abruptly (linger 0: a reset)
//	            → no answer needed; (b), (c) and (d) are what count
//	slowreader  a logged-in victim that never reads (small receive buffer)
//	            while another logged-in client floods it with messages → the
//	            server ends the victim's session within -write-timeout +
//	            -slack (its sessions count drops, or the flooder's messages to
//	            it start bouncing), closes its connection (reading it at the
//	            end gives EOF or a reset after the queued bytes; the stream
//	            error itself may never reach a client that does not read, so
//	            it is not asserted), and the flooder's stream stays usable (a
//	            ping succeeds afterwards)
//	silent      a client opens TCP and sends nothing → the server's header,
//	            connection-timeout and the closing tag, between 0.9× and
//	            1.5× -handshake-timeout + 1s after the connection
//	slow        a client sends a header, then the start of a SASL <auth/>,
//	            one byte every -slow-every → connection-timeout at the same
//	            time as for silent
//
// The quick attacks (big, deep, attrs, drip, random, and slowreader, whose
// rounds each take a new victim and a new flooder) are repeated, each time on
// new connections and each time checked on the wire, until -min-attack has
// passed and a health ping has completed since the first began (or -max-ping
// more has passed: (b) then fails), so that "the server answers pings while
// under attack" is measured even when one attack takes a millisecond; drop
// likewise goes on past -drop-conns connections until then. A case stops at
// its first failed attack.
//
// Flags:
//
//	-addr 127.0.0.1:5222        the server
//	-domain localhost           its XMPP domain
//	-stats URL                  its JSON monitoring endpoint (examples/server
//	                            -debug-addr: http://ADDR/debug/xmppkit), with
//	                            "connections", "sessions" and "rss"; empty: (c)
//	                            and (d) are not measured
//	-user alice -password secret
//	                            the account every logged-in client uses (each
//	                            with a resource of its own)
//	-handshake-timeout 30s      the server's (silent, slow)
//	-write-timeout 10s          the server's (slowreader)
//	-max-ping 2s                the longest a health ping may take
//	-max-rss-growth 64MiB       the most the server's RSS may grow in a case
//	-cases all                  the cases to run, comma-separated
//	-drip 1GiB                  the most bytes drip sends
//	-drop-conns 10000           the connections drop opens and drops
//	-drop-parallel 100          how many at a time
//	-random-conns 50            the least connections random makes
//	-seed 1                     random's seed
//	-min-attack 500ms           how long the quick attacks are kept up
//	-slow-every 1s              slow's pace, one byte each
//	-ping-every 10ms            the pause between two health pings
//	-slack 5s                   grace added to the server's timeouts: for an
//	                            answer to come, for a session to go, for the
//	                            connections to come back to the baseline
//
// It prints one line per case — PASS or FAIL, the name, the condition seen,
// the duration, the bytes sent, the health pings (count and slowest), the RSS
// growth, and how long the connections took to come back — then a summary.
// The exit status is 1 if any case failed, 2 for a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	case errors.Is(err, errFailed):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var (
	// errUsage is wrapped by run's errors for a bad command line.
	errUsage = errors.New("hostile: usage")
	// errFailed is returned by run when a case failed.
	errFailed = errors.New("hostile: a case failed")
)

// config is the command line.
type config struct {
	addr, domain, stats string
	user, password      string
	handshakeTimeout    time.Duration
	writeTimeout        time.Duration
	maxPing             time.Duration
	maxRSSGrowth        size
	cases               []string
	drip                size
	dropConns           int
	dropParallel        int
	randomConns         int
	seed                int64
	minAttack           time.Duration
	slowEvery           time.Duration
	pingEvery           time.Duration
	slack               time.Duration
}

// parseFlags reads the command line; -h writes the flags' usage to out.
func parseFlags(args []string, out io.Writer) (*config, error) {
	c := &config{maxRSSGrowth: 64 << 20, drip: 1 << 30}
	fs := flag.NewFlagSet("hostile", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, with a hint
	fs.StringVar(&c.addr, "addr", "127.0.0.1:5222", "the server's address, host:port")
	fs.StringVar(&c.domain, "domain", "localhost", "the server's XMPP domain")
	fs.StringVar(&c.stats, "stats", "", "URL of the server's JSON stats (connections, sessions, rss); empty: not measured")
	fs.StringVar(&c.user, "user", "alice", "account of the logged-in clients")
	fs.StringVar(&c.password, "password", "secret", "its password")
	fs.DurationVar(&c.handshakeTimeout, "handshake-timeout", 30*time.Second, "the server's handshake timeout")
	fs.DurationVar(&c.writeTimeout, "write-timeout", 10*time.Second, "the server's write timeout")
	fs.DurationVar(&c.maxPing, "max-ping", 2*time.Second, "the longest a health ping may take")
	fs.Var(&c.maxRSSGrowth, "max-rss-growth", "the most the server's RSS may grow during a case (B, KiB, MiB, GiB)")
	cases := fs.String("cases", "all", "cases to run, comma-separated: all or "+strings.Join(caseNames(), ","))
	fs.Var(&c.drip, "drip", "the most bytes the drip case sends")
	fs.IntVar(&c.dropConns, "drop-conns", 10000, "connections the drop case opens and drops")
	fs.IntVar(&c.dropParallel, "drop-parallel", 100, "how many of them at a time")
	fs.IntVar(&c.randomConns, "random-conns", 50, "the least connections the random case makes")
	fs.Int64Var(&c.seed, "seed", 1, "seed of the random case")
	fs.DurationVar(&c.minAttack, "min-attack", 500*time.Millisecond, "how long the quick attacks are kept up")
	fs.DurationVar(&c.slowEvery, "slow-every", time.Second, "the slow case's pace: one byte each")
	fs.DurationVar(&c.pingEvery, "ping-every", 10*time.Millisecond, "the pause between two health pings")
	fs.DurationVar(&c.slack, "slack", 5*time.Second, "grace added to the server's timeouts")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			fmt.Fprintln(out, "usage: hostile [flags] (go doc ./examples/hostile tells more)")
			fs.PrintDefaults()
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w (-h lists the flags)", errUsage, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	var bad []string
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"handshake-timeout", c.handshakeTimeout}, {"write-timeout", c.writeTimeout},
		{"max-ping", c.maxPing}, {"slow-every", c.slowEvery}, {"slack", c.slack},
	} {
		if d.v <= 0 {
			bad = append(bad, "-"+d.name+" must be positive")
		}
	}
	if c.minAttack < 0 || c.pingEvery < 0 {
		bad = append(bad, "-min-attack and -ping-every must not be negative")
	}
	if c.dropConns < 1 || c.dropParallel < 1 || c.randomConns < 1 {
		bad = append(bad, "-drop-conns, -drop-parallel and -random-conns must be at least 1")
	}
	if c.drip < 64<<10 {
		bad = append(bad, "-drip must be at least 64KiB")
	}
	if c.user == "" || c.domain == "" {
		bad = append(bad, "-user and -domain must not be empty")
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: %s", errUsage, strings.Join(bad, "; "))
	}
	for name := range strings.SplitSeq(*cases, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
		case name == "all":
			c.cases = append(c.cases, caseNames()...)
		case findCase(name) != nil:
			c.cases = append(c.cases, name)
		default:
			return nil, fmt.Errorf("%w: unknown case %q (cases: %s)", errUsage, name, strings.Join(caseNames(), ", "))
		}
	}
	if len(c.cases) == 0 {
		return nil, fmt.Errorf("%w: no case to run", errUsage)
	}
	return c, nil
}

// run parses args, runs the cases, writes one line per case and a
// summary to stdout, and returns errFailed if any case failed.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	s, err := newSuite(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	defer s.close()
	fmt.Fprintf(stdout, "hostile: %s (%s), health client %s, baseline %s\n",
		cfg.addr, cfg.domain, s.health.jid(), s.baselineString())
	start := time.Now()
	var failed, unmeasured []string
	for _, name := range cfg.cases {
		if ctx.Err() != nil {
			return fmt.Errorf("hostile: %w", ctx.Err())
		}
		r := s.runCase(ctx, findCase(name))
		fmt.Fprintln(stdout, r.line())
		if !r.pass() {
			failed = append(failed, name)
		}
		if r.rss.unmeasured != "" || r.conns.unmeasured != "" {
			unmeasured = append(unmeasured, name)
		}
	}
	sum := fmt.Sprintf("summary: %d cases, %d passed, %d failed", len(cfg.cases), len(cfg.cases)-len(failed), len(failed))
	if len(failed) > 0 {
		sum += " (" + strings.Join(failed, ", ") + ")"
	}
	if len(unmeasured) > 0 {
		sum += "; RSS and connections not measured for " + strings.Join(unmeasured, ", ")
	}
	fmt.Fprintf(stdout, "%s; %s\n", sum, time.Since(start).Round(10*time.Millisecond))
	if len(failed) > 0 {
		return errFailed
	}
	return nil
}

// size is a byte count flag: a number with an optional binary unit (B,
// KiB, MiB, GiB; K, M, G mean the same).
type size int64

func (z *size) String() string { return formatBytes(int64(*z)) }

func (z *size) Set(s string) error {
	num := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return fmt.Errorf("not a size: %q", s)
	}
	*z = size(n * mult)
	return nil
}

// formatBytes writes n with a binary unit.
func formatBytes(n int64) string {
	neg := ""
	if n < 0 {
		neg, n = "-", -n
	}
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%s%dGiB", neg, n>>30)
	case n >= 1<<30:
		return fmt.Sprintf("%s%.1fGiB", neg, float64(n)/(1<<30))
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%s%dMiB", neg, n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%s%.1fMiB", neg, float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%s%.1fKiB", neg, float64(n)/(1<<10))
	}
	return fmt.Sprintf("%s%dB", neg, n)
}
