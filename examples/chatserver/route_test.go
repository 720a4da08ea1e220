package chatserver_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/examples/chatserver"
	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream/streamtest"
	"github.com/xmppkit/xmpp/streamerror"
)

// The errors RFC 6120 and RFC 6121 §8.5 ask for, as the sender sees them.
func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	ts := newServer(t, nil)
	juliet := ts.dial("juliet", "balcony", nil)
	ts.dial("romeo", "orchard", nil) // connected, not available
	ping := func() *stanza.Raw { return &stanza.Raw{Name: xmlName(chatserver.NSPing, "ping")} }
	tests := []struct {
		name string
		send stanza.Element
		want stanza.Condition
	}{
		{"chat to a bare JID with no available resource (RFC 6121 §8.5.2.2.1)",
			&stanza.Message{ID: "m1", To: jid.MustParse("romeo@example.com"), Type: stanza.MessageChat, Body: "hi"},
			stanza.ServiceUnavailable},
		{"message to no such account (§8.5.1)",
			&stanza.Message{ID: "m2", To: jid.MustParse("tybalt@example.com"), Body: "hi"},
			stanza.ServiceUnavailable},
		{"groupchat to a user (§8.5.2.1.1)",
			&stanza.Message{ID: "m3", To: jid.MustParse("romeo@example.com"), Type: stanza.MessageGroupchat, Body: "hi"},
			stanza.ServiceUnavailable},
		{"normal message to a resource that is not there (§8.5.3.2.1)",
			&stanza.Message{ID: "m4", To: jid.MustParse("romeo@example.com/garden"), Body: "hi"},
			stanza.ServiceUnavailable},
		{"message to another domain (RFC 6120 §10.4.3)",
			&stanza.Message{ID: "m5", To: jid.MustParse("romeo@example.net"), Body: "hi"},
			stanza.RemoteServerNotFound},
		{"iq to a resource that is not there (§8.5.3.2.3)",
			&stanza.IQ{ID: "q1", To: jid.MustParse("romeo@example.com/garden"), Type: stanza.IQGet, Payload: ping()},
			stanza.ServiceUnavailable},
		{"iq to another user's bare JID (§8.5.2.1.3)",
			&stanza.IQ{ID: "q2", To: jid.MustParse("romeo@example.com"), Type: stanza.IQGet, Payload: ping()},
			stanza.ServiceUnavailable},
		{"unknown iq to the server (RFC 6120 §8.4)",
			&stanza.IQ{ID: "q3", To: jid.MustParse("example.com"), Type: stanza.IQGet,
				Payload: &stanza.Raw{Name: xmlName("jabber:iq:version", "query")}},
			stanza.ServiceUnavailable},
		{"iq get with two payloads (§8.2.3)",
			&stanza.IQ{ID: "q4", To: jid.MustParse("example.com"), Type: stanza.IQGet, Payload: ping(), Extra: []stanza.Raw{*ping()}},
			stanza.BadRequest},
		{"roster set (no roster storage)",
			&stanza.IQ{ID: "q5", Type: stanza.IQSet, Payload: &stanza.Raw{Name: xmlName(chatserver.NSRoster, "query")}},
			stanza.FeatureNotImplemented},
		{"disco#info of a node (XEP-0030)",
			&stanza.IQ{ID: "q6", To: jid.MustParse("example.com"), Type: stanza.IQGet,
				Payload: mustRaw(t, "<query xmlns='"+chatserver.NSDiscoInfo+"' node='x'/>")},
			stanza.ItemNotFound},
	}
	for _, tt := range tests {
		send(t, juliet, tt.send)
		var got *stanza.Error
		var id string
		switch el := next(t, juliet).(type) {
		case *stanza.Message:
			got, id = el.Error, el.ID
		case *stanza.IQ:
			got, id = el.Error, el.ID
		default:
			t.Fatalf("%s: got %T", tt.name, el)
		}
		if got == nil || got.Condition != tt.want {
			t.Errorf("%s: got error %v, want %s", tt.name, got, tt.want)
		}
		if want := idOf(tt.send); id != want {
			t.Errorf("%s: reply id %q, want %q", tt.name, id, want)
		}
	}
}

func idOf(el stanza.Element) string {
	switch el := el.(type) {
	case *stanza.Message:
		return el.ID
	case *stanza.IQ:
		return el.ID
	}
	return ""
}

func mustRaw(t *testing.T, s string) *stanza.Raw {
	t.Helper()
	r, err := stanza.ParseRaw([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A roster get is answered with an empty roster (RFC 6121 §2.1.3), from
// the account (no 'from').
func TestRosterGet(t *testing.T) {
	t.Parallel()
	ts := newServer(t, nil)
	st := ts.dial("juliet", "balcony", nil)
	res, err := st.SendIQ(ctxT(t), &stanza.IQ{Type: stanza.IQGet, Payload: &stanza.Raw{Name: xmlName(chatserver.NSRoster, "query")}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Payload == nil || res.Payload.Name != xmlName(chatserver.NSRoster, "query") || !res.From.IsZero() {
		t.Errorf("got %+v", res)
	}
}

// Messages to a bare JID go to the available resources of highest
// priority; a chat message to a resource that left goes to the bare JID
// (RFC 6121 §8.5.2.1.1, §8.5.3.2.1).
func TestPriority(t *testing.T) {
	t.Parallel()
	ts := newServer(t, nil)
	juliet := ts.dial("juliet", "balcony", nil)
	high := ts.dial("romeo", "high", nil)
	low := ts.dial("romeo", "low", nil)
	online(t, high, 5)
	online(t, low, 1)
	nextPresence(t, high) // low's presence
	send(t, juliet, &stanza.Message{To: jid.MustParse("romeo@example.com"), Type: stanza.MessageChat, Body: "one"})
	if m := nextMessage(t, high); m.Body != "one" {
		t.Fatalf("high got %q", m.Body)
	}
	send(t, juliet, &stanza.Message{To: jid.MustParse("romeo@example.com/gone"), Type: stanza.MessageChat, Body: "two"})
	if m := nextMessage(t, high); m.Body != "two" {
		t.Fatalf("high got %q", m.Body)
	}
	send(t, juliet, &stanza.Message{To: low.Bound(), Type: stanza.MessageChat, Body: "three"})
	if m := nextMessage(t, low); m.Body != "three" {
		t.Fatalf("low got %q", m.Body)
	}
}

// Presence: broadcast to the account's resources, directed presence to
// another user, and unavailable presence for both when the session ends
// (RFC 6121 §4.2.2, §4.6, §4.5.2).
func TestPresence(t *testing.T) {
	t.Parallel()
	ts := newServer(t, nil)
	a := ts.dial("juliet", "a", nil)
	online(t, a, 0)
	b, err := ts.open("juliet", "secret", "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	romeo := ts.dial("romeo", "orchard", nil)
	online(t, romeo, 0)

	send(t, b, &stanza.Presence{Status: "on the balcony"})
	if p := nextPresence(t, a); p.From != b.Bound() || p.Status != "on the balcony" {
		t.Errorf("a got %+v", p)
	}
	// b gets its own presence and a's.
	seen := map[jid.JID]bool{}
	for range 2 {
		seen[nextPresence(t, b).From] = true
	}
	if !seen[a.Bound()] || !seen[b.Bound()] {
		t.Errorf("b saw presence from %v", seen)
	}
	send(t, b, &stanza.Presence{To: romeo.Bound().Bare()})
	if p := nextPresence(t, romeo); p.From != b.Bound() || p.Type != stanza.PresenceAvailable {
		t.Errorf("romeo got %+v", p)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if p := nextPresence(t, a); p.From != b.Bound() || p.Type != stanza.PresenceUnavailable {
		t.Errorf("a got %+v", p)
	}
	if p := nextPresence(t, romeo); p.From != b.Bound() || p.Type != stanza.PresenceUnavailable {
		t.Errorf("romeo got %+v", p)
	}
}

// A second session for the same full JID replaces the first, which gets
// the conflict stream error (RFC 6120 §7.7.2.2).
func TestResourceConflict(t *testing.T) {
	t.Parallel()
	ts := newServer(t, nil)
	old := ts.dial("juliet", "balcony", nil)
	ts.dial("juliet", "balcony", nil)
	if _, err := old.Next(ctxT(t)); !errors.Is(err, streamerror.Conflict) {
		t.Fatalf("old session: %v, want conflict", err)
	}
}

// A client that does not read is disconnected once its queue is full;
// the others are not held up.
func TestSlowClient(t *testing.T) {
	t.Parallel()
	ts := newServer(t, &chatserver.Config{QueueSize: 4, WriteTimeout: 200 * time.Millisecond, CloseTimeout: 100 * time.Millisecond, Log: testLog(t)})
	slow := ts.dial("romeo", "slow", nil)
	juliet := ts.dial("juliet", "balcony", nil)
	online(t, slow, 0)
	body := strings.Repeat("x", 16<<10)
	// The pipe holds 1 MiB: well before 200 messages of 16 KiB are
	// through, the server's writes to romeo block, and his queue fills
	// up or a write times out. Headlines to his bare JID are dropped
	// once he is gone (RFC 6121 §8.5.2.2.1), so that Juliet, who does
	// not read meanwhile, gets no errors back.
	for range 200 {
		m := &stanza.Message{To: slow.Bound().Bare(), Type: stanza.MessageHeadline, Body: body}
		if err := juliet.Send(ctxT(t), m); err != nil {
			t.Fatal(err)
		}
	}
	// Juliet is still served meanwhile.
	if _, err := juliet.SendIQ(ctxT(t), &stanza.IQ{Type: stanza.IQGet, Payload: &stanza.Raw{Name: xmlName(chatserver.NSPing, "ping")}}); err != nil {
		t.Fatal(err)
	}
	// Romeo finds his stream cut short after what was written.
	n := 0
	for {
		el, err := slow.Next(ctxT(t))
		if err != nil {
			if err == io.EOF || n >= 200 {
				t.Fatalf("after %d messages: %v, want the stream cut short", n, err)
			}
			break
		}
		if _, ok := el.(*stanza.Message); ok {
			n++
		}
	}
}

// A stanza with an invalid 'to' is answered with jid-malformed (RFC 6120
// §8.3.3.8), addressed to the sender; the stream goes on.
func TestBadStanza(t *testing.T) {
	t.Parallel()
	ts := newServer(t, &chatserver.Config{AllowPlainWithoutTLS: true})
	conn := ts.pipe()
	streamtest.Run(t, login("juliet")+`
	C: <iq type='get' id='bad1' to='@example.com'><ping xmlns='urn:xmpp:ping'/></iq>
	S: <iq type='error' id='bad1' to='juliet@example.com/{{res}}'>
	     <error type='modify'><jid-malformed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>
	   </iq>
	C: <iq type='get' id='ping1'><ping xmlns='urn:xmpp:ping'/></iq>
	S: <iq type='result' id='ping1' to='juliet@example.com/{{res}}'/>
	C: </stream:stream>
	S: </stream:stream>
	`, conn, streamtest.Initiator)
}

// An element that is no stanza, after negotiation, ends the stream with
// unsupported-stanza-type (RFC 6120 §4.9.3.24).
func TestUnsupportedStanza(t *testing.T) {
	t.Parallel()
	ts := newServer(t, &chatserver.Config{AllowPlainWithoutTLS: true})
	conn := ts.pipe()
	streamtest.Run(t, login("juliet")+`
	C: <enable xmlns='urn:xmpp:sm:3'/>
	S: <stream:error><unsupported-stanza-type xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
	S: </stream:stream>
	`, conn, streamtest.Initiator)
}

// login is the start of a scripted session of user (password "secret")
// with SASL PLAIN and a resource the server chooses, captured as {{res}}.
func login(user string) string {
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00secret"))
	return `
	C: <?xml version='1.0'?><stream:stream to='example.com' version='1.0'
	       xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	S: <?xml version='1.0'?><stream:stream from='example.com' id='{{any}}' version='1.0' xml:lang='en'
	       xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	S: <stream:features>...</stream:features>
	C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>` + plain + `</auth>
	S: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
	C: <stream:stream to='example.com' version='1.0'
	       xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	S: <stream:stream from='example.com' id='{{any}}' version='1.0' xml:lang='en'
	       xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	S: <stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>
	C: <iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>
	S: <iq type='result' id='bind1'>
	     <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>` + user + `@example.com/{{res}}</jid></bind>
	   </iq>
`
}

// A burst bigger than the queue to a client that reads reaches it whole:
// the sender is slowed down to the reader's pace, nobody is
// disconnected, nothing is lost.
func TestBurstToReader(t *testing.T) {
	t.Parallel()
	ts := newServer(t, &chatserver.Config{QueueSize: 4, Log: testLog(t)})
	romeo := ts.dial("romeo", "orchard", nil)
	juliet := ts.dial("juliet", "balcony", nil)
	const n = 500
	got := make(chan int, 1)
	go func() {
		count := 0
		for count < n {
			el, err := romeo.Next(ctxT(t))
			if err != nil {
				break
			}
			if m, ok := el.(*stanza.Message); ok && m.Body == fmt.Sprint(count) {
				count++
			}
		}
		got <- count
	}()
	for i := range n {
		m := &stanza.Message{To: romeo.Bound(), Type: stanza.MessageChat, Body: fmt.Sprint(i)}
		if err := juliet.Send(ctxT(t), m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if count := <-got; count != n {
		t.Fatalf("romeo received %d messages in order, want %d", count, n)
	}
}

// Requests pipelined far past the queue's size are all answered, to a
// client that reads its answers.
func TestPipelinedPings(t *testing.T) {
	t.Parallel()
	ts := newServer(t, &chatserver.Config{QueueSize: 4, Log: testLog(t)})
	juliet := ts.dial("juliet", "balcony", nil)
	const n = 300
	got := make(chan int, 1)
	go func() {
		count := 0
		for count < n {
			el, err := juliet.Next(ctxT(t))
			if err != nil {
				break
			}
			if iq, ok := el.(*stanza.IQ); ok && iq.Type == stanza.IQResult {
				count++
			}
		}
		got <- count
	}()
	for i := range n {
		iq := &stanza.IQ{ID: fmt.Sprint("p", i), Type: stanza.IQGet, Payload: &stanza.Raw{Name: xmlName(chatserver.NSPing, "ping")}}
		if err := juliet.Send(ctxT(t), iq); err != nil {
			t.Fatalf("ping %d: %v", i, err)
		}
	}
	if count := <-got; count != n {
		t.Fatalf("%d results, want %d", count, n)
	}
}
