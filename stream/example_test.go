package stream_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/streamerror"
)

// A server that echoes messages, and a client that sends one, over an
// in-memory pipe.
func Example() {
	clientConn, serverConn := net.Pipe()
	ctx := context.Background()

	done := make(chan struct{})
	go func() { // the server
		defer close(done)
		s, err := stream.Accept(ctx, serverConn, &stream.Config{Domains: []string{"example.com"}})
		if err != nil {
			fmt.Println("accept:", err)
			return
		}
		defer s.Close()
		for {
			el, err := s.Next(ctx)
			if err != nil {
				return // io.EOF: the client closed its stream
			}
			if m, ok := el.(*stanza.Message); ok {
				s.Send(ctx, &stanza.Message{To: m.From, Type: m.Type, Body: "echo: " + m.Body})
			}
		}
	}()

	c, err := stream.Open(ctx, clientConn, &stream.Config{
		To:   jid.MustParse("example.com"),
		From: jid.MustParse("juliet@example.com"),
	})
	if err != nil {
		fmt.Println("open:", err)
		return
	}
	fmt.Printf("stream %d characters long from %s to %s\n", len(c.ID()), c.PeerHeader().From, c.PeerHeader().To)
	c.Send(ctx, &stanza.Message{
		From: jid.MustParse("juliet@example.com/balcony"),
		Type: stanza.MessageChat,
		Body: "Art thou not Romeo, and a Montague?",
	})
	el, err := c.Next(ctx)
	if err != nil {
		fmt.Println("next:", err)
		return
	}
	m := el.(*stanza.Message)
	fmt.Println(m.To, m.Body)
	fmt.Println("close:", c.Close())
	<-done
	// Output:
	// stream 22 characters long from example.com to juliet@example.com
	// juliet@example.com/balcony echo: Art thou not Romeo, and a Montague?
	// close: <nil>
}

// Open as the initiating entity, with the traffic traced. The receiving
// entity here is a script; its stream ID is "abc".
func ExampleOpen() {
	clientConn, serverConn := net.Pipe()
	go func() {
		buf := make([]byte, 4096)
		serverConn.Read(buf) // our header
		io.WriteString(serverConn, "<?xml version='1.0'?><stream:stream from='example.com' id='abc' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><stream:features/>")
		serverConn.Read(buf) // our closing tag
		io.WriteString(serverConn, "</stream:stream>")
		serverConn.Close()
	}()
	trace := func(e stream.Event) { fmt.Printf("%s: %s\n", e.Dir, e.Data) }
	s, err := stream.Open(context.Background(), clientConn, &stream.Config{
		To:    jid.MustParse("example.com"),
		Trace: trace,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("id:", s.ID())
	fmt.Println("close:", s.Close())
	// Output:
	// out: <?xml version='1.0'?><stream:stream to='example.com' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	// in: <?xml version='1.0'?><stream:stream from='example.com' id='abc' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><stream:features/>
	// id: abc
	// out: </stream:stream>
	// in: </stream:stream>
	// close: <nil>
}

// Accept as the receiving entity: a header naming a domain we do not
// serve is answered with our header, host-unknown and the closing tag.
func ExampleAccept() {
	clientConn, serverConn := net.Pipe()
	go func() {
		io.WriteString(clientConn, "<?xml version='1.0'?><stream:stream to='example.org' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
	}()
	got := make(chan string)
	go func() {
		b, _ := io.ReadAll(clientConn)
		got <- string(b)
	}()
	_, err := stream.Accept(context.Background(), serverConn, &stream.Config{Domains: []string{"example.com"}})
	var le *stream.LocalError
	fmt.Println(errors.As(err, &le), errors.Is(err, streamerror.HostUnknown))
	answer := <-got
	fmt.Println(answer[strings.Index(answer, "<stream:error>"):])
	// Output:
	// true true
	// <stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>
}
