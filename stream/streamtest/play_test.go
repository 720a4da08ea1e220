package streamtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// testTimeout bounds every wait in these tests; nothing comes near it
// unless a test is broken.
const testTimeout = 10 * time.Second

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// A conversation with concrete values, which both roles can play.
const concrete = `
	C: <?xml version='1.0'?>
	   <stream:stream
	       from='juliet@example.com'
	       to='example.com'
	       version='1.0'
	       xml:lang='en'
	       xmlns='jabber:client'
	       xmlns:stream='http://etherx.jabber.org/streams'>
	S: <?xml version='1.0'?>
	   <stream:stream
	       from='example.com'
	       id='t7AMCin9zjMNwQKDnplntZPIDEI='
	       to='juliet@example.com'
	       version='1.0'
	       xml:lang='en'
	       xmlns='jabber:client'
	       xmlns:stream='http://etherx.jabber.org/streams'>
	S: <stream:features/>
	C: <iq id='yhc13a95' type='get'><ping xmlns='urn:xmpp:ping'/></iq>
	S: <iq id='yhc13a95' type='result'/>
	C: </stream:stream>
	S: </stream:stream>
`

// TestPlayBothRoles plays each role of a script against the other over
// net.Pipe, which has no buffer: each side reads exactly when the
// script says the other writes.
func TestPlayBothRoles(t *testing.T) {
	t.Parallel()
	s := MustParse(concrete)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	ctx := ctxT(t)
	errc := make(chan error, 1)
	go func() { errc <- s.Play(ctx, b, Receiver) }()
	if err := s.Play(ctx, a, Initiator); err != nil {
		t.Errorf("initiator: %v", err)
	}
	if err := <-errc; err != nil {
		t.Errorf("receiver: %v", err)
	}
}

// TestPlayCaptures plays a client that sends a request with a fresh id
// against a scripted server that answers with the id it captured, and
// checks the client's side with a placeholder for the server's stream id.
func TestPlayCaptures(t *testing.T) {
	t.Parallel()
	server := MustParse(`
		C: <stream:stream to='example.com' ...>
		S: <stream:stream from='example.com' id='s1' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
		C: <iq from='juliet@example.com/{{res}}' id='{{req}}' type='get'>...</iq>
		S: <iq id='{{req}}' to='juliet@example.com/{{res}}' type='result'/>
		C: <presence from='juliet@example.com/{{res}}'/>
	`)
	client := MustParse(`
		C: <stream:stream to='example.com' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
		S: <stream:stream from='example.com' id='{{any}}' version='1.0'>
		C: <iq from='juliet@example.com/balcony' id='a&amp;b' type='get'><ping xmlns='urn:xmpp:ping'/></iq>
		S: <iq id='a&amp;b' to='juliet@example.com/balcony' type='result'/>
		C: <presence from='juliet@example.com/balcony'/>
	`)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	ctx := ctxT(t)
	errc := make(chan error, 1)
	go func() { errc <- server.Play(ctx, b, Receiver) }()
	if err := client.Play(ctx, a, Initiator); err != nil {
		t.Errorf("client: %v", err)
	}
	if err := <-errc; err != nil {
		t.Errorf("server: %v", err)
	}
}

// rawPeer is the far end of a connection, driven by hand: it reads
// what Play writes and writes what the test gives it.
type rawPeer struct {
	conn net.Conn
	r    *bufio.Reader
}

func newRawPeer(conn net.Conn) *rawPeer { return &rawPeer{conn: conn, r: bufio.NewReader(conn)} }

// expect reads len(want) bytes and compares them.
func (p *rawPeer) expect(t *testing.T, want string) {
	t.Helper()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(p.r, got); err != nil || string(got) != want {
		t.Errorf("peer read %q, %v; want %q", got, err, want)
	}
}

// TestPlaySendsRaw checks that entries are sent exactly as written,
// malformed XML included, and that a failing peer is reported with the
// line and the received bytes.
func TestPlaySendsRaw(t *testing.T) {
	t.Parallel()
	s := MustParse(`
		C: <message xml:lang='en'><body>Bad XML, no closing body tag!</message>
		S: <stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
		S: </stream:stream>
	`)
	a, b := net.Pipe()
	defer a.Close()
	p := newRawPeer(b)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer b.Close()
		p.expect(t, "<message xml:lang='en'><body>Bad XML, no closing body tag!</message>")
		io.WriteString(b, "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>")
	})
	if err := s.Play(ctxT(t), a, Initiator); err != nil {
		t.Error(err)
	}
	wg.Wait()
}

// TestPlayMismatch checks the error of a peer that sends something
// else: the script line, the bytes received, and a diff marking the
// difference.
func TestPlayMismatch(t *testing.T) {
	t.Parallel()
	s := MustParse(`
		# The client sends a message...
		C: <message to='romeo@example.net' type='chat'><body>Art thou not Romeo, and a Montague?</body></message>

		# ...and the server routes the answer back.
		S: <message
		       from='romeo@example.net/orchard'
		       to='juliet@example.com/balcony'
		       type='chat'>
		     <body>Neither, fair saint, if either thee dislike.</body>
		   </message>
	`)
	a, b := Pipe()
	defer a.Close()
	defer b.Close()
	got := "<message to='juliet@example.com/balcony' from='romeo@example.net/orchard' type='normal'><body>Neither, fair saint, if either thee dislike.</body></message>"
	io.WriteString(b, got)
	err := s.Play(ctxT(t), a, Initiator)
	var me *MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("Play = %v, want a *MismatchError", err)
	}
	t.Logf("Play reports:\n%v", err)
	if me.Line != 6 || me.Got != got || !strings.Contains(me.Diff, "-     type='chat'") || !strings.Contains(me.Diff, "+     type='normal'") {
		t.Errorf("Line %d, Got %q, Diff:\n%s", me.Line, me.Got, me.Diff)
	}
	if !strings.Contains(err.Error(), "line 6:") {
		t.Errorf("the error does not name the line: %v", err)
	}
}

// TestPlayNeverHangs checks that Play ends when the peer falls silent,
// vanishes, or sends garbage or too much, whatever the transport.
func TestPlayNeverHangs(t *testing.T) {
	t.Parallel()
	s := MustParse("C: <presence/>\nS: <presence/>")
	short := func(t testing.TB) context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	drain := func(c io.Reader) { io.Copy(io.Discard, c) }
	for _, tt := range []struct {
		name  string
		peer  func(c net.Conn)
		ctx   func(t testing.TB) context.Context
		check func(err error) bool
	}{
		{"silent peer, deadline", func(c net.Conn) { drain(c) }, short,
			func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
		{"silent peer, cancelled", func(c net.Conn) { drain(c) }, func(t testing.TB) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
			return ctx
		}, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"peer closes", func(c net.Conn) { c.Read(make([]byte, 64)); c.Close() }, ctxT,
			func(err error) bool { return errors.Is(err, io.EOF) }},
		{"peer closes mid-element", func(c net.Conn) {
			c.Read(make([]byte, 64))
			io.WriteString(c, "<presence><status>")
			c.Close()
		}, ctxT, func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
		{"peer sends malformed XML", func(c net.Conn) {
			c.Read(make([]byte, 64))
			io.WriteString(c, "<presence><status></presence>")
			drain(c)
		}, ctxT, func(err error) bool { return strings.Contains(err.Error(), "closed by </presence>") }},
		{"peer sends too much", func(c net.Conn) {
			c.Read(make([]byte, 64))
			io.WriteString(c, "<presence><status>")
			chunk := strings.Repeat("x", 64<<10)
			for {
				if _, err := io.WriteString(c, chunk); err != nil {
					return
				}
			}
		}, ctxT, func(err error) bool {
			return strings.Contains(err.Error(), "too large") || strings.Contains(err.Error(), "larger than")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := Pipe()
			defer a.Close()
			var wg sync.WaitGroup
			wg.Go(func() { defer b.Close(); tt.peer(b) })
			err := s.Play(tt.ctx(t), a, Initiator)
			a.Close()
			wg.Wait()
			var me *MismatchError
			if !errors.As(err, &me) || me.Err == nil || !tt.check(err) {
				t.Fatalf("Play = %v", err)
			}
			t.Log(err)
		})
	}
}

// closerOnly is a transport with Close but no deadlines.
type closerOnly struct {
	io.Reader
	io.Writer
	close func() error
}

func (c closerOnly) Close() error { return c.close() }

// TestPlayInterruptsByClosing checks that a transport without deadlines
// is closed when the ctx ends.
func TestPlayInterruptsByClosing(t *testing.T) {
	t.Parallel()
	r, w := io.Pipe()
	rw := closerOnly{Reader: r, Writer: io.Discard, close: func() error { return r.CloseWithError(errors.New("closed by Play")) }}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := MustParse("S: <presence/>").Play(ctx, rw, Initiator)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Play = %v, want DeadlineExceeded", err)
	}
}

// TestPlayClearsDeadline checks that a connection stays usable after Play.
func TestPlayClearsDeadline(t *testing.T) {
	t.Parallel()
	a, b := Pipe()
	defer a.Close()
	defer b.Close()
	io.WriteString(b, "<presence/>")
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	if err := MustParse("S: <presence/>").Play(ctx, a, Initiator); err != nil {
		t.Fatal(err)
	}
	cancel()
	time.AfterFunc(5*time.Millisecond, func() { io.WriteString(b, "x") })
	if _, err := a.Read(make([]byte, 1)); err != nil {
		t.Fatalf("Read after Play: %v", err)
	}
}

// TestPlayScriptErrors checks what Play finds before any I/O.
func TestPlayScriptErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		script string
		role   Role
		line   int
	}{
		{"expected entry not XML", "C: <presence/>\nS: <message>\n\n   <body>x</message>", Initiator, 4},
		{"expected entry unclosed", "S: <message>", Initiator, 1},
		{"expected entry empty of XML", "S: <!-- nothing -->", Initiator, 1},
		{"{{any}} sent", "C: <iq id='{{any}}'/>", Initiator, 1},
		{"capture sent before it is made", "S: <iq id='{{q}}'/>\nC: <iq id='{{q}}'/>", Receiver, 1},
		{"the other role may send it", "C: <iq id='{{q}}'/>\nS: <iq id='{{q}}'/>", Receiver, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := MustParse(tt.script)
			_, err := s.compile(tt.role)
			if tt.line == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != tt.line {
				t.Fatalf("compile = %v, want a *ParseError at line %d", err, tt.line)
			}
			// Play reports it too, without touching the transport.
			if err := s.Play(ctxT(t), nil, tt.role); !errors.As(err, &pe) {
				t.Fatalf("Play = %v, want a *ParseError", err)
			}
			t.Log(err)
		})
	}
	if err := MustParse("C: <a/>").Play(ctxT(t), nil, Role(9)); err == nil {
		t.Error("Play with an invalid role succeeded")
	}
}

// TestScriptName checks that a named script's errors say its name.
func TestScriptName(t *testing.T) {
	t.Parallel()
	s := MustParse("S: <a/>")
	s.Name = "seed.txt"
	a, b := Pipe()
	defer a.Close()
	io.WriteString(b, "<b/>")
	b.Close()
	err := s.Play(ctxT(t), a, Initiator)
	if err == nil || !strings.HasPrefix(err.Error(), "streamtest: seed.txt:1: ") {
		t.Fatalf("Play = %v", err)
	}
}

// fakeTB records what Run reports.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	fatals []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatal(args ...any) {
	f.mu.Lock()
	f.fatals = append(f.fatals, fmt.Sprint(args...))
	f.mu.Unlock()
	runtime.Goexit()
}

func TestRun(t *testing.T) {
	t.Parallel()
	t.Run("passes", func(t *testing.T) {
		t.Parallel()
		a, b := Pipe()
		defer a.Close()
		defer b.Close()
		io.WriteString(b, "<presence/>")
		Run(t, "S: <presence/>", a, Initiator)
	})
	t.Run("fails the test with the diff", func(t *testing.T) {
		t.Parallel()
		a, b := Pipe()
		defer a.Close()
		defer b.Close()
		io.WriteString(b, "<presence type='unavailable'/>")
		f := &fakeTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Run(f, "S: <presence/>", a, Initiator)
		}()
		<-done
		if len(f.fatals) != 1 || !strings.Contains(f.fatals[0], "+     type='unavailable'") && !strings.Contains(f.fatals[0], "+ <presence type='unavailable'/>") {
			t.Fatalf("Run reported %q", f.fatals)
		}
	})
	t.Run("fails the test on a bad script", func(t *testing.T) {
		t.Parallel()
		f := &fakeTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Run(f, "X: <presence/>", nil, Initiator)
		}()
		<-done
		if len(f.fatals) != 1 || !strings.Contains(f.fatals[0], "line 1") {
			t.Fatalf("Run reported %q", f.fatals)
		}
	})
}
