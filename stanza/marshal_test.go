package stanza

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xmppkit/xmpp/jid"
)

func TestParseRaw(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want xml.Name
		xml  string // stored bytes when they differ from in
	}{
		{"empty element", `<ping xmlns='urn:xmpp:ping'/>`, xml.Name{Space: "urn:xmpp:ping", Local: "ping"}, ""},
		{"surrounding whitespace dropped", " \n\t<ping xmlns='urn:xmpp:ping'/>\r\n", xml.Name{Space: "urn:xmpp:ping", Local: "ping"}, `<ping xmlns='urn:xmpp:ping'/>`},
		{"prefixed root", `<p:x xmlns:p='urn:p'><p:y/></p:x>`, xml.Name{Space: "urn:p", Local: "x"}, ""},
		{"explicit no namespace", `<x xmlns=''/>`, xml.Name{Local: "x"}, ""},
		{"nested default namespaces", `<a xmlns='urn:a'><b xmlns='urn:b'><c/></b><d/></a>`, xml.Name{Space: "urn:a", Local: "a"}, ""},
		{"prefixed attributes and xml:lang", `<a xmlns='urn:a' xmlns:m='urn:m' m:x='1' xml:lang='en'>t</a>`, xml.Name{Space: "urn:a", Local: "a"}, ""},
		{"entities and references", `<a xmlns='urn:a' v='&apos;&amp;'>&lt;&#233;&#x1F600;&quot;</a>`, xml.Name{Space: "urn:a", Local: "a"}, ""},
		{"double quotes", `<a xmlns="urn:a" b="c"/>`, xml.Name{Space: "urn:a", Local: "a"}, ""},
		{"non-ASCII text", `<a xmlns='urn:a'>Dvořím se Julii 😀</a>`, xml.Name{Space: "urn:a", Local: "a"}, ""},
		{"CDATA", `<a xmlns='urn:a'><![CDATA[<x>]]></a>`, xml.Name{Space: "urn:a", Local: "a"}, ""},
		{"reference-like text in CDATA", `<a xmlns='urn:a'><![CDATA[&#xD800;]]></a>`, xml.Name{Space: "urn:a", Local: "a"}, ""},
		{"space around equals", `<a xmlns = 'urn:a' b = "c" />`, xml.Name{Space: "urn:a", Local: "a"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := []byte(tt.in)
			r, err := ParseRaw(in)
			if err != nil {
				t.Fatalf("ParseRaw: %v", err)
			}
			want := tt.xml
			if want == "" {
				want = tt.in
			}
			if r.Name != tt.want || string(r.XML) != want {
				t.Errorf("ParseRaw = {%v %s}, want {%v %s}", r.Name, r.XML, tt.want, want)
			}
			in[0] = 'X' // the Raw holds a copy
			if string(r.XML) != want {
				t.Error("ParseRaw kept a reference to its input")
			}
		})
	}
}

// rawRejects are inputs ParseRaw refuses, with the sentinel expected.
var rawRejects = []struct {
	name string
	in   string
	want error
}{
	{"empty", ``, ErrInvalidRaw},
	{"only space", `  `, ErrInvalidRaw},
	{"whitespace in a namespace name", "<a xmlns='\r'/>", ErrInvalidRaw},
	{"space in a prefixed namespace name", `<p:a xmlns:p='urn: x'/>`, ErrInvalidRaw},
	{"text", `hello`, ErrInvalidRaw},
	{"no namespace", `<ping/>`, ErrInvalidRaw},
	{"child without namespace under prefixed root", `<p:x xmlns:p='urn:p'><y/></p:x>`, ErrInvalidRaw},
	{"undeclared prefix", `<p:x/>`, ErrInvalidRaw},
	{"undeclared attribute prefix", `<x xmlns='u' q:a='1'/>`, ErrInvalidRaw},
	{"prefix undeclared", `<x xmlns='u' xmlns:p=''/>`, ErrInvalidRaw},
	{"two elements", `<a xmlns='u'/><b xmlns='u'/>`, ErrInvalidRaw},
	{"text after", `<a xmlns='u'/>x`, ErrInvalidRaw},
	{"unclosed", `<a xmlns='u'>`, ErrInvalidRaw},
	{"mismatched end", `<a xmlns='u'></b>`, ErrInvalidRaw},
	{"stray end", `</a>`, ErrInvalidRaw},
	{"comment", `<a xmlns='u'><!-- hi --></a>`, ErrInvalidRaw},
	{"processing instruction", `<a xmlns='u'><?pi x?></a>`, ErrInvalidRaw},
	{"doctype", `<!DOCTYPE a><a xmlns='u'/>`, ErrInvalidRaw},
	{"xml declaration", `<?xml version='1.0'?><a xmlns='u'/>`, ErrInvalidRaw},
	{"unknown entity", `<a xmlns='u'>&nbsp;</a>`, ErrInvalidRaw},
	{"repeated attribute", `<a xmlns='u' b='1' b='2'/>`, ErrInvalidRaw},
	{"bad name", `<1a xmlns='u'/>`, ErrInvalidRaw},
	{"no space between attributes", `<a xmlns='u'b='1'/>`, ErrInvalidRaw},
	{"no space after xmlns", `<A xmlns=''A=''/>`, ErrInvalidRaw},
	{"]]> in text", `<a xmlns='u'>]]></a>`, ErrInvalidRaw},
	{"same expanded attribute twice", `<a xmlns='u' xmlns:p='v' xmlns:q='v' p:x='1' q:x='2'/>`, ErrInvalidRaw},
	{"prefix bound to the xml namespace", `<a xmlns='u' xmlns:p='http://www.w3.org/XML/1998/namespace'/>`, ErrInvalidRaw},
	{"colon in local name", `<a:b:c xmlns:a='u'/>`, ErrInvalidRaw},
	{"NUL", "<a xmlns='u'>\x00</a>", ErrInvalidChar},
	{"invalid UTF-8", "<a xmlns='u'>\xff</a>", ErrInvalidChar},
	{"U+FFFE", "<a xmlns='u'>\uFFFE</a>", ErrInvalidChar},
	{"NUL by reference", `<a xmlns='u'>&#0;</a>`, nil},
	{"escape by reference", `<a xmlns='u'>&#x1b;</a>`, nil},
	{"U+FFFF by reference in attribute", `<a xmlns='u' b='&#xFFFF;'/>`, nil},
	// encoding/xml reads these references as U+FFFD.
	{"surrogate by reference", `<a xmlns='u'>&#xD800;</a>`, ErrInvalidChar},
	{"surrogate by decimal reference in attribute", `<a xmlns='u' b='&#57343;'/>`, ErrInvalidChar},
	{"surrogate by reference in namespace name", `<A xmlns='&#xD800;'/>`, ErrInvalidChar},
	{"reference beyond U+10FFFF", `<a xmlns='u'>&#x110000;</a>`, nil},
}

func TestParseRawRejects(t *testing.T) {
	t.Parallel()
	for _, tt := range rawRejects {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseRaw([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseRaw(%q) = %+v, want an error", tt.in, r)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("ParseRaw(%q) = %v, want %v", tt.in, err, tt.want)
			}
			if !errors.Is(err, ErrInvalidRaw) && !errors.Is(err, ErrInvalidChar) {
				t.Errorf("ParseRaw(%q) = %v, want ErrInvalidRaw or ErrInvalidChar", tt.in, err)
			}
			if !strings.HasPrefix(err.Error(), "stanza: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// marshalPing is an XEP-0199 ping as a user's encoding/xml type.
type marshalPing struct {
	XMLName xml.Name `xml:"urn:xmpp:ping ping"`
}

// marshalItem is an RFC 6121 roster item as a user's encoding/xml type.
type marshalItem struct {
	JID          string   `xml:"jid,attr"`
	Name         string   `xml:"name,attr,omitempty"`
	Subscription string   `xml:"subscription,attr,omitempty"`
	Groups       []string `xml:"group"`
}

type marshalRoster struct {
	XMLName xml.Name      `xml:"jabber:iq:roster query"`
	Ver     string        `xml:"ver,attr,omitempty"`
	Items   []marshalItem `xml:"item"`
}

func TestNewRawAndDecode(t *testing.T) {
	t.Parallel()
	r, err := NewRaw(marshalPing{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != (xml.Name{Space: "urn:xmpp:ping", Local: "ping"}) || string(r.XML) != `<ping xmlns="urn:xmpp:ping"></ping>` {
		t.Errorf("NewRaw(ping) = {%v %s}", r.Name, r.XML)
	}
	if _, err := NewRaw(struct{ XMLName xml.Name }{XMLName: xml.Name{Local: "x"}}); !errors.Is(err, ErrInvalidRaw) {
		t.Errorf("NewRaw without a namespace: %v, want ErrInvalidRaw", err)
	}
	if _, err := NewRaw(make(chan int)); err == nil {
		t.Error("NewRaw(chan) succeeded")
	}

	in := marshalRoster{Ver: "v1", Items: []marshalItem{
		{JID: "romeo@example.net", Name: "Romeo & co", Subscription: "both", Groups: []string{"Friends"}},
		{JID: "nurse@example.com"},
	}}
	r, err = NewRaw(in)
	if err != nil {
		t.Fatal(err)
	}
	var out marshalRoster
	if err := r.Decode(&out); err != nil {
		t.Fatal(err)
	}
	in.XMLName = xml.Name{Space: "jabber:iq:roster", Local: "query"}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("Decode(NewRaw(v)) differs (-in +out):\n%s", diff)
	}
	if err := r.Decode(&marshalPing{}); err == nil || !strings.HasPrefix(err.Error(), "stanza: ") {
		t.Errorf("Decode into the wrong type: %v", err)
	}

	// A Raw given by its name alone decodes too.
	var p marshalPing
	if err := (&Raw{Name: xml.Name{Space: "urn:xmpp:ping", Local: "ping"}}).Decode(&p); err != nil || p.XMLName.Local != "ping" {
		t.Errorf("Decode of a name-only Raw: %v, %v", p, err)
	}
	if err := (&Raw{}).Decode(&p); err == nil {
		t.Error("Decode of an empty Raw succeeded")
	}
}

func TestRawAttrs(t *testing.T) {
	t.Parallel()
	r := encTestRaw(t, `<item xmlns='jabber:iq:roster' xmlns:x='urn:x' jid='romeo@example.net' name='R&amp;J' x:flag='1' xml:lang='en'><group>g</group></item>`)
	if got := r.Attr("name"); got != "R&J" {
		t.Errorf("Attr(name) = %q", got)
	}
	if got := r.Attr("flag"); got != "" {
		t.Errorf("Attr(flag), a qualified attribute, = %q, want empty", got)
	}
	if got := r.Attr("xmlns"); got != "" {
		t.Errorf("Attr(xmlns) = %q, want empty", got)
	}
	if got := r.Attr("missing"); got != "" {
		t.Errorf("Attr(missing) = %q", got)
	}
	want := []xml.Attr{
		{Name: xml.Name{Local: "xmlns"}, Value: "jabber:iq:roster"},
		{Name: xml.Name{Space: "xmlns", Local: "x"}, Value: "urn:x"},
		{Name: xml.Name{Local: "jid"}, Value: "romeo@example.net"},
		{Name: xml.Name{Local: "name"}, Value: "R&J"},
		{Name: xml.Name{Space: "urn:x", Local: "flag"}, Value: "1"},
		{Name: xml.Name{Space: NSXML, Local: "lang"}, Value: "en"},
	}
	if diff := cmp.Diff(want, r.Attrs()); diff != "" {
		t.Errorf("Attrs (-want +got):\n%s", diff)
	}
	if got := (&Raw{XML: []byte("garbage")}).Attrs(); got != nil {
		t.Errorf("Attrs of garbage = %v", got)
	}
	if got := (&Raw{}).Attr("x"); got != "" {
		t.Errorf("Attr of an empty Raw = %q", got)
	}
}

func TestRawMarshalXML(t *testing.T) {
	t.Parallel()
	type holder struct {
		XMLName xml.Name `xml:"urn:holder holder"`
		Items   []Raw    `xml:",any"`
	}
	h := holder{Items: []Raw{
		*encTestRaw(t, `<p:x xmlns:p='urn:p' p:a='1&amp;2'>t&lt;</p:x>`),
		{Name: xml.Name{Space: "urn:xmpp:ping", Local: "ping"}},
	}}
	b, err := xml.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	want := `<holder xmlns="urn:holder"><p:x xmlns:p="urn:p" p:a="1&amp;2">t&lt;</p:x><ping xmlns="urn:xmpp:ping"></ping></holder>`
	if string(b) != want {
		t.Errorf("xml.Marshal =\n%s\nwant\n%s", b, want)
	}

	var back holder
	if err := xml.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	wantRaw := []Raw{
		{Name: xml.Name{Space: "urn:p", Local: "x"}, XML: []byte(`<x xmlns='urn:p' xmlns:ns1='urn:p' ns1:a='1&amp;2'>t&lt;</x>`)},
		{Name: xml.Name{Space: "urn:xmpp:ping", Local: "ping"}, XML: []byte(`<ping xmlns='urn:xmpp:ping'></ping>`)},
	}
	if diff := cmp.Diff(wantRaw, back.Items); diff != "" {
		t.Errorf("xml.Unmarshal (-want +got):\n%s", diff)
	}
	for _, r := range back.Items {
		if _, err := ParseRaw(r.XML); err != nil {
			t.Errorf("unmarshalled Raw %s is not namespace-complete: %v", r.XML, err)
		}
	}

	// An element in no namespace becomes a Raw that says so.
	var r Raw
	if err := xml.Unmarshal([]byte(`<a><b c="d"/></a>`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Name != (xml.Name{Local: "a"}) || string(r.XML) != `<a xmlns=''><b c='d'></b></a>` {
		t.Errorf("Unmarshal of an element in no namespace = {%v %s}", r.Name, r.XML)
	}
}

func TestStanzaMarshalXML(t *testing.T) {
	t.Parallel()
	j := jid.MustParse
	m := &Message{ID: "m1", From: j("juliet@example.com/balcony"), To: j("romeo@example.net"), Type: MessageChat, Lang: "en",
		Body: "it's <3", Extensions: []Raw{*encTestRaw(t, `<active xmlns='http://jabber.org/protocol/chatstates'/>`)}}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"message", m, `<message from="juliet@example.com/balcony" id="m1" to="romeo@example.net" type="chat" xml:lang="en"><body>it&#39;s &lt;3</body><active xmlns="http://jabber.org/protocol/chatstates"></active></message>`},
		{"message value", *m, `<message from="juliet@example.com/balcony" id="m1" to="romeo@example.net" type="chat" xml:lang="en"><body>it&#39;s &lt;3</body><active xmlns="http://jabber.org/protocol/chatstates"></active></message>`},
		{"presence", &Presence{Show: ShowAway, Priority: 5}, `<presence><show>away</show><priority>5</priority></presence>`},
		{"iq", &IQ{ID: "1", Type: IQGet, Payload: &Raw{Name: xml.Name{Space: "urn:xmpp:ping", Local: "ping"}}}, `<iq id="1" type="get"><ping xmlns="urn:xmpp:ping"></ping></iq>`},
		{"error", &Error{Condition: ItemNotFound}, `<error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"></item-not-found></error>`},
		{"in a namespaced field", struct {
			XMLName xml.Name `xml:"log"`
			M       Message  `xml:"jabber:client message"`
		}{M: Message{Body: "x"}}, `<log><message xmlns="jabber:client"><body>x</body></message></log>`},
	}
	for _, tt := range tests {
		b, err := xml.Marshal(tt.v)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(b) != tt.want {
			t.Errorf("%s: xml.Marshal =\n%s\nwant\n%s", tt.name, b, tt.want)
		}
	}
	if _, err := xml.Marshal(&Message{Body: "\x00"}); !errors.Is(err, ErrInvalidChar) {
		t.Errorf("xml.Marshal of an invalid body: %v, want ErrInvalidChar", err)
	}
}

func TestStanzaUnmarshalXML(t *testing.T) {
	t.Parallel()
	j := jid.MustParse
	type log struct {
		XMLName   xml.Name   `xml:"log"`
		Messages  []Message  `xml:"jabber:client message"`
		Presences []Presence `xml:"jabber:client presence"`
		IQs       []IQ       `xml:"jabber:client iq"`
		Errors    []Error    `xml:"urn:example:errors error"`
	}
	doc := `<log xmlns='jabber:client'>` +
		`<message from='juliet@example.com/balcony' id='m1' type='chat' xml:lang='en'><body>Hi &amp; bye</body><x:active xmlns:x='http://jabber.org/protocol/chatstates'/></message>` +
		`<presence><show>xa</show><status>away</status><priority>-5</priority></presence>` +
		`<iq id='i1' type='error'><error type='cancel' by='example.net'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>` +
		`<error xmlns='urn:example:errors' type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>busy</text></error>` +
		`</log>`
	var got log
	err := xml.Unmarshal([]byte(doc), &got)
	rtSkipWithoutDecoder(t, err)
	if err != nil {
		t.Fatal(err)
	}
	want := log{
		XMLName: xml.Name{Space: NSClient, Local: "log"},
		Messages: []Message{{ID: "m1", From: j("juliet@example.com/balcony"), Type: MessageChat, Lang: "en", Body: "Hi & bye",
			Extensions: []Raw{{Name: xml.Name{Space: "http://jabber.org/protocol/chatstates", Local: "active"},
				XML: []byte(`<active xmlns='http://jabber.org/protocol/chatstates'></active>`)}}}},
		Presences: []Presence{{Show: ShowXA, Status: "away", Priority: -5}},
		IQs:       []IQ{{ID: "i1", Type: IQError, Error: &Error{Type: Cancel, Condition: ServiceUnavailable, By: j("example.net")}}},
		Errors:    []Error{{Type: Wait, Condition: ResourceConstraint, Text: "busy"}},
	}
	if diff := cmp.Diff(want, got, rtCmp); diff != "" {
		t.Errorf("xml.Unmarshal (-want +got):\n%s", diff)
	}

	// Marshal and Unmarshal are inverse for the round-trip cases.
	for _, tt := range rtAllCases() {
		m, ok := tt.v.(*Message)
		if !ok || len(m.Extensions) > 0 || (m.Error != nil && m.Error.App != nil) {
			continue // Raw bytes are re-serialised: equal in meaning, not in bytes
		}
		b, err := xml.Marshal(tt.v)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var back Message
		if err := xml.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: xml.Unmarshal(%s): %v", tt.name, b, err)
		}
		again, _ := AppendElement(nil, &back)
		orig, _ := AppendElement(nil, tt.v)
		if string(again) != string(orig) {
			t.Errorf("%s: Marshal/Unmarshal changed the stanza:\n%s\n%s", tt.name, orig, again)
		}
	}

	// The wrong stanza kind is an error.
	var m Message
	if err := xml.Unmarshal([]byte(`<presence/>`), &m); err == nil {
		t.Error("unmarshalling a presence into a Message succeeded")
	}
}
