package stanza

// Round trips: value → Encode → exact bytes → Decoder → deep-equal, over
// the RFC 6120 and RFC 6121 example stanzas, every stanza error
// condition, multi-language texts and extension payloads.
//
// The RFC examples are quoted as the RFCs print them with the
// pretty-printing whitespace between elements removed (a stanza on the
// wire has none); where the RFC's attribute order differs from the
// Encoder's (from, id, to, type, xml:lang), canon holds what the Encoder
// writes. Both forms must decode to the same value.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/streamerror"
)

type rtCase struct {
	name  string
	wire  string // the stanza as the RFC (or the test) writes it
	canon string // what the Encoder writes, when it differs from wire
	v     Element
}

// rtRaw returns the Raw for s, an element declaring its own namespace.
func rtRaw(space, local, s string) Raw {
	return Raw{Name: xml.Name{Space: space, Local: local}, XML: []byte(s)}
}

func rtRawPtr(space, local, s string) *Raw {
	r := rtRaw(space, local, s)
	return &r
}

// rtRFCCases are examples of RFC 6120 and RFC 6121 (section in the name).
func rtRFCCases() []rtCase {
	j := jid.MustParse
	return []rtCase{
		{
			name: "RFC 6120 4.9.1.3 stream error",
			wire: `<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`,
			v:    &streamerror.Error{Condition: streamerror.NotWellFormed},
		},
		{
			name: "RFC 6120 8.3.1 bind request",
			wire: `<iq id='wy2xa82b4' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>balcony</resource></bind></iq>`,
			v: &IQ{ID: "wy2xa82b4", Type: IQSet,
				Payload: rtRawPtr("urn:ietf:params:xml:ns:xmpp-bind", "bind", `<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>balcony</resource></bind>`)},
		},
		{
			name: "RFC 6120 8.3.1 conflict",
			wire: `<iq id='wy2xa82b4' type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
			v:    &IQ{ID: "wy2xa82b4", Type: IQError, Error: &Error{Type: Cancel, Condition: Conflict}},
		},
		{
			name:  "RFC 6120 8.3.1 directed presence to a room",
			wire:  `<presence id='y2bs71v4' from='juliet@im.example.com/balcony' to='characters@muc.example.com/JulieC'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
			canon: `<presence from='juliet@im.example.com/balcony' id='y2bs71v4' to='characters@muc.example.com/JulieC'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
			v: &Presence{ID: "y2bs71v4", From: j("juliet@im.example.com/balcony"), To: j("characters@muc.example.com/JulieC"),
				Extensions: []Raw{rtRaw("http://jabber.org/protocol/muc", "x", `<x xmlns='http://jabber.org/protocol/muc'/>`)}},
		},
		{
			name:  "RFC 6120 8.3.1 forbidden",
			wire:  `<presence id='y2bs71v4' from='characters@muc.example.com/JulieC' to='juliet@im.example.com/balcony' type='error'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`,
			canon: `<presence from='characters@muc.example.com/JulieC' id='y2bs71v4' to='juliet@im.example.com/balcony' type='error'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`,
			v: &Presence{ID: "y2bs71v4", From: j("characters@muc.example.com/JulieC"), To: j("juliet@im.example.com/balcony"), Type: PresenceError,
				Error: &Error{Type: Auth, Condition: Forbidden}},
		},
		{
			name:  "RFC 6120 8.3.3.5 gone",
			wire:  `<message id='sj2b371v' from='romeo@example.net' to='juliet@im.example.com/churchyard' type='error'><error by='example.net' type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:romeo@afterlife.example.net</gone></error></message>`,
			canon: `<message from='romeo@example.net' id='sj2b371v' to='juliet@im.example.com/churchyard' type='error'><error by='example.net' type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:romeo@afterlife.example.net</gone></error></message>`,
			v: &Message{ID: "sj2b371v", From: j("romeo@example.net"), To: j("juliet@im.example.com/churchyard"), Type: MessageError,
				Error: &Error{Type: Cancel, Condition: Gone, By: j("example.net"), URI: "xmpp:romeo@afterlife.example.net"}},
		},
		{
			name:  "RFC 6120 8.3.3.5 chat",
			wire:  `<message id='sj2b371v' from='juliet@im.example.com/churchyard' to='romeo@example.net' type='chat'><body>Thy lips are warm.</body></message>`,
			canon: `<message from='juliet@im.example.com/churchyard' id='sj2b371v' to='romeo@example.net' type='chat'><body>Thy lips are warm.</body></message>`,
			v:     &Message{ID: "sj2b371v", From: j("juliet@im.example.com/churchyard"), To: j("romeo@example.net"), Type: MessageChat, Body: "Thy lips are warm."},
		},
		{
			name: "RFC 6120 8.3.3.14 redirect",
			wire: `<iq from='characters@muc.example.com' id='9f3b2kx7' to='juliet@im.example.com/balcony' type='error'><error type='modify'><redirect xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:characters@conference.example.org</redirect></error></iq>`,
			v: &IQ{ID: "9f3b2kx7", From: j("characters@muc.example.com"), To: j("juliet@im.example.com/balcony"), Type: IQError,
				Error: &Error{Type: Modify, Condition: Redirect, URI: "xmpp:characters@conference.example.org"}},
		},
		{
			name: "RFC 6120 8.3.3.21 undefined condition with an application-specific condition",
			wire: `<message from='northumberland@shakespeare.example' id='richard2-4.1.247' to='kingrichard@royalty.england.example' type='error'>` +
				`<body>My lord, dispatch; read o'er these articles.</body>` +
				`<amp xmlns='http://jabber.org/protocol/amp'><rule action='notify' condition='deliver' value='stored'/></amp>` +
				`<error type='modify'><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>` +
				`<failed-rules xmlns='http://jabber.org/protocol/amp#errors'><rule action='error' condition='deliver' value='stored'/></failed-rules></error></message>`,
			v: &Message{ID: "richard2-4.1.247", From: j("northumberland@shakespeare.example"), To: j("kingrichard@royalty.england.example"), Type: MessageError,
				Body: "My lord, dispatch; read o'er these articles.",
				Extensions: []Raw{rtRaw("http://jabber.org/protocol/amp", "amp",
					`<amp xmlns='http://jabber.org/protocol/amp'><rule action='notify' condition='deliver' value='stored'/></amp>`)},
				Error: &Error{Type: Modify, Condition: UndefinedCondition,
					App: rtRawPtr("http://jabber.org/protocol/amp#errors", "failed-rules",
						`<failed-rules xmlns='http://jabber.org/protocol/amp#errors'><rule action='error' condition='deliver' value='stored'/></failed-rules>`)}},
		},
		{
			name: "RFC 6120 8.3.2 text with xml:lang",
			wire: `<iq from='im.example.com' id='z5ff3v8p' to='juliet@im.example.com/balcony' type='error'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>Service not available</text></error></iq>`,
			v: &IQ{ID: "z5ff3v8p", From: j("im.example.com"), To: j("juliet@im.example.com/balcony"), Type: IQError,
				Error: &Error{Type: Cancel, Condition: ServiceUnavailable, Text: "Service not available", Lang: "en"}},
		},
		{
			name: "RFC 6121 2.1.3 roster get",
			wire: `<iq from='juliet@example.com/balcony' id='bv1bs71f' type='get'><query xmlns='jabber:iq:roster'/></iq>`,
			v: &IQ{ID: "bv1bs71f", From: j("juliet@example.com/balcony"), Type: IQGet,
				Payload: rtRawPtr("jabber:iq:roster", "query", `<query xmlns='jabber:iq:roster'/>`)},
		},
		{
			name: "RFC 6121 2.1.4 roster result",
			wire: `<iq id='bv1bs71f' to='juliet@example.com/chamber' type='result'><query xmlns='jabber:iq:roster' ver='ver11'>` +
				`<item jid='romeo@example.net' name='Romeo' subscription='both'><group>Friends</group></item>` +
				`<item jid='mercutio@example.com' name='Mercutio' subscription='from'/>` +
				`<item jid='benvolio@example.net' name='Benvolio' subscription='both'/></query></iq>`,
			v: &IQ{ID: "bv1bs71f", To: j("juliet@example.com/chamber"), Type: IQResult,
				Payload: rtRawPtr("jabber:iq:roster", "query", `<query xmlns='jabber:iq:roster' ver='ver11'>`+
					`<item jid='romeo@example.net' name='Romeo' subscription='both'><group>Friends</group></item>`+
					`<item jid='mercutio@example.com' name='Mercutio' subscription='from'/>`+
					`<item jid='benvolio@example.net' name='Benvolio' subscription='both'/></query>`)},
		},
		{
			name: "RFC 6121 2.1.5 empty result",
			wire: `<iq from='juliet@example.com' id='a78b4q6ha463' to='juliet@example.com/chamber' type='result'/>`,
			v:    &IQ{ID: "a78b4q6ha463", From: j("juliet@example.com"), To: j("juliet@example.com/chamber"), Type: IQResult},
		},
		{
			name: "RFC 6121 3.1.1 subscription request",
			wire: `<presence id='xk3h1v69' to='juliet@example.com' type='subscribe'/>`,
			v:    &Presence{ID: "xk3h1v69", To: j("juliet@example.com"), Type: PresenceSubscribe},
		},
		{
			name: "RFC 6121 4.2.1 initial presence",
			wire: `<presence/>`,
			v:    &Presence{},
		},
		{
			name: "RFC 6121 4.5.1 unavailable",
			wire: `<presence type='unavailable'/>`,
			v:    &Presence{Type: PresenceUnavailable},
		},
		{
			name: "RFC 6121 4.5.1 unavailable with status",
			wire: `<presence type='unavailable'><status>Gone home</status></presence>`,
			v:    &Presence{Type: PresenceUnavailable, Status: "Gone home"},
		},
		{
			name: "RFC 6121 4.7.2 show status priority",
			wire: `<presence from='romeo@example.net/orchard' xml:lang='en'><show>dnd</show><status>Wooing Juliet</status><status xml:lang='cs'>Dvořím se Julii</status><priority>1</priority></presence>`,
			v: &Presence{From: j("romeo@example.net/orchard"), Lang: "en", Show: ShowDND,
				Status: "Wooing Juliet", Statuses: []Text{{Value: "Wooing Juliet"}, {Lang: "cs", Value: "Dvořím se Julii"}}, Priority: 1},
		},
		{
			name: "RFC 6121 5.2.3 body",
			wire: `<message from='juliet@example.com/balcony' id='b4vs9km4' to='romeo@example.net' type='chat' xml:lang='en'><body>Wherefore art thou, Romeo?</body></message>`,
			v: &Message{ID: "b4vs9km4", From: j("juliet@example.com/balcony"), To: j("romeo@example.net"), Type: MessageChat, Lang: "en",
				Body: "Wherefore art thou, Romeo?"},
		},
		{
			name: "RFC 6121 5.2.3 bodies in two languages",
			wire: `<message from='juliet@example.com/balcony' id='z94nb37h' to='romeo@example.net' type='chat' xml:lang='en'><body>Wherefore art thou, Romeo?</body><body xml:lang='cs'>Pročež jsi ty, Romeo?</body></message>`,
			v: &Message{ID: "z94nb37h", From: j("juliet@example.com/balcony"), To: j("romeo@example.net"), Type: MessageChat, Lang: "en",
				Body: "Wherefore art thou, Romeo?", Bodies: []Text{{Value: "Wherefore art thou, Romeo?"}, {Lang: "cs", Value: "Pročež jsi ty, Romeo?"}}},
		},
		{
			name: "RFC 6121 5.2.4 subjects in two languages",
			wire: `<message from='juliet@example.com/balcony' id='c8xg3nf8' to='romeo@example.net' type='chat' xml:lang='en'><subject>I implore you!</subject><subject xml:lang='cs'>Úpěnlivě prosím!</subject><body>Wherefore art thou, Romeo?</body><body xml:lang='cs'>Pročež jsi ty, Romeo?</body></message>`,
			v: &Message{ID: "c8xg3nf8", From: j("juliet@example.com/balcony"), To: j("romeo@example.net"), Type: MessageChat, Lang: "en",
				Subject: "I implore you!", Subjects: []Text{{Value: "I implore you!"}, {Lang: "cs", Value: "Úpěnlivě prosím!"}},
				Body: "Wherefore art thou, Romeo?", Bodies: []Text{{Value: "Wherefore art thou, Romeo?"}, {Lang: "cs", Value: "Pročež jsi ty, Romeo?"}}},
		},
		{
			name: "RFC 6121 5.2.5 thread with parent",
			wire: `<message from='juliet@example.com/balcony' id='ktx72v49' to='romeo@example.net' type='chat' xml:lang='en'><body>Art thou not Romeo, and a Montague?</body><thread parent='e0ffe42b28561960c6b12b944a092794b9683a38'>0e3141cd80894871a68e6fe6b1ec56fa</thread></message>`,
			v: &Message{ID: "ktx72v49", From: j("juliet@example.com/balcony"), To: j("romeo@example.net"), Type: MessageChat, Lang: "en",
				Body: "Art thou not Romeo, and a Montague?", Thread: "0e3141cd80894871a68e6fe6b1ec56fa", ThreadParent: "e0ffe42b28561960c6b12b944a092794b9683a38"},
		},
		{
			name: "RFC 6121 5.2.2 normal kept",
			wire: `<message to='romeo@example.net' type='normal'><body>O blessed, blessed night!</body></message>`,
			v:    &Message{To: j("romeo@example.net"), Type: MessageNormal, Body: "O blessed, blessed night!"},
		},
	}
}

// rtMoreCases covers multi-language texts, extension payloads with their
// own namespaces and prefixes, and escaping.
func rtMoreCases() []rtCase {
	j := jid.MustParse
	return []rtCase{
		{
			name: "body in another language than the stanza's",
			wire: `<message type='chat' xml:lang='en'><body xml:lang='de'>Hallo</body><body xml:lang='fr'>Salut</body></message>`,
			v: &Message{Type: MessageChat, Lang: "en", Body: "Hallo",
				Bodies: []Text{{Lang: "de", Value: "Hallo"}, {Lang: "fr", Value: "Salut"}}},
		},
		{
			name: "one body with its own language",
			wire: `<message type='chat'><body xml:lang='ja'>ロミオ、どうしてあなたはロミオなの？</body></message>`,
			v:    &Message{Type: MessageChat, Body: "ロミオ、どうしてあなたはロミオなの？", Bodies: []Text{{Lang: "ja", Value: "ロミオ、どうしてあなたはロミオなの？"}}},
		},
		{
			name: "escaped text and attributes",
			wire: `<message from='juliet@example.com/it&apos;s &amp; &lt;me&gt;' id='a&quot;b' type='chat'><body>&lt;3 &amp; it's "so" &gt; ]]&gt;&#xD;
x</body></message>`,
			v: &Message{ID: `a"b`, From: j("juliet@example.com/it's & <me>"), Type: MessageChat, Body: "<3 & it's \"so\" > ]]>\r\nx"},
		},
		{
			name: "extensions with their own namespaces and prefixes",
			wire: `<message id='x1' type='chat'><body>hi</body>` +
				`<active xmlns='http://jabber.org/protocol/chatstates'/>` +
				`<request xmlns='urn:xmpp:receipts'/>` +
				`<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p style='font-weight:bold'>hi</p></body></html>` +
				`<e:data xmlns:e='urn:example:data' xmlns:m='urn:example:meta' m:kind='x'><e:item m:n='1'>one</e:item><item xmlns='urn:example:plain'/></e:data>` +
				`</message>`,
			v: &Message{ID: "x1", Type: MessageChat, Body: "hi", Extensions: []Raw{
				rtRaw("http://jabber.org/protocol/chatstates", "active", `<active xmlns='http://jabber.org/protocol/chatstates'/>`),
				rtRaw("urn:xmpp:receipts", "request", `<request xmlns='urn:xmpp:receipts'/>`),
				rtRaw("http://jabber.org/protocol/xhtml-im", "html", `<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p style='font-weight:bold'>hi</p></body></html>`),
				rtRaw("urn:example:data", "data", `<e:data xmlns:e='urn:example:data' xmlns:m='urn:example:meta' m:kind='x'><e:item m:n='1'>one</e:item><item xmlns='urn:example:plain'/></e:data>`),
			}},
		},
		{
			name: "presence with caps and a negative priority",
			wire: `<presence from='romeo@example.net/orchard' id='p9'><show>away</show><status>Wandering</status><priority>-1</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://psi-im.org' ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/></presence>`,
			v: &Presence{ID: "p9", From: j("romeo@example.net/orchard"), Show: ShowAway, Status: "Wandering", Priority: -1,
				Extensions: []Raw{rtRaw("http://jabber.org/protocol/caps", "c", `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://psi-im.org' ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/>`)}},
		},
		{
			name: "XEP-0199 ping",
			wire: `<iq from='capulet.lit' id='s2c1' to='juliet@capulet.lit/balcony' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`,
			v: &IQ{ID: "s2c1", From: j("capulet.lit"), To: j("juliet@capulet.lit/balcony"), Type: IQGet,
				Payload: rtRawPtr("urn:xmpp:ping", "ping", `<ping xmlns='urn:xmpp:ping'/>`)},
		},
		{
			name: "IQ error echoing the request, text without language",
			wire: `<iq id='q1' type='error'><query xmlns='jabber:iq:version'/><error by='example.org' type='cancel'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no &amp; never</text></error></iq>`,
			v: &IQ{ID: "q1", Type: IQError, Payload: rtRawPtr("jabber:iq:version", "query", `<query xmlns='jabber:iq:version'/>`),
				Error: &Error{Type: Cancel, Condition: FeatureNotImplemented, By: j("example.org"), Text: "no & never"}},
		},
	}
}

// rtConditionCases is an IQ error for each of the 22 conditions, with the
// condition's default type, by, a text in a language, and the URI of gone
// and redirect.
func rtConditionCases() []rtCase {
	var cases []rtCase
	for _, c := range Conditions {
		e := &Error{Type: c.DefaultType(), Condition: c, By: jid.MustParse("example.net"), Text: "about " + string(c), Lang: "en"}
		cond := `<` + string(c) + ` xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>`
		if c == Gone || c == Redirect {
			e.URI = "xmpp:romeo@afterlife.example.net"
			cond = `<` + string(c) + ` xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:romeo@afterlife.example.net</` + string(c) + `>`
		}
		cases = append(cases, rtCase{
			name: "condition " + string(c),
			wire: `<iq id='e-` + string(c) + `' type='error'><error by='example.net' type='` + string(c.DefaultType()) + `'>` + cond +
				`<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>about ` + string(c) + `</text></error></iq>`,
			v: &IQ{ID: "e-" + string(c), Type: IQError, Error: e},
		})
	}
	return cases
}

func rtAllCases() []rtCase {
	return append(append(rtRFCCases(), rtMoreCases()...), rtConditionCases()...)
}

func TestRoundTripEncode(t *testing.T) {
	t.Parallel()
	for _, tt := range rtAllCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := tt.canon
			if want == "" {
				want = tt.wire
			}
			var buf bytes.Buffer
			if err := NewEncoder(&buf).Encode(tt.v); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if got := buf.String(); got != want {
				t.Errorf("Encode wrote\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// rtCmp compares decoded values: JIDs by ==, nil and empty slices alike.
var rtCmp = cmp.Options{
	cmp.Comparer(func(a, b jid.JID) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

// rtDecodeAll reads every element of the stanzas in a jabber:client stream.
func rtDecodeAll(t *testing.T, stanzas string) []Element {
	t.Helper()
	stream := corpusHeader + stanzas + "</stream:stream>"
	d := NewDecoder(strings.NewReader(stream), nil)
	if _, err := d.Header(); err != nil {
		rtSkipWithoutDecoder(t, err)
		t.Fatalf("Header: %v", err)
	}
	var out []Element
	for {
		el, err := d.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			rtSkipWithoutDecoder(t, err)
			t.Fatalf("Next after %d elements: %v", len(out), err)
		}
		out = append(out, el)
	}
}

// rtSkipWithoutDecoder skips the test while the Decoder is a stub.
func rtSkipWithoutDecoder(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "not implemented") {
		t.Skip("the Decoder is not implemented yet")
	}
}

func TestRoundTripDecode(t *testing.T) {
	t.Parallel()
	for _, tt := range rtAllCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forms := []string{tt.wire}
			if tt.canon != "" {
				forms = append(forms, tt.canon)
			}
			encoded, err := AppendElement(nil, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			forms = append(forms, string(encoded))
			for _, form := range forms {
				got := rtDecodeAll(t, form)
				if len(got) != 1 {
					t.Fatalf("decoded %d elements from %s, want 1", len(got), form)
				}
				if diff := cmp.Diff(tt.v, got[0], rtCmp); diff != "" {
					t.Errorf("decoding %s (-want +got):\n%s", form, diff)
				}
				// Encoding the decoded value gives the Encoder's bytes again.
				again, err := AppendElement(nil, got[0])
				if err != nil || !bytes.Equal(again, encoded) {
					t.Errorf("re-encoding the decoded value gave %s, %v; want %s", again, err, encoded)
				}
			}
		})
	}
}

// TestRoundTripCorpus decodes the benchmark corpus, compares every stanza
// with the generated value, re-encodes it and decodes that again.
func TestRoundTripCorpus(t *testing.T) {
	t.Parallel()
	corpus, want := genCorpusElements(500, 7)
	d := NewDecoder(bytes.NewReader(corpus), nil)
	if _, err := d.Header(); err != nil {
		rtSkipWithoutDecoder(t, err)
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString(corpusHeader)
	e := NewEncoder(&buf)
	for i := range want {
		el, err := d.Next()
		if err != nil {
			rtSkipWithoutDecoder(t, err)
			t.Fatalf("stanza %d: %v", i, err)
		}
		if diff := cmp.Diff(want[i], el, rtCmp); diff != "" {
			t.Fatalf("stanza %d (-generated +decoded):\n%s", i, diff)
		}
		if err := e.Encode(el); err != nil {
			t.Fatalf("stanza %d: Encode: %v", i, err)
		}
	}
	if _, err := d.Next(); err != io.EOF {
		t.Fatalf("after the last stanza: %v, want io.EOF", err)
	}
	if err := e.EncodeEnd(); err != nil {
		t.Fatal(err)
	}
	d = NewDecoder(&buf, nil)
	if _, err := d.Header(); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		el, err := d.Next()
		if err != nil {
			t.Fatalf("re-encoded stanza %d: %v", i, err)
		}
		if diff := cmp.Diff(want[i], el, rtCmp); diff != "" {
			t.Fatalf("re-encoded stanza %d (-generated +decoded):\n%s", i, diff)
		}
	}
	if _, err := d.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last re-encoded stanza: %v, want io.EOF", err)
	}
}
