package streamerror

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	// open is a namespace-complete <stream:error> start tag.
	open = "<stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
	// nwf is the usual condition element.
	nwf = "<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
)

var parseTests = []struct {
	name string
	in   string
	want *Error
}{
	{
		name: "RFC 6120 4.9.4 example",
		in:   string(declare([]byte(rfc6120App))),
		want: &Error{
			Condition: NotWellFormed,
			Text:      "Some special application diagnostic information!",
			Lang:      "en",
			App:       []byte("<escape-your-data xmlns='http://example.org/ns'/>"),
		},
	},
	{
		name: "RFC 6120 4.9.4 example pretty-printed",
		in: "\n  <stream:error xmlns:stream='http://etherx.jabber.org/streams'>\n" +
			"    <not-well-formed\n        xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\n" +
			"    <text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\n" +
			"      Some special application diagnostic information!\n    </text>\n" +
			"    <escape-your-data xmlns='http://example.org/ns'/>\n  </stream:error>\n",
		want: &Error{
			Condition: NotWellFormed,
			Text:      "\n      Some special application diagnostic information!\n    ",
			Lang:      "en",
			App:       []byte("<escape-your-data xmlns='http://example.org/ns'/>"),
		},
	},
	{
		name: "RFC 6120 4.9.3.19 see-other-host",
		in:   open + "<see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>[2001:41D0:1:A49b::1]:9222</see-other-host></stream:error>",
		want: &Error{Condition: SeeOtherHost, Host: rfc6120Host},
	},
	{
		name: "see-other-host with surrounding whitespace",
		in:   open + "<see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\n\t example.net:5222 \r\n</see-other-host></stream:error>",
		want: &Error{Condition: SeeOtherHost, Host: "example.net:5222"},
	},
	{
		name: "see-other-host split by CDATA",
		in:   open + "<see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>exa<![CDATA[mple.]]>net</see-other-host></stream:error>",
		want: &Error{Condition: SeeOtherHost, Host: "example.net"},
	},
	{
		name: "double quotes",
		in: `<stream:error xmlns:stream="http://etherx.jabber.org/streams"><conflict xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>` +
			`<text xmlns="urn:ietf:params:xml:ns:xmpp-streams" xml:lang="en">Replaced by new connection</text></stream:error>`,
		want: &Error{Condition: Conflict, Text: "Replaced by new connection", Lang: "en"},
	},
	{
		name: "attribute order",
		in: "<stream:error id='1' xml:lang='de' xmlns:stream='http://etherx.jabber.org/streams'>" +
			"<text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-streams'>x</text>" + nwf + "</stream:error>",
		want: &Error{Condition: NotWellFormed, Text: "x", Lang: "en"},
	},
	{
		name: "other prefix",
		in:   "<s:error xmlns:s='http://etherx.jabber.org/streams'>" + nwf + "</s:error>",
		want: &Error{Condition: NotWellFormed},
	},
	{
		name: "default namespace form",
		in:   "<error xmlns='http://etherx.jabber.org/streams'>" + nwf + "</error>",
		want: &Error{Condition: NotWellFormed},
	},
	{
		name: "children in a default namespace declared on the error",
		in: "<stream:error xmlns:stream='http://etherx.jabber.org/streams' xmlns='urn:ietf:params:xml:ns:xmpp-streams'>" +
			"<host-gone/><text>gone</text></stream:error>",
		want: &Error{Condition: HostGone, Text: "gone"},
	},
	{
		name: "prefixed condition and text",
		in: "<stream:error xmlns:stream='http://etherx.jabber.org/streams' xmlns:e='urn:ietf:params:xml:ns:xmpp-streams'>" +
			"<e:invalid-from/><e:text e:ignored='1'>no</e:text></stream:error>",
		want: &Error{Condition: InvalidFrom, Text: "no"},
	},
	{
		name: "stream prefix bound on the condition's own element too",
		in:   "<stream:error xmlns:stream='http://etherx.jabber.org/streams'><stream:x xmlns:stream='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
		want: &Error{Condition: UndefinedCondition, Unknown: "x"},
	},
	{
		name: "text before condition",
		in:   open + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>first</text>" + nwf + "</stream:error>",
		want: &Error{Condition: NotWellFormed, Text: "first"},
	},
	{
		name: "app before condition and text",
		in: open + "<x xmlns='urn:x'/>" + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>t</text>" +
			"<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
		want: &Error{Condition: PolicyViolation, Text: "t", App: []byte("<x xmlns='urn:x'/>")},
	},
	{
		name: "multiple texts",
		in: open + nwf +
			"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>bad</text>" +
			"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='de'>schlecht</text>" +
			"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>no lang</text>" +
			"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>repeated</text>" +
			"</stream:error>",
		want: &Error{
			Condition: NotWellFormed, Text: "bad", Lang: "en",
			Texts: map[string]string{"en": "bad", "de": "schlecht", "": "no lang"},
		},
	},
	{
		name: "text inherits xml:lang of the error",
		in: "<stream:error xml:lang='fr' xmlns:stream='http://etherx.jabber.org/streams'>" + nwf +
			"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>mauvais</text>" +
			"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>bad</text></stream:error>",
		want: &Error{
			Condition: NotWellFormed, Text: "mauvais", Lang: "fr",
			Texts: map[string]string{"fr": "mauvais", "en": "bad"},
		},
	},
	{
		name: "empty text element",
		in:   open + nwf + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
		want: &Error{Condition: NotWellFormed},
	},
	{
		name: "text with references, entities and CDATA",
		in: open + nwf + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>&lt;&amp;&gt;&apos;&quot;&#65;&#x42;&#xD;" +
			"<![CDATA[<raw & text>]]></text></stream:error>",
		want: &Error{Condition: NotWellFormed, Text: "<&>'\"AB\r<raw & text>"},
	},
	{
		name: "RFC 3920 xml-not-well-formed",
		in:   open + "<xml-not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
		want: &Error{Condition: NotWellFormed},
	},
	{
		name: "unknown condition",
		in:   open + "<invalid-id xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
		want: &Error{Condition: UndefinedCondition, Unknown: "invalid-id"},
	},
	{
		name: "content of a condition element is ignored",
		in:   open + "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams' a='b'>junk<x xmlns='urn:x'><y/></x></conflict></stream:error>",
		want: &Error{Condition: Conflict},
	},
	{
		name: "condition with end tag",
		in:   open + "<reset xmlns='urn:ietf:params:xml:ns:xmpp-streams'></reset></stream:error>",
		want: &Error{Condition: Reset},
	},
	{
		name: "app element with children and prefixes, verbatim",
		in: open + "<undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
			"<ex:app xmlns:ex=\"http://example.org/ns\" ex:a='1' b=\"2\">\n <ex:child/><other xmlns='urn:o'><deep>&amp;text</deep></other><![CDATA[x]]></ex:app>" +
			"</stream:error>",
		want: &Error{
			Condition: UndefinedCondition,
			App: []byte("<ex:app xmlns:ex=\"http://example.org/ns\" ex:a='1' b=\"2\">\n <ex:child/>" +
				"<other xmlns='urn:o'><deep>&amp;text</deep></other><![CDATA[x]]></ex:app>"),
		},
	},
	{
		name: "app element using a prefix declared on the error",
		in: "<stream:error xmlns:stream='http://etherx.jabber.org/streams' xmlns:ex='urn:ex' xmlns:un='urn:unused'>" + nwf +
			"<ex:x ex:a='1'><ex:y/><ex:z xmlns:ex='urn:inner'/></ex:x></stream:error>",
		want: &Error{Condition: NotWellFormed, App: []byte("<ex:x xmlns:ex='urn:ex' ex:a='1'><ex:y/><ex:z xmlns:ex='urn:inner'/></ex:x>")},
	},
	{
		name: "app element using the stream prefix and the inherited default namespace",
		in: "<error xmlns='http://etherx.jabber.org/streams' xmlns:stream='http://etherx.jabber.org/streams'>" +
			"<bad-format xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><stream:x><y/></stream:x></error>",
		want: &Error{Condition: BadFormat, App: []byte("<stream:x xmlns:stream='http://etherx.jabber.org/streams' xmlns='http://etherx.jabber.org/streams'><y/></stream:x>")},
	},
	{
		name: "app element whose children are in no namespace",
		in:   open + nwf + "<ex:x xmlns:ex='urn:ex'><y/></ex:x></stream:error>",
		want: &Error{Condition: NotWellFormed, App: []byte("<ex:x xmlns='' xmlns:ex='urn:ex'><y/></ex:x>")},
	},
	{
		name: "app element in the streams namespace",
		in:   open + nwf + "<stream:features/></stream:error>",
		want: &Error{Condition: NotWellFormed, App: []byte("<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>")},
	},
	{
		name: "app element with xml:lang",
		in:   open + nwf + "<x xmlns='urn:x' xml:lang='en'/></stream:error>",
		want: &Error{Condition: NotWellFormed, App: []byte("<x xmlns='urn:x' xml:lang='en'/>")},
	},
	{
		name: "app namespace URI needing escapes",
		in:   "<stream:error xmlns:stream='http://etherx.jabber.org/streams' xmlns:a=\"urn:x?a='1'&amp;b\">" + nwf + "<a:x/></stream:error>",
		want: &Error{Condition: NotWellFormed, App: []byte("<a:x xmlns:a='urn:x?a=&apos;1&apos;&amp;b'/>")},
	},
	{
		name: "xml declaration of the xml prefix is allowed",
		in:   "<stream:error xmlns:xml='http://www.w3.org/XML/1998/namespace' xmlns:stream='http://etherx.jabber.org/streams'>" + nwf + "</stream:error>",
		want: &Error{Condition: NotWellFormed},
	},
	{
		name: "stream header attributes on the error are ignored",
		in:   "<stream:error xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.net' version='1.0'>" + nwf + "</stream:error>",
		want: &Error{Condition: NotWellFormed},
	},
	{
		name: "surrounding whitespace",
		in:   " \r\n\t" + open + "\n" + nwf + "\n</stream:error>\n\n",
		want: &Error{Condition: NotWellFormed},
	},
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("Parse differs (-want +got):\n%s", d)
			}
			checkRewrite(t, got)
		})
	}
}

// checkRewrite checks that e is written and parsed back to itself, except
// for the fields that are never written.
func checkRewrite(t *testing.T, e *Error) {
	t.Helper()
	b, err := e.AppendXML(nil)
	if err != nil {
		t.Fatalf("AppendXML(Parse): %v", err)
	}
	back, err := Parse(declare(b))
	if err != nil {
		t.Fatalf("Parse(AppendXML(Parse)) of %s: %v", b, err)
	}
	want := *e
	want.Unknown, want.Texts = "", nil
	if d := cmp.Diff(&want, back); d != "" {
		t.Fatalf("Parse(AppendXML(Parse)) differs (-want +got):\n%s", d)
	}
}

func TestParseDoesNotAlias(t *testing.T) {
	t.Parallel()
	in := []byte(string(declare([]byte(rfc6120App))))
	e, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 'X'
	}
	if string(e.App) != "<escape-your-data xmlns='http://example.org/ns'/>" {
		t.Errorf("App changed with the input: %s", e.App)
	}
}

var parseErrorTests = []struct {
	name string
	in   string
	want error
}{
	{"empty", "", ErrMalformed},
	{"whitespace only", " \n", ErrMalformed},
	{"not XML", "hello", ErrMalformed},
	{"XML declaration of another version", "<?xml version='0'?>", ErrMalformed},
	{"local name not an NCName", open + nwf + "<stream:00/></stream:error>", ErrMalformed},
	{"prefix not an NCName", open + nwf + "<a:b xmlns:a='urn:x'/><-p:c xmlns:-p='urn:y'/></stream:error>", ErrMalformed},
	{"no condition: empty element", "<stream:error xmlns:stream='http://etherx.jabber.org/streams'/>", ErrNoCondition},
	{"no condition: end tag", open + "</stream:error>", ErrNoCondition},
	{"no condition: only text", open + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>x</text></stream:error>", ErrNoCondition},
	{"no condition: only app", open + "<x xmlns='urn:x'/></stream:error>", ErrNoCondition},
	{"no condition: condition in the wrong namespace", open + "<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></stream:error>", ErrNoCondition},
	{"two conditions", open + nwf + "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>", ErrMalformed},
	{"two conditions, one unknown", open + nwf + "<foo xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>", ErrMalformed},
	{"two app elements", open + nwf + "<x xmlns='urn:x'/><y xmlns='urn:y'/></stream:error>", ErrMalformed},
	{"wrong element: stream", "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>" + nwf + "</stream:stream>", ErrMalformed},
	{"wrong element: stanza error", "<error xmlns='jabber:client' type='cancel'>" + nwf + "</error>", ErrMalformed},
	{"wrong element: no namespace", "<error>" + nwf + "</error>", ErrMalformed},
	{"undeclared stream prefix", "<stream:error>" + nwf + "</stream:error>", ErrMalformed},
	{"unbound prefix on a child", open + "<e:conflict/></stream:error>", ErrMalformed},
	{"unbound prefix on an attribute", open + "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams' e:a='1'/></stream:error>", ErrMalformed},
	{"unbound prefix deep in app", open + nwf + "<x xmlns='urn:x'><y><e:z/></y></x></stream:error>", ErrMalformed},
	{"child in no namespace", open + nwf + "<x/></stream:error>", ErrMalformed},
	{"character data in error", open + "oops" + nwf + "</stream:error>", ErrMalformed},
	{"CDATA in error", open + nwf + "<![CDATA[x]]></stream:error>", ErrMalformed},
	{"child element in text", open + nwf + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>a<b/></text></stream:error>", ErrMalformed},
	{"child element in see-other-host", open + "<see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'><host/></see-other-host></stream:error>", ErrMalformed},
	{"see-other-host empty", open + "<see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>", ErrMalformed},
	{"see-other-host blank", open + "<see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'> \n </see-other-host></stream:error>", ErrMalformed},
	{"mismatched end tag", open + nwf + "</stream:errors>", ErrMalformed},
	{"mismatched end tag prefix", open + nwf + "</s:error>", ErrMalformed},
	{"mismatched end tag in app", open + nwf + "<x xmlns='urn:x'><y></x></y></stream:error>", ErrMalformed},
	{"truncated in start tag", "<stream:error xmlns:stream='http://etherx", ErrMalformed},
	{"truncated after start tag", open, ErrMalformed},
	{"truncated after condition", open + nwf, ErrMalformed},
	{"truncated in text", open + nwf + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>abc", ErrMalformed},
	{"truncated in app", open + nwf + "<x xmlns='urn:x'><y/>", ErrMalformed},
	{"truncated in end tag", open + nwf + "</stream:err", ErrMalformed},
	{"comment", open + "<!-- hi -->" + nwf + "</stream:error>", ErrMalformed},
	{"comment after", open + nwf + "</stream:error><!-- hi -->", ErrMalformed},
	{"processing instruction", open + "<?pi x?>" + nwf + "</stream:error>", ErrMalformed},
	{"xml declaration", "<?xml version='1.0'?>" + open + nwf + "</stream:error>", ErrMalformed},
	{"DOCTYPE", "<!DOCTYPE x [<!ENTITY e 'x'>]>" + open + nwf + "</stream:error>", ErrMalformed},
	{"undefined entity", open + nwf + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>&e;</text></stream:error>", ErrMalformed},
	{"NUL character reference", open + nwf + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>&#0;</text></stream:error>", ErrMalformed},
	{"control character", open + nwf + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\x01</text></stream:error>", ErrMalformed},
	{"invalid UTF-8", open + nwf + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\xff</text></stream:error>", ErrMalformed},
	{"trailing garbage", open + nwf + "</stream:error>x", ErrMalformed},
	{"two elements", open + nwf + "</stream:error>" + open + nwf + "</stream:error>", ErrMalformed},
	{"stray end tag", "</stream:error>", ErrMalformed},
	{"duplicate attribute", open + nwf + "<x xmlns='urn:x' a='1' a='2'/></stream:error>", ErrMalformed},
	{"duplicate expanded attribute", open + nwf + "<x xmlns='urn:x' xmlns:p='urn:p' xmlns:q='urn:p' p:a='1' q:a='2'/></stream:error>", ErrMalformed},
	{"duplicate declaration", "<stream:error xmlns:stream='http://etherx.jabber.org/streams' xmlns:stream='http://etherx.jabber.org/streams'>" + nwf + "</stream:error>", ErrMalformed},
	{"duplicate default declaration", open + "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams' xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>", ErrMalformed},
	{"declaring xmlns", "<stream:error xmlns:xmlns='urn:x' xmlns:stream='http://etherx.jabber.org/streams'>" + nwf + "</stream:error>", ErrMalformed},
	{"rebinding xml", "<stream:error xmlns:xml='urn:x' xmlns:stream='http://etherx.jabber.org/streams'>" + nwf + "</stream:error>", ErrMalformed},
	{"binding the xml namespace", "<stream:error xmlns:x='http://www.w3.org/XML/1998/namespace' xmlns:stream='http://etherx.jabber.org/streams'>" + nwf + "</stream:error>", ErrMalformed},
	{"binding the xmlns namespace", "<stream:error xmlns='http://www.w3.org/2000/xmlns/' xmlns:stream='http://etherx.jabber.org/streams'>" + nwf + "</stream:error>", ErrMalformed},
	{"prefix bound to empty", "<stream:error xmlns:p='' xmlns:stream='http://etherx.jabber.org/streams'>" + nwf + "</stream:error>", ErrMalformed},
	{"xmlns element prefix", open + nwf + "<xmlns:x/></stream:error>", ErrMalformed},
	{"xml element prefix", open + nwf + "<xml:x/></stream:error>", ErrMalformed},
	{"name with empty prefix", open + nwf + "<:x xmlns='urn:x'/></stream:error>", ErrMalformed},
	{"name with empty local part", open + nwf + "<x: xmlns='urn:x'/></stream:error>", ErrMalformed},
	{"name with two colons", open + nwf + "<a:b:c xmlns:a='urn:x'/></stream:error>", ErrMalformed},
	{"attribute with empty local part", open + nwf + "<x xmlns='urn:x' a:='1'/></stream:error>", ErrMalformed},
	{"unquoted attribute", "<stream:error xmlns:stream=http://etherx.jabber.org/streams>" + nwf + "</stream:error>", ErrMalformed},
	{"attribute without value", open + nwf + "<x xmlns='urn:x' a/></stream:error>", ErrMalformed},
	{"less-than in attribute", open + nwf + "<x xmlns='urn:x' a='<'/></stream:error>", ErrMalformed},
	{"byte order mark", "\ufeff" + open + nwf + "</stream:error>", ErrMalformed},
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range parseErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := Parse([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, %v; want error %v", e, err, tt.want)
			}
			if e != nil {
				t.Errorf("Parse returned %v with an error", e)
			}
			if !strings.HasPrefix(err.Error(), "streamerror: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestParseErrorDetails(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte(open + "<bad"))
	var se *xml.SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("syntax error %v does not wrap *xml.SyntaxError", err)
	}
	_, err = Parse([]byte(open + nwf))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncation %v does not wrap io.ErrUnexpectedEOF", err)
	}
	_, err = Parse([]byte(open + nwf + "<x/></stream:error>"))
	if want := "at offset 124"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v does not say %q", err, want)
	}
}

// TestUnmarshalXML reads stream errors with encoding/xml inside a stream,
// where the header's declarations apply.
func TestUnmarshalXML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string // inside the stream
		want *Error
	}{
		{
			name: "RFC 6120 4.9.4 example, prefix from the header",
			in:   rfc6120App,
			want: &Error{
				Condition: NotWellFormed,
				Text:      "Some special application diagnostic information!",
				Lang:      "en",
				App:       []byte("<escape-your-data xmlns='http://example.org/ns'/>"),
			},
		},
		{
			name: "empty CDATA section in the app element is no content",
			in:   "<stream:error><bad-format xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><ex:app xmlns:ex='urn:ex'><![CDATA[]]></ex:app></stream:error>",
			want: &Error{Condition: BadFormat, App: []byte("<app xmlns='urn:ex'/>")},
		},
		{
			name: "app rebuilt with inherited namespaces",
			in: "<stream:error xml:lang='en'><stream:x a='1' ex:b='2' xml:lang='de' xmlns:ex='urn:ex'>t&amp;<y/><ex:z ex:c='3'>v</ex:z></stream:x>" +
				"<see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'> example.org </see-other-host>" +
				"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>moved</text></stream:error>",
			want: &Error{
				Condition: SeeOtherHost, Host: "example.org", Text: "moved", Lang: "en",
				App: []byte("<x xmlns='http://etherx.jabber.org/streams' a='1' xmlns:ns0='urn:ex' ns0:b='2' xml:lang='de'>t&amp;" +
					"<y xmlns='jabber:client'/><z xmlns='urn:ex' xmlns:ns0='urn:ex' ns0:c='3'>v</z></x>"),
			},
		},
		{
			name: "unknown condition",
			in:   "<stream:error><invalid-id xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
			want: &Error{Condition: UndefinedCondition, Unknown: "invalid-id"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := unmarshalInStream(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("UnmarshalXML differs (-want +got):\n%s", d)
			}
			checkRewrite(t, got)
		})
	}
}

// unmarshalInStream decodes the first stream error of a stream holding in.
func unmarshalInStream(in string) (*Error, error) {
	d := xml.NewDecoder(strings.NewReader("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" + in))
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "error" {
			var e Error
			if err := d.DecodeElement(&e, &se); err != nil {
				return nil, err
			}
			return &e, nil
		}
	}
}

func TestUnmarshalXMLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"no condition", "<stream:error/>", ErrNoCondition},
		{"two conditions", "<stream:error>" + nwf + nwf + "</stream:error>", ErrMalformed},
		{"comment", "<stream:error><!-- x -->" + nwf + "</stream:error>", ErrMalformed},
		{"truncated", "<stream:error>" + nwf, ErrMalformed},
		{"duplicate attribute", "<stream:error>" + nwf + "<x xmlns='urn:x' a='1' a='1'/></stream:error>", ErrMalformed},
		{"wrong element", "<error xmlns='jabber:client'>" + nwf + "</error>", ErrMalformed},
		{"xml element prefix", "<stream:error>" + nwf + "<xml:x/></stream:error>", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := unmarshalInStream(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
		})
	}
	// An I/O error is passed through, not reported as malformed.
	d := xml.NewDecoder(io.MultiReader(strings.NewReader("<error xmlns='"+StreamsNS+"'>"), errReader{}))
	var e Error
	err := d.Decode(&e)
	if !errors.Is(err, errBoom) || errors.Is(err, ErrMalformed) {
		t.Errorf("I/O error came back as %v", err)
	}
}

var errBoom = errors.New("boom")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBoom }
