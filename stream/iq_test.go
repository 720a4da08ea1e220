package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

var (
	julietFull = jid.MustParse("juliet@example.com/balcony")
	romeoFull  = jid.MustParse("romeo@example.net/orchard")
	pingLine   = "<ping xmlns='urn:xmpp:ping'/>"
)

// ping returns an XEP-0199 ping to to with the given id.
func ping(id string, to jid.JID) *stanza.IQ {
	return &stanza.IQ{ID: id, To: to, Type: stanza.IQGet, Payload: &stanza.Raw{Name: pingName}}
}

// openClient opens a client Stream against a scripted peer, as bound to
// juliet's full JID (RFC 6120 §7), and closes both at the end.
func openClient(t testing.TB) (*peer, *Stream) {
	t.Helper()
	p, conn := newPeer(t)
	p.send(serverHeader + noFeature)
	c, err := Open(ctxT(t), conn, clientConfig())
	must(t, err)
	p.expect(t, clientHeader)
	c.bound = julietFull
	t.Cleanup(func() { p.send(endTag); c.Close() })
	return p, c
}

// acceptClient accepts a Stream from a scripted client peer, as bound to
// juliet's full JID, and closes both at the end.
func acceptClient(t testing.TB) (*peer, *Stream) {
	t.Helper()
	p, conn := newPeer(t)
	p.send(clientHeader)
	s, err := Accept(ctxT(t), conn, serverConfig())
	must(t, err)
	p.expect(t, serverHeader+noFeature)
	s.bound = julietFull
	t.Cleanup(func() { p.send(endTag); s.Close() })
	return p, s
}

type iqResult struct {
	reply *stanza.IQ
	err   error
}

// goSendIQ runs SendIQ in a goroutine of its own.
func goSendIQ(ctx context.Context, s *Stream, iq *stanza.IQ) <-chan iqResult {
	ch := make(chan iqResult, 1)
	go func() {
		r, err := s.SendIQ(ctx, iq)
		ch <- iqResult{r, err}
	}()
	return ch
}

// notYet fails the test if ch has a result already.
func notYet(t testing.TB, ch <-chan iqResult) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("SendIQ returned early: %v, %v", r.reply, r.err)
	default:
	}
}

// reqLine is the wire form of ping(id, to).
func reqLine(id string, to jid.JID) string {
	if to.IsZero() {
		return "<iq id='" + id + "' type='get'>" + pingLine + "</iq>"
	}
	return "<iq id='" + id + "' to='" + to.String() + "' type='get'>" + pingLine + "</iq>"
}

// The ctx modes of SendIQ: one that cannot be cancelled (SendIQ reads in
// its own goroutine) and one that can (it starts a reader).
var sendModes = []struct {
	name string
	ctx  func(testing.TB) context.Context
}{
	{"background", func(testing.TB) context.Context { return context.Background() }},
	{"cancellable", ctxT},
}

// Replies are matched by id and by responder (RFC 6120 §8.1.2, §10);
// anything else is an ordinary stanza that Next returns, while SendIQ
// goes on waiting for the real reply. A second copy of the reply is an
// ordinary stanza too.
func TestSendIQSpoofing(t *testing.T) {
	t.Parallel()
	const (
		fromRomeo = " from='romeo@example.net/orchard'"
		resultQ1  = "' id='q1' type='result'/>"
	)
	cases := []struct {
		name  string
		to    jid.JID // the request's 'to'
		fake  string  // sent first: not the reply
		reply string  // then the reply
	}{
		{"right id, wrong from", romeoFull, "<iq from='mallory@example.net/x" + resultQ1, "<iq" + fromRomeo + " id='q1' type='result'/>"},
		{"right from, wrong id", romeoFull, "<iq" + fromRomeo + " id='q2' type='result'/>", "<iq" + fromRomeo + " id='q1' type='result'/>"},
		{"a get posing as a reply", romeoFull, "<iq" + fromRomeo + " id='q1' type='get'>" + pingLine + "</iq>", "<iq" + fromRomeo + " id='q1' type='result'/>"},
		{"a set posing as a reply", romeoFull, "<iq" + fromRomeo + " id='q1' type='set'>" + pingLine + "</iq>", "<iq" + fromRomeo + " id='q1' type='result'/>"},
		{"bare JID of the addressee", romeoFull, "<iq from='romeo@example.net" + resultQ1, "<iq" + fromRomeo + " id='q1' type='result'/>"},
		{"no from, request to another", romeoFull, "<iq id='q1' type='result'/>", "<iq" + fromRomeo + " id='q1' type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"},
		{"a message with the id", romeoFull, "<message" + fromRomeo + " id='q1'/>", "<iq" + fromRomeo + " id='q1' type='result'/>"},
		{"no to: own full JID", jid.JID{}, "<iq from='juliet@example.com/balcony" + resultQ1, "<iq id='q1' type='result'/>"},
		{"no to: another domain", jid.JID{}, "<iq from='example.net" + resultQ1, "<iq from='juliet@example.com" + resultQ1},
		{"no to: no from", jid.JID{}, "", "<iq id='q1' type='result'/>"},
		{"no to: from own bare JID", jid.JID{}, "", "<iq from='juliet@example.com" + resultQ1},
		{"no to: from own domain", jid.JID{}, "", "<iq from='example.com" + resultQ1},
		{"to own bare JID: no from", julietFull.Bare(), "", "<iq id='q1' type='result'/>"},
		{"to own bare JID: from it", julietFull.Bare(), "", "<iq from='juliet@example.com" + resultQ1},
		{"to own bare JID: from own domain", julietFull.Bare(), "<iq from='example.org" + resultQ1, "<iq from='example.com" + resultQ1},
		{"to the server: no from", julietFull.Domain(), "<iq id='q1' type='result'/>", "<iq from='example.com" + resultQ1},
		{"to own full JID", julietFull, "<iq from='juliet@example.com" + resultQ1, "<iq from='juliet@example.com/balcony" + resultQ1},
	}
	for _, mode := range sendModes {
		for _, tc := range cases {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				p, c := openClient(t)
				ctx := ctxT(t)
				res := goSendIQ(mode.ctx(t), c, ping("q1", tc.to))
				p.expect(t, reqLine("q1", tc.to))
				if tc.fake != "" {
					p.send(tc.fake)
					el, err := c.Next(ctx)
					must(t, err)
					if got := wire(t, el); got != tc.fake {
						t.Fatalf("Next = %s, want the fake %s", got, tc.fake)
					}
					notYet(t, res)
				}
				p.send(tc.reply)
				r := recv(t, res)
				if r.reply == nil || wire(t, r.reply) != tc.reply {
					t.Fatalf("SendIQ = %v, %v; want %s", r.reply, r.err, tc.reply)
				}
				if r.reply.Type == stanza.IQError {
					if !errors.Is(r.err, stanza.ItemNotFound) {
						t.Fatalf("SendIQ error %v, want item-not-found", r.err)
					}
				} else if r.err != nil {
					t.Fatal(r.err)
				}
				// A duplicate is no longer a reply.
				p.send(tc.reply)
				el, err := c.Next(ctx)
				must(t, err)
				if got := wire(t, el); got != tc.reply {
					t.Fatalf("duplicate: Next = %s", got)
				}
				if n := c.tracker().Len(); n != 0 {
					t.Fatalf("%d requests pending", n)
				}
			})
		}
	}
}

// wire returns el's wire form.
func wire(t testing.TB, el stanza.Element) string {
	t.Helper()
	b, err := stanza.AppendElement(nil, el)
	must(t, err)
	return string(b)
}

// The receiving entity of a client's stream counts a reply without
// 'from' as the bound client's (RFC 6120 §8.1.2.1), and sends requests
// without 'to' to it (§8.1.1.1).
func TestSendIQServerRole(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		to    jid.JID
		fake  string
		reply string
	}{
		{"no to, no from", jid.JID{}, "", "<iq id='s1' type='result'/>"},
		{"no to, from the client", jid.JID{}, "<iq from='juliet@example.com' id='s1' type='result'/>", "<iq from='juliet@example.com/balcony' id='s1' type='result'/>"},
		{"to the client, no from", julietFull, "<iq from='romeo@example.net/orchard' id='s1' type='result'/>", "<iq id='s1' type='result'/>"},
		{"to another, no from", romeoFull, "<iq id='s1' type='result'/>", "<iq from='romeo@example.net/orchard' id='s1' type='result'/>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, s := acceptClient(t)
			ctx := ctxT(t)
			res := goSendIQ(ctx, s, ping("s1", tc.to))
			p.expect(t, reqLine("s1", tc.to))
			if tc.fake != "" {
				p.send(tc.fake)
				el, err := s.Next(ctx)
				must(t, err)
				if got := wire(t, el); got != tc.fake {
					t.Fatalf("Next = %s, want the fake", got)
				}
				notYet(t, res)
			}
			p.send(tc.reply)
			r := recv(t, res)
			if r.err != nil || wire(t, r.reply) != tc.reply {
				t.Fatalf("SendIQ = %v, %v", r.reply, r.err)
			}
		})
	}
}

// A reply that arrives after its SendIQ gave up is an ordinary stanza,
// and the request leaves no trace; the stream goes on.
func TestSendIQLateReply(t *testing.T) {
	t.Parallel()
	p, c := openClient(t)
	ctx, cancel := context.WithCancel(ctxT(t))
	res := goSendIQ(ctx, c, ping("late", romeoFull))
	p.expect(t, reqLine("late", romeoFull))
	cancel()
	if r := recv(t, res); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("SendIQ = %v, want context.Canceled", r.err)
	}
	if n := c.tracker().Len(); n != 0 {
		t.Fatalf("%d requests pending", n)
	}
	late := "<iq from='romeo@example.net/orchard' id='late' type='result'/>"
	p.send(late)
	el, err := c.Next(ctxT(t))
	must(t, err)
	if got := wire(t, el); got != late {
		t.Fatalf("Next = %s", got)
	}
	// The stream is intact: another request goes through.
	res = goSendIQ(ctxT(t), c, ping("next", romeoFull))
	p.expect(t, reqLine("next", romeoFull))
	p.send("<iq from='romeo@example.net/orchard' id='next' type='result'/>")
	if r := recv(t, res); r.err != nil {
		t.Fatal(r.err)
	}
}

// SendIQ with a deadline and no answer returns at the deadline, without
// breaking off a read half-way: the stream goes on. So does a Next
// whose ctx ends while SendIQ's reader reads.
func TestSendIQTimeoutKeepsStream(t *testing.T) {
	t.Parallel()
	p, c := openClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.SendIQ(ctx, ping("t1", romeoFull)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SendIQ = %v, want DeadlineExceeded", err)
	}
	p.expect(t, reqLine("t1", romeoFull))
	// The reader SendIQ started still reads; a Next waiting for it may
	// give up.
	nctx, ncancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer ncancel()
	if _, err := c.Next(nctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next = %v, want DeadlineExceeded", err)
	}
	// Half an element, then the rest: nothing was broken off.
	p.send("<message from='romeo@example.net/orchard' id='m1'>")
	p.send("<body>still here</body></message>")
	el, err := c.Next(ctxT(t))
	must(t, err)
	if m, ok := el.(*stanza.Message); !ok || m.Body != "still here" {
		t.Fatalf("Next = %#v", el)
	}
	res := goSendIQ(ctxT(t), c, ping("t2", romeoFull))
	p.expect(t, reqLine("t2", romeoFull))
	p.send("<iq from='romeo@example.net/orchard' id='t2' type='result'/>")
	if r := recv(t, res); r.err != nil {
		t.Fatal(r.err)
	}
}

// While a Next loop runs in another goroutine, replies go to SendIQ
// and never to Next; the loop gets everything else, in order.
func TestSendIQWithNextLoop(t *testing.T) {
	t.Parallel()
	p, c := openClient(t)
	got := make(chan string, 16)
	go func() {
		defer close(got)
		for {
			el, err := c.Next(context.Background())
			if err != nil {
				return
			}
			got <- wire(t, el)
		}
	}()
	waitReading(t, c)
	res := goSendIQ(ctxT(t), c, ping("n1", romeoFull))
	p.expect(t, reqLine("n1", romeoFull))
	m1 := "<message from='romeo@example.net/orchard' id='m1'/>"
	m2 := "<message from='romeo@example.net/orchard' id='m2'/>"
	p.send(m1 + "<iq from='romeo@example.net/orchard' id='n1' type='result'/>" + m2)
	if r := recv(t, res); r.err != nil {
		t.Fatal(r.err)
	}
	if a, b := recv(t, got), recv(t, got); a != m1 || b != m2 {
		t.Fatalf("Next loop got %s, %s", a, b)
	}
}

// A Next loop that calls SendIQ inline, as a bot answering a message
// with a query does, does not deadlock: SendIQ reads in the loop's
// stead, and keeps what it reads for the loop, in order.
func TestSendIQFromNextLoop(t *testing.T) {
	for _, mode := range sendModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			p, c := openClient(t)
			ctx := ctxT(t)
			p.send("<message from='romeo@example.net/orchard' id='m0'/>")
			el, err := c.Next(ctx)
			must(t, err)
			if _, ok := el.(*stanza.Message); !ok {
				t.Fatalf("Next = %T", el)
			}
			res := goSendIQ(mode.ctx(t), c, ping("x1", romeoFull))
			p.expect(t, reqLine("x1", romeoFull))
			var lines []string
			for i := range 3 {
				lines = append(lines, fmt.Sprintf("<message from='romeo@example.net/orchard' id='m%d'/>", i+1))
			}
			p.send(lines[0] + lines[1] + "<iq from='romeo@example.net/orchard' id='x1' type='result'/>" + lines[2])
			if r := recv(t, res); r.err != nil {
				t.Fatal(r.err)
			}
			for _, want := range lines {
				el, err := c.Next(ctx)
				must(t, err)
				if got := wire(t, el); got != want {
					t.Fatalf("Next = %s, want %s", got, want)
				}
			}
		})
	}
}

// Without a reader, SendIQ keeps at most MaxBacklog elements for Next;
// a reply behind more than that fails with ErrBacklog, and everything
// is still there for Next, in order, the reply included as an ordinary
// stanza.
func TestSendIQBacklog(t *testing.T) {
	t.Parallel()
	p, c := openClient(t)
	res := goSendIQ(ctxT(t), c, ping("b1", romeoFull))
	p.expect(t, reqLine("b1", romeoFull))
	var all []string
	for i := range MaxBacklog + 3 {
		all = append(all, fmt.Sprintf("<message from='romeo@example.net/orchard' id='m%d'/>", i))
	}
	reply := "<iq from='romeo@example.net/orchard' id='b1' type='result'/>"
	all = append(all, reply)
	p.send(strings.Join(all, ""))
	if r := recv(t, res); !errors.Is(r.err, ErrBacklog) {
		t.Fatalf("SendIQ = %v, %v; want ErrBacklog", r.reply, r.err)
	}
	ctx := ctxT(t)
	for _, want := range all {
		el, err := c.Next(ctx)
		must(t, err)
		if got := wire(t, el); got != want {
			t.Fatalf("Next = %s, want %s", got, want)
		}
	}
}

// A busy Next loop that takes what SendIQ read in its stead keeps SendIQ
// waiting for its reply, however many elements come first: the backlog
// fills, but it is being taken from.
func TestSendIQBacklogTaken(t *testing.T) {
	t.Parallel()
	p, c := openClient(t)
	const n = 20 * MaxBacklog
	got := make(chan int, 1)
	go func() {
		// The reader loop: it takes each message, and between them is
		// busy, not in Next.
		count := 0
		for {
			el, err := c.Next(ctxT(t))
			if err != nil {
				got <- count
				return
			}
			if _, ok := el.(*stanza.Message); ok {
				count++
			}
		}
	}()
	ctx, cancel := context.WithTimeout(ctxT(t), testTimeout)
	defer cancel()
	res := goSendIQ(ctx, c, ping("b2", romeoFull))
	p.expect(t, reqLine("b2", romeoFull))
	var all []string
	for i := range n {
		all = append(all, fmt.Sprintf("<message from='romeo@example.net/orchard' id='m%d'/>", i))
	}
	p.send(strings.Join(all, "") + "<iq from='romeo@example.net/orchard' id='b2' type='result'/>")
	if r := recv(t, res); r.err != nil {
		t.Fatalf("SendIQ: %v, want the reply", r.err)
	}
	p.send(endTag)
	if count := <-got; count != n {
		t.Errorf("the reader loop took %d messages, want %d", count, n)
	}
}

// Every waiting SendIQ is released when the stream ends, with an error
// telling why.
func TestSendIQStreamEnd(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		end  func(p *peer, c *Stream)
		want error
	}{
		{"peer closes its stream", func(p *peer, c *Stream) { p.send(endTag) }, io.EOF},
		{"peer sends a stream error", func(p *peer, c *Stream) { p.send(streamErr("system-shutdown") + endTag) }, streamerror.SystemShutdown},
		{"peer sends bad XML", func(p *peer, c *Stream) { p.send("<message><body></message>") }, streamerror.NotWellFormed},
		{"local close answered", func(p *peer, c *Stream) { go c.Close(); p.send(endTag) }, io.EOF},
		{"local stream error", func(p *peer, c *Stream) {
			go c.CloseWithError(&streamerror.Error{Condition: streamerror.Conflict})
		}, streamerror.Conflict},
		{"transport gone", func(p *peer, c *Stream) { p.close() }, io.ErrUnexpectedEOF},
	}
	for _, mode := range sendModes {
		for _, tc := range cases {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				p, conn := newPeer(t)
				p.send(serverHeader + noFeature)
				c, err := Open(ctxT(t), conn, clientConfig())
				must(t, err)
				p.expect(t, clientHeader)
				defer c.Close()
				const n = 3
				var res []<-chan iqResult
				for i := range n {
					id := fmt.Sprint("e", i)
					res = append(res, goSendIQ(mode.ctx(t), c, ping(id, romeoFull)))
				}
				p.mu.Lock()
				p.wait(t, "requests", func() bool { return strings.Count(string(p.got), "<iq ") == n })
				p.mu.Unlock()
				tc.end(p, c)
				for _, ch := range res {
					if r := recv(t, ch); !errors.Is(r.err, tc.want) {
						t.Fatalf("SendIQ = %v, want %v", r.err, tc.want)
					}
				}
				if _, err := c.SendIQ(ctxT(t), ping("after", romeoFull)); err == nil {
					t.Fatal("SendIQ after the end succeeded")
				}
			})
		}
	}
}

func TestSendIQNotRequest(t *testing.T) {
	t.Parallel()
	_, c := openClient(t)
	for _, iq := range []*stanza.IQ{nil, {Type: stanza.IQResult, ID: "r"}, {Type: "bogus"}} {
		if _, err := c.SendIQ(ctxT(t), iq); !errors.Is(err, stanza.ErrNotRequest) {
			t.Errorf("SendIQ(%v) = %v, want ErrNotRequest", iq, err)
		}
	}
	// A duplicate of a pending id to the same responder is refused.
	res := goSendIQ(ctxT(t), c, ping("dup", romeoFull))
	for c.tracker().Len() == 0 {
		runtime.Gosched()
	}
	if _, err := c.SendIQ(ctxT(t), ping("dup", romeoFull)); !errors.Is(err, stanza.ErrDuplicateID) {
		t.Errorf("duplicate: %v", err)
	}
	_ = res
}

// Ids SendIQ fills in are distinct and not a visible sequence.
func TestSendIQIDs(t *testing.T) {
	t.Parallel()
	_, c := openClient(t)
	seen := map[string]bool{}
	for range 1000 {
		id, err := c.newIQID()
		must(t, err)
		if len(id) != 22 || seen[id] {
			t.Fatalf("id %q: length %d, seen %v", id, len(id), seen[id])
		}
		seen[id] = true
	}
	// Another stream, another key (from crypto/rand by default).
	p2, conn := newPeer(t)
	p2.send(serverHeader + noFeature)
	c2, err := Open(ctxT(t), conn, &Config{To: jid.MustParse("example.com")})
	must(t, err)
	defer func() { p2.send(endTag); c2.Close() }()
	id, _ := c2.newIQID()
	id3, _ := c.newIQID()
	if id == id3 {
		t.Fatal("two streams drew the same ids")
	}
}

// The leak test: thousands of requests in flight, half of them
// cancelled, then the stream closed under the rest. Every SendIQ
// returns, no request stays pending, and no goroutine is left. Not
// parallel: it counts goroutines.
func TestSendIQNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		var served sync.WaitGroup
		m := &Mux{}
		// The server never answers: requests stay in flight.
		m.HandleIQ(stanza.IQGet, pingName, func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
			served.Done()
			return nil, ErrReplied
		})
		c, s := pair(t, clientConfig(), serverConfig())
		serveDone := make(chan error, 1)
		go func() { serveDone <- s.Serve(context.Background(), m) }()

		const n = 2000
		served.Add(n)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		cancels := make([]context.CancelFunc, n)
		for i := range n {
			ctx, cancel := context.WithCancel(context.Background())
			cancels[i] = cancel
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.SendIQ(ctx, ping("", jid.MustParse("example.com")))
				errs <- err
			}()
		}
		served.Wait() // every request is on the wire and pending
		for i := 0; i < n; i += 2 {
			cancels[i]()
		}
		cdone := make(chan error, 1)
		go func() { cdone <- c.Close() }()
		if err := recv(t, serveDone); err != nil {
			t.Fatalf("Serve: %v", err)
		}
		must(t, s.Close())
		must(t, recv(t, cdone))
		wg.Wait()
		close(errs)
		for err := range errs {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) && !errors.Is(err, ErrClosed) {
				t.Fatalf("SendIQ released with %v", err)
			}
		}
		for _, cancel := range cancels {
			cancel()
		}
		if k := c.tracker().Len(); k != 0 {
			t.Fatalf("%d requests pending after Close", k)
		}
	}()
	settleGoroutines(t, before)
}
