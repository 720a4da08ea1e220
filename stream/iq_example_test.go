package stream_test

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
)

var (
	versionQuery = xml.Name{Space: "jabber:iq:version", Local: "query"}
	pingElem     = xml.Name{Space: "urn:xmpp:ping", Local: "ping"}
)

// serve accepts a stream on conn for example.com and serves h on it
// until the client closes its stream; it reports Serve's result.
func serve(conn net.Conn, h stream.Handler) <-chan error {
	done := make(chan error, 1)
	go func() {
		ctx := context.Background()
		s, err := stream.Accept(ctx, conn, &stream.Config{Domains: []string{"example.com"}})
		if err != nil {
			done <- err
			return
		}
		err = s.Serve(ctx, h)
		s.Close()
		done <- err
	}()
	return done
}

// A client asks a server for its software version (XEP-0092). No Next
// loop runs on the client: SendIQ reads the reply itself.
func ExampleStream_SendIQ() {
	clientConn, serverConn := net.Pipe()
	ctx := context.Background()

	mux := &stream.Mux{}
	mux.HandleIQ(stanza.IQGet, versionQuery, func(ctx context.Context, s *stream.Stream, iq *stanza.IQ) (*stanza.Raw, error) {
		return stanza.ParseRaw([]byte("<query xmlns='jabber:iq:version'><name>xmppkit</name></query>"))
	})
	served := serve(serverConn, mux)

	server := jid.MustParse("example.com")
	c, err := stream.Open(ctx, clientConn, &stream.Config{To: server})
	if err != nil {
		fmt.Println(err)
		return
	}
	reply, err := c.SendIQ(ctx, &stanza.IQ{Type: stanza.IQGet, To: server, Payload: &stanza.Raw{Name: versionQuery}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reply.Type, "from", reply.From, string(reply.Payload.XML))

	// Nobody handles jabber:iq:last: the answer is service-unavailable,
	// returned as the error.
	_, err = c.SendIQ(ctx, &stanza.IQ{Type: stanza.IQGet, To: server, Payload: &stanza.Raw{Name: xml.Name{Space: "jabber:iq:last", Local: "query"}}})
	fmt.Println(errors.Is(err, stanza.ServiceUnavailable), err)

	fmt.Println("close:", c.Close())
	fmt.Println("serve:", <-served)
	// Output:
	// result from example.com <query xmlns='jabber:iq:version'><name>xmppkit</name></query>
	// true stanza: service-unavailable (cancel)
	// close: <nil>
	// serve: <nil>
}

// A server that echoes messages and answers pings (XEP-0199); the
// client reads with Next meanwhile.
func ExampleStream_Serve() {
	clientConn, serverConn := net.Pipe()
	ctx := context.Background()

	mux := &stream.Mux{}
	mux.HandleMessage(func(ctx context.Context, s *stream.Stream, m *stanza.Message) {
		s.Send(ctx, &stanza.Message{To: m.From, Type: m.Type, Body: "echo: " + m.Body})
	})
	mux.HandleIQ(stanza.IQGet, pingElem, func(ctx context.Context, s *stream.Stream, iq *stanza.IQ) (*stanza.Raw, error) {
		return nil, nil // an empty result
	})
	served := serve(serverConn, mux)

	c, err := stream.Open(ctx, clientConn, &stream.Config{To: jid.MustParse("example.com")})
	if err != nil {
		fmt.Println(err)
		return
	}
	juliet := jid.MustParse("juliet@example.com/balcony")
	for _, body := range []string{"one", "two"} {
		c.Send(ctx, &stanza.Message{From: juliet, Type: stanza.MessageChat, Body: body})
	}
	for range 2 {
		el, err := c.Next(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		m := el.(*stanza.Message)
		fmt.Println(m.To, m.Body)
	}
	reply, err := c.SendIQ(ctx, &stanza.IQ{Type: stanza.IQGet, Payload: &stanza.Raw{Name: pingElem}})
	fmt.Println("ping:", reply.Type, err)
	fmt.Println("close:", c.Close())
	fmt.Println("serve:", <-served)
	// Output:
	// juliet@example.com/balcony echo: one
	// juliet@example.com/balcony echo: two
	// ping: result <nil>
	// close: <nil>
	// serve: <nil>
}

// Handlers may send requests of their own and wait for the answer: here
// the server, asked for the time, first pings the client, which serves
// pings too.
func ExampleMux() {
	clientConn, serverConn := net.Pipe()
	ctx := context.Background()
	timeQuery := xml.Name{Space: "urn:xmpp:time", Local: "time"}

	mux := &stream.Mux{}
	mux.HandleIQ(stanza.IQGet, timeQuery, func(ctx context.Context, s *stream.Stream, iq *stanza.IQ) (*stanza.Raw, error) {
		// Still there? (A request to the client: no 'to' needed.)
		if _, err := s.SendIQ(ctx, &stanza.IQ{Type: stanza.IQGet, Payload: &stanza.Raw{Name: pingElem}}); err != nil {
			return nil, err
		}
		return stanza.ParseRaw([]byte("<time xmlns='urn:xmpp:time'><utc>2006-01-02T15:04:05Z</utc></time>"))
	})
	served := serve(serverConn, mux)

	c, err := stream.Open(ctx, clientConn, &stream.Config{To: jid.MustParse("example.com")})
	if err != nil {
		fmt.Println(err)
		return
	}
	pings := &stream.Mux{}
	pings.HandleIQ(stanza.IQGet, pingElem, func(ctx context.Context, s *stream.Stream, iq *stanza.IQ) (*stanza.Raw, error) {
		fmt.Println("client: pinged")
		return nil, nil
	})
	clientServed := make(chan error, 1)
	go func() { clientServed <- c.Serve(ctx, pings) }()

	reply, err := c.SendIQ(ctx, &stanza.IQ{Type: stanza.IQGet, Payload: &stanza.Raw{Name: timeQuery}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("client: got", string(reply.Payload.XML))
	fmt.Println("close:", c.Close())
	fmt.Println("serve:", <-served, <-clientServed)
	// Output:
	// client: pinged
	// client: got <time xmlns='urn:xmpp:time'><utc>2006-01-02T15:04:05Z</utc></time>
	// close: <nil>
	// serve: <nil> <nil>
}
