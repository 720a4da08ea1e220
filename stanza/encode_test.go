package stanza

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/streamerror"
)

// encTestJID parses s for the encoder tests.
func encTestJID(s string) jid.JID { return jid.MustParse(s) }

// encTestRaw parses s as a Raw, failing the test on error.
func encTestRaw(t testing.TB, s string) *Raw {
	t.Helper()
	r, err := ParseRaw([]byte(s))
	if err != nil {
		t.Fatalf("ParseRaw(%q): %v", s, err)
	}
	return r
}

func TestEncodeExactBytes(t *testing.T) {
	t.Parallel()
	ping := Raw{Name: xml.Name{Space: "urn:xmpp:ping", Local: "ping"}}
	tests := []struct {
		name string
		in   Element
		want string
	}{
		{"message/empty", &Message{}, `<message/>`},
		{"message/chat", &Message{
			ID: "b4vs9km4", To: encTestJID("romeo@example.net"), From: encTestJID("juliet@example.com/balcony"),
			Type: MessageChat, Lang: "en", Body: "Wherefore art thou, Romeo?",
		}, `<message from='juliet@example.com/balcony' id='b4vs9km4' to='romeo@example.net' type='chat' xml:lang='en'><body>Wherefore art thou, Romeo?</body></message>`},
		{"message/normal type kept", &Message{Type: MessageNormal, Body: "x"},
			`<message type='normal'><body>x</body></message>`},
		{"message/all children", &Message{
			Type: MessageChat, Subject: "s", Body: "b", Thread: "t1", ThreadParent: "t0",
			Extensions: []Raw{*encTestRaw(t, `<active xmlns='http://jabber.org/protocol/chatstates'/>`)},
			Error:      &Error{Type: Cancel, Condition: Gone},
		}, `<message type='chat'><subject>s</subject><body>b</body><thread parent='t0'>t1</thread><active xmlns='http://jabber.org/protocol/chatstates'/><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`},
		{"message/bodies win over body", &Message{
			Lang: "en", Body: "ignored",
			Bodies:   []Text{{Value: "Hi"}, {Lang: "cs", Value: "Ahoj"}},
			Subjects: []Text{{Lang: "de", Value: "Betreff"}},
		}, `<message xml:lang='en'><subject xml:lang='de'>Betreff</subject><body>Hi</body><body xml:lang='cs'>Ahoj</body></message>`},
		{"message/empty text in bodies", &Message{Bodies: []Text{{Lang: "en"}}},
			`<message><body xml:lang='en'/></message>`},
		{"message/thread without parent", &Message{Thread: "abc"},
			`<message><thread>abc</thread></message>`},
		{"presence/empty", &Presence{}, `<presence/>`},
		{"presence/full", &Presence{
			ID: "p1", From: encTestJID("romeo@example.net/orchard"), Lang: "en",
			Show: ShowDND, Status: "Wooing Juliet", Priority: 1,
			Extensions: []Raw{*encTestRaw(t, `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/>`)},
		}, `<presence from='romeo@example.net/orchard' id='p1' xml:lang='en'><show>dnd</show><status>Wooing Juliet</status><priority>1</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>`},
		{"presence/negative priority", &Presence{Priority: -128}, `<presence><priority>-128</priority></presence>`},
		{"presence/statuses", &Presence{Status: "x", Statuses: []Text{{Value: "a"}, {Lang: "cs", Value: "b"}}},
			`<presence><status>a</status><status xml:lang='cs'>b</status></presence>`},
		{"presence/unavailable", &Presence{Type: PresenceUnavailable}, `<presence type='unavailable'/>`},
		{"iq/ping", &IQ{ID: "c2s1", From: encTestJID("juliet@im.example.com/balcony"), To: encTestJID("im.example.com"), Type: IQGet, Payload: &ping},
			`<iq from='juliet@im.example.com/balcony' id='c2s1' to='im.example.com' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`},
		{"iq/result empty", &IQ{ID: "c2s1", Type: IQResult}, `<iq id='c2s1' type='result'/>`},
		{"iq/error with payload and extra", &IQ{
			ID: "x", Type: IQError,
			Payload: encTestRaw(t, `<query xmlns='jabber:iq:roster'/>`),
			Extra:   []Raw{*encTestRaw(t, `<p:x xmlns:p='urn:x'>1</p:x>`)},
			Error:   &Error{Type: Modify, Condition: BadRequest, Text: "two", Lang: "en"},
		}, `<iq id='x' type='error'><query xmlns='jabber:iq:roster'/><p:x xmlns:p='urn:x'>1</p:x><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>two</text></error></iq>`},
		{"raw/pointer", encTestRaw(t, `<features xmlns='http://etherx.jabber.org/streams'/>`),
			`<features xmlns='http://etherx.jabber.org/streams'/>`},
		{"raw/value", *encTestRaw(t, ` <a xmlns="urn:a">&amp;</a>`+"\n"), `<a xmlns="urn:a">&amp;</a>`},
		{"raw/name only", &Raw{Name: xml.Name{Space: "urn:ietf:params:xml:ns:xmpp-tls", Local: "proceed"}},
			`<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`},
		{"streamerror", &streamerror.Error{Condition: streamerror.NotWellFormed},
			`<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := NewEncoder(&buf).Encode(tt.in); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("Encode wrote\n%s\nwant\n%s", got, tt.want)
			}
			got, err := AppendElement([]byte("prefix"), tt.in)
			if err != nil || string(got) != "prefix"+tt.want {
				t.Errorf("AppendElement = %q, %v; want the same bytes after the prefix", got, err)
			}
		})
	}
}

func TestEncodeError(t *testing.T) {
	t.Parallel()
	app := encTestRaw(t, `<too-many-subscriptions xmlns='http://jabber.org/protocol/pubsub#errors'/>`)
	tests := []struct {
		name string
		in   *Error
		want string
	}{
		{"default type", &Error{Condition: ServiceUnavailable},
			`<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`},
		{"by", &Error{Type: Cancel, Condition: ItemNotFound, By: encTestJID("example.net")},
			`<error by='example.net' type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`},
		{"gone uri", &Error{Type: Cancel, Condition: Gone, URI: "xmpp:romeo@afterlife.example.net"},
			`<error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:romeo@afterlife.example.net</gone></error>`},
		{"redirect uri", &Error{Type: Modify, Condition: Redirect, URI: "xmpp:characters@conference.example.org"},
			`<error type='modify'><redirect xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:characters@conference.example.org</redirect></error>`},
		{"uri ignored on other conditions", &Error{Type: Cancel, Condition: Conflict, URI: "xmpp:x"},
			`<error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`},
		{"text without lang", &Error{Type: Wait, Condition: ResourceConstraint, Text: "busy < 1s"},
			`<error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>busy &lt; 1s</text></error>`},
		{"app", &Error{Type: Wait, Condition: PolicyViolation, Text: "t", Lang: "en", App: app},
			`<error type='wait'><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>t</text><too-many-subscriptions xmlns='http://jabber.org/protocol/pubsub#errors'/></error>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.in.AppendXML(nil)
			if err != nil {
				t.Fatalf("AppendXML: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("AppendXML =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestEncodeEscaping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		wantText string // as the body's character data
		wantAttr string // as the id attribute's value
	}{
		{"plain", "hello", "hello", "hello"},
		{"ampersand", "a&b", "a&amp;b", "a&amp;b"},
		{"less than", "a<b", "a&lt;b", "a&lt;b"},
		{"greater than", "a>b", "a&gt;b", "a&gt;b"},
		{"cdata end", "]]>", "]]&gt;", "]]&gt;"},
		{"apostrophe", "it's", "it's", "it&apos;s"},
		{"quote", `say "hi"`, `say "hi"`, "say &quot;hi&quot;"},
		{"tab", "a\tb", "a\tb", "a&#x9;b"},
		{"newline", "a\nb", "a\nb", "a&#xA;b"},
		{"carriage return", "a\r\nb", "a&#xD;\nb", "a&#xD;&#xA;b"},
		{"entity lookalike", "&amp;", "&amp;amp;", "&amp;amp;"},
		{"non-ASCII", "Dvořím se Julii ✓ 😀", "Dvořím se Julii ✓ 😀", "Dvořím se Julii ✓ 😀"},
		{"U+FFFD itself", "\uFFFD", "\uFFFD", "\uFFFD"},
		{"C1 control", "\u0085", "\u0085", "\u0085"},
		{"U+FFFD just below", "\uFFFD\uFFFC", "\uFFFD\uFFFC", "\uFFFD\uFFFC"},
		{"max rune", "\U0010FFFF", "\U0010FFFF", "\U0010FFFF"},
		{"all at once", `<a href='x'>&"</a>`, `&lt;a href='x'&gt;&amp;"&lt;/a&gt;`, `&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := AppendElement(nil, &Message{Body: tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if want := "<message><body>" + tt.wantText + "</body></message>"; string(got) != want {
				t.Errorf("body: got %s, want %s", got, want)
			}
			got, err = AppendElement(nil, &Message{ID: tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if want := "<message id='" + tt.wantAttr + "'/>"; string(got) != want {
				t.Errorf("attribute: got %s, want %s", got, want)
			}
			// encoding/xml reads both back to the original string.
			var v struct {
				ID   string `xml:"id,attr"`
				Body string `xml:"body"`
			}
			both, _ := AppendElement(nil, &Message{ID: tt.in, Body: tt.in})
			if err := xml.Unmarshal(both, &v); err != nil {
				t.Fatalf("xml.Unmarshal(%s): %v", both, err)
			}
			if v.ID != tt.in || v.Body != tt.in {
				t.Errorf("encoding/xml read back id %q body %q, want %q", v.ID, v.Body, tt.in)
			}
		})
	}
}

// encRefusals are strings XML cannot carry.
var encRefusals = []struct {
	name string
	in   string
}{
	{"NUL", "a\x00b"},
	{"C0 control", "\x01"},
	{"escape", "\x1b[0m"},
	{"form feed", "\f"},
	{"vertical tab", "\v"},
	{"U+FFFE", "\uFFFE"},
	{"U+FFFF", "x\uFFFF"},
	{"invalid UTF-8 byte", "a\xffb"},
	{"truncated sequence", "\xe2\x82"},
	{"overlong encoding", "\xc0\xaf"},
	{"lone high surrogate", "\xed\xa0\x80"},
	{"lone low surrogate", "\xed\xbf\xbf"},
	{"beyond U+10FFFF", "\xf4\x90\x80\x80"},
	{"continuation byte alone", "\x80"},
}

func TestEncodeRefusesInvalidChars(t *testing.T) {
	t.Parallel()
	for _, tt := range encRefusals {
		places := []struct {
			name string
			v    Element
		}{
			{"body", &Message{Body: tt.in}},
			{"bodies", &Message{Bodies: []Text{{Value: "ok"}, {Lang: "en", Value: tt.in}}}},
			{"body lang", &Message{Bodies: []Text{{Lang: tt.in, Value: "ok"}}}},
			{"subject", &Message{Subject: tt.in}},
			{"thread", &Message{Thread: tt.in}},
			{"thread parent", &Message{Thread: "t", ThreadParent: tt.in}},
			{"message id", &Message{ID: tt.in, Body: "long enough body to have been written first"}},
			{"message type", &Message{Type: MessageType(tt.in)}},
			{"message lang", &Message{Lang: tt.in}},
			{"presence status", &Presence{Status: tt.in}},
			{"presence show", &Presence{Show: Show(tt.in)}},
			{"iq id", &IQ{ID: tt.in, Type: IQGet}},
			{"error text", &IQ{ID: "1", Type: IQError, Error: &Error{Condition: BadRequest, Text: tt.in}}},
			{"error lang", &IQ{ID: "1", Type: IQError, Error: &Error{Condition: BadRequest, Text: "x", Lang: tt.in}}},
			{"error uri", &Message{Error: &Error{Condition: Gone, URI: tt.in}}},
			{"raw", &Raw{XML: []byte("<a xmlns='b'>" + tt.in + "</a>")}},
			{"raw in stanza", &Presence{Extensions: []Raw{{XML: []byte("<a xmlns='" + tt.in + "'/>")}}}},
			{"raw namespace", &Raw{Name: xml.Name{Space: tt.in, Local: "x"}}},
		}
		for _, p := range places {
			t.Run(tt.name+"/"+p.name, func(t *testing.T) {
				t.Parallel()
				var w encCountingWriter
				err := NewEncoder(&w).Encode(p.v)
				if !errors.Is(err, ErrInvalidChar) {
					t.Fatalf("Encode error = %v, want ErrInvalidChar", err)
				}
				if !strings.HasPrefix(err.Error(), "stanza: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				if w.writes != 0 {
					t.Errorf("Encode made %d writes on failure, want 0", w.writes)
				}
				dst := []byte("keep")
				got, err := AppendElement(dst, p.v)
				if err == nil || string(got) != "keep" {
					t.Errorf("AppendElement = %q, %v; want dst unchanged and an error", got, err)
				}
			})
		}
	}
	t.Run("header", func(t *testing.T) {
		t.Parallel()
		for _, tt := range encRefusals {
			var w encCountingWriter
			if err := NewEncoder(&w).EncodeHeader(&Header{To: tt.in}); !errors.Is(err, ErrInvalidChar) || w.writes != 0 {
				t.Errorf("%s: EncodeHeader = %v after %d writes, want ErrInvalidChar and none", tt.name, err, w.writes)
			}
		}
	})
}

// encCountingWriter counts Write calls and keeps what was written.
type encCountingWriter struct {
	writes int
	buf    bytes.Buffer
}

func (w *encCountingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.buf.Write(p)
}

func TestEncodeInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     Element
		target error // nil: any error
	}{
		{"nil element", nil, nil},
		{"nil message", (*Message)(nil), nil},
		{"nil presence", (*Presence)(nil), nil},
		{"nil iq", (*IQ)(nil), nil},
		{"nil raw", (*Raw)(nil), nil},
		{"nil stream error", (*streamerror.Error)(nil), nil},
		{"unsupported type", "<message/>", nil},
		{"stanza error alone", &Error{Condition: BadRequest}, nil},
		{"empty condition", &IQ{Type: IQError, Error: &Error{Type: Cancel}}, ErrInvalidName},
		{"condition not a name", &IQ{Type: IQError, Error: &Error{Condition: "bad request"}}, ErrInvalidName},
		{"condition markup", &IQ{Type: IQError, Error: &Error{Condition: "x/><y"}}, ErrInvalidName},
		{"empty raw", &Raw{}, ErrInvalidName},
		{"raw name without namespace", &Raw{Name: xml.Name{Local: "x"}}, ErrInvalidRaw},
		{"raw name markup", &Raw{Name: xml.Name{Space: "u", Local: "a b"}}, ErrInvalidName},
		{"raw not markup", &Raw{XML: []byte("text")}, ErrInvalidRaw},
		{"raw unterminated", &Raw{XML: []byte("<a xmlns='x'")}, ErrInvalidRaw},
		{"raw in message", &Message{Extensions: []Raw{{XML: []byte("x")}}}, ErrInvalidRaw},
		{"raw payload", &IQ{Type: IQGet, Payload: &Raw{XML: []byte("<")}}, ErrInvalidRaw},
		{"raw app", &Message{Error: &Error{Condition: BadRequest, App: &Raw{}}}, ErrInvalidName},
		{"stream error undefined", &streamerror.Error{Condition: "nope"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var w encCountingWriter
			err := NewEncoder(&w).Encode(tt.in)
			if err == nil {
				t.Fatalf("Encode succeeded, wrote %q", w.buf.String())
			}
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("Encode error = %v, want %v", err, tt.target)
			}
			if w.writes != 0 {
				t.Errorf("%d writes on failure", w.writes)
			}
		})
	}
}

func TestEncodeHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   *Header
		want string
	}{
		{"nil", nil, `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`},
		{"client initial", &Header{From: "juliet@im.example.com", To: "im.example.com", Version: "1.0", Lang: "en", NS: NSClient},
			`<?xml version='1.0'?><stream:stream from='juliet@im.example.com' to='im.example.com' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`},
		{"server response", &Header{From: "im.example.com", ID: "++TR84Sm6A3hnt3Q065SnAbbk3Y=", To: "juliet@im.example.com", Version: "1.0", Lang: "en", NS: NSClient},
			`<?xml version='1.0'?><stream:stream from='im.example.com' id='++TR84Sm6A3hnt3Q065SnAbbk3Y=' to='juliet@im.example.com' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`},
		{"server namespace", &Header{To: "b.example", NS: NSServer},
			`<?xml version='1.0'?><stream:stream to='b.example' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>`},
		{"extra attributes from a decoded header", &Header{
			To: "x", NS: "jabber:server",
			Attr: []xml.Attr{
				{Name: xml.Name{Local: "to"}, Value: "x"},
				{Name: xml.Name{Local: "xmlns"}, Value: "jabber:server"},
				{Name: xml.Name{Space: "xmlns", Local: "stream"}, Value: NSStream},
				{Name: xml.Name{Space: "xmlns", Local: "db"}, Value: "jabber:server:dialback"},
				{Name: xml.Name{Space: NSXML, Local: "lang"}, Value: "en"},
				{Name: xml.Name{Local: "extra"}, Value: "it's"},
			},
		}, `<?xml version='1.0'?><stream:stream to='x' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' extra='it&apos;s'>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := NewEncoder(&buf).EncodeHeader(tt.in); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("EncodeHeader wrote\n%s\nwant\n%s", buf.String(), tt.want)
			}
		})
	}
	for _, a := range []xml.Attr{
		{Name: xml.Name{Space: "urn:other", Local: "a"}, Value: "1"},
		{Name: xml.Name{Local: "bad name"}, Value: "1"},
		{Name: xml.Name{Space: "xmlns", Local: "xml"}, Value: "1"},
	} {
		if err := NewEncoder(&bytes.Buffer{}).EncodeHeader(&Header{Attr: []xml.Attr{a}}); !errors.Is(err, ErrInvalidName) {
			t.Errorf("EncodeHeader with attribute %v: %v, want ErrInvalidName", a.Name, err)
		}
	}
}

func TestEncoderStream(t *testing.T) {
	t.Parallel()
	var w encCountingWriter
	e := NewEncoder(&w)
	steps := []func() error{
		func() error { return e.EncodeHeader(&Header{To: "example.com", Version: "1.0"}) },
		func() error { return e.Encode(&Presence{}) },
		func() error { return e.Encode(&Message{Body: strings.Repeat("x", maxKeep+1)}) },
		func() error { return e.Encode(&Message{Body: "after"}) },
		func() error { return e.EncodeEnd() },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if w.writes != i+1 {
			t.Fatalf("after step %d: %d writes, want one per call", i, w.writes)
		}
	}
	if cap(e.buf) > maxKeep {
		t.Errorf("encoder keeps a %d-byte buffer, want at most %d", cap(e.buf), maxKeep)
	}
	want := `<?xml version='1.0'?><stream:stream to='example.com' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><presence/><message><body>` +
		strings.Repeat("x", maxKeep+1) + `</body></message><message><body>after</body></message></stream:stream>`
	if w.buf.String() != want {
		t.Errorf("stream differs: got %d bytes, want %d", w.buf.Len(), len(want))
	}
}

// encFailingWriter fails every write, or writes short when short is set.
type encFailingWriter struct{ short bool }

var errEncTest = errors.New("test: write failed")

func (w encFailingWriter) Write(p []byte) (int, error) {
	if w.short {
		return len(p) / 2, nil
	}
	return 0, errEncTest
}

func TestEncoderWriteErrors(t *testing.T) {
	t.Parallel()
	err := NewEncoder(encFailingWriter{}).Encode(&Presence{})
	if !errors.Is(err, errEncTest) || !strings.HasPrefix(err.Error(), "stanza: write: ") {
		t.Errorf("Encode on failing writer = %v", err)
	}
	err = NewEncoder(encFailingWriter{short: true}).EncodeEnd()
	if !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("EncodeEnd on short writer = %v, want io.ErrShortWrite", err)
	}
}

func TestEncodeAllocs(t *testing.T) {
	m := encBenchChat()
	e := NewEncoder(discardWriter{})
	if err := e.Encode(m); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = e.Encode(m) }); n != 0 {
		t.Errorf("Encode of a chat message: %v allocations, want 0", n)
	}
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { buf, _ = AppendElement(buf[:0], m) }); n != 0 {
		t.Errorf("AppendElement of a chat message: %v allocations, want 0", n)
	}
}

// discardWriter is io.Discard without the interface conversion cost in
// the allocation test's eyes.
type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// TestAppendElementConcurrent backs the claim that values not being
// modified may be encoded from many goroutines at once (run with -race).
func TestAppendElementConcurrent(t *testing.T) {
	t.Parallel()
	m := encBenchChat()
	m.Extensions = []Raw{*encTestRaw(t, `<active xmlns='http://jabber.org/protocol/chatstates'/>`)}
	m.Error = &Error{Condition: BadRequest, App: encTestRaw(t, `<x xmlns='urn:x'/>`)}
	want, err := AppendElement(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []byte)
	for range 8 {
		go func() {
			var b []byte
			for range 100 {
				b, _ = AppendElement(b[:0], m)
			}
			done <- b
		}()
	}
	for range 8 {
		if got := <-done; !bytes.Equal(got, want) {
			t.Errorf("concurrent AppendElement wrote %s, want %s", got, want)
		}
	}
}
