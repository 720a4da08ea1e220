package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppkit/xmpp/jid"
)

// suite is what every case shares: the configuration, the health client,
// the stats and their baseline.
type suite struct {
	cfg    *config
	out    io.Writer
	stats  *statsClient // nil without -stats
	health *health
	base   stats // the server's figures with only the health client on
	token  string

	mu     sync.Mutex
	logins int
}

// newSuite logs the health client in and reads the baseline.
func newSuite(ctx context.Context, cfg *config, out io.Writer) (*suite, error) {
	domain, err := jid.Parse(cfg.domain)
	if err != nil || domain.Localpart() != "" || domain.Resourcepart() != "" {
		return nil, fmt.Errorf("%w: -domain %q is not a domain", errUsage, cfg.domain)
	}
	var tok [4]byte
	rand.Read(tok[:])
	s := &suite{cfg: cfg, out: out, stats: newStatsClient(cfg.stats), token: hex.EncodeToString(tok[:])}
	s.health = newHealth(cfg, domain)
	if err := s.health.ensure(ctx, s.streamLogin); err != nil {
		return nil, err
	}
	if s.stats != nil {
		if s.base, err = s.stats.get(ctx); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

func (s *suite) close() { s.health.close() }

func (s *suite) baselineString() string {
	if s.stats == nil {
		return "not measured (no -stats)"
	}
	return fmt.Sprintf("connections %d, sessions %d, rss %s", s.base.Connections, s.base.Sessions, formatBytes(int64(s.base.RSS)))
}

// hostileCase is one attack: run carries it out and checks the wire
// (assertion (a)), returning why it failed; the suite checks (b) to (d)
// around it.
type hostileCase struct {
	name string
	run  func(ctx context.Context, c *caseCtx) error
}

// caseCtx is what a case records while it runs.
type caseCtx struct {
	*suite
	from, to time.Time // the attack; zero: the whole run
	sent     atomic.Int64

	mu    sync.Mutex
	seen  map[string]int // what the attacks met, by condition
	notes []string
}

// saw records one outcome of an attack, typically the stream error
// condition it met.
func (c *caseCtx) saw(what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]int{}
	}
	c.seen[what]++
}

func (c *caseCtx) note(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

func (c *caseCtx) begin() { c.from = time.Now() }
func (c *caseCtx) end()   { c.to = time.Now() }

// repeat runs attack, each time on a new connection, at least minRuns
// times and until -min-attack has passed and a health ping sent since the
// first began has been answered, or -max-ping more has passed; it stops
// at the first attack that fails.
func (c *caseCtx) repeat(ctx context.Context, minRuns int, attack func(ctx context.Context, i int) error) error {
	c.begin()
	defer c.end()
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := attack(ctx, i); err != nil {
			if i > 0 {
				return fmt.Errorf("attack %d: %w", i+1, err)
			}
			return err
		}
		if c.enough(i+1, minRuns) {
			if i > 0 {
				c.note("%d attacks", i+1)
			}
			return nil
		}
	}
}

// enough reports whether an attack begun at c.from that has made done
// attempts may stop: minRuns made, -min-attack passed, and a health ping
// sent since c.from answered, or -max-ping more passed without one (which
// assertion (b) then reports).
func (c *caseCtx) enough(done, minRuns int) bool {
	if done < minRuns {
		return false
	}
	took := time.Since(c.from)
	return took >= c.cfg.minAttack && c.health.completedSince(c.from) > 0 || took >= c.cfg.minAttack+c.cfg.maxPing
}

// result is the outcome of one case.
type result struct {
	name  string
	dur   time.Duration
	seen  string
	sent  int64
	notes []string
	wire  check // (a)
	ping  check // (b)
	rss   check // (c)
	conns check // (d)
}

func (r *result) pass() bool {
	return r.wire.fail == "" && r.ping.fail == "" && r.rss.fail == "" && r.conns.fail == ""
}

// line is the case's line of output.
func (r *result) line() string {
	verdict := "PASS"
	if !r.pass() {
		verdict = "FAIL"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s, %s, sent %s, %s, %s, %s", verdict, r.name, r.seen,
		r.dur.Round(10*time.Millisecond), formatBytes(r.sent), r.ping, r.rss, r.conns)
	for _, n := range r.notes {
		b.WriteString("; " + n)
	}
	var fails []string
	for _, f := range []struct{ tag, fail string }{{"(a)", r.wire.fail}, {"(b)", r.ping.fail}, {"(c)", r.rss.fail}, {"(d)", r.conns.fail}} {
		if f.fail != "" {
			fails = append(fails, f.tag+" "+f.fail)
		}
	}
	if len(fails) > 0 {
		b.WriteString(" — " + strings.Join(fails, "; "))
	}
	return b.String()
}

// runCase runs hc and checks (a) to (d).
func (s *suite) runCase(ctx context.Context, hc *hostileCase) *result {
	r := &result{name: hc.name}
	if err := s.health.ensure(ctx, s.streamLogin); err != nil {
		r.seen = "not run"
		r.ping.fail = err.Error()
		r.rss.unmeasured, r.conns.unmeasured = "rss not measured", "connections not measured"
		return r
	}
	c := &caseCtx{suite: s}
	var smp *sampler
	if s.stats != nil {
		smp = startSampler(ctx, s.stats)
	}
	start := time.Now()
	err := hc.run(ctx, c)
	r.dur = time.Since(start)
	if err != nil {
		r.wire.fail = err.Error()
	}
	if c.from.IsZero() {
		c.from = start
	}
	if c.to.IsZero() {
		c.to = start.Add(r.dur)
	}
	r.ping = s.health.judge(ctx, c.from, c.to, err != nil)
	if smp != nil {
		r.rss = smp.finish(int64(s.cfg.maxRSSGrowth))
		r.conns = s.settle(ctx)
	} else {
		r.rss.unmeasured = "rss not measured (no -stats)"
		r.conns.unmeasured = "connections not measured (no -stats)"
	}
	r.sent = c.sent.Load()
	r.notes = c.notes
	var seen []string
	for what, n := range c.seen {
		if n > 1 {
			what = fmt.Sprintf("%s ×%d", what, n)
		}
		seen = append(seen, what)
	}
	sort.Strings(seen)
	r.seen = strings.Join(seen, ", ")
	if r.seen == "" {
		r.seen = "nothing"
	}
	return r
}

// settle waits until the server's connections and sessions are back to
// the baseline, for assertion (d).
func (s *suite) settle(ctx context.Context) check {
	start := time.Now()
	deadline := start.Add(s.cfg.slack)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	var last stats
	var err error
	for {
		last, err = s.stats.get(ctx)
		if err == nil && last.Connections <= s.base.Connections && last.Sessions <= s.base.Sessions {
			return check{text: fmt.Sprintf("conns back in %s", time.Since(start).Round(time.Millisecond))}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	if err != nil {
		return check{text: "conns unknown", fail: err.Error()}
	}
	return check{
		text: fmt.Sprintf("conns %d sessions %d", last.Connections, last.Sessions),
		fail: fmt.Sprintf("%d connections and %d sessions %s after the case, baseline %d and %d: leaked",
			last.Connections, last.Sessions, s.cfg.slack, s.base.Connections, s.base.Sessions),
	}
}
