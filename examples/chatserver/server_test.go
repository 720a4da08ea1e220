package chatserver_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/examples/chatserver"
	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/sasl"
	"github.com/xmppkit/xmpp/stream/streamtest"
	"github.com/xmppkit/xmpp/streamerror"
)

const domain = "example.com"

// testServer is a Server for one test, with helpers to log clients in.
type testServer struct {
	*chatserver.Server
	t *testing.T
}

// newServer starts a server for example.com with juliet, romeo and nurse
// (password "secret"); its Cleanup shuts it down and checks that every
// connection ended.
func newServer(t *testing.T, cfg *chatserver.Config) *testServer {
	t.Helper()
	if cfg == nil {
		cfg = &chatserver.Config{}
	}
	if cfg.Domain == "" {
		cfg.Domain = domain
	}
	if cfg.Accounts == nil {
		a, err := chatserver.ParseAccounts("juliet:secret,romeo:secret,nurse:secret")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Accounts = a
	}
	srv, err := chatserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return &testServer{Server: srv, t: t}
}

// dial connects a client over an in-memory pipe and logs it in as user
// (resource res, "" for one the server picks), with SCRAM and no TLS.
// The stream is closed at the end of the test.
func (ts *testServer) dial(user, res string, trace func(stream.Event)) *stream.Stream {
	ts.t.Helper()
	st, err := ts.open(user, "secret", res, trace)
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { st.Close() })
	return st
}

// pipe returns the client's end of a new in-memory connection to the
// server, for a script; it is closed at the end of the test.
func (ts *testServer) pipe() net.Conn {
	c, s := streamtest.Pipe()
	go ts.ServeConn(s)
	ts.t.Cleanup(func() { c.Close() })
	return c
}

func (ts *testServer) open(user, password, res string, trace func(stream.Event)) (*stream.Stream, error) {
	c, s := streamtest.Pipe()
	go ts.ServeConn(s)
	j, err := jid.New(user, ts.Domain().String(), res)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ts.t.Context(), 10*time.Second)
	defer cancel()
	return stream.OpenClient(ctx, c, &stream.ClientConfig{
		JID:      j,
		Password: password,
		TLS:      stream.TLSOff,
		Stream:   &stream.Config{Trace: trace},
	})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// next returns the next stanza, failing the test on an error.
func next(t *testing.T, st *stream.Stream) stanza.Element {
	t.Helper()
	el, err := st.Next(ctxT(t))
	if err != nil {
		t.Fatalf("%s: next: %v", st.Bound(), err)
	}
	return el
}

// nextMessage skips presence and returns the next message.
func nextMessage(t *testing.T, st *stream.Stream) *stanza.Message {
	t.Helper()
	for {
		switch el := next(t, st).(type) {
		case *stanza.Message:
			return el
		case *stanza.Presence:
		default:
			t.Fatalf("%s: got %T, want a message", st.Bound(), el)
		}
	}
}

// nextPresence returns the next presence, failing on anything else.
func nextPresence(t *testing.T, st *stream.Stream) *stanza.Presence {
	t.Helper()
	el := next(t, st)
	p, ok := el.(*stanza.Presence)
	if !ok {
		t.Fatalf("%s: got %T, want a presence", st.Bound(), el)
	}
	return p
}

func send(t *testing.T, st *stream.Stream, el stanza.Element) {
	t.Helper()
	if err := st.Send(ctxT(t), el); err != nil {
		t.Fatal(err)
	}
}

// online sends initial presence and waits for it to come back.
func online(t *testing.T, st *stream.Stream, prio int8) {
	t.Helper()
	send(t, st, &stanza.Presence{Priority: prio})
	for {
		if p := nextPresence(t, st); p.From == st.Bound() {
			return
		}
	}
}

func TestLoginAndBind(t *testing.T) {
	t.Parallel()
	ts := newServer(t, nil)
	st := ts.dial("juliet", "balcony", nil)
	if got, want := st.Bound(), jid.MustParse("juliet@example.com/balcony"); got != want {
		t.Errorf("bound %s, want %s", got, want)
	}
	gen := ts.dial("juliet", "", nil)
	if gen.Bound().Bare() != jid.MustParse("juliet@example.com") || gen.Bound().Resourcepart() == "" {
		t.Errorf("bound %s, want juliet@example.com/<generated>", gen.Bound())
	}
	if _, err := ts.open("juliet", "wrong", "", nil); !errors.Is(err, sasl.NotAuthorized) {
		t.Errorf("wrong password: %v, want not-authorized", err)
	}
	if _, err := ts.open("tybalt", "secret", "", nil); !errors.Is(err, sasl.NotAuthorized) {
		t.Errorf("unknown user: %v, want not-authorized", err)
	}
}

// The seed conversation through the server: Juliet writes to Romeo's
// bare JID, Romeo answers her full JID.
func TestMessageExchange(t *testing.T) {
	t.Parallel()
	ts := newServer(t, nil)
	juliet := ts.dial("juliet", "balcony", nil)
	romeo := ts.dial("romeo", "orchard", nil)
	online(t, juliet, 0)
	online(t, romeo, 0)

	send(t, juliet, &stanza.Message{
		To:   jid.MustParse("romeo@example.com"),
		Type: stanza.MessageChat,
		Body: "Art thou not Romeo, and a Montague?",
	})
	m := nextMessage(t, romeo)
	if m.From != juliet.Bound() || m.Body != "Art thou not Romeo, and a Montague?" {
		t.Fatalf("romeo got %+v", m)
	}
	send(t, romeo, &stanza.Message{To: m.From, Type: stanza.MessageChat, Body: "Neither, fair saint, if either thee dislike."})
	m = nextMessage(t, juliet)
	if m.From != romeo.Bound() || m.To != juliet.Bound() || m.Body != "Neither, fair saint, if either thee dislike." {
		t.Fatalf("juliet got %+v", m)
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	ts := newServer(t, nil)
	st := ts.dial("juliet", "balcony", nil)
	for _, to := range []string{"example.com", ""} {
		iq := &stanza.IQ{Type: stanza.IQGet, Payload: &stanza.Raw{Name: xmlName(chatserver.NSPing, "ping")}}
		if to != "" {
			iq.To = jid.MustParse(to)
		}
		res, err := st.SendIQ(ctxT(t), iq)
		if err != nil {
			t.Fatalf("ping %q: %v", to, err)
		}
		if res.Type != stanza.IQResult || res.Payload != nil {
			t.Errorf("ping %q: got %+v", to, res)
		}
	}
}

func TestDiscoInfo(t *testing.T) {
	t.Parallel()
	ts := newServer(t, nil)
	st := ts.dial("juliet", "balcony", nil)
	res, err := st.SendIQ(ctxT(t), &stanza.IQ{
		To:      ts.Domain(),
		Type:    stanza.IQGet,
		Payload: &stanza.Raw{Name: xmlName(chatserver.NSDiscoInfo, "query")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Identity []struct {
			Category string `xml:"category,attr"`
			Type     string `xml:"type,attr"`
		} `xml:"identity"`
		Feature []struct {
			Var string `xml:"var,attr"`
		} `xml:"feature"`
	}
	if err := res.Payload.Decode(&info); err != nil {
		t.Fatal(err)
	}
	if len(info.Identity) != 1 || info.Identity[0].Category != "server" || info.Identity[0].Type != "im" {
		t.Errorf("identities %+v, want server/im", info.Identity)
	}
	var feats []string
	for _, f := range info.Feature {
		feats = append(feats, f.Var)
	}
	for _, want := range []string{chatserver.NSPing, chatserver.NSDiscoInfo} {
		if !contains(feats, want) {
			t.Errorf("features %q lack %q", feats, want)
		}
	}
}

// Shutdown ends every stream with system-shutdown (RFC 6120 §4.9.3.22).
func TestShutdown(t *testing.T) {
	t.Parallel()
	ts := newServer(t, nil)
	clients := []*stream.Stream{ts.dial("juliet", "balcony", nil), ts.dial("romeo", "orchard", nil)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		_, err := c.Next(ctxT(t))
		if !errors.Is(err, streamerror.SystemShutdown) {
			t.Errorf("%s: %v, want system-shutdown", c.Bound(), err)
		}
		if _, err := c.Next(ctxT(t)); err != io.EOF {
			t.Errorf("%s: after the stream error: %v, want io.EOF", c.Bound(), err)
		}
	}
	if _, err := ts.open("nurse", "secret", "", nil); err == nil {
		t.Error("a client logged in after Shutdown")
	}
}

// ServeLoopback serves over TCP on 127.0.0.1; its stop function ends the
// streams with system-shutdown and returns once Serve has.
func TestServeLoopback(t *testing.T) {
	t.Parallel()
	ts := newServer(t, &chatserver.Config{AllowPlainWithoutTLS: true})
	addr, stop, err := ts.ServeLoopback()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("address %q, want 127.0.0.1:port", addr)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	st, err := stream.OpenClient(ctxT(t), conn, &stream.ClientConfig{
		JID:      jid.MustParse("juliet@" + domain),
		Password: "secret",
		TLS:      stream.TLSOff,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(ctxT(t)); err != nil {
		t.Errorf("stop: %v", err)
	}
	if _, err := st.Next(ctxT(t)); !errors.Is(err, streamerror.SystemShutdown) {
		t.Errorf("after stop: %v, want system-shutdown", err)
	}
}

// Many clients at once, exchanging messages concurrently: nothing lost,
// per-sender order kept.
func TestConcurrentRouting(t *testing.T) {
	t.Parallel()
	const users, msgs = 8, 50
	a := chatserver.NewAccounts()
	if err := a.AddNumbered("user", users, "secret"); err != nil {
		t.Fatal(err)
	}
	ts := newServer(t, &chatserver.Config{Accounts: a})
	sts := make([]*stream.Stream, users)
	for i := range sts {
		sts[i] = ts.dial("user"+itoa(i+1), "r", nil)
	}
	var wg sync.WaitGroup
	for i, st := range sts {
		to := sts[(i+1)%users].Bound()
		wg.Go(func() {
			for k := range msgs {
				if err := st.Send(t.Context(), &stanza.Message{To: to, Type: stanza.MessageChat, Body: itoa(k)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i, st := range sts {
		from := sts[(i+users-1)%users].Bound()
		wg.Go(func() {
			for k := range msgs {
				el, err := st.Next(ctxT(t))
				if err != nil {
					t.Error(err)
					return
				}
				m, ok := el.(*stanza.Message)
				if !ok || m.From != from || m.Body != itoa(k) {
					t.Errorf("%s: got %#v, want message %d from %s", st.Bound(), el, k, from)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSelfSigned(t *testing.T) {
	t.Parallel()
	for _, d := range []string{"localhost", "example.com", "[::1]", "192.0.2.1"} {
		cert, pem, err := chatserver.SelfSigned(d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if len(pem) == 0 || cert.Leaf == nil {
			t.Fatalf("%s: no certificate", d)
		}
		host := strings.Trim(d, "[]")
		if err := cert.Leaf.VerifyHostname(host); err != nil {
			t.Errorf("%s: %v", d, err)
		}
		if err := cert.Leaf.VerifyHostname("127.0.0.1"); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
}
