package prototest

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/stream/streamtest"
)

// login returns the start of a session of user (password "secret"): the
// stream header, SASL PLAIN (allowed without TLS on this test server;
// the initial response is base64 of "\x00user\x00secret", RFC 4616), the
// stream restart (RFC 6120 §6.4.6), and resource binding with a resource
// the server chooses (§7.6), captured as {{res}}.
func login(user string) string {
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00secret"))
	return strings.NewReplacer("USER", user, "PLAIN64", plain).Replace(`
	C: <?xml version='1.0'?>
	   <stream:stream to='example.com' version='1.0'
	       xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	S: <?xml version='1.0'?>
	   <stream:stream from='example.com' id='{{any}}' version='1.0' xml:lang='en'
	       xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	S: <stream:features>
	     <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>
	       ...
	       <mechanism>PLAIN</mechanism>
	     </mechanisms>
	   </stream:features>
	C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>PLAIN64</auth>
	S: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
	C: <stream:stream to='example.com' version='1.0'
	       xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	S: <stream:stream from='example.com' id='{{any}}' version='1.0' xml:lang='en'
	       xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	S: <stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>
	C: <iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>
	S: <iq type='result' id='bind1'>
	     <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>USER@example.com/{{res}}</jid></bind>
	   </iq>
`)
}

// One client: log in, ping the server (XEP-0199), disco#info, send a
// message to oneself, and send XML that is not well-formed, which ends
// the stream with not-well-formed and the closing tag (RFC 6120
// §4.9.3.13, §4.9.1.1).
func TestSession(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	streamtest.Run(t, login("juliet")+`
	C: <iq type='get' id='ping1' to='example.com'><ping xmlns='urn:xmpp:ping'/></iq>
	S: <iq type='result' id='ping1' from='example.com' to='juliet@example.com/{{res}}'/>

	C: <iq type='get' id='info1' to='example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>
	S: <iq type='result' id='info1' from='example.com' to='juliet@example.com/{{res}}'>
	     <query xmlns='http://jabber.org/protocol/disco#info'>
	       <identity category='server' type='im' ...></identity>
	       ...
	       <feature var='urn:xmpp:ping'/>
	       ...
	     </query>
	   </iq>

	# The server stamps 'from' with the sender's full JID (RFC 6120 §8.1.2.1).
	C: <message to='juliet@example.com/{{res}}' type='chat' id='m1'><body>Wherefore art thou?</body></message>
	S: <message from='juliet@example.com/{{res}}' to='juliet@example.com/{{res}}' type='chat' id='m1'>
	     <body>Wherefore art thou?</body>
	   </message>

	C: <message xml:lang='en'><body>Bad XML, no closing body tag!</message>
	S: <stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
	S: </stream:stream>
	`, srv.connect(t), streamtest.Initiator)
}

// Two clients, each a script played on its own connection, in turns:
// Romeo becomes available; Juliet writes to his bare JID; he answers her
// full JID, which he learns from the message; Juliet's message to the
// nurse, who is offline, comes back as service-unavailable (RFC 6121
// §8.5.2.2.1); both close their streams (RFC 6120 §4.4).
func TestConversation(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	romeo, juliet := srv.connect(t), srv.connect(t)

	streamtest.Run(t, login("romeo")+`
	C: <presence/>
	S: <presence from='romeo@example.com/{{res}}' to='romeo@example.com'/>
	`, romeo, streamtest.Initiator)

	streamtest.Run(t, login("juliet")+`
	C: <message to='romeo@example.com' type='chat' id='ktx72v49' xml:lang='en'>
	     <body>Art thou not Romeo, and a Montague?</body>
	   </message>
	`, juliet, streamtest.Initiator)

	streamtest.Run(t, `
	S: <message from='juliet@example.com/{{juliet}}' to='romeo@example.com' type='chat' id='ktx72v49' xml:lang='en'>
	     <body>Art thou not Romeo, and a Montague?</body>
	   </message>
	C: <message to='juliet@example.com/{{juliet}}' type='chat' id='sl3nx51f' xml:lang='en'>
	     <body>Neither, fair saint, if either thee dislike.</body>
	   </message>
	`, romeo, streamtest.Initiator)

	streamtest.Run(t, `
	S: <message from='romeo@example.com/{{any}}' to='juliet@example.com/{{any}}' type='chat' id='sl3nx51f' xml:lang='en'>
	     <body>Neither, fair saint, if either thee dislike.</body>
	   </message>
	C: <message to='nurse@example.com' type='chat' id='n1'><body>Nurse!</body></message>
	S: <message from='nurse@example.com' to='juliet@example.com/{{any}}' type='error' id='n1'>
	     <error type='cancel'>
	       <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
	     </error>
	   </message>
	C: </stream:stream>
	S: </stream:stream>
	`, juliet, streamtest.Initiator)

	streamtest.Run(t, `
	C: </stream:stream>
	S: </stream:stream>
	`, romeo, streamtest.Initiator)
}

// Shutting the server down ends the stream with system-shutdown (RFC
// 6120 §4.9.3.22).
func TestShutdown(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	conn := srv.connect(t)
	streamtest.Run(t, login("juliet"), conn, streamtest.Initiator)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	streamtest.Run(t, `
	S: <stream:error>
	     <system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>
	     <text xmlns='urn:ietf:params:xml:ns:xmpp-streams' ...>{{any}}</text>
	   </stream:error>
	S: </stream:stream>
	`, conn, streamtest.Initiator)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
