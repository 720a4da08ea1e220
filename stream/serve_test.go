package stream

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
)

// Error wire forms.
func stanzaErr(typ, cond, text string) string {
	s := "<error type='" + typ + "'><" + cond + " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
	if text != "" {
		s += "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>" + text + "</text>"
	}
	return s + "</error>"
}

var (
	versionName = xml.Name{Space: "jabber:iq:version", Local: "query"}
	testQName   = xml.Name{Space: "urn:test:q", Local: "q"}
)

// serveScripted accepts a stream from a scripted client peer and serves
// h on it until the end of the test.
func serveScripted(t *testing.T, h Handler) *peer {
	t.Helper()
	p, s := acceptClient(t)
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), h) }()
	t.Cleanup(func() {
		p.send(endTag)
		if err := recv(t, done); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return p
}

// Serve answers what RFC 6120 §8 makes the recipient answer, and the
// Mux routes requests by type and payload.
func TestServeAnswers(t *testing.T) {
	t.Parallel()
	others := make(chan string, 4)
	m := &Mux{}
	m.HandleIQ(stanza.IQGet, pingName, func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
		return nil, nil
	})
	m.HandleIQ(stanza.IQGet, versionName, func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
		return stanza.ParseRaw([]byte("<query xmlns='jabber:iq:version'><name>xmppkit</name></query>"))
	})
	m.HandleIQ(stanza.IQSet, xml.Name{Space: "urn:test:err"}, func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
		if iq.Payload.Name.Local == "gone" {
			return nil, stanza.NewError(stanza.ItemNotFound, "")
		}
		return nil, errors.New("disk on fire") // not for the peer's eyes
	})
	m.HandleIQ(stanza.IQSet, xml.Name{Space: "urn:test:self"}, func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
		r := iq.ResultReply(nil)
		r.Lang = "fr"
		if err := s.Send(ctx, r); err != nil {
			return nil, err
		}
		return nil, ErrReplied
	})
	m.Handle(func(ctx context.Context, s *Stream, el stanza.Element) {
		others <- wire(t, el)
	})
	p := serveScripted(t, m)

	const from = " from='juliet@example.com/balcony'"
	cases := []struct {
		name, in, out string
	}{
		{"ping", "<iq id='1' type='get'>" + pingLine + "</iq>", "<iq id='1' type='result'/>"},
		{"addresses swapped", "<iq" + from + " id='2' to='example.com' type='get'>" + pingLine + "</iq>",
			"<iq from='example.com' id='2' to='juliet@example.com/balcony' type='result'/>"},
		{"result payload", "<iq id='3' type='get'><query xmlns='jabber:iq:version'/></iq>",
			"<iq id='3' type='result'><query xmlns='jabber:iq:version'><name>xmppkit</name></query></iq>"},
		{"unhandled namespace", "<iq id='4' type='get'><query xmlns='jabber:iq:private'/></iq>",
			"<iq id='4' type='error'>" + stanzaErr("cancel", "service-unavailable", "") + "</iq>"},
		{"unhandled type", "<iq id='5' type='set'>" + pingLine + "</iq>",
			"<iq id='5' type='error'>" + stanzaErr("cancel", "service-unavailable", "") + "</iq>"},
		{"no payload", "<iq id='6' type='get'/>",
			"<iq id='6' type='error'>" + stanzaErr("modify", "bad-request", "a get or set carries exactly one child (RFC 6120 §8.2.3)") + "</iq>"},
		{"two payloads", "<iq id='7' type='get'>" + pingLine + pingLine + "</iq>",
			"<iq id='7' type='error'>" + stanzaErr("modify", "bad-request", "a get or set carries exactly one child (RFC 6120 §8.2.3)") + "</iq>"},
		{"no id", "<iq type='get'>" + pingLine + "</iq>",
			"<iq type='error'>" + stanzaErr("modify", "bad-request", "IQ without id (RFC 6120 §8.1.3)") + "</iq>"},
		{"unknown type", "<iq id='8' type='fetch'>" + pingLine + "</iq>",
			"<iq id='8' type='error'>" + stanzaErr("modify", "bad-request", "IQ type is not get, set, result or error (RFC 6120 §8.2.3)") + "</iq>"},
		{"bad from", "<iq from='@x' id='9' type='get'>" + pingLine + "</iq>",
			"<iq id='9' type='error'>" + stanzaErr("modify", "jid-malformed", "") + "</iq>"},
		{"handler's stanza error", "<iq id='10' type='set'><gone xmlns='urn:test:err'/></iq>",
			"<iq id='10' type='error'>" + stanzaErr("cancel", "item-not-found", "") + "</iq>"},
		{"handler's other error", "<iq id='11' type='set'><fire xmlns='urn:test:err'/></iq>",
			"<iq id='11' type='error'>" + stanzaErr("cancel", "internal-server-error", "") + "</iq>"},
		{"handler replies itself", "<iq id='12' type='set'><x xmlns='urn:test:self'/></iq>",
			"<iq id='12' type='result' xml:lang='fr'/>"},
	}
	for _, tc := range cases {
		p.send(tc.in)
		p.expect(t, tc.out)
	}

	// Not requests: no answer, they go to the handler in order.
	for _, in := range []string{
		"<iq id='r1' type='result'/>",
		"<iq type='result'/>",
		"<iq id='e1' type='error'>" + stanzaErr("cancel", "item-not-found", "") + "</iq>",
		"<message from='@x'><body>dropped: bad from</body></message>" + "<x xmlns='urn:test:nonza'/>",
	} {
		p.send(in)
	}
	for _, want := range []string{
		"<iq id='r1' type='result'/>",
		"<iq type='result'/>",
		"<iq id='e1' type='error'>" + stanzaErr("cancel", "item-not-found", "") + "</iq>",
		"<x xmlns='urn:test:nonza'/>",
	} {
		if got := recv(t, others); got != want {
			t.Fatalf("handler got %s, want %s", got, want)
		}
	}
	// Nothing was answered meanwhile.
	p.send("<iq id='last' type='get'>" + pingLine + "</iq>")
	p.expect(t, "<iq id='last' type='result'/>")
}

// Messages and presences reach the handler in arrival order, with the
// IQ results that answer nothing, while IQ requests run concurrently.
func TestServeOrder(t *testing.T) {
	t.Parallel()
	const n = 300
	var got []string
	var mu sync.Mutex
	all := make(chan struct{})
	record := func(s string) {
		mu.Lock()
		got = append(got, s)
		if len(got) == n {
			close(all)
		}
		mu.Unlock()
	}
	m := pingMux()
	m.HandleMessage(func(ctx context.Context, s *Stream, msg *stanza.Message) {
		runtime.Gosched() // let the loop read ahead
		record("m" + msg.ID)
	})
	m.HandlePresence(func(ctx context.Context, s *Stream, p *stanza.Presence) { record("p" + p.ID) })
	m.Handle(func(ctx context.Context, s *Stream, el stanza.Element) { record("i" + el.(*stanza.IQ).ID) })
	c, _ := servePair(t, m)
	ctx := ctxT(t)

	var want []string
	errc := make(chan error, 1)
	go func() {
		for i := range n {
			id := fmt.Sprint(i)
			var el stanza.Element
			switch i % 3 {
			case 0:
				el = &stanza.Message{ID: id, Body: "hi"}
			case 1:
				el = &stanza.Presence{ID: id}
			default:
				el = &stanza.IQ{ID: id, Type: stanza.IQResult}
			}
			if err := c.Send(ctx, el); err != nil {
				errc <- err
				return
			}
			if i%7 == 0 { // requests interleaved
				if _, err := c.SendIQ(ctx, ping("", jid.JID{})); err != nil {
					errc <- err
					return
				}
			}
		}
		errc <- nil
	}()
	for i := range n {
		want = append(want, string("mpi"[i%3])+fmt.Sprint(i))
	}
	must(t, recv(t, errc))
	recv(t, all)
	mu.Lock()
	defer mu.Unlock()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: got %s, want %s", i, got[i], want[i])
		}
	}
}

// The deadlock tests: handlers that send an IQ and wait for its reply,
// which only the stream they are serving can bring.
func TestServeHandlerSendIQ(t *testing.T) {
	t.Parallel()
	// The client serves pings; the server, asked a question, pings the
	// client and answers once it has the pong.
	t.Run("IQ handler", func(t *testing.T) {
		t.Parallel()
		c, s := pair(t, clientConfig(), serverConfig())
		m := &Mux{}
		m.HandleIQ(stanza.IQGet, testQName, func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
			if _, err := s.SendIQ(ctx, ping("", jid.JID{})); err != nil {
				t.Errorf("handler's SendIQ: %v", err)
				return nil, err
			}
			return &stanza.Raw{Name: xml.Name{Space: "urn:test:q", Local: "pong-seen"}}, nil
		})
		serveBoth(t, c, pingMux(), s, m)
		ctx := ctxT(t)
		var wg sync.WaitGroup
		for range DefaultMaxHandlers + ServeQueue { // as many as Serve takes without stopping
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := c.SendIQ(ctx, &stanza.IQ{Type: stanza.IQGet, Payload: &stanza.Raw{Name: testQName}})
				if err != nil || r.Payload == nil || r.Payload.Name.Local != "pong-seen" {
					t.Errorf("SendIQ = %v, %v", r, err)
				}
			}()
		}
		wg.Wait()
	})
	// Only one handler at a time: Serve waits for it with the reader's
	// part handed to the handler's SendIQ.
	t.Run("one handler", func(t *testing.T) {
		t.Parallel()
		c, s := pair(t, clientConfig(), &Config{Domains: []string{"example.com"}, MaxHandlers: 1})
		m := &Mux{}
		m.HandleIQ(stanza.IQGet, testQName, func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
			_, err := s.SendIQ(ctx, ping("", jid.JID{}))
			return nil, err
		})
		serveBoth(t, c, pingMux(), s, m)
		ctx := ctxT(t)
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.SendIQ(ctx, &stanza.IQ{Type: stanza.IQGet, Payload: &stanza.Raw{Name: testQName}}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	})
	// A message handler pings the sender of each message; the sender
	// floods messages before answering, more than Serve reads ahead.
	t.Run("message handler", func(t *testing.T) {
		t.Parallel()
		p, s := acceptClient(t)
		var handled []string
		m := &Mux{}
		m.HandleMessage(func(ctx context.Context, s *Stream, msg *stanza.Message) {
			handled = append(handled, msg.ID)
			if msg.ID == "first" {
				if _, err := s.SendIQ(ctx, ping("pq", jid.JID{})); err != nil {
					t.Errorf("SendIQ: %v", err)
				}
			}
		})
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctxT(t), m) }()
		p.send("<message id='first'/>")
		p.expect(t, reqLine("pq", jid.JID{}))
		const flood = ServeQueue + MaxBacklog/2
		for i := range flood {
			p.send(fmt.Sprintf("<message id='%d'/>", i))
		}
		p.send("<iq id='pq' type='result'/>")
		p.send(endTag)
		must(t, recv(t, done))
		if len(handled) != flood+1 {
			t.Fatalf("handled %d messages, want %d", len(handled), flood+1)
		}
		for i, id := range handled[1:] {
			if id != fmt.Sprint(i) {
				t.Fatalf("message %d is %s", i, id)
			}
		}
	})
}

// Requests beyond the handlers and their queue make Serve stop reading
// until a handler is free: nothing is refused, nothing is lost, and the
// order of the queue is kept.
func TestServeBackpressure(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	m := &Mux{}
	m.HandleIQ(stanza.IQGet, pingName, func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
		<-release
		return nil, nil
	})
	others := make(chan stanza.Element, 1)
	m.Handle(func(ctx context.Context, s *Stream, el stanza.Element) { others <- el })
	p, s := acceptClient(t)
	s.cfg.MaxHandlers = 1
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), m) }()
	const n = 1 + ServeQueue + 5
	for i := range n {
		p.send(fmt.Sprintf("<iq id='%d' type='get'>%s</iq>", i, pingLine))
	}
	p.send("<iq id='r' type='result'/>")
	close(release)
	for i := range n {
		p.expect(t, fmt.Sprintf("<iq id='%d' type='result'/>", i))
	}
	if iq := recv(t, others).(*stanza.IQ); iq.ID != "r" {
		t.Fatalf("handler got %v", iq)
	}
	p.send(endTag)
	must(t, recv(t, done))
}

// serveBoth serves hc on c and hs on s until the end of the test.
func serveBoth(t *testing.T, c *Stream, hc Handler, s *Stream, hs Handler) {
	cdone, sdone := make(chan error, 1), make(chan error, 1)
	go func() { cdone <- c.Serve(context.Background(), hc) }()
	go func() { sdone <- s.Serve(context.Background(), hs) }()
	t.Cleanup(func() {
		closed := make(chan error, 1)
		go func() { closed <- c.Close() }()
		must(t, recv(t, sdone))
		must(t, s.Close())
		must(t, recv(t, closed))
		must(t, recv(t, cdone))
	})
}

// Serve returns nil when the peer closes its stream, once every
// element read has been handled; the error that ended the stream
// otherwise; and no goroutine outlives it. Not parallel: it counts.
func TestServeEnds(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("peer closes", func(t *testing.T) {
		p, s := acceptClient(t)
		var n int
		release := make(chan struct{})
		m := pingMux()
		m.HandleMessage(func(ctx context.Context, s *Stream, msg *stanza.Message) {
			<-release
			n++
		})
		done := make(chan error, 1)
		go func() { done <- s.Serve(context.Background(), m) }()
		for range 5 {
			p.send("<message/>")
		}
		p.send("<iq id='1' type='get'>" + pingLine + "</iq>")
		p.expect(t, "<iq id='1' type='result'/>")
		p.send(endTag)
		close(release)
		must(t, recv(t, done))
		if n != 5 {
			t.Fatalf("%d messages handled, want 5", n)
		}
	})
	t.Run("handler in flight", func(t *testing.T) {
		p, s := acceptClient(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		started := make(chan struct{})
		m := &Mux{}
		m.HandleIQ(stanza.IQGet, pingName, func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctx, m) }()
		p.send("<iq id='1' type='get'>" + pingLine + "</iq>")
		recv(t, started)
		cancel()
		if err := recv(t, done); !errors.Is(err, context.Canceled) {
			t.Fatalf("Serve = %v, want context.Canceled", err)
		}
	})
	settleGoroutines(t, before)
}

// FuzzServe feeds arbitrary bytes to Serve as a client's stanzas: it
// never panics, never hangs, answers what it answers, and leaves no
// goroutine behind.
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		"<iq id='1' type='get'>" + pingLine + "</iq>",
		"<iq id='2' type='get'/>",
		"<iq type='get'>" + pingLine + "</iq>",
		"<iq id='3' type='get'>" + pingLine + pingLine + "</iq>",
		"<iq id='4' type='fetch'/>",
		"<iq from='@x' id='5' type='set'><q xmlns='urn:test:q'/></iq>",
		"<iq id='6' type='result'/><iq type='error'/>",
		"<message id='m'><body>hi</body></message><presence/>",
		"<iq id='7' type='get'>" + pingLine + "</iq>" + endTag,
		"<x xmlns='urn:test:nonza'/>",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		before := runtime.NumGoroutine()
		fuzzServe(t, in)
		settleGoroutines(t, before)
	})
}

func fuzzServe(t *testing.T, in []byte) {
	a, b := net.Pipe()
	defer b.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // what the server writes, drained
		defer wg.Done()
		io.Copy(io.Discard, a)
	}()
	go func() { // the header, the input, then the end of the transport
		defer wg.Done()
		io.WriteString(a, clientHeader)
		a.Write(in)
		a.Close()
	}()
	defer wg.Wait()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := serverConfig()
	cfg.CloseTimeout = time.Second
	cfg.MaxHandlers = 2
	s, err := Accept(ctx, b, cfg)
	if err != nil {
		return
	}
	m := pingMux()
	m.HandleIQ(stanza.IQSet, testQName, func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
		// A handler that asks back, with nobody to answer.
		qctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		_, err := s.SendIQ(qctx, ping("", jid.JID{}))
		return nil, err
	})
	m.Handle(func(context.Context, *Stream, stanza.Element) {})
	s.Serve(ctx, m)
	if ctx.Err() != nil {
		t.Fatal("Serve hung")
	}
	s.Close()
}
