package stream

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// testTimeout bounds every wait in these tests; nothing should come near
// it unless a test is broken.
const testTimeout = 10 * time.Second

// zeroID is the stream ID generated from zeroRand.
const zeroID = "AAAAAAAAAAAAAAAAAAAAAA"

// zeroRand is a deterministic Config.Rand: all zero bytes.
type zeroRand struct{}

func (zeroRand) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// Wire forms used throughout.
const (
	xmlDecl   = "<?xml version='1.0'?>"
	nsDecls   = " xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
	endTag    = "</stream:stream>"
	noFeature = "<stream:features/>"
	// timeoutEnd is what a side whose read deadline passed sends
	// (RFC 6120 §4.9.3.4).
	timeoutEnd = "<stream:error><connection-timeout xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>" + endTag

	// clientHeader is a typical initial header (RFC 6120 §4.2).
	clientHeader = xmlDecl + "<stream:stream from='juliet@example.com' to='example.com' version='1.0' xml:lang='en'" + nsDecls
	// serverHeader is the answer of an Accept with Domains example.com
	// and zeroRand to clientHeader.
	serverHeader = xmlDecl + "<stream:stream from='example.com' id='" + zeroID + "' to='juliet@example.com' version='1.0' xml:lang='en'" + nsDecls
)

// streamErr is the wire form of a stream error without text.
func streamErr(cond string) string {
	return "<stream:error><" + cond + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
}

func serverConfig() *Config {
	return &Config{Domains: []string{"example.com"}, Rand: zeroRand{}}
}

func clientConfig() *Config {
	return &Config{To: jid.MustParse("example.com"), From: jid.MustParse("juliet@example.com")}
}

// ctxT returns a context bounded by testTimeout and cancelled at the end
// of the test.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// peer is the raw far end of a net.Pipe: it records everything the
// Stream writes, and writes scripted bytes without blocking the test.
type peer struct {
	conn net.Conn

	mu   sync.Mutex
	cond *sync.Cond
	got  []byte
	pos  int   // bytes already matched by expect
	err  error // set when reading ended
	wq   chan string
	wg   sync.WaitGroup
	once sync.Once
}

// newPeer returns the peer end and the Stream end of a new pipe. The
// peer's conn is closed at the end of the test.
func newPeer(t testing.TB) (*peer, net.Conn) {
	a, b := net.Pipe()
	return newPeerOn(t, a, b)
}

// newTCPPeer is newPeer over a loopback TCP connection, whose reads go
// through the transport reader's ReadIdle.
func newTCPPeer(t testing.TB) (*peer, net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := ln.Accept()
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	return newPeerOn(t, a, b)
}

// newPeerOn runs the peer on a; b is the connection for the Stream.
func newPeerOn(t testing.TB, a, b net.Conn) (*peer, net.Conn) {
	p := &peer{conn: a, wq: make(chan string, 64)}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		buf := make([]byte, 4096)
		for {
			n, err := a.Read(buf)
			p.mu.Lock()
			p.got = append(p.got, buf[:n]...)
			if err != nil {
				p.err = err
			}
			p.cond.Broadcast()
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() {
		defer p.wg.Done()
		defer a.Close()
		for s := range p.wq {
			if _, err := io.WriteString(a, s); err != nil {
				for range p.wq {
				}
				return
			}
		}
	}()
	t.Cleanup(func() {
		p.close()
		b.Close()
		p.wg.Wait()
	})
	return p, b
}

// send writes s to the Stream, asynchronously, in order.
func (p *peer) send(s string) { p.wq <- s }

// close closes the peer's end once its queued writes are done.
func (p *peer) close() {
	p.once.Do(func() { close(p.wq) })
}

// wait blocks until cond holds (called with p.mu held) or testTimeout.
func (p *peer) wait(t testing.TB, what string, cond func() bool) {
	t.Helper()
	timer := time.AfterFunc(testTimeout, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; got so far %q", what, p.got[p.pos:])
		}
		p.cond.Wait()
	}
}

// expect waits for the next bytes from the Stream and checks they are
// exactly want.
func (p *peer) expect(t testing.TB, want string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wait(t, want, func() bool { return len(p.got)-p.pos >= len(want) || p.err != nil })
	got := p.got[p.pos:min(len(p.got), p.pos+len(want))]
	if string(got) != want {
		t.Fatalf("peer received\n\t%q\nwant\n\t%q", got, want)
	}
	p.pos += len(want)
}

// expectEOF waits until the Stream closes the transport and checks that
// nothing more than want was written before.
func (p *peer) expectEOF(t testing.TB, want string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wait(t, "EOF", func() bool { return p.err != nil })
	if got := string(p.got[p.pos:]); got != want {
		t.Fatalf("peer received before EOF\n\t%q\nwant\n\t%q", got, want)
	}
	p.pos = len(p.got)
}

// recorder collects trace events.
type recorder struct {
	mu  sync.Mutex
	in  bytes.Buffer
	out bytes.Buffer
	n   int
	bad string
}

func (r *recorder) trace(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if e.Time.IsZero() {
		r.bad = "zero time"
	}
	switch e.Dir {
	case In:
		r.in.Write(e.Data)
	case Out:
		r.out.Write(e.Data)
	default:
		r.bad = "bad direction"
	}
}

// pair opens a Stream between two of ours over a pipe, the server side
// accepting with scfg and the client opening with ccfg.
func pair(t testing.TB, ccfg, scfg *Config) (client, server *Stream) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	ctx := ctxT(t)
	type res struct {
		s   *Stream
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := Accept(ctx, b, scfg)
		ch <- res{s, err}
	}()
	c, err := Open(ctx, a, ccfg)
	r := <-ch
	if err != nil || r.err != nil {
		t.Fatalf("Open: %v; Accept: %v", err, r.err)
	}
	return c, r.s
}

// settleGoroutines waits, polling briefly, until no more goroutines run
// than before, and reports the excess otherwise.
func settleGoroutines(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines left behind (%d before):\n%s", n-before, before, buf)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// testFeature is a Feature for the tests: announced as
// <x xmlns='urn:test'/> (with <required/> when required), negotiated by
// the initiator sending <x xmlns='urn:test'/> and the receiver answering
// <ok xmlns='urn:test'/>, then a restart when restart is set, over the
// transport wrap returns when wrap is set.
type testFeature struct {
	required bool
	restart  bool
	local    string // another local name than x, for a second feature
	wrap     func(io.ReadWriter) io.ReadWriter
	after    *xml.Name // applies only once this feature was negotiated
	silent   bool      // Unannounced
}

const testNS = "urn:test"

func (f *testFeature) Name() xml.Name {
	l := f.local
	if l == "" {
		l = "x"
	}
	return xml.Name{Space: testNS, Local: l}
}

func (f *testFeature) Advertise(n *Negotiation) (Advert, bool) {
	if f.after != nil && !n.Negotiated(*f.after) {
		return Advert{}, false
	}
	x := "<" + f.Name().Local + " xmlns='urn:test'/>"
	if f.required {
		x = "<" + f.Name().Local + " xmlns='urn:test'><required/></" + f.Name().Local + ">"
	}
	return Advert{XML: []byte(x), Required: f.required, Unannounced: f.silent}, true
}

func (f *testFeature) Match(el stanza.Element) bool {
	r, ok := el.(*stanza.Raw)
	return ok && r.Name == f.Name()
}

func (f *testFeature) Negotiate(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error) {
	res := Result{Restart: f.restart}
	if n.Initiating() {
		if err := n.Send(ctx, &stanza.Raw{Name: f.Name()}); err != nil {
			return res, err
		}
		el, err := n.Next(ctx)
		if err != nil {
			return res, err
		}
		if r, ok := el.(*stanza.Raw); !ok || r.Name.Local != "ok" {
			return res, n.Fail(&streamerror.Error{Condition: streamerror.UndefinedCondition})
		}
	} else {
		if err := n.Send(ctx, &stanza.Raw{Name: xml.Name{Space: testNS, Local: "ok"}}); err != nil {
			return res, err
		}
	}
	if f.wrap != nil {
		res.Transport = f.wrap(n.Transport())
	}
	return res, nil
}

// countingConn is a transport wrapper that counts bytes, to prove a
// swapped transport is used.
type countingConn struct {
	net.Conn
	mu   sync.Mutex
	r, w int
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.r += n
	c.mu.Unlock()
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	c.w += n
	c.mu.Unlock()
	return n, err
}

func (c *countingConn) counts() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.r, c.w
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// waitReading waits until a goroutine holds s's read lock, that is, is
// in Next (a bounded poll: there is no event to wait for).
func waitReading(t testing.TB, s *Stream) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for len(s.rsem) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nobody reading")
		}
		runtime.Gosched()
	}
}

// recv receives from ch, failing the test after testTimeout.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatal("timed out")
		panic("unreachable")
	}
}
