package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// cases are every case, in the order -cases all runs them: the quick
// ones first, those that wait for the server's timeouts last.
var cases = []*hostileCase{
	{"big", caseBig},
	{"deep", caseDeep},
	{"attrs", caseAttrs},
	{"drip", caseDrip},
	{"random", caseRandom},
	{"drop", caseDrop},
	{"slowreader", caseSlowReader},
	{"silent", caseSilent},
	{"slow", caseSlow},
}

func caseNames() []string {
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = c.name
	}
	return names
}

func findCase(name string) *hostileCase {
	for _, c := range cases {
		if c.name == name {
			return c
		}
	}
	return nil
}

// The payloads of the logged-in attacks, built once.
var (
	payloadOnce              sync.Once
	bigStanza, deep, manyAtt []byte
)

func payloads(domain string) {
	payloadOnce.Do(func() {
		// big: a 2 MiB stanza, RFC 6120 §13.12's "stanza size" threat.
		var b bytes.Buffer
		b.WriteString("<message to='" + domain + "'><body>")
		b.Write(bytes.Repeat([]byte{'a'}, 2<<20))
		b.WriteString("</body></message>")
		bigStanza = b.Bytes()
		// deep: 100,000 nested elements (about 700 KB).
		b = bytes.Buffer{}
		b.WriteString("<message to='" + domain + "'>")
		b.Write(bytes.Repeat([]byte("<a>"), 100000))
		b.Write(bytes.Repeat([]byte("</a>"), 100000))
		b.WriteString("</message>")
		deep = b.Bytes()
		// attrs: 20,000 attributes on one element (about 200 KB, less
		// than the default 256 KiB stanza limit: the attribute limit is
		// what must trip).
		b = bytes.Buffer{}
		b.WriteString("<message to='" + domain + "'")
		for i := range 20000 {
			b.WriteString(" a" + strconv.Itoa(i) + "=''")
		}
		b.WriteString("/>")
		manyAtt = b.Bytes()
	})
}

func caseBig(ctx context.Context, c *caseCtx) error {
	payloads(c.cfg.domain)
	return c.repeat(ctx, 1, func(ctx context.Context, i int) error {
		return c.loggedInAttack(ctx, "big", bigStanza, streamerror.PolicyViolation)
	})
}

func caseDeep(ctx context.Context, c *caseCtx) error {
	payloads(c.cfg.domain)
	return c.repeat(ctx, 1, func(ctx context.Context, i int) error {
		return c.loggedInAttack(ctx, "deep", deep, streamerror.PolicyViolation)
	})
}

func caseAttrs(ctx context.Context, c *caseCtx) error {
	payloads(c.cfg.domain)
	return c.repeat(ctx, 1, func(ctx context.Context, i int) error {
		return c.loggedInAttack(ctx, "attrs", manyAtt, streamerror.PolicyViolation)
	})
}

// loggedInAttack logs a client in, writes payload raw on its connection,
// and expects the server to end the stream with want.
func (c *caseCtx) loggedInAttack(ctx context.Context, name string, payload []byte, want streamerror.Condition) error {
	conn, st, err := c.login(ctx, name)
	if err != nil {
		return err
	}
	defer conn.Close()
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		n, _ := conn.Write(payload) // fails once the server has had enough
		c.sent.Add(int64(n))
	}()
	rctx, cancel := context.WithTimeout(ctx, c.cfg.slack)
	_, err = c.expectEnd(func() (stanza.Element, error) { return st.Next(rctx) }, conn, want, false)
	cancel()
	conn.Close()
	<-wrote
	if err != nil {
		return err
	}
	c.saw(string(want))
	return nil
}

// caseDrip sends, right after its header, the start tag <message a=' and
// then attribute bytes that never end, 64 KiB per write. It attacks before
// authentication, which needs no account: the most exposed path.
func caseDrip(ctx context.Context, c *caseCtx) error {
	chunk := bytes.Repeat([]byte{'a'}, 64<<10)
	var accepted []int64
	err := c.repeat(ctx, 1, func(ctx context.Context, i int) error {
		conn, err := c.dial(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		conn.SetReadDeadline(time.Now().Add(c.cfg.handshakeTimeout + c.cfg.slack))
		stop := make(chan struct{})
		var n int64
		var all bool
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			m, err := io.WriteString(conn, header(c.cfg.domain)+"<message a='")
			n += int64(m)
			for err == nil && n < int64(c.cfg.drip) {
				select {
				case <-stop:
					return
				default:
				}
				m, err = conn.Write(chunk[:min(int64(len(chunk)), int64(c.cfg.drip)-n)])
				n += int64(m)
			}
			all = err == nil
		}()
		dec := stanza.NewDecoder(conn, nil)
		_, err = dec.Header()
		if err == nil {
			_, err = c.expectEnd(dec.Next, conn, streamerror.PolicyViolation, true)
		} else {
			err = fmt.Errorf("no stream header: %s", describeReadErr(err))
		}
		close(stop)
		conn.Close()
		<-wrote
		c.sent.Add(n)
		accepted = append(accepted, n)
		if all {
			return errors.Join(err, fmt.Errorf("the server took all %s of -drip before closing", formatBytes(n)))
		}
		if err != nil {
			return err
		}
		c.saw(string(streamerror.PolicyViolation))
		return nil
	})
	if len(accepted) > 0 {
		lo, hi := accepted[0], accepted[0]
		for _, a := range accepted {
			lo, hi = min(lo, a), max(hi, a)
		}
		c.note("accepted %s to %s per connection before the server closed", formatBytes(lo), formatBytes(hi))
	}
	return err
}

// caseRandom sends random bytes, -random-conns connections at least. The
// first byte is ASCII, but neither NUL, '<' nor whitespace: nothing else
// can follow, and no encoding detection (XML 1.0 Appendix F) applies, so
// not-well-formed is the only right answer (RFC 6120 §4.9.3.13, §11.3),
// after the server's own header (§4.9.1.2). At least 16 bytes are sent,
// so a server that reads characters rather than bytes has whole ones.
func caseRandom(ctx context.Context, c *caseCtx) error {
	rng := rand.New(rand.NewPCG(uint64(c.cfg.seed), 0x686f7374696c65))
	return c.repeat(ctx, c.cfg.randomConns, func(ctx context.Context, i int) error {
		b := make([]byte, 16+rng.IntN(2048-16+1))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		for {
			b[0] = byte(1 + rng.IntN(0x7f))
			if !strings.ContainsRune("< \t\r\n", rune(b[0])) {
				break
			}
		}
		conn, err := c.dial(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(c.cfg.slack))
		n, _ := conn.Write(b)
		c.sent.Add(int64(n))
		dec := stanza.NewDecoder(conn, nil)
		if _, err := dec.Header(); err != nil {
			return fmt.Errorf("connection %d (%d bytes from %#x): no stream header before the error (RFC 6120 §4.9.1.2): %s", i, len(b), b[0], describeReadErr(err))
		}
		if _, err := c.expectEnd(dec.Next, conn, streamerror.NotWellFormed, false); err != nil {
			return fmt.Errorf("connection %d (%d bytes from %#x): %w", i, len(b), b[0], err)
		}
		c.saw(string(streamerror.NotWellFormed))
		return nil
	})
}

// caseDrop opens -drop-conns connections, -drop-parallel at a time; each
// sends a partial header and is reset (linger 0), leaving no TIME_WAIT.
// Like the quick attacks, it goes on until a health ping has had time to
// complete.
func caseDrop(ctx context.Context, c *caseCtx) error {
	partial := []byte("<?xml version='1.0'?><stream:stream to='" + c.cfg.domain + "' xmlns=")
	var next, dropped, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	c.begin()
	for range min(c.cfg.dropParallel, c.cfg.dropConns) {
		wg.Go(func() {
			for !c.enough(int(next.Add(1))-1, c.cfg.dropConns) && ctx.Err() == nil {
				conn, err := c.dial(ctx)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				n, _ := conn.Write(partial)
				c.sent.Add(int64(n))
				if tc, ok := conn.(*net.TCPConn); ok {
					tc.SetLinger(0)
				}
				conn.Close()
				dropped.Add(1)
			}
		})
	}
	wg.Wait()
	c.end()
	c.saw(fmt.Sprintf("%d dropped", dropped.Load()))
	if n := dropped.Load() + failed.Load(); n > int64(c.cfg.dropConns) {
		c.note("%d connections (more than -drop-conns: the pings needed time)", n)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of %d connections could not be made: %v", n, c.cfg.dropConns, firstErr.Load())
	}
	return nil
}

// caseSlowReader floods a logged-in client that never reads, from another
// logged-in client. Like the quick attacks it is repeated (a new victim and
// a new flooder each round) until a health ping has had time to complete.
func caseSlowReader(ctx context.Context, c *caseCtx) error {
	var gone []time.Duration
	var msgs, bounces int
	var victimRead []int64
	var reached int
	err := c.repeat(ctx, 1, func(ctx context.Context, i int) error {
		r, err := c.slowReaderRound(ctx)
		if r.gone > 0 {
			gone = append(gone, r.gone)
		}
		msgs += r.msgs
		bounces += r.bounces
		if r.read >= 0 {
			victimRead = append(victimRead, r.read)
			if r.reached {
				reached++
			}
		}
		return err
	})
	if len(gone) > 0 {
		slowest := gone[0]
		for _, g := range gone {
			slowest = max(slowest, g)
		}
		c.note("victims' sessions ended at most %s into the flood", slowest.Round(time.Millisecond))
	}
	c.note("%d messages sent, %d bounced after the victim was gone", msgs, bounces)
	if len(victimRead) > 0 {
		var most int64
		for _, n := range victimRead {
			most = max(most, n)
		}
		c.note("victims read up to %s then EOF, %d of %d with the policy-violation", formatBytes(most), reached, len(victimRead))
	}
	return err
}

// slowRound is what one slowreader round saw.
type slowRound struct {
	gone    time.Duration // from the flood's start to the victim's end
	msgs    int           // messages the flooder sent
	bounces int           // error replies to them it read
	read    int64         // bytes the victim read at the end (-1: not read)
	reached bool          // the policy-violation was among them
}

// slowReaderRound logs in a victim that never reads and a flooder, floods
// the victim until its session ends (the stats' sessions drop, or the
// messages start to bounce), then checks that the flooder's stream works
// and that the victim's connection was closed.
func (c *caseCtx) slowReaderRound(ctx context.Context) (slowRound, error) {
	r := slowRound{read: -1}
	vconn, victim, err := c.login(ctx, "victim")
	if err != nil {
		return r, err
	}
	defer vconn.Close()
	if tc, ok := vconn.(*net.TCPConn); ok {
		tc.SetReadBuffer(4 << 10)
	}
	flooder, err := c.streamLogin(ctx, "flooder")
	if err != nil {
		return r, err
	}
	defer flooder.Close()
	target := victim.Bound()

	// The flooder reads everything: the server's answers, and the
	// errors its messages get once the victim's session is gone.
	var bounced atomic.Int64
	var flooderEnd error
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for {
			el, err := flooder.Next(context.Background())
			var bad *stanza.BadStanzaError
			if errors.As(err, &bad) {
				continue
			}
			if err != nil {
				flooderEnd = err
				return
			}
			if m, ok := el.(*stanza.Message); ok && m.Type == stanza.MessageError && m.From == target {
				bounced.Add(1)
			}
		}
	}()

	// With stats, the baseline's sessions, the victim's and the
	// flooder's must show before the victim's can be seen to go.
	if c.stats != nil {
		want := c.base.Sessions + 2
		deadline := time.Now().Add(c.cfg.slack)
		for {
			s, err := c.stats.get(ctx)
			if err == nil && s.Sessions == want {
				break
			}
			if time.Now().After(deadline) {
				if err != nil {
					return r, err
				}
				return r, fmt.Errorf("the stats show %d sessions, not the %d of baseline, victim and flooder", s.Sessions, want)
			}
			time.Sleep(20 * time.Millisecond) // polling the server's figures
		}
	}

	wait := c.cfg.writeTimeout + c.cfg.slack
	fctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var gone atomic.Value // how we learned the victim's session ended
	if c.stats != nil {
		go func() {
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-fctx.Done():
					return
				case <-t.C:
				}
				if s, err := c.stats.get(fctx); err == nil && s.Sessions <= c.base.Sessions+1 {
					gone.CompareAndSwap(nil, "session left the stats")
					return
				}
			}
		}()
	}
	body := strings.Repeat("x", 1024)
	wire, err := stanza.AppendElement(nil, &stanza.Message{To: target, ID: "0000", Body: body})
	if err != nil {
		return r, err
	}
	start := time.Now()
	for gone.Load() == nil && fctx.Err() == nil {
		if bounced.Load() > 0 {
			gone.CompareAndSwap(nil, "messages to it bounced")
			break
		}
		msg := &stanza.Message{To: target, ID: strconv.Itoa(r.msgs), Body: body}
		if err := flooder.Send(fctx, msg); err != nil {
			if fctx.Err() != nil {
				break
			}
			return r, fmt.Errorf("the flooder's stream failed after %d messages (%d bounces read; %s): %w",
				r.msgs, bounced.Load(), flooderEnding(drained, &flooderEnd), err)
		}
		r.msgs++
		c.sent.Add(int64(len(wire)))
	}
	took := time.Since(start)
	how, _ := gone.Load().(string)
	if how == "" {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		return r, fmt.Errorf("the victim's session was still there %s into the flood (-write-timeout %s + -slack %s), after %d messages",
			took.Round(time.Millisecond), c.cfg.writeTimeout, c.cfg.slack, r.msgs)
	}
	r.gone = took
	c.saw("victim's session ended")

	// The flooder's stream goes on.
	pctx, pcancel := context.WithTimeout(ctx, c.cfg.maxPing)
	_, err = flooder.SendIQ(pctx, &stanza.IQ{Type: stanza.IQGet, To: target.Domain(),
		Payload: &stanza.Raw{Name: xml.Name{Space: "urn:xmpp:ping", Local: "ping"}}})
	pcancel()
	r.bounces = int(bounced.Load())
	if err != nil {
		return r, fmt.Errorf("the victim's session ended (%s, %s into the flood, %d messages sent), but then the flooder's ping failed, after %d bounces (%s): %w",
			how, took.Round(time.Millisecond), r.msgs, r.bounces, flooderEnding(drained, &flooderEnd), err)
	}

	// The victim's connection must be closed: what the server had
	// queued, then EOF or a reset. The receive buffer grows first: with
	// a window far below loopback's 64 KiB segments, the server's kernel
	// would trickle what it holds through zero-window probes, backing
	// off, for minutes.
	if tc, ok := vconn.(*net.TCPConn); ok {
		tc.SetReadBuffer(4 << 20)
	}
	vconn.SetReadDeadline(time.Now().Add(c.cfg.slack))
	tail := &tailWriter{max: 4 << 10}
	n, err := io.Copy(tail, vconn)
	r.read = n
	switch {
	case err == nil || isReset(err):
	case isTimeout(err):
		return r, fmt.Errorf("the victim's connection was still open: %s read, then nothing for %s", formatBytes(n), c.cfg.slack)
	default:
		return r, fmt.Errorf("reading the victim's connection: %w", err)
	}
	r.reached = bytes.Contains(tail.b, []byte("<policy-violation"))
	return r, nil
}

// flooderEnding says how the flooder's stream ended, as its reader saw it,
// once the reader has stopped (it is given a second).
func flooderEnding(drained chan struct{}, end *error) string {
	select {
	case <-drained:
	case <-time.After(time.Second):
		return "its stream still reads"
	}
	var se *streamerror.Error
	if errors.As(*end, &se) {
		return fmt.Sprintf("the server ended its stream with <%s/>%s", conditionName(se), textOf(se))
	}
	return fmt.Sprintf("its stream ended: %v", *end)
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	b   []byte
	max int
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	if len(w.b) > w.max {
		w.b = append(w.b[:0], w.b[len(w.b)-w.max:]...)
	}
	return len(p), nil
}

// timing checks that a connection-timeout came at the handshake timeout:
// no earlier than 0.9× and no later than 1.5× + 1s after the connection.
func (c *caseCtx) timing(took time.Duration) error {
	ht := c.cfg.handshakeTimeout
	lo, hi := ht*9/10, ht*3/2+time.Second
	c.note("connection-timeout after %s", took.Round(time.Millisecond))
	if took < lo || took > hi {
		return fmt.Errorf("connection-timeout after %s, not between %s and %s (-handshake-timeout %s)",
			took.Round(time.Millisecond), lo, hi, ht)
	}
	return nil
}

// latest is how long silent and slow wait for the server's answer: a
// little longer than it may take, so that a late answer is told from none.
func (c *caseCtx) latest() time.Duration {
	return c.cfg.handshakeTimeout*3/2 + time.Second + 500*time.Millisecond
}

// caseSilent opens TCP and sends nothing.
func caseSilent(ctx context.Context, c *caseCtx) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	c.begin()
	defer c.end()
	conn.SetReadDeadline(c.from.Add(c.latest()))
	dec := stanza.NewDecoder(conn, nil)
	if _, err := dec.Header(); err != nil {
		return fmt.Errorf("no stream header %s after connecting: %s", time.Since(c.from).Round(time.Millisecond), describeReadErr(err))
	}
	e, err := c.expectEnd(dec.Next, conn, streamerror.ConnectionTimeout, false)
	if err != nil {
		return err
	}
	c.saw(string(streamerror.ConnectionTimeout))
	return c.timing(e.at.Sub(c.from))
}

// caseSlow sends a header, then the start of a SASL <auth/>, one byte
// every -slow-every, without ever finishing it.
func caseSlow(ctx context.Context, c *caseCtx) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	c.begin()
	defer c.end()
	conn.SetReadDeadline(c.from.Add(c.latest()))
	n, err := io.WriteString(conn, header(c.cfg.domain))
	c.sent.Add(int64(n))
	if err != nil {
		return fmt.Errorf("writing the header: %w", err)
	}
	auth := "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
	stop := make(chan struct{})
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		t := time.NewTicker(c.cfg.slowEvery)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			b := byte('A') // base64 that never ends, once the tag is out
			if i < len(auth) {
				b = auth[i]
			}
			if _, err := conn.Write([]byte{b}); err != nil {
				return
			}
			c.sent.Add(1)
		}
	}()
	defer func() { close(stop); <-wrote }()
	dec := stanza.NewDecoder(conn, nil)
	if _, err := dec.Header(); err != nil {
		return fmt.Errorf("no stream header: %s", describeReadErr(err))
	}
	e, err := c.expectEnd(dec.Next, conn, streamerror.ConnectionTimeout, true)
	if err != nil {
		return err
	}
	c.saw(string(streamerror.ConnectionTimeout))
	return c.timing(e.at.Sub(c.from))
}
