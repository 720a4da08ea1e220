package streamtest_test

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/streamtest"
	"github.com/xmppkit/xmpp/streamerror"
)

// A protocol-level test of a receiving entity: a scripted client sends
// a message and then malformed XML, and checks the server's answers.
// In a test, streamtest.Run(t, script, conn, streamtest.Initiator) does
// the same and fails the test with the diff.
func Example() {
	script := streamtest.MustParse(`
		C: <?xml version='1.0'?>
		   <stream:stream to='example.com' version='1.0'
		       xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
		S: <?xml version='1.0'?>
		   <stream:stream from='example.com' id='{{any}}' version='1.0' xml:lang='en'
		       xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
		S: <stream:features/>
		C: <message to='romeo@example.net' id='m1'><body>Art thou not Romeo, and a Montague?</body></message>
		S: <message from='romeo@example.net' id='m1' ...>
		     <body>Neither, fair saint, if either thee dislike.</body>
		   </message>
		C: <message xml:lang='en'><body>Bad XML, no closing body tag!</message>
		S: <stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
		S: </stream:stream>
	`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	clientConn, serverConn := streamtest.Pipe()
	defer clientConn.Close()

	// The server under test: it answers each message as Romeo.
	done := make(chan error, 1)
	go func() {
		s, err := stream.Accept(ctx, serverConn, &stream.Config{Domains: []string{"example.com"}})
		if err != nil {
			done <- err
			return
		}
		for {
			el, err := s.Next(ctx)
			if err != nil {
				done <- err
				return
			}
			if m, ok := el.(*stanza.Message); ok {
				s.Send(ctx, &stanza.Message{From: m.To, ID: m.ID, Body: "Neither, fair saint, if either thee dislike."})
			}
		}
	}()

	fmt.Println("script:", script.Play(ctx, clientConn, streamtest.Initiator))
	err := <-done
	var le *stream.LocalError
	fmt.Println("server sent:", errors.As(err, &le) && le.Err.Condition == streamerror.NotWellFormed)
	// Output:
	// script: <nil>
	// server sent: true
}

func ExampleParse() {
	s, err := streamtest.Parse(`
		# RFC 6120 §4.3.2: the receiving entity's features.
		S: <stream:features>
		     <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>
		       <required/>
		     </starttls>
		   </stream:features>
		C: <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
	`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range s.Entries {
		fmt.Printf("line %d, %v: %q\n", e.Line, e.Role, e.Text)
	}
	// Output:
	// line 3, S: "<stream:features>\n     <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>\n       <required/>\n     </starttls>\n   </stream:features>"
	// line 8, C: "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
}

// Compare shows what differs, in canonical form: here a placeholder
// matched the id and an ellipsis allowed xml:lang, so the diff marks
// only the type.
func ExampleCompare() {
	err := streamtest.Compare(
		"<message id='{{any}}' to='romeo@example.net' type='chat' ...>...</message>",
		`<message xml:lang="en" type="normal" to="romeo@example.net" id="x1"><body>Art thou not Romeo?</body></message>`)
	fmt.Println(err)
	// Output:
	// streamtest: line 1: received XML does not match
	// want: <message id='{{any}}' to='romeo@example.net' type='chat' ...>...</message>
	// got:  <message xml:lang="en" type="normal" to="romeo@example.net" id="x1"><body>Art thou not Romeo?</body></message>
	// diff (-want +got):
	//   <message
	//       id='x1'
	//       to='romeo@example.net'
	// -     type='chat'
	// +     type='normal'
	//       xml:lang='en'>
	//     <body>Art thou not Romeo?</body>
	//   </message>
}

func ExampleMismatchError() {
	err := streamtest.Compare("<presence/>\n<iq type='result' id='{{q}}'/>", "<presence/><iq type='error' id='q1'/>")
	var me *streamtest.MismatchError
	if errors.As(err, &me) {
		fmt.Println("line", me.Line)
		fmt.Print(me.Diff)
	}
	// Output:
	// line 2
	//   <iq
	//       id='q1'
	// -     type='result'/>
	// +     type='error'/>
}

// Two connected Streams: a Send on one is read by Next on the other.
func ExampleNewPair() {
	// In a test: client, server := streamtest.NewPair(t, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client, server, err := streamtest.Pair(ctx, nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	client.Send(ctx, &stanza.Message{To: jid.MustParse("romeo@example.net"), Body: "Art thou not Romeo?"})
	el, _ := server.Next(ctx)
	m := el.(*stanza.Message)
	fmt.Println(m.To, m.Body)

	// Each Close waits for the other side's closing tag (RFC 6120 §4.4):
	// close both at once.
	go server.Close()
	client.Close()
	// Output:
	// romeo@example.net Art thou not Romeo?
}

// A Recorder prints a Stream's traffic as a transcript.
func ExampleNewRecorder() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rec := streamtest.NewRecorder(os.Stdout, streamtest.Initiator, nil)
	client, server, err := streamtest.Pair(ctx,
		&stream.Config{To: jid.MustParse("example.com"), Trace: rec.Trace},
		&stream.Config{Domains: []string{"example.com"}, Rand: zeroReader{}})
	if err != nil {
		fmt.Println(err)
		return
	}
	client.Send(ctx, &stanza.Presence{})
	server.Next(ctx)
	go server.Close()
	client.Close()
	// Output:
	// C: <?xml version='1.0'?><stream:stream to='example.com' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	// S: <?xml version='1.0'?><stream:stream from='example.com' id='AAAAAAAAAAAAAAAAAAAAAA' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	// S: <stream:features/>
	// C: <presence/>
	// C: </stream:stream>
	// S: </stream:stream>
}

// zeroReader makes stream IDs deterministic.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// A scripted receiving entity checks what a client built on stream.Open
// sends, and answers it.
func ExampleScript_Play() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	server := streamtest.MustParse(`
		C: <stream:stream to='example.com' version='1.0' ...>
		S: <stream:stream from='example.com' id='s1' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
		S: <stream:features/>
		C: <iq id='{{q}}' type='get'><ping xmlns='urn:xmpp:ping'/></iq>
		S: <iq id='{{q}}' type='result'/>
		C: </stream:stream>
		S: </stream:stream>
	`)
	clientConn, serverConn := streamtest.Pipe()
	done := make(chan error, 1)
	go func() { done <- server.Play(ctx, serverConn, streamtest.Receiver) }()

	client, err := stream.Open(ctx, clientConn, &stream.Config{To: jid.MustParse("example.com")})
	if err != nil {
		fmt.Println(err)
		return
	}
	client.Send(ctx, &stanza.IQ{ID: "ping1", Type: stanza.IQGet, Payload: &stanza.Raw{Name: xml.Name{Space: "urn:xmpp:ping", Local: "ping"}}})
	el, _ := client.Next(ctx)
	fmt.Println(el.(*stanza.IQ).Type, el.(*stanza.IQ).ID)
	fmt.Println("close:", client.Close())
	fmt.Println("script:", <-done)
	// Output:
	// result ping1
	// close: <nil>
	// script: <nil>
}
