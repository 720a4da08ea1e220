package streamerror

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// declare makes a written element namespace-complete for Parse, as the
// stanza decoder does with the declarations of the stream header.
func declare(b []byte) []byte {
	const tag = "<stream:error"
	if !bytes.HasPrefix(b, []byte(tag)) {
		return b
	}
	return append([]byte(tag+" xmlns:stream='"+StreamsNS+"'"), b[len(tag):]...)
}

const (
	// rfc6120Host is the address of RFC 6120 §4.9.3.19's example.
	rfc6120Host = "[2001:41D0:1:A49b::1]:9222"
	// rfc6120App is RFC 6120 §4.9.4's example, as written.
	rfc6120App = "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
		"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>Some special application diagnostic information!</text>" +
		"<escape-your-data xmlns='http://example.org/ns'/></stream:error>"
)

func TestRoundTripAllConditions(t *testing.T) {
	t.Parallel()
	for _, c := range allConditions {
		t.Run(string(c), func(t *testing.T) {
			t.Parallel()
			e := &Error{Condition: c}
			want := "<stream:error><" + string(c) + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
			if c == SeeOtherHost {
				e.Host = rfc6120Host
				want = "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>" + rfc6120Host + "</see-other-host></stream:error>"
			}
			roundTrip(t, e, want)
		})
	}
}

// roundTrip checks that e is written exactly as want and parses back to e.
func roundTrip(t *testing.T, e *Error, want string) {
	t.Helper()
	got, err := e.AppendXML(nil)
	if err != nil {
		t.Fatalf("AppendXML: %v", err)
	}
	if string(got) != want {
		t.Fatalf("AppendXML:\n got %s\nwant %s", got, want)
	}
	back, err := Parse(declare(got))
	if err != nil {
		t.Fatalf("Parse(AppendXML): %v", err)
	}
	if d := cmp.Diff(e, back); d != "" {
		t.Errorf("Parse(AppendXML) differs (-wrote +read):\n%s", d)
	}
}

func TestAppendXML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		e    *Error
		want string
	}{
		{
			name: "RFC 6120 4.9.4 application-specific condition",
			e: &Error{
				Condition: NotWellFormed,
				Text:      "Some special application diagnostic information!",
				Lang:      "en",
				App:       []byte("<escape-your-data xmlns='http://example.org/ns'/>"),
			},
			want: rfc6120App,
		},
		{
			name: "RFC 6120 4.9.3.19 see-other-host",
			e:    &Error{Condition: SeeOtherHost, Host: rfc6120Host},
			want: "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>[2001:41D0:1:A49b::1]:9222</see-other-host></stream:error>",
		},
		{
			name: "see-other-host with text",
			e:    &Error{Condition: SeeOtherHost, Host: "b.example.net", Text: "moved", Lang: "en"},
			want: "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>b.example.net</see-other-host>" +
				"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>moved</text></stream:error>",
		},
		{
			name: "text without lang",
			e:    New(SystemShutdown, "bye"),
			want: "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
				"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>bye</text></stream:error>",
		},
		{
			name: "lang without text",
			e:    &Error{Condition: Conflict, Lang: "fr"},
			want: "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
				"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='fr'></text></stream:error>",
		},
		{
			name: "app without text",
			e:    &Error{Condition: UndefinedCondition, App: []byte("<x:a xmlns:x='urn:x'><x:b/></x:a>")},
			want: "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
				"<x:a xmlns:x='urn:x'><x:b/></x:a></stream:error>",
		},
		{
			name: "text escaped",
			e:    New(BadFormat, `a&b<c>d'e"f`),
			want: "<stream:error><bad-format xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
				"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>a&amp;b&lt;c&gt;d&apos;e&quot;f</text></stream:error>",
		},
		{
			name: "text whitespace: CR as a reference, TAB and LF as is",
			e:    New(BadFormat, "a\tb\nc\r\nd"),
			want: "<stream:error><bad-format xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
				"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>a\tb\nc&#xD;\nd</text></stream:error>",
		},
		{
			name: "lang escaped",
			e:    &Error{Condition: Conflict, Text: "x", Lang: "a'\"&<\t\n\r"},
			want: "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
				"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='a&apos;&quot;&amp;&lt;&#x9;&#xA;&#xD;'>x</text></stream:error>",
		},
		{
			name: "host escaped",
			e:    &Error{Condition: SeeOtherHost, Host: "a<b&c"},
			want: "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>a&lt;b&amp;c</see-other-host></stream:error>",
		},
		{
			name: "non-ASCII text",
			e:    &Error{Condition: HostUnknown, Text: "Hôte inconnu \U0001F600 \uFFFD", Lang: "fr"},
			want: "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
				"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='fr'>Hôte inconnu \U0001F600 \uFFFD</text></stream:error>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			roundTrip(t, tt.e, tt.want)
		})
	}
}

func TestAppendXMLUnknownNotWritten(t *testing.T) {
	t.Parallel()
	e := &Error{Condition: UndefinedCondition, Unknown: "invalid-id", Texts: map[string]string{"": "a", "en": "b"}, Text: "a"}
	got, err := e.AppendXML(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
		"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>a</text></stream:error>"
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestAppendXMLAppends(t *testing.T) {
	t.Parallel()
	dst := []byte("<message/>")
	got, err := (&Error{Condition: Reset}).AppendXML(dst)
	if err != nil {
		t.Fatal(err)
	}
	want := "<message/><stream:error><reset xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestAppendXMLInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		e    *Error
	}{
		{"nil", nil},
		{"zero value", &Error{}},
		{"unknown condition", &Error{Condition: "invalid-id"}},
		{"RFC 3920 name", &Error{Condition: "xml-not-well-formed"}},
		{"injection in condition", &Error{Condition: "conflict/><x"}},
		{"see-other-host without host", &Error{Condition: SeeOtherHost}},
		{"host with leading space", &Error{Condition: SeeOtherHost, Host: " example.net"}},
		{"host with trailing newline", &Error{Condition: SeeOtherHost, Host: "example.net\n"}},
		{"host on another condition", &Error{Condition: HostGone, Host: "example.net"}},
		{"host with NUL", &Error{Condition: SeeOtherHost, Host: "a\x00b"}},
		{"text with NUL", New(BadFormat, "a\x00b")},
		{"text with ESC", New(BadFormat, "\x1b[31m")},
		{"text with invalid UTF-8", New(BadFormat, "a\xffb")},
		{"text with truncated UTF-8", New(BadFormat, "a\xe2\x82")},
		{"text with UTF-8 surrogate", New(BadFormat, "\xed\xa0\x80")},
		{"text with U+FFFE", New(BadFormat, "\uFFFE")},
		{"text with U+FFFF", New(BadFormat, "\uFFFF")},
		{"lang with NUL", &Error{Condition: BadFormat, Lang: "\x00"}},
		{"app not an element", &Error{Condition: BadFormat, App: []byte("text")}},
		{"app unterminated", &Error{Condition: BadFormat, App: []byte("<a")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := []byte("prefix")
			got, err := tt.e.AppendXML(dst)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("AppendXML error = %v, want ErrInvalid", err)
			}
			if !strings.HasPrefix(err.Error(), "streamerror: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if string(got) != "prefix" {
				t.Errorf("AppendXML returned %q, want dst unchanged", got)
			}
			if _, err := xml.Marshal(tt.e); tt.e != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("xml.Marshal error = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestAppendXMLAllocs(t *testing.T) {
	e := &Error{
		Condition: NotWellFormed,
		Text:      "Some <special> application diagnostic information!",
		Lang:      "en",
		App:       []byte("<escape-your-data xmlns='http://example.org/ns'/>"),
	}
	buf := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = e.AppendXML(buf[:0]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendXML with room allocates %v times, want 0", allocs)
	}
}

func TestMarshalXML(t *testing.T) {
	t.Parallel()
	e := &Error{
		Condition: NotWellFormed,
		Text:      "Some special application diagnostic information!",
		Lang:      "en",
		App:       []byte("<escape-your-data xmlns='http://example.org/ns'/>"),
	}
	got, err := xml.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `<error xmlns="http://etherx.jabber.org/streams">` +
		"<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
		"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>Some special application diagnostic information!</text>" +
		"<escape-your-data xmlns='http://example.org/ns'/></error>"
	if string(got) != want {
		t.Fatalf("xml.Marshal:\n got %s\nwant %s", got, want)
	}
	// The output is namespace-complete: Parse and xml.Unmarshal read it.
	back, err := Parse(got)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if d := cmp.Diff(e, back); d != "" {
		t.Errorf("Parse(xml.Marshal) differs:\n%s", d)
	}
	var un Error
	if err := xml.Unmarshal(got, &un); err != nil {
		t.Fatalf("xml.Unmarshal: %v", err)
	}
	if d := cmp.Diff(e, &un); d != "" {
		t.Errorf("xml.Unmarshal(xml.Marshal) differs:\n%s", d)
	}

	// As a field, the name in the tag is ignored: the element is fixed.
	type wrapper struct {
		XMLName xml.Name `xml:"wrapper"`
		Err     *Error   `xml:"whatever"`
	}
	got, err = xml.Marshal(wrapper{Err: &Error{Condition: Conflict}})
	if err != nil {
		t.Fatal(err)
	}
	want = `<wrapper><error xmlns="http://etherx.jabber.org/streams"><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></error></wrapper>`
	if string(got) != want {
		t.Errorf("xml.Marshal(wrapper):\n got %s\nwant %s", got, want)
	}
}
