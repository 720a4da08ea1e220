package streamtest

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
)

var splitTests = []struct {
	name string
	in   string
	want []string
	// ended: a top-level closing tag was seen.
	ended bool
}{
	{"header with declaration, features",
		"<?xml version='1.0'?><stream:stream to='example.com' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><stream:features/>",
		[]string{"<?xml version='1.0'?><stream:stream to='example.com' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>", "<stream:features/>"}, false},
	{"elements and keepalives",
		" <message to='a@b'><body>x &amp; y</body></message>\n <presence/>  ",
		[]string{"<message to='a@b'><body>x &amp; y</body></message>", "<presence/>"}, false},
	{"'>' and quotes in values, comments, CDATA",
		`<message to="a@b" x='>"<'><body><![CDATA[</body></message>]]></body><!-- </message> --></message>`,
		[]string{`<message to="a@b" x='>"<'><body><![CDATA[</body></message>]]></body><!-- </message> --></message>`}, false},
	{"nested, multi-line",
		"<iq type='get' id='1'>\n  <query xmlns='jabber:iq:roster'>\n    <item jid='a@b'/>\n  </query>\n</iq>",
		[]string{"<iq type='get' id='1'>\n  <query xmlns='jabber:iq:roster'>\n    <item jid='a@b'/>\n  </query>\n</iq>"}, false},
	{"stream error and closing tag",
		"<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>",
		[]string{"<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>", "</stream:stream>"}, true},
	{"unprefixed header (RFC 7395 style names aside)", "<stream xmlns='http://etherx.jabber.org/streams'><a/>",
		[]string{"<stream xmlns='http://etherx.jabber.org/streams'>", "<a/>"}, false},
	{"text at the top level", "hello<a/>", []string{"hello", "<a/>"}, false},
	{"incomplete element stays pending", "<message><body>Bad XML, no closing body tag!</message>", nil, false},
}

// TestSplitter feeds each input whole, byte by byte, and in random
// pieces: the items must not depend on how the bytes arrive.
func TestSplitter(t *testing.T) {
	t.Parallel()
	for _, tt := range splitTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(1, 2))
			for round := range 20 {
				var sp splitter
				var got []string
				ended := false
				for in := tt.in; in != ""; {
					n := len(in)
					switch {
					case round == 1:
						n = 1
					case round > 1:
						n = 1 + r.IntN(len(in))
					}
					lines, end := sp.feed([]byte(in[:n]))
					got, ended = append(got, lines...), ended || end
					in = in[n:]
				}
				if diff := cmp.Diff(tt.want, got); diff != "" || ended != tt.ended {
					t.Fatalf("round %d: ended %v; items (-want +got):\n%s", round, ended, diff)
				}
				if tt.want == nil && len(sp.flush()) != 1 {
					t.Fatalf("round %d: flush did not return the pending item", round)
				}
			}
		})
	}
}

// TestRecorderPair records a session between two Streams, checks the
// transcript, and parses it back into a script that Play accepts against
// a new client.
func TestRecorderPair(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	rec := NewRecorder(&buf, Initiator, nil)
	t.Run("session", func(t *testing.T) {
		client, server := NewPair(t,
			&stream.Config{To: jid.MustParse(Domain), From: juliet, Trace: rec.Trace},
			&stream.Config{Domains: []string{Domain}, Rand: zeros{}})
		ctx := ctxT(t)
		if err := client.Send(ctx, &stanza.Message{ID: "m1", To: jid.MustParse("romeo@example.net"), Type: stanza.MessageChat, Body: "Art thou not Romeo, and a Montague?"}); err != nil {
			t.Fatal(err)
		}
		if _, err := server.Next(ctx); err != nil {
			t.Fatal(err)
		}
		if err := server.Send(ctx, &stanza.Message{ID: "m1", From: romeo, To: juliet, Type: stanza.MessageChat, Body: "Neither, fair saint, if either thee dislike."}); err != nil {
			t.Fatal(err)
		}
		if _, err := client.Next(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Logf("transcript:\n%s", buf.String())
	want := `C: <?xml version='1.0'?><stream:stream from='juliet@example.com' to='example.com' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
S: <?xml version='1.0'?><stream:stream from='example.com' id='AAAAAAAAAAAAAAAAAAAAAA' to='juliet@example.com' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
S: <stream:features/>
C: <message id='m1' to='romeo@example.net' type='chat'><body>Art thou not Romeo, and a Montague?</body></message>
S: <message from='romeo@example.net/orchard' id='m1' to='juliet@example.com' type='chat'><body>Neither, fair saint, if either thee dislike.</body></message>
C: </stream:stream>
S: </stream:stream>
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Fatalf("transcript (-want +got):\n%s", diff)
	}

	// Replay the server's side against a new client.
	s, err := Parse(buf.String())
	if err != nil {
		t.Fatal(err)
	}
	c, srv := Pipe()
	ctx := ctxT(t)
	done := make(chan error, 1)
	go func() { defer srv.Close(); done <- s.Play(ctx, srv, Receiver) }()
	client, err := stream.Open(ctx, c, &stream.Config{To: jid.MustParse(Domain), From: juliet})
	if err != nil {
		t.Fatal(err)
	}
	client.Send(ctx, &stanza.Message{ID: "m1", To: jid.MustParse("romeo@example.net"), Type: stanza.MessageChat, Body: "Art thou not Romeo, and a Montague?"})
	client.Next(ctx)
	client.Close()
	if err := <-done; err != nil {
		t.Fatalf("replaying the transcript: %v", err)
	}
}

// zeros is a deterministic Config.Rand.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestRecorderSeed records the receiving entity's side of the seed
// conversation, malformed XML included, and checks that the transcript
// matches the script entry by entry.
func TestRecorderSeed(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	rec := NewRecorder(&buf, Receiver, nil)
	c, s := Pipe()
	defer c.Close()
	ctx := ctxT(t)
	done := make(chan error, 1)
	go func() { done <- romeoServer(ctx, s, rec.Trace) }()
	Run(t, seedScript, c, Initiator)
	<-done
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Logf("transcript:\n%s", buf.String())
	script, transcript := MustParse(seedScript), MustParse(buf.String())
	if len(script.Entries) != len(transcript.Entries) {
		t.Fatalf("%d entries in the transcript, %d in the script", len(transcript.Entries), len(script.Entries))
	}
	for i, e := range script.Entries {
		te := transcript.Entries[i]
		if te.Role != e.Role {
			t.Errorf("entry %d: role %v, want %v", i, te.Role, e.Role)
		}
		if strings.Contains(e.Text, "Bad XML") {
			if te.Text != e.Text {
				t.Errorf("entry %d: %q, want %q", i, te.Text, e.Text)
			}
			continue
		}
		if err := Compare(e.Text, te.Text); err != nil {
			t.Errorf("entry %d: %v", i, err)
		}
	}
}

// TestRecorderRedacted checks redacted traffic gives one line, and that
// partial input is flushed in order when this side closes.
func TestRecorderRedacted(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	rec := NewRecorder(&buf, Receiver, &RecordOptions{Prefix: "server "})
	ev := func(d stream.Direction, s string, redacted bool) {
		rec.Trace(stream.Event{Dir: d, Time: time.Now(), Data: []byte(s), Redacted: redacted})
	}
	ev(stream.In, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>", false)
	ev(stream.In, "[redacted]", true)
	ev(stream.In, "[redacted]", true)
	ev(stream.Out, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", false)
	ev(stream.In, "<presence><show>", false)
	ev(stream.Out, "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>", false)
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `server C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>
server C: [redacted]
server S: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
server C: <presence><show>
server S: <stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
server S: </stream:stream>
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}

// TestRecorderConcurrent traces from two goroutines at once (as a Stream
// does, reading and writing), under -race.
func TestRecorderConcurrent(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	rec := NewRecorder(&buf, Initiator, nil)
	var wg sync.WaitGroup
	for _, d := range []stream.Direction{stream.In, stream.Out} {
		wg.Go(func() {
			for range 100 {
				rec.Trace(stream.Event{Dir: d, Data: []byte("<presence/>")})
			}
		})
	}
	wg.Wait()
	if n := strings.Count(buf.String(), "\n"); n != 200 {
		t.Errorf("%d lines, want 200", n)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRecorderWriteError(t *testing.T) {
	t.Parallel()
	rec := NewRecorder(failWriter{}, Initiator, nil)
	rec.Trace(stream.Event{Dir: stream.Out, Data: []byte("<presence/>")})
	if err := rec.Flush(); err == nil || err.Error() != "disk full" {
		t.Errorf("Flush = %v, want the write error", err)
	}
}
