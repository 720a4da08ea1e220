package main

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/streamerror"
)

// The phases of a run, in order, as the progress line names them.
const (
	phaseLogin int32 = iota
	phaseIdle
	phaseMeasure
	phaseSend
	phaseDrain
	phaseClose
	phaseDone
)

var phaseNames = [...]string{"login", "idle", "measure", "send", "drain", "close", "done"}

// maxErrorLines bounds the error descriptions a run keeps for its
// report; the counters count them all.
const maxErrorLines = 10

// statsWait bounds how long a run waits for the server to report every
// session before it measures memory.
const statsWait = 30 * time.Second

// load is one run: the streams, the checker and the counters.
type load struct {
	cfg  *config
	base stream.ClientConfig // every stream's, but for the JID
	chk  *checker

	// epoch is the origin of the send timestamps that messages carry:
	// time.Since(epoch) reads the monotonic clock.
	epoch time.Time

	// Indexed by stream; windows and done are made before any goroutine
	// starts, streams[i] and jids[i] are written by stream i's login and
	// read after every login is over (or by i's own reader).
	streams []*stream.Stream
	jids    []jid.JID
	// windows[s] holds a token per message of sender s in flight: sent
	// and neither arrived nor bounced.
	windows []chan struct{}
	// readers[i] is closed when stream i's reader returns.
	readers []chan struct{}
	// sent[s] is how many messages sender s sent; written by its sender
	// goroutine only, read once senders are done.
	sent []uint32

	phase    atomic.Int32
	loggedIn atomic.Int64
	nsent    atomic.Int64
	// pending counts the messages sent and not yet arrived or bounced,
	// plus one while the senders run; whoever brings it to zero closes
	// allIn.
	pending   atomic.Int64
	allIn     chan struct{}
	allInOnce sync.Once
	closing   atomic.Bool
	// sendStart and lastArrival are durations since epoch.
	sendStart   atomic.Int64
	lastArrival atomic.Int64

	loginErrors, sendErrors, closeErrors atomic.Int64
	stanzaErrors, streamErrors           atomic.Int64
	endedEarly, stalled, misrouted       atomic.Int64
	unexpected, badStanzas               atomic.Int64

	mu     sync.Mutex
	errors []string // the first maxErrorLines error descriptions
}

// newLoad prepares a run of cfg.
func newLoad(cfg *config) *load {
	n := cfg.streams
	quota := make([]uint32, n)
	for s := range quota {
		quota[s] = uint32(cfg.messages / n)
		if s < cfg.messages%n {
			quota[s]++
		}
	}
	l := &load{
		cfg:     cfg,
		chk:     newChecker(quota),
		epoch:   time.Now(),
		streams: make([]*stream.Stream, n),
		jids:    make([]jid.JID, n),
		windows: make([]chan struct{}, n),
		readers: make([]chan struct{}, n),
		sent:    make([]uint32, n),
		allIn:   make(chan struct{}),
	}
	for i := range n {
		l.windows[i] = make(chan struct{}, cfg.window)
		l.readers[i] = make(chan struct{})
	}
	l.base = stream.ClientConfig{
		Password:             cfg.password,
		TLS:                  cfg.tls,
		TLSConfig:            cfg.tlsConfig,
		AllowPlainWithoutTLS: cfg.plain,
	}
	if cfg.plain {
		l.base.Mechanisms = plainOnly
	}
	return l
}

// fail records an error description for the report.
func (l *load) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errors) < maxErrorLines {
		l.errors = append(l.errors, fmt.Sprintf(format, args...))
	}
}

// since returns the time elapsed since the epoch.
func (l *load) since() time.Duration { return time.Since(l.epoch) }

// run runs the load: login, idle, memory figures, send, drain, close.
// It returns the summary; its Failures say what went wrong.
func (l *load) run(ctx context.Context) *summary {
	cfg := l.cfg
	sum := &summary{Streams: cfg.streams, Messages: cfg.messages}
	var failures []string
	defer func() { sum.Elapsed = seconds(l.since()) }()

	var baseline serverStats
	if cfg.statsURL != "" {
		var err error
		if baseline, err = fetchStats(ctx, cfg.statsURL, true); err != nil {
			sum.Failures = append(sum.Failures, err.Error())
			return sum
		}
	}

	// Login.
	t0 := time.Now()
	l.login(ctx)
	loginTime := time.Since(t0)
	sum.LoggedIn = int(l.loggedIn.Load())
	sum.LoginSeconds = seconds(loginTime)
	if loginTime > 0 {
		sum.LoginsPerSecond = float64(sum.LoggedIn) / loginTime.Seconds()
	}
	ok := sum.LoggedIn == cfg.streams
	if !ok {
		failures = append(failures, fmt.Sprintf("%d of %d streams logged in", sum.LoggedIn, cfg.streams))
	}

	// Idle, then the server's figures.
	if ok && cfg.idle > 0 {
		l.phase.Store(phaseIdle)
		t := time.NewTimer(cfg.idle)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if ok && cfg.statsURL != "" && ctx.Err() == nil {
		l.phase.Store(phaseMeasure)
		if _, err := waitSessions(ctx, cfg.statsURL, cfg.streams, statsWait); err != nil {
			failures = append(failures, err.Error())
		}
		loaded, err := fetchStats(ctx, cfg.statsURL, true)
		if err != nil {
			failures = append(failures, err.Error())
		} else {
			sum.Server = newMemoryReport(baseline, loaded, cfg.streams)
			if b := cfg.maxStreamBytes; b > 0 && sum.Server.BytesPerStream > b {
				failures = append(failures, fmt.Sprintf("server memory per stream %d B > -max-stream-bytes %d B",
					sum.Server.BytesPerStream, b))
			}
		}
	}

	// Send and drain.
	if ok && cfg.messages > 0 && ctx.Err() == nil {
		l.sendAll(ctx)
		sum.Sent = l.nsent.Load()
		sum.Lost = l.chk.lost(l.sent)
		start, last := time.Duration(l.sendStart.Load()), time.Duration(l.lastArrival.Load())
		if last > start {
			sum.SendSeconds = seconds(last - start)
			sum.Throughput = float64(l.chk.received.Load()) / (last - start).Seconds()
		}
	}
	if err := context.Cause(ctx); errors.Is(err, context.DeadlineExceeded) {
		failures = append(failures, fmt.Sprintf("-timeout %v reached", cfg.timeout))
	} else if err != nil {
		failures = append(failures, fmt.Sprintf("interrupted: %v", err))
	}

	// Close.
	l.closeAll()

	sum.Received = l.chk.received.Load()
	sum.Latency = latencyReport{
		P50: millis(l.chk.lat.quantile(0.50)),
		P90: millis(l.chk.lat.quantile(0.90)),
		P99: millis(l.chk.lat.quantile(0.99)),
		Max: millis(l.chk.lat.maximum()),
	}
	sum.Duplicates = l.chk.duplicates.Load()
	sum.Reordered = l.chk.reordered.Load()
	sum.ErrorCounts = errorCounts{
		Login:       l.loginErrors.Load(),
		Send:        l.sendErrors.Load(),
		Close:       l.closeErrors.Load(),
		StanzaError: l.stanzaErrors.Load(),
		StreamError: l.streamErrors.Load(),
		EndedEarly:  l.endedEarly.Load(),
		Stalled:     l.stalled.Load(),
		Misrouted:   l.misrouted.Load(),
		Unexpected:  l.unexpected.Load() + l.chk.bogus.Load(),
		BadStanza:   l.badStanzas.Load(),
	}
	sum.Errors = sum.ErrorCounts.total()
	if sum.Lost > 0 {
		failures = append(failures, fmt.Sprintf("%d messages lost", sum.Lost))
	}
	if sum.Duplicates > 0 {
		failures = append(failures, fmt.Sprintf("%d messages duplicated", sum.Duplicates))
	}
	if sum.Reordered > 0 {
		failures = append(failures, fmt.Sprintf("%d messages out of order", sum.Reordered))
	}
	if sum.Errors > 0 {
		failures = append(failures, fmt.Sprintf("%d errors", sum.Errors))
	}
	l.mu.Lock()
	sum.ErrorLines = l.errors
	l.mu.Unlock()
	sum.Failures = append(sum.Failures, failures...)
	sum.OK = len(sum.Failures) == 0
	l.phase.Store(phaseDone)
	return sum
}

// login logs every stream in, cfg.loginParallel at a time, and starts
// each one's reader. It stops starting new logins at the first failure.
func (l *load) login(ctx context.Context) {
	jobs := make(chan int)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(l.cfg.loginParallel, l.cfg.streams) {
		wg.Go(func() {
			for i := range jobs {
				if failed.Load() {
					continue
				}
				if err := l.dial(ctx, i); err != nil {
					failed.Store(true)
					if ctx.Err() == nil {
						l.loginErrors.Add(1)
						l.fail("stream %d: login: %v", i, err)
					}
				}
			}
		})
	}
	for i := range l.cfg.streams {
		if failed.Load() || ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

// account returns the JID stream i logs in with: user((i%users)+1), with
// the resource "lt<i>".
func (l *load) account(i int) (jid.JID, error) {
	return jid.New("user"+strconv.Itoa(i%l.cfg.users+1), l.cfg.domain, "lt"+strconv.Itoa(i))
}

// dial logs stream i in and starts its reader.
func (l *load) dial(ctx context.Context, i int) error {
	j, err := l.account(i)
	if err != nil {
		return err
	}
	cc := l.base
	cc.JID = j
	st, err := stream.Dial(ctx, l.cfg.addr, &cc)
	if err != nil {
		return err
	}
	l.streams[i] = st
	l.jids[i] = st.Bound()
	l.loggedIn.Add(1)
	go l.read(ctx, i, st)
	return nil
}

// read is stream r's reader: it reads until the stream ends and checks
// what arrives.
func (l *load) read(ctx context.Context, r int, st *stream.Stream) {
	defer close(l.readers[r])
	for {
		el, err := st.Next(ctx)
		if err != nil {
			if bad := (*stanza.BadStanzaError)(nil); errors.As(err, &bad) {
				l.badStanzas.Add(1)
				l.fail("stream %d: %v", r, err)
				continue
			}
			if l.closing.Load() || ctx.Err() != nil {
				return
			}
			if se := (*streamerror.Error)(nil); errors.As(err, &se) {
				l.streamErrors.Add(1)
			} else {
				l.endedEarly.Add(1)
			}
			l.fail("stream %d: ended early: %v", r, err)
			return
		}
		switch v := el.(type) {
		case *stanza.Message:
			l.message(r, v)
		case *stanza.IQ:
			l.iq(ctx, r, st, v)
		default:
			l.unexpected.Add(1)
			l.fail("stream %d: unexpected %T", r, el)
		}
	}
}

// pingName is the XEP-0199 ping payload.
var pingName = xml.Name{Space: "urn:xmpp:ping", Local: "ping"}

// iq answers a request from the server: a ping with a result (servers
// ping idle clients), anything else with service-unavailable (RFC 6120
// §8.4). A result or error is unexpected: the load sends no requests.
func (l *load) iq(ctx context.Context, r int, st *stream.Stream, iq *stanza.IQ) {
	var reply *stanza.IQ
	switch {
	case iq.Type != stanza.IQGet && iq.Type != stanza.IQSet:
		l.unexpected.Add(1)
		l.fail("stream %d: unexpected iq of type %s", r, iq.Type)
		return
	case iq.Type == stanza.IQGet && iq.Payload != nil && iq.Payload.Name == pingName:
		reply = iq.ResultReply(nil)
	default:
		reply = iq.ErrorReply(stanza.NewError(stanza.ServiceUnavailable, ""))
	}
	if err := st.Send(ctx, reply); err != nil && !l.closing.Load() && ctx.Err() == nil {
		l.fail("stream %d: answering an iq: %v", r, err)
	}
}

// message checks a message stream r received.
func (l *load) message(r int, m *stanza.Message) {
	now := l.since()
	if m.Type == stanza.MessageError {
		l.stanzaErrors.Add(1)
		cond := "no <error/>"
		if m.Error != nil {
			cond = string(m.Error.Condition)
		}
		l.fail("stream %d: message %q bounced: %s", r, m.ID, cond)
		// The message will not arrive: free its place in the window.
		if s, q, ok := parseID(m.ID); ok && s == r && l.chk.settle(s, q) {
			l.settled(s)
		}
		return
	}
	p, ok := parseBody(m.Body)
	if !ok {
		l.unexpected.Add(1)
		l.fail("stream %d: unexpected message from %s: %.40q", r, m.From, m.Body)
		return
	}
	if p.receiver != r {
		l.misrouted.Add(1)
		l.fail("stream %d: got message %d of stream %d meant for stream %d", r, p.seq, p.sender, p.receiver)
	}
	switch l.chk.receive(r, p.sender, p.seq, now-p.sentAt) {
	case verdictFirst, verdictReordered:
		for last := l.lastArrival.Load(); int64(now) > last && !l.lastArrival.CompareAndSwap(last, int64(now)); last = l.lastArrival.Load() {
		}
		l.settled(p.sender)
	case verdictDuplicate:
		l.fail("stream %d: message %d of stream %d again", r, p.seq, p.sender)
	case verdictBogus:
		l.fail("stream %d: message %d of stream %d was never sent", r, p.seq, p.sender)
	}
}

// settled accounts for one message of sender s that arrived or bounced.
func (l *load) settled(s int) {
	select {
	case <-l.windows[s]:
	default:
	}
	if l.pending.Add(-1) == 0 {
		l.allInOnce.Do(func() { close(l.allIn) })
	}
}

// sendAll runs every sender, then waits up to cfg.drain for the messages
// still in flight.
func (l *load) sendAll(ctx context.Context) {
	l.phase.Store(phaseSend)
	var lim *limiter
	if l.cfg.rate > 0 {
		lim = newLimiter(l.cfg.rate)
	}
	l.pending.Store(1) // the senders' share, released when they are done
	l.sendStart.Store(int64(l.since()))
	var wg sync.WaitGroup
	for s := range l.streams {
		wg.Go(func() { l.send(ctx, s, lim) })
	}
	wg.Wait()
	l.phase.Store(phaseDrain)
	l.settledSenders()
	t := time.NewTimer(l.cfg.drain)
	defer t.Stop()
	select {
	case <-l.allIn:
	case <-t.C:
	case <-ctx.Done():
	}
}

// settledSenders releases the senders' share of pending.
func (l *load) settledSenders() {
	if l.pending.Add(-1) == 0 {
		l.allInOnce.Do(func() { close(l.allIn) })
	}
}

// send is sender s: it sends its quota of messages, each to a random
// other stream, at most cfg.window in flight, at the pace lim sets.
func (l *load) send(ctx context.Context, s int, lim *limiter) {
	st, window, n := l.streams[s], l.windows[s], len(l.streams)
	rng := rand.New(rand.NewPCG(l.cfg.seed, uint64(s)))
	var wait *time.Timer
	defer func() {
		if wait != nil {
			wait.Stop()
		}
	}()
	buf := make([]byte, 0, 64)
	for q := range l.chk.quota[s] {
		select {
		case window <- struct{}{}:
		default:
			// The window is full: wait for an arrival, but not forever.
			if wait == nil {
				wait = time.NewTimer(l.cfg.drain)
			} else {
				wait.Reset(l.cfg.drain)
			}
			select {
			case window <- struct{}{}:
				wait.Stop()
			case <-wait.C:
				l.stalled.Add(1)
				l.fail("stream %d: none of its %d messages in flight arrived within %v: stopped sending",
					s, l.cfg.window, l.cfg.drain)
				return
			case <-ctx.Done():
				return
			}
		}
		if lim != nil && lim.wait(ctx) != nil {
			return
		}
		r := rng.IntN(n - 1)
		if r >= s {
			r++
		}
		at := l.since()
		buf = appendBody(buf[:0], payload{sender: s, receiver: r, seq: q, sentAt: at})
		l.pending.Add(1)
		err := st.Send(ctx, &stanza.Message{
			To:   l.jids[r],
			Type: stanza.MessageChat,
			ID:   formatID(s, q),
			Body: string(buf),
		})
		if err != nil {
			l.pending.Add(-1)
			if ctx.Err() == nil {
				l.sendErrors.Add(1)
				l.fail("stream %d: send: %v", s, err)
			}
			return
		}
		l.sent[s] = q + 1
		l.nsent.Add(1)
	}
}

// closeAll closes every stream that logged in, cfg.loginParallel at a
// time, and waits for their readers.
func (l *load) closeAll() {
	l.phase.Store(phaseClose)
	l.closing.Store(true)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(l.cfg.loginParallel, l.cfg.streams) {
		wg.Go(func() {
			for i := range jobs {
				if err := l.streams[i].Close(); err != nil {
					l.closeErrors.Add(1)
					l.fail("stream %d: close: %v", i, err)
				}
				<-l.readers[i]
			}
		})
	}
	for i, st := range l.streams {
		if st != nil {
			jobs <- i
		}
	}
	close(jobs)
	wg.Wait()
}

// limiter paces the senders together at a rate: each wait takes the
// next slot, 1/rate after the previous one, and sleeps until it. Slots
// not taken in time are lost rather than saved for a burst.
type limiter struct {
	mu    sync.Mutex
	every time.Duration
	next  time.Time
}

func newLimiter(rate float64) *limiter {
	return &limiter{every: max(time.Duration(float64(time.Second)/rate), 1)}
}

// wait returns when the caller's slot comes, or ctx's error.
func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	at := l.next
	l.next = at.Add(l.every)
	l.mu.Unlock()
	d := at.Sub(now)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// payload is what a message carries in its body, as text:
// "lt <sender> <receiver> <seq> <sent-at>", the last in nanoseconds
// since the run's epoch.
type payload struct {
	sender, receiver int
	seq              uint32
	sentAt           time.Duration
}

func appendBody(b []byte, p payload) []byte {
	b = append(b, "lt "...)
	b = strconv.AppendInt(b, int64(p.sender), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(p.receiver), 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(p.seq), 10)
	b = append(b, ' ')
	return strconv.AppendInt(b, int64(p.sentAt), 10)
}

// parseBody parses what appendBody wrote.
func parseBody(s string) (p payload, ok bool) {
	var f [4]uint64
	rest, found := strings.CutPrefix(s, "lt ")
	if !found {
		return p, false
	}
	for i := range f {
		var tok string
		if i < len(f)-1 {
			tok, rest, found = strings.Cut(rest, " ")
			if !found {
				return p, false
			}
		} else {
			tok = rest
		}
		v, err := strconv.ParseUint(tok, 10, 63)
		if err != nil {
			return p, false
		}
		f[i] = v
	}
	if f[0] > maxStreams || f[1] > maxStreams || f[2] > 1<<32-1 {
		return p, false
	}
	return payload{sender: int(f[0]), receiver: int(f[1]), seq: uint32(f[2]), sentAt: time.Duration(f[3])}, true
}

// formatID returns the id of message seq of sender s, "lt-<s>-<seq>":
// a bounced message carries it back (RFC 6120 §8.3.1) when the body may
// be gone.
func formatID(s int, seq uint32) string {
	b := make([]byte, 0, 24)
	b = append(b, "lt-"...)
	b = strconv.AppendInt(b, int64(s), 10)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(seq), 10)
	return string(b)
}

// parseID parses what formatID wrote.
func parseID(id string) (s int, seq uint32, ok bool) {
	rest, found := strings.CutPrefix(id, "lt-")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(rest, "-")
	if !found {
		return 0, 0, false
	}
	sv, err1 := strconv.ParseUint(a, 10, 32)
	qv, err2 := strconv.ParseUint(b, 10, 32)
	if err1 != nil || err2 != nil || sv > maxStreams {
		return 0, 0, false
	}
	return int(sv), uint32(qv), true
}
