package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// The seed's lines, RFC 6120 §9.1-style.
const (
	julietLine = "<message from='juliet@example.com/balcony' to='romeo@example.net' type='chat' xml:lang='en'><body>Art thou not Romeo, and a Montague?</body></message>"
	romeoLine  = "<message from='romeo@example.net/orchard' to='juliet@example.com/balcony' type='chat' xml:lang='en'><body>Neither, fair saint, if either thee dislike.</body></message>"
)

var (
	julietMsg = &stanza.Message{
		From: jid.MustParse("juliet@example.com/balcony"),
		To:   jid.MustParse("romeo@example.net"),
		Type: stanza.MessageChat,
		Lang: "en",
		Body: "Art thou not Romeo, and a Montague?",
	}
	romeoMsg = &stanza.Message{
		From: jid.MustParse("romeo@example.net/orchard"),
		To:   jid.MustParse("juliet@example.com/balcony"),
		Type: stanza.MessageChat,
		Lang: "en",
		Body: "Neither, fair saint, if either thee dislike.",
	}
)

// The seed's normal exchange: Juliet's client and a server, both ours,
// exchange the two lines; each side sees exactly the bytes of the seed,
// and both close cleanly, each seeing the other's closing tag.
func TestSeedConversation(t *testing.T) {
	t.Parallel()
	var ctrace, strace recorder
	ccfg := clientConfig()
	ccfg.Trace = ctrace.trace
	scfg := serverConfig()
	scfg.Trace = strace.trace
	c, s := pair(t, ccfg, scfg)
	ctx := ctxT(t)

	el := relay(t, c, s, julietMsg)
	if diff := cmp.Diff(julietMsg, el); diff != "" {
		t.Errorf("server got (-want +got):\n%s", diff)
	}
	el = relay(t, s, c, romeoMsg)
	if diff := cmp.Diff(romeoMsg, el); diff != "" {
		t.Errorf("client got (-want +got):\n%s", diff)
	}

	// The client closes; the server sees io.EOF, answers, and the
	// client's Close returns once it has the server's closing tag.
	done := make(chan error, 1)
	go func() { done <- c.Close() }()
	if _, err := s.Next(ctx); err != io.EOF {
		t.Fatalf("server Next: %v, want io.EOF", err)
	}
	must(t, s.Close())
	must(t, <-done)
	if _, err := c.Next(ctx); err != io.EOF {
		t.Errorf("client Next after Close: %v, want io.EOF", err)
	}

	wantC := clientHeader + julietLine + endTag
	wantS := serverHeader + noFeature + romeoLine + endTag
	if got := ctrace.out.String(); got != wantC {
		t.Errorf("client wrote\n\t%q\nwant\n\t%q", got, wantC)
	}
	if got := strace.in.String(); got != wantC {
		t.Errorf("server read\n\t%q\nwant\n\t%q", got, wantC)
	}
	if got := strace.out.String(); got != wantS {
		t.Errorf("server wrote\n\t%q\nwant\n\t%q", got, wantS)
	}
	if got := ctrace.in.String(); got != wantS {
		t.Errorf("client read\n\t%q\nwant\n\t%q", got, wantS)
	}
	if ctrace.bad != "" || strace.bad != "" {
		t.Errorf("bad trace events: %s %s", ctrace.bad, strace.bad)
	}
}

// The seed's second conversation: a message that is not well-formed is
// answered with not-well-formed and the closing tag, flushed before the
// transport is closed.
func TestSeedBadXML(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.send(clientHeader)
	s, err := Accept(ctxT(t), conn, serverConfig())
	must(t, err)
	p.expect(t, serverHeader+noFeature)
	p.send("<message xml:lang='en'><body>Bad XML, no closing body tag!</message>")
	_, err = s.Next(ctxT(t))
	var le *LocalError
	if !errors.As(err, &le) || le.Err.Condition != streamerror.NotWellFormed {
		t.Fatalf("Next: %v, want a *LocalError with not-well-formed", err)
	}
	var de *stanza.DecodeError
	if !errors.As(err, &de) {
		t.Errorf("Next: %v does not carry the *stanza.DecodeError", err)
	}
	p.expectEOF(t, "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>")
	// The error sticks; sending is over.
	if _, err2 := s.Next(ctxT(t)); err2 != err {
		t.Errorf("second Next: %v, want %v", err2, err)
	}
	if err := s.Send(ctxT(t), julietMsg); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after a stream error: %v, want ErrClosed", err)
	}
	must(t, s.Close())
}

// Every error path of a stream in progress, in both roles: what the peer
// sends, what Next returns, and the exact bytes the peer receives until
// the transport is closed.
func TestNextErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		lim   stanza.Limits
		in    string
		cond  streamerror.Condition // a stream error we send
		isErr error                 // errors.Is target, if any
	}{
		{name: "not well-formed", in: "<message><body>x</message>", cond: streamerror.NotWellFormed},
		{name: "restricted XML", in: "<!-- comment -->", cond: streamerror.RestrictedXML},
		{name: "text between elements", in: "hello", cond: streamerror.BadFormat},
		{name: "unknown stanza type", in: "<foo/>", cond: streamerror.UnsupportedStanzaType},
		{name: "stanza too large", lim: stanza.Limits{MaxStanzaSize: 300}, in: "<message><body>" + string(bytes.Repeat([]byte("a"), 400)) + "</body></message>", cond: streamerror.PolicyViolation, isErr: stanza.ErrStanzaTooLarge},
		{name: "too deep", lim: stanza.Limits{MaxDepth: 3}, in: "<message><a xmlns='urn:x'><b><c/></b></a></message>", cond: streamerror.PolicyViolation, isErr: stanza.ErrLimit},
		{name: "too many attributes", lim: stanza.Limits{MaxAttrs: 8}, in: "<message a='1' b='2' c='3' d='4' e='5' f='6' g='7' h='8' i='9'/>", cond: streamerror.PolicyViolation, isErr: stanza.ErrLimit},
	}
	for _, role := range []string{"receiving", "initiating"} {
		for _, tt := range tests {
			t.Run(role+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				p, conn := newPeer(t)
				var s *Stream
				var err error
				if role == "receiving" {
					cfg := serverConfig()
					cfg.Limits = tt.lim
					p.send(clientHeader)
					s, err = Accept(ctxT(t), conn, cfg)
					must(t, err)
					p.expect(t, serverHeader+noFeature)
				} else {
					cfg := clientConfig()
					cfg.Limits = tt.lim
					p.send(serverHeader + noFeature)
					s, err = Open(ctxT(t), conn, cfg)
					must(t, err)
					p.expect(t, clientHeader)
				}
				p.send(tt.in)
				_, err = s.Next(ctxT(t))
				var le *LocalError
				if !errors.As(err, &le) || le.Err.Condition != tt.cond {
					t.Fatalf("Next: %v, want a *LocalError with %s", err, tt.cond)
				}
				if tt.isErr != nil && !errors.Is(err, tt.isErr) {
					t.Errorf("errors.Is(%v, %v) = false", err, tt.isErr)
				}
				p.expectEOF(t, streamErr(string(tt.cond))+endTag)
			})
		}
	}
}

// A stream error from the peer is returned as it is, not as a
// *LocalError; the peer's closing tag follows; Close answers with ours
// and does not need to wait.
func TestPeerStreamError(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.send(clientHeader)
	s, err := Accept(ctxT(t), conn, serverConfig())
	must(t, err)
	p.expect(t, serverHeader+noFeature)
	p.send("<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>bye</text></stream:error>" + endTag)
	_, err = s.Next(ctxT(t))
	se, ok := err.(*streamerror.Error)
	if !ok || se.Condition != streamerror.SystemShutdown || se.Text != "bye" {
		t.Fatalf("Next: %#v, want the peer's system-shutdown", err)
	}
	if _, err := s.Next(ctxT(t)); err != io.EOF {
		t.Fatalf("Next after the stream error: %v, want io.EOF", err)
	}
	must(t, s.Close())
	p.expectEOF(t, endTag)
}

// The close handshake started by the peer: Next returns io.EOF, we may
// still send, then Close sends our closing tag and closes at once.
func TestCloseByPeer(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.send(clientHeader)
	s, err := Accept(ctxT(t), conn, serverConfig())
	must(t, err)
	p.expect(t, serverHeader+noFeature)
	p.send(endTag)
	if _, err := s.Next(ctxT(t)); err != io.EOF {
		t.Fatalf("Next: %v, want io.EOF", err)
	}
	must(t, s.Send(ctxT(t), romeoMsg)) // §4.4: finish sending
	p.expect(t, romeoLine)
	must(t, s.Close())
	p.expectEOF(t, endTag)
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Next(ctxT(t)); err != io.EOF {
		t.Errorf("Next after Close: %v, want io.EOF", err)
	}
	if err := s.Send(ctxT(t), romeoMsg); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v, want ErrClosed", err)
	}
}

// The close handshake started by us, with a goroutine in Next: Close
// sends the closing tag, the reader receives what the peer still sends
// and then io.EOF, which releases Close.
func TestCloseWithReader(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.send(clientHeader)
	s, err := Accept(ctxT(t), conn, serverConfig())
	must(t, err)
	p.expect(t, serverHeader+noFeature)

	got := make(chan any, 4)
	go func() {
		for {
			el, err := s.Next(context.Background())
			if err != nil {
				got <- err
				return
			}
			got <- el
		}
	}()
	waitReading(t, s)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	p.expect(t, endTag)
	p.send(julietLine + endTag)
	if el := recv(t, got); !cmp.Equal(el, any(julietMsg)) {
		t.Errorf("reader got %v, want Juliet's message", el)
	}
	if err := recv(t, got); err != io.EOF {
		t.Errorf("reader got %v, want io.EOF", err)
	}
	must(t, recv(t, closed))
	p.expectEOF(t, "")
}

// Close with no reader reads on its own, discarding, until the peer's
// closing tag.
func TestCloseWithoutReader(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.send(clientHeader)
	s, err := Accept(ctxT(t), conn, serverConfig())
	must(t, err)
	p.expect(t, serverHeader+noFeature)
	p.send(julietLine + julietLine + endTag)
	must(t, s.Close())
	p.expectEOF(t, endTag)
	// What arrived while Close read is kept for Next.
	for range 2 {
		if el, err := s.Next(ctxT(t)); err != nil || !cmp.Equal(el, any(julietMsg)) {
			t.Errorf("Next after Close: %v, %v; want Juliet's message", el, err)
		}
	}
	if _, err := s.Next(ctxT(t)); err != io.EOF {
		t.Errorf("Next after Close: %v, want io.EOF", err)
	}
}

// Close keeps at most maxDrained elements; a Next that starts while
// Close reads takes over.
func TestCloseDrainBounded(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.send(clientHeader)
	s, err := Accept(ctxT(t), conn, serverConfig())
	must(t, err)
	p.expect(t, serverHeader+noFeature)
	for range maxDrained + 5 {
		p.send(julietLine)
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	p.expect(t, endTag)
	p.send(endTag)
	must(t, recv(t, closed))
	n := 0
	for {
		_, err := s.Next(ctxT(t))
		if err == io.EOF {
			break
		}
		must(t, err)
		n++
	}
	if n != maxDrained {
		t.Errorf("Next returned %d elements after Close, want %d", n, maxDrained)
	}
}

// A peer that never answers our closing tag: Close gives up after
// CloseTimeout, closes the transport, and Next returns ErrClosed.
func TestCloseTimeout(t *testing.T) {
	t.Parallel()
	for _, reader := range []bool{false, true} {
		t.Run(fmt.Sprint("reader=", reader), func(t *testing.T) {
			t.Parallel()
			p, conn := newPeer(t)
			p.send(clientHeader)
			cfg := serverConfig()
			cfg.CloseTimeout = 20 * time.Millisecond
			s, err := Accept(ctxT(t), conn, cfg)
			must(t, err)
			p.expect(t, serverHeader+noFeature)
			nextErr := make(chan error, 1)
			if reader {
				go func() {
					_, err := s.Next(context.Background())
					nextErr <- err
				}()
				waitReading(t, s)
			}
			must(t, s.Close())
			p.expectEOF(t, endTag)
			if reader {
				if err := recv(t, nextErr); !errors.Is(err, ErrClosed) {
					t.Errorf("reader: %v, want ErrClosed", err)
				}
			}
			if _, err := s.Next(ctxT(t)); !errors.Is(err, ErrClosed) {
				t.Errorf("Next: %v, want ErrClosed", err)
			}
		})
	}
}

// A peer that vanishes mid-stream: Next returns an error at once,
// io.ErrUnexpectedEOF, and no stream error is sent.
func TestPeerVanishes(t *testing.T) {
	t.Parallel()
	for _, partial := range []string{"", "<message><bo"} {
		t.Run(fmt.Sprintf("%q", partial), func(t *testing.T) {
			t.Parallel()
			p, conn := newPeer(t)
			p.send(clientHeader)
			s, err := Accept(ctxT(t), conn, serverConfig())
			must(t, err)
			p.expect(t, serverHeader+noFeature)
			p.send(partial)
			p.close()
			_, err = s.Next(ctxT(t))
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("Next: %v, want io.ErrUnexpectedEOF", err)
			}
			var le *LocalError
			if errors.As(err, &le) {
				t.Errorf("Next: %v is a *LocalError", err)
			}
			must(t, s.Close())
			if err := s.Send(ctxT(t), julietMsg); err == nil {
				t.Error("Send succeeded after the peer vanished")
			}
		})
	}
}

// CloseWithError sends the stream error and the closing tag and closes
// without waiting; later calls report the stream as closed.
func TestCloseWithError(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.send(clientHeader)
	s, err := Accept(ctxT(t), conn, serverConfig())
	must(t, err)
	p.expect(t, serverHeader+noFeature)
	se := &streamerror.Error{Condition: streamerror.SeeOtherHost, Host: "other.example.com"}
	must(t, s.CloseWithError(se))
	p.expectEOF(t, "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>other.example.com</see-other-host></stream:error>"+endTag)
	_, err = s.Next(ctxT(t))
	var le *LocalError
	if !errors.As(err, &le) || le.Err != se {
		t.Errorf("Next: %v, want a *LocalError carrying the error sent", err)
	}
	if err := s.CloseWithError(se); !errors.Is(err, ErrClosed) {
		t.Errorf("second CloseWithError: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Send(ctxT(t), julietMsg); !errors.Is(err, ErrClosed) {
		t.Errorf("Send: %v, want ErrClosed", err)
	}
}

// An invalid stream error is refused and leaves the stream as it was; a
// stream error cannot be sent with Send.
func TestCloseWithInvalidError(t *testing.T) {
	t.Parallel()
	c, s := pair(t, clientConfig(), serverConfig())
	if err := s.CloseWithError(&streamerror.Error{Condition: "no-such-condition"}); !errors.Is(err, streamerror.ErrInvalid) {
		t.Errorf("CloseWithError: %v, want streamerror.ErrInvalid", err)
	}
	if err := s.CloseWithError(nil); err == nil {
		t.Error("CloseWithError(nil) succeeded")
	}
	if err := s.Send(ctxT(t), &streamerror.Error{Condition: streamerror.Conflict}); err == nil {
		t.Error("Send of a stream error succeeded")
	}
	relay(t, s, c, romeoMsg)
}

// An element that cannot be encoded fails alone; the stream goes on.
func TestSendInvalid(t *testing.T) {
	t.Parallel()
	c, s := pair(t, clientConfig(), serverConfig())
	bad := &stanza.Message{Body: "nul \x00"}
	if err := c.Send(ctxT(t), bad); !errors.Is(err, stanza.ErrInvalidChar) {
		t.Errorf("Send: %v, want stanza.ErrInvalidChar", err)
	}
	if el := relay(t, c, s, julietMsg); !cmp.Equal(el, any(julietMsg)) {
		t.Errorf("got %v", el)
	}
}

// Whitespace keepalives (§4.6.1) are written as one space and skipped
// by Next.
func TestKeepalive(t *testing.T) {
	t.Parallel()
	var tr recorder
	ccfg := clientConfig()
	ccfg.Trace = tr.trace
	c, s := pair(t, ccfg, serverConfig())
	ctx := ctxT(t)
	got := make(chan stanza.Element, 1)
	go func() {
		el, _ := s.Next(ctx)
		got <- el
	}()
	must(t, c.SendKeepalive(ctx))
	must(t, c.SendKeepalive(ctx))
	must(t, c.Send(ctx, julietMsg))
	if el := <-got; !cmp.Equal(el, stanza.Element(julietMsg)) {
		t.Errorf("Next = %v, want Juliet's message", el)
	}
	if got, want := tr.out.String(), clientHeader+"  "+julietLine; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

// Next with a ctx whose deadline passes while it waits: the read is
// interrupted, the stream is over, ended with connection-timeout.
func TestNextCtxDeadline(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.send(clientHeader)
	s, err := Accept(ctxT(t), conn, serverConfig())
	must(t, err)
	p.expect(t, serverHeader+noFeature)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Next(ctx); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, streamerror.ConnectionTimeout) {
		t.Fatalf("Next: %v, want DeadlineExceeded and connection-timeout", err)
	}
	p.expectEOF(t, timeoutEnd)
	if _, err := s.Next(ctxT(t)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Next: %v, want the same error", err)
	}
}

// A ctx already done is reported without touching the stream.
func TestCtxDoneBeforeIO(t *testing.T) {
	t.Parallel()
	c, s := pair(t, clientConfig(), serverConfig())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Send(ctx, julietMsg); !errors.Is(err, context.Canceled) {
		t.Errorf("Send: %v", err)
	}
	if err := c.SendKeepalive(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("SendKeepalive: %v", err)
	}
	if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next: %v", err)
	}
	relay(t, c, s, julietMsg)
}

// A Send blocked because the peer does not read is interrupted by its
// ctx, and the stream is over.
func TestSendCtxDeadline(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	go func() {
		// Read the header, answer, then read nothing more.
		buf := make([]byte, len(clientHeader))
		if _, err := io.ReadFull(b, buf); err == nil {
			io.WriteString(b, serverHeader+noFeature)
		}
	}()
	c, err := Open(ctxT(t), a, clientConfig())
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := c.Send(ctx, julietMsg); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send: %v, want DeadlineExceeded", err)
	}
	if err := c.Send(ctxT(t), julietMsg); err == nil {
		t.Error("Send succeeded after an interrupted write")
	}
	if _, err := c.Next(ctxT(t)); err == nil {
		t.Error("Next succeeded after an interrupted write")
	}
	must(t, c.Close())
}

// 64 goroutines send at once; the other side receives every stanza
// whole, each sender's in order.
func TestConcurrentSend(t *testing.T) {
	t.Parallel()
	const senders, each = 64, 50
	c, s := pair(t, clientConfig(), serverConfig())
	ctx := ctxT(t)
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				m := &stanza.Message{
					ID:   strconv.Itoa(g) + "-" + strconv.Itoa(i),
					Type: stanza.MessageChat,
					Body: fmt.Sprintf("sender %d message %d %s", g, i, bytes.Repeat([]byte{'x'}, g*7)),
				}
				if err := c.Send(ctx, m); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	next := make([]int, senders)
	for range senders * each {
		el, err := s.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m, ok := el.(*stanza.Message)
		if !ok {
			t.Fatalf("got %T", el)
		}
		var g, i int
		if _, err := fmt.Sscanf(m.ID, "%d-%d", &g, &i); err != nil {
			t.Fatalf("id %q: %v", m.ID, err)
		}
		if i != next[g] {
			t.Fatalf("sender %d: message %d, want %d", g, i, next[g])
		}
		next[g]++
		if want := fmt.Sprintf("sender %d message %d %s", g, i, bytes.Repeat([]byte{'x'}, g*7)); m.Body != want {
			t.Fatalf("body %q, want %q", m.Body, want)
		}
	}
	wg.Wait()
	done := make(chan error, 1)
	go func() { done <- c.Close() }()
	if _, err := s.Next(ctx); err != io.EOF {
		t.Fatalf("Next: %v", err)
	}
	must(t, s.Close())
	must(t, <-done)
}

// A *stanza.BadStanzaError is not fatal: the stream goes on.
func TestBadStanzaNotFatal(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.send(clientHeader)
	s, err := Accept(ctxT(t), conn, serverConfig())
	must(t, err)
	p.expect(t, serverHeader+noFeature)
	p.send("<message to='@bad'><body>x</body></message>" + julietLine)
	_, err = s.Next(ctxT(t))
	var bad *stanza.BadStanzaError
	if !errors.As(err, &bad) || bad.Field != "to" {
		t.Fatalf("Next: %v, want a *stanza.BadStanzaError", err)
	}
	el, err := s.Next(ctxT(t))
	must(t, err)
	if !cmp.Equal(el, any(julietMsg)) {
		t.Errorf("Next = %v", el)
	}
	p.send(endTag)
	must(t, s.Close())
}

// relay sends v from a and returns what b's Next reads. A net.Pipe has
// no buffer, so the send runs in a goroutine of its own.
func relay(t testing.TB, a, b *Stream, v stanza.Element) stanza.Element {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- a.Send(ctxT(t), v) }()
	el, err := b.Next(ctxT(t))
	must(t, <-errc)
	must(t, err)
	return el
}
