package streamtest

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/streamerror"
)

// The seed conversation (RFC 6121 §5.1's Juliet and Romeo), played by a
// scripted client against a real receiving entity: stream.Accept and a
// Next loop that answers for Romeo. It ends with the client sending
// malformed XML, which the server must answer with not-well-formed and
// its closing tag (RFC 6120 §4.9.3.13, §4.9.1.1).
const seedScript = `
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
	       id='{{sid}}'
	       to='juliet@example.com'
	       version='1.0'
	       xml:lang='en'
	       xmlns='jabber:client'
	       xmlns:stream='http://etherx.jabber.org/streams'>
	S: <stream:features/>
	C: <message
	       from='juliet@example.com/balcony'
	       id='ktx72v49'
	       to='romeo@example.net'
	       type='chat'
	       xml:lang='en'>
	     <body>Art thou not Romeo, and a Montague?</body>
	   </message>
	S: <message
	       from='romeo@example.net/orchard'
	       id='{{any}}'
	       to='juliet@example.com/balcony'
	       type='chat'
	       xml:lang='en'>
	     <body>Neither, fair saint, if either thee dislike.</body>
	   </message>
	C: <message xml:lang='en'><body>Bad XML, no closing body tag!</message>
	S: <stream:error>
	     <not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>
	   </stream:error>
	S: </stream:stream>
`

var (
	juliet = jid.MustParse("juliet@example.com")
	romeo  = jid.MustParse("romeo@example.net/orchard")
)

// romeoServer accepts a stream on conn and answers each chat message as
// Romeo, until the stream ends; it returns how it ended.
func romeoServer(ctx context.Context, conn net.Conn, trace func(stream.Event)) error {
	s, err := stream.Accept(ctx, conn, &stream.Config{Domains: []string{Domain}, Trace: trace})
	if err != nil {
		return err
	}
	defer s.Close()
	for {
		el, err := s.Next(ctx)
		if err != nil {
			return err
		}
		if m, ok := el.(*stanza.Message); ok && m.Type == stanza.MessageChat {
			err := s.Send(ctx, &stanza.Message{
				From: romeo, ID: "sl3nx51f", To: m.From, Type: m.Type, Lang: m.Lang,
				Body: "Neither, fair saint, if either thee dislike.",
			})
			if err != nil {
				return err
			}
		}
	}
}

func TestSeedAgainstAccept(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		pipe func() (net.Conn, net.Conn)
	}{
		{"Pipe", Pipe},
		{"net.Pipe", net.Pipe},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, s := tt.pipe()
			defer c.Close()
			ctx := ctxT(t)
			done := make(chan error, 1)
			go func() { done <- romeoServer(ctx, s, nil) }()
			Run(t, seedScript, c, Initiator)
			err := <-done
			var le *stream.LocalError
			if !errors.As(err, &le) || !errors.Is(err, streamerror.NotWellFormed) {
				t.Fatalf("the server ended with %v, want a *stream.LocalError for not-well-formed", err)
			}
		})
	}
}

// TestSeedAgainstOpen plays the receiving entity against stream.Open.
func TestSeedAgainstOpen(t *testing.T) {
	t.Parallel()
	const server = `
		C: <stream:stream from='juliet@example.com' to='example.com' version='1.0' xml:lang='en' xmlns='jabber:client'>
		S: <?xml version='1.0'?><stream:stream from='example.com' id='++TR84Sm6A3hnt3Q065SnAbbk3Y=' to='juliet@example.com' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
		S: <stream:features/>
		C: <message id='{{id}}' to='romeo@example.net' type='chat'>
		     <body>Art thou not Romeo, and a Montague?</body>
		   </message>
		S: <message from='romeo@example.net/orchard' id='{{id}}' to='juliet@example.com/balcony' type='chat'><body>Neither, fair saint, if either thee dislike.</body></message>
		C: </stream:stream>
		S: </stream:stream>
	`
	c, s := Pipe()
	ctx := ctxT(t)
	done := make(chan error, 1)
	go func() {
		defer s.Close()
		done <- MustParse(server).Play(ctx, s, Receiver)
	}()
	cs, err := stream.Open(ctx, c, &stream.Config{To: jid.MustParse(Domain), From: juliet})
	if err != nil {
		t.Fatal(err)
	}
	if cs.ID() != "++TR84Sm6A3hnt3Q065SnAbbk3Y=" {
		t.Errorf("ID = %q", cs.ID())
	}
	err = cs.Send(ctx, &stanza.Message{ID: "ktx72v49", To: jid.MustParse("romeo@example.net"), Type: stanza.MessageChat, Body: "Art thou not Romeo, and a Montague?"})
	if err != nil {
		t.Fatal(err)
	}
	el, err := cs.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := el.(*stanza.Message); !ok || m.ID != "ktx72v49" || m.Body != "Neither, fair saint, if either thee dislike." {
		t.Errorf("Next = %#v", el)
	}
	if err := cs.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("server script: %v", err)
	}
	if _, err := cs.Next(ctx); err == nil {
		t.Error("Next after Close succeeded")
	}
}
