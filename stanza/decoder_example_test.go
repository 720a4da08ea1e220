package stanza_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

func ExampleDecoder() {
	const stream = `<?xml version='1.0'?>` +
		`<stream:stream from='im.example.com' id='t7AMCin9zjMNwQKDnplntZPIDEI=' to='juliet@im.example.com' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>` +
		`<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>` +
		`<message from='romeo@example.net/orchard' to='juliet@example.com/balcony' type='chat'><body>Neither, fair saint, if either thee dislike.</body></message>` +
		` ` + // a whitespace keepalive
		`<presence from='romeo@example.net/orchard'><show>away</show></presence>` +
		`<iq from='juliet@example.com/balcony' id='r1' type='get'><query xmlns='jabber:iq:roster'/></iq>` +
		`</stream:stream>`

	d := stanza.NewDecoder(strings.NewReader(stream), nil)
	h, err := d.Header()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("stream from", h.From, "id", h.ID, "content namespace", h.NS)
	for {
		el, err := d.Next()
		if err == io.EOF {
			fmt.Println("stream closed")
			return
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		switch v := el.(type) {
		case *stanza.Message:
			fmt.Printf("message from %s: %s\n", v.From, v.Body)
		case *stanza.Presence:
			fmt.Printf("presence from %s: %s\n", v.From, v.Show)
		case *stanza.IQ:
			fmt.Printf("iq %s %s: %s\n", v.Type, v.ID, v.Payload.Name.Space)
		case *stanza.Raw:
			fmt.Printf("%s\n", v.XML)
		}
	}
	// Output:
	// stream from im.example.com id t7AMCin9zjMNwQKDnplntZPIDEI= content namespace jabber:client
	// <stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>
	// message from romeo@example.net/orchard: Neither, fair saint, if either thee dislike.
	// presence from romeo@example.net/orchard: away
	// iq get r1: jabber:iq:roster
	// stream closed
}

// A peer that breaks RFC 6120 §11 gets the stream error the Decoder names.
func ExampleDecodeError() {
	const stream = `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>` +
		`<message><body>&nbsp;</body></message>`
	d := stanza.NewDecoder(strings.NewReader(stream), nil)
	if _, err := d.Header(); err != nil {
		fmt.Println(err)
		return
	}
	_, err := d.Next()
	var se *streamerror.Error
	if errors.As(err, &se) {
		fmt.Println("send:", string(se.Condition))
	}
	fmt.Println(err)
	// Output:
	// send: restricted-xml
	// stanza: restricted-xml at offset 100: entity reference
}

// Limits bound what a peer can make the Decoder hold; exceeding one is a
// policy-violation stream error and a sentinel error.
func ExampleLimits() {
	stream := `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>` +
		`<message><body>` + strings.Repeat("0123456789", 10) + `</body></message>`
	d := stanza.NewDecoder(strings.NewReader(stream), &stanza.Limits{MaxStanzaSize: 100})
	_, err := d.Header()
	if err == nil {
		_, err = d.Next()
	}
	fmt.Println(errors.Is(err, stanza.ErrStanzaTooLarge), errors.Is(err, stanza.ErrLimit), errors.Is(err, streamerror.PolicyViolation))
	// Output:
	// true true true
}
