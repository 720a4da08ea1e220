package streamerror_test

import (
	"encoding/xml"
	"errors"
	"fmt"

	"github.com/xmppkit/xmpp/streamerror"
)

func ExampleError_AppendXML() {
	e := streamerror.New(streamerror.SystemShutdown, "Going down for maintenance")
	e.Lang = "en"
	b, err := e.AppendXML(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))

	moved := &streamerror.Error{Condition: streamerror.SeeOtherHost, Host: "[2001:41D0:1:A49b::1]:9222"}
	b, _ = moved.AppendXML(b[:0])
	fmt.Println(string(b))
	// Output:
	// <stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>Going down for maintenance</text></stream:error>
	// <stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>[2001:41D0:1:A49b::1]:9222</see-other-host></stream:error>
}

func ExampleParse() {
	// RFC 6120 §4.9.4's example, with the stream prefix declared.
	e, err := streamerror.Parse([]byte(`<stream:error xmlns:stream='http://etherx.jabber.org/streams'>
  <not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>
  <text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Some special application diagnostic information!</text>
  <escape-your-data xmlns='http://example.org/ns'/>
</stream:error>`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(e.Condition))
	fmt.Println(e.Lang, e.Text)
	fmt.Println(string(e.App))
	fmt.Println(e)
	// Output:
	// not-well-formed
	// en Some special application diagnostic information!
	// <escape-your-data xmlns='http://example.org/ns'/>
	// streamerror: not-well-formed: Some special application diagnostic information!
}

func ExampleParse_rfc3920() {
	// An RFC 3920 peer, and a condition this package does not know.
	for _, in := range []string{
		`<stream:error xmlns:stream="http://etherx.jabber.org/streams"><xml-not-well-formed xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></stream:error>`,
		`<error xmlns="http://etherx.jabber.org/streams"><invalid-id xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></error>`,
	} {
		e, err := streamerror.Parse([]byte(in))
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s %q\n", string(e.Condition), e.Unknown)
	}
	// Output:
	// not-well-formed ""
	// undefined-condition "invalid-id"
}

// Callers find the stream error in any error chain with errors.As, or test
// its condition with errors.Is.
func Example_errorsAs() {
	var err error = fmt.Errorf("stream: read: %w", &streamerror.Error{
		Condition: streamerror.SeeOtherHost,
		Host:      "b.example.net:5222",
	})

	var se *streamerror.Error
	if errors.As(err, &se) && se.Condition == streamerror.SeeOtherHost {
		fmt.Println("reconnect to", se.Host)
	}
	fmt.Println(errors.Is(err, streamerror.SeeOtherHost))
	fmt.Println(errors.Is(err, streamerror.SystemShutdown))
	fmt.Println(err)
	// Output:
	// reconnect to b.example.net:5222
	// true
	// false
	// stream: read: streamerror: see-other-host (b.example.net:5222)
}

func ExampleError_MarshalXML() {
	b, err := xml.Marshal(streamerror.New(streamerror.Conflict, "Replaced by new connection"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output:
	// <error xmlns="http://etherx.jabber.org/streams"><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by new connection</text></error>
}
