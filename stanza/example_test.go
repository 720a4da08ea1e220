package stanza_test

import (
	"encoding/xml"
	"errors"
	"fmt"
	"os"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
)

// An Encoder writes a stream: the header, stanzas, the closing tag. Each
// call is one Write.
func ExampleEncoder() {
	e := stanza.NewEncoder(os.Stdout)
	_ = e.EncodeHeader(&stanza.Header{From: "juliet@im.example.com", To: "im.example.com", Version: "1.0", Lang: "en"})
	fmt.Println()
	_ = e.Encode(&stanza.Message{
		ID:   "ktx72v49",
		From: jid.MustParse("juliet@example.com/balcony"),
		To:   jid.MustParse("romeo@example.net"),
		Type: stanza.MessageChat,
		Body: "Art thou not Romeo, & a Montague?",
	})
	fmt.Println()
	_ = e.EncodeEnd()
	fmt.Println()

	// A string XML cannot carry is refused, and nothing is written.
	err := e.Encode(&stanza.Message{Body: "bell\x07"})
	fmt.Println(errors.Is(err, stanza.ErrInvalidChar))
	// Output:
	// <?xml version='1.0'?><stream:stream from='juliet@im.example.com' to='im.example.com' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
	// <message from='juliet@example.com/balcony' id='ktx72v49' to='romeo@example.net' type='chat'><body>Art thou not Romeo, &amp; a Montague?</body></message>
	// </stream:stream>
	// true
}

// AppendElement builds the bytes in a caller's buffer, for writing under
// the caller's own lock.
func ExampleAppendElement() {
	buf := make([]byte, 0, 512)
	buf, err := stanza.AppendElement(buf, &stanza.Presence{Show: stanza.ShowAway, Status: "Wooing Juliet", Priority: 1})
	fmt.Println(string(buf), err)
	// Output:
	// <presence><show>away</show><status>Wooing Juliet</status><priority>1</priority></presence> <nil>
}

// A stanza error is a Go error matched by its condition.
func ExampleError() {
	req := &stanza.IQ{
		ID:      "v1",
		From:    jid.MustParse("juliet@example.com/balcony"),
		To:      jid.MustParse("example.com"),
		Type:    stanza.IQGet,
		Payload: &stanza.Raw{Name: xml.Name{Space: "jabber:iq:version", Local: "query"}},
	}
	reply := req.ErrorReply(stanza.NewError(stanza.ServiceUnavailable, ""))
	b, _ := stanza.AppendElement(nil, reply)
	fmt.Println(string(b))

	var err error = reply.Error
	fmt.Println(err)
	fmt.Println(errors.Is(err, stanza.ServiceUnavailable), errors.Is(err, stanza.ItemNotFound))
	// Output:
	// <iq from='example.com' id='v1' to='juliet@example.com/balcony' type='error'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>
	// stanza: service-unavailable (cancel)
	// true false
}

// A Raw payload decodes into a user type with encoding/xml.
func ExampleRaw_Decode() {
	payload, err := stanza.ParseRaw([]byte(`<query xmlns='jabber:iq:roster' ver='ver7'><item jid='romeo@example.net' name='Romeo'/><item jid='nurse@example.com'/></query>`))
	if err != nil {
		fmt.Println(err)
		return
	}
	var roster struct {
		Ver   string `xml:"ver,attr"`
		Items []struct {
			JID  string `xml:"jid,attr"`
			Name string `xml:"name,attr"`
		} `xml:"item"`
	}
	if err := payload.Decode(&roster); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(payload.Name.Space, payload.Attr("ver"))
	for _, it := range roster.Items {
		fmt.Printf("%s %q\n", it.JID, it.Name)
	}
	// Output:
	// jabber:iq:roster ver7
	// romeo@example.net "Romeo"
	// nurse@example.com ""
}

// NewRaw turns a user's encoding/xml type into a payload.
func ExampleNewRaw() {
	type ping struct {
		XMLName xml.Name `xml:"urn:xmpp:ping ping"`
	}
	p, err := stanza.NewRaw(ping{})
	if err != nil {
		fmt.Println(err)
		return
	}
	iq := &stanza.IQ{ID: "c2s1", To: jid.MustParse("im.example.com"), Type: stanza.IQGet, Payload: p}
	b, _ := stanza.AppendElement(nil, iq)
	fmt.Println(string(b))
	// Output:
	// <iq id='c2s1' to='im.example.com' type='get'><ping xmlns="urn:xmpp:ping"></ping></iq>
}

// ParseRaw refuses what cannot be written into a stream unchanged.
func ExampleParseRaw() {
	for _, s := range []string{
		`<active xmlns='http://jabber.org/protocol/chatstates'/>`,
		`<active/>`,
		`<x xmlns='urn:x'><!-- comment --></x>`,
	} {
		r, err := stanza.ParseRaw([]byte(s))
		if err != nil {
			fmt.Println(errors.Is(err, stanza.ErrInvalidRaw), err)
			continue
		}
		fmt.Println(r.Name.Space, r.Name.Local)
	}
	// Output:
	// http://jabber.org/protocol/chatstates active
	// true stanza: not a single namespace-complete XML element: element <active> has no namespace declared in the element
	// true stanza: not a single namespace-complete XML element: comment (RFC 6120 §11.1)
}

// The stanza types work with encoding/xml.
func ExampleMessage_MarshalXML() {
	b, _ := xml.Marshal(&stanza.Message{To: jid.MustParse("romeo@example.net"), Type: stanza.MessageChat, Body: "Hi"})
	fmt.Println(string(b))

	var m stanza.Message
	err := xml.Unmarshal([]byte(`<message xmlns='jabber:client' type='chat' xml:lang='en'><body>Good night</body><body xml:lang='fr'>Bonne nuit</body></message>`), &m)
	fmt.Println(m.Body, len(m.Bodies), err)
	// Output:
	// <message to="romeo@example.net" type="chat"><body>Hi</body></message>
	// Good night 2 <nil>
}
