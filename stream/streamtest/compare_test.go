package streamtest

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// compareTests are expected XML (a script's entry) and received XML,
// and whether they match.
var compareTests = []struct {
	name      string
	want, got string
	match     bool
}{
	// Spelling that does not matter.
	{"identical", `<message to='romeo@example.net'><body>Art thou not Romeo?</body></message>`,
		`<message to='romeo@example.net'><body>Art thou not Romeo?</body></message>`, true},
	{"attribute order", `<message to='a@b' type='chat' id='1'/>`, `<message id='1' type='chat' to='a@b'/>`, true},
	{"quote style", `<message to='a@b'/>`, `<message to="a@b"/>`, true},
	{"stream prefix", `<stream:features/>`, `<s:features xmlns:s='http://etherx.jabber.org/streams'/>`, true},
	{"payload prefix", `<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>`,
		`<iq type='get' id='p'><p:ping xmlns:p='urn:xmpp:ping'/></iq>`, true},
	{"redundant declarations", `<message><body>x</body></message>`,
		`<message xmlns='jabber:client' xmlns:unused='urn:x'><body xmlns='jabber:client'>x</body></message>`, true},
	{"whitespace between elements", "<message>\n  <body>x</body>\n  <thread>t</thread>\n</message>",
		`<message><body>x</body><thread>t</thread></message>`, true},
	{"whitespace in text collapsed", "<body>\n   Art thou\n   not Romeo?\n</body>", `<body>Art thou not Romeo?</body>`, true},
	{"entities and CDATA", `<body>a &amp; b &lt; c</body>`, `<body>a <![CDATA[&]]> b &#60; c</body>`, true},
	{"entity in attribute", `<message to='a&apos;b@c'/>`, `<message to="a'b@c"/>`, true},
	{"empty element forms", `<x xmlns='urn:x'/>`, `<x xmlns='urn:x'></x>`, true},
	{"xml:lang", `<message xml:lang='en'/>`, `<message xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='en'/>`, true},
	{"namespaced attribute, another prefix", `<x xmlns='urn:x' xmlns:a='urn:a' a:v='1'/>`, `<x xmlns='urn:x' xmlns:b='urn:a' b:v='1'/>`, true},
	{"keepalive between items", `<a xmlns='urn:x'/><b xmlns='urn:x'/>`, "<a xmlns='urn:x'/> \n <b xmlns='urn:x'/>", true},
	{"stream header and features", "<?xml version='1.0'?><stream:stream from='example.com' id='x' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>\n<stream:features/>",
		`<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' version="1.0" id="x" from="example.com"><stream:features/>`, true},
	{"header without xmlns in the script", `<stream:stream from='example.com' id='x'>`,
		`<stream:stream from='example.com' id='x' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`, true},
	{"closing tag", `</stream:stream>`, `</stream:stream>`, true},
	{"stream restart (RFC 6120 §4.3.3)", "<stream:stream id='1'>\n<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>\n<stream:stream id='2'>\n<stream:features/>",
		"<?xml version='1.0'?><stream:stream id='1' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" +
			"<?xml version='1.0'?><stream:stream id='2' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><stream:features/>", true},
	{"a restart resets the declarations", "<stream:stream id='1' xmlns='jabber:client'><stream:stream id='2'><message/>",
		"<stream:stream id='1' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" +
			"<stream:stream id='2' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'><message/>", false},
	{"stream error", `<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`,
		`<stream:error><not-well-formed xmlns="urn:ietf:params:xml:ns:xmpp-streams"></not-well-formed></stream:error></stream:stream>`, true},

	// Differences that do.
	{"attribute value", `<message to='romeo@example.net'/>`, `<message to='juliet@example.com'/>`, false},
	{"missing attribute", `<message to='a@b' type='chat'/>`, `<message to='a@b'/>`, false},
	{"extra attribute", `<message to='a@b'/>`, `<message to='a@b' type='chat'/>`, false},
	{"missing child", `<message><body>x</body><thread>t</thread></message>`, `<message><body>x</body></message>`, false},
	{"extra child", `<message><body>x</body></message>`, `<message><body>x</body><thread>t</thread></message>`, false},
	{"child order", `<message><body>x</body><thread>t</thread></message>`, `<message><thread>t</thread><body>x</body></message>`, false},
	{"text", `<message><body>Art thou not Romeo?</body></message>`, `<message><body>Art thou not Romeo!</body></message>`, false},
	{"namespace", `<iq><ping xmlns='urn:xmpp:ping'/></iq>`, `<iq><ping xmlns='urn:xmpp:pong'/></iq>`, false},
	{"content namespace", `<message/>`, `<message xmlns='jabber:server'/>`, false},
	{"element name", `<message/>`, `<presence/>`, false},
	{"header content namespace", `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`,
		`<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>`, false},
	{"header, element", `<stream:stream>`, `<stream:features/>`, false},
	{"closing tag, element", `</stream:stream>`, `<presence/>`, false},
	{"xml:lang is not lang", `<message xml:lang='en'/>`, `<message lang='en'/>`, false},

	// Placeholders.
	{"{{any}} attribute", `<stream:stream id='{{any}}'>`, `<stream:stream id='c2s_345'>`, true},
	{"{{any}} attribute must be present", `<iq id='{{any}}'/>`, `<iq/>`, false},
	{"{{any}} inside a value", `<message to='juliet@example.com/{{any}}'/>`, `<message to='juliet@example.com/balcony'/>`, true},
	{"{{any}} inside a value, wrong rest", `<message to='juliet@example.com/{{any}}'/>`, `<message to='juliet@example.net/balcony'/>`, false},
	{"{{any}} text", `<body>{{any}}</body>`, `<body>anything</body>`, true},
	{"{{any}} in text", `<body>Hello, {{any}}!</body>`, `<body>Hello, Juliet!</body>`, true},
	{"{{any}} content", `<message>{{any}}</message>`, `<message><body>x</body><y xmlns='urn:y'/></message>`, true},
	{"ellipsis in the start tag", `<message from='romeo@example.net' ...>...</message>`,
		`<message from='romeo@example.net' to='juliet@example.com' type='chat'><body>x</body></message>`, true},
	{"ellipsis in the start tag, still checks the rest", `<message from='romeo@example.net' ...>...</message>`,
		`<message from='tybalt@example.net' to='juliet@example.com'/>`, false},
	{"ellipsis before the end of an empty tag", `<presence .../>`, `<presence from='a@b' id='x'/>`, true},
	{"ellipsis does not allow another name", `<presence .../>`, `<message/>`, false},
	{"unicode ellipsis", `<message …>…</message>`, `<message to='a@b'><body>x</body></message>`, true},
	{"ellipsis among children", "<stream:features>\n  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>\n  ...\n</stream:features>",
		`<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>`, true},
	{"ellipsis among children, missing one", "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>...</stream:features>",
		`<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></stream:features>`, false},
	{"ellipsis among children, order kept", "<r xmlns='urn:r'><a/>...<b/></r>", "<r xmlns='urn:r'><b/><x/><a/></r>", false},
	{"ellipsis in a quoted value is literal", `<body a='...'/>`, `<body a='x'/>`, false},
	{"ellipsis in text with more is literal", `<body>Wait...</body>`, `<body>Wait...</body>`, true},

	// Captures.
	{"capture then the same", `<iq id='{{q}}' type='get'/><iq id='{{q}}' type='result'/>`,
		`<iq id='a1' type='get'/><iq id='a1' type='result'/>`, true},
	{"capture then another", `<iq id='{{q}}' type='get'/><iq id='{{q}}' type='result'/>`,
		`<iq id='a1' type='get'/><iq id='a2' type='result'/>`, false},
	{"capture in text, then in an attribute", `<body>{{b}}</body><message to='{{b}}'/>`,
		`<body>x@y</body><message to='x@y'/>`, true},
	{"two captures in one value", `<message from='{{user}}@{{host}}' to='{{host}}'/>`,
		`<message from='juliet@example.com' to='example.com'/>`, true},
	{"two captures in one value, inconsistent", `<message from='{{user}}@{{host}}' to='{{host}}'/>`,
		`<message from='juliet@example.com' to='example.net'/>`, false},
	{"repeated capture in one value", `<x xmlns='urn:x' v='{{a}}-{{a}}'/>`, `<x xmlns='urn:x' v='1-1'/>`, true},
	{"repeated capture in one value, differing", `<x xmlns='urn:x' v='{{a}}-{{a}}'/>`, `<x xmlns='urn:x' v='1-2'/>`, false},
	{"regexp characters are literal", `<x xmlns='urn:x' v='a.b*{{any}}'/>`, `<x xmlns='urn:x' v='aXb*c'/>`, false},
}

func TestCompare(t *testing.T) {
	t.Parallel()
	for _, tt := range compareTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Compare(tt.want, tt.got)
			if tt.match {
				if err != nil {
					t.Fatalf("Compare:\n%v", err)
				}
				return
			}
			var me *MismatchError
			if !errors.As(err, &me) {
				t.Fatalf("Compare = %v, want a *MismatchError", err)
			}
			if me.Err == nil && me.Diff == "" {
				t.Errorf("mismatch without a diff: %v", err)
			}
			t.Logf("\n%v", err)
		})
	}
}

func TestCompareErrors(t *testing.T) {
	t.Parallel()
	t.Run("want not XML", func(t *testing.T) {
		t.Parallel()
		err := Compare("<message>\n<body>x</message>", "<message/>")
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 2 {
			t.Fatalf("Compare = %v, want a *ParseError at line 2", err)
		}
	})
	t.Run("want unclosed", func(t *testing.T) {
		t.Parallel()
		var pe *ParseError
		if err := Compare("<message>", "<message/>"); !errors.As(err, &pe) {
			t.Fatalf("Compare = %v, want a *ParseError", err)
		}
	})
	t.Run("undeclared prefix", func(t *testing.T) {
		t.Parallel()
		var pe *ParseError
		if err := Compare("<p:x/>", "<message/>"); !errors.As(err, &pe) {
			t.Fatalf("Compare = %v, want a *ParseError", err)
		}
	})
	t.Run("got ends early", func(t *testing.T) {
		t.Parallel()
		err := Compare("<a xmlns='urn:x'/>\n</stream:stream>", "<a xmlns='urn:x'/>")
		var me *MismatchError
		if !errors.As(err, &me) || me.Line != 2 || !errors.Is(err, io.EOF) {
			t.Fatalf("Compare = %v, want a *MismatchError at line 2 wrapping io.EOF", err)
		}
	})
	t.Run("got has more", func(t *testing.T) {
		t.Parallel()
		err := Compare("<a xmlns='urn:x'/>", "<a xmlns='urn:x'/><b xmlns='urn:x'/>")
		var me *MismatchError
		if !errors.As(err, &me) || !strings.Contains(me.Diff, "+ <b") {
			t.Fatalf("Compare = %v, want a *MismatchError showing <b/>", err)
		}
	})
	t.Run("got malformed", func(t *testing.T) {
		t.Parallel()
		err := Compare("<message/>", "<message><body>x</message>")
		var me *MismatchError
		if !errors.As(err, &me) || me.Err == nil {
			t.Fatalf("Compare = %v, want a *MismatchError with Err", err)
		}
		t.Log(err)
	})
	t.Run("got has a comment (RFC 6120 §11.1)", func(t *testing.T) {
		t.Parallel()
		var me *MismatchError
		if err := Compare("<message/>", "<message><!-- hi --></message>"); !errors.As(err, &me) || me.Err == nil {
			t.Fatalf("Compare = %v, want a *MismatchError with Err", err)
		}
	})
}

// TestMismatchDiff checks that a diff is readable: it names the script
// line, marks the one attribute that differs and nothing else, and
// shows placeholders resolved to what was received.
func TestMismatchDiff(t *testing.T) {
	t.Parallel()
	want := "<presence/>\n" + // line 1
		"<message from='romeo@example.net/orchard' id='{{any}}' to='juliet@example.com/balcony' type='chat' xml:lang='en'>\n" + // line 2
		"  <body>Neither, fair saint, if either thee dislike.</body>\n" +
		"</message>"
	got := "<presence/><message xml:lang='en' type='normal' to='juliet@example.com/balcony' id='x7' from='romeo@example.net/orchard'>" +
		"<body>Neither, fair saint, if either thee dislike.</body></message>"
	err := Compare(want, got)
	var me *MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("Compare = %v, want a *MismatchError", err)
	}
	t.Logf("the error as a test shows it:\n%v", err)
	if me.Line != 2 {
		t.Errorf("Line = %d, want 2", me.Line)
	}
	wantDiff := `  <message
      from='romeo@example.net/orchard'
      id='x7'
      to='juliet@example.com/balcony'
-     type='chat'
+     type='normal'
      xml:lang='en'>
    <body>Neither, fair saint, if either thee dislike.</body>
  </message>
`
	if me.Diff != wantDiff {
		t.Errorf("Diff:\n%s\nwant:\n%s", me.Diff, wantDiff)
	}
	for _, s := range []string{"line 2", "want: <message", "got:  <message", "-     type='chat'", "+     type='normal'"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("the error does not contain %q", s)
		}
	}
}
