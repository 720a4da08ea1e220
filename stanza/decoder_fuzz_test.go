package stanza

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xmppkit/xmpp/streamerror"
)

// dtFuzzSeeds returns the streams of the test tables.
func dtFuzzSeeds() []string {
	var seeds []string
	for _, tt := range dtBadCases {
		seeds = append(seeds, tt.in)
	}
	for _, tt := range dtRFCCases() {
		seeds = append(seeds, dtStream(tt.in))
	}
	corpus, _ := genCorpus(8, 5)
	seeds = append(seeds, string(corpus))
	return seeds
}

// FuzzDecoder checks that no input makes the Decoder panic or loop, that
// the result does not depend on how the input is split into reads, and
// that every decoded element encodes (Encoder) and decodes back to the
// same value.
func FuzzDecoder(f *testing.F) {
	for _, s := range dtFuzzSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		lim := &Limits{MaxStanzaSize: 1 << 12, MaxDepth: 16, MaxAttrs: 16}
		res := dtDecodeModes(t, in, lim)
		if len(res.els) > len(in) {
			t.Fatalf("%d elements from %d bytes", len(res.els), len(in))
		}
		if res.err == nil {
			t.Fatal("no final error")
		}
		var de *DecodeError
		if res.err != io.EOF && !errors.As(res.err, &de) {
			t.Fatalf("final error %v (%T) is neither io.EOF nor a *DecodeError", res.err, res.err)
		}
		if de != nil && (de.Offset < 0 || de.Offset > int64(len(in))) {
			t.Fatalf("offset %d outside the input", de.Offset)
		}
		dtCheckReencode(t, res)
	})
}

// dtCheckReencode encodes the decoded elements in a new stream, decodes
// that and compares.
func dtCheckReencode(t *testing.T, res dtResult) {
	t.Helper()
	ns := NSClient
	if res.hdr != nil && (res.hdr.NS == NSServer || res.hdr.NS == decNSComponent) {
		ns = res.hdr.NS
	}
	var want []Element
	var buf bytes.Buffer
	buf.WriteString(`<stream:stream xmlns='` + ns + `' xmlns:stream='` + NSStream + `'>`)
	e := NewEncoder(&buf)
	for _, el := range res.els {
		switch v := el.(type) {
		case *BadStanzaError:
			continue
		case *Raw:
			if v.Name.Space == ns {
				continue // refused as unsupported-stanza-type under this header
			}
		}
		if err := e.Encode(el); err != nil {
			// An <error/> without a condition element is decoded but
			// cannot be written.
			if errors.Is(err, ErrInvalidName) {
				continue
			}
			t.Fatalf("Encode(%#v): %v", el, err)
		}
		want = append(want, dtNormalise(el))
	}
	buf.WriteString("</stream:stream>")
	again := dtDecode(buf.Bytes(), nil, bytes.NewReader(buf.Bytes()))
	if again.err != io.EOF {
		t.Fatalf("decoding the re-encoded stream: %v\n%s", again.err, buf.Bytes())
	}
	for i := range again.els {
		again.els[i] = dtNormalise(again.els[i])
	}
	opts := cmp.Options{dtCmp, cmpopts.IgnoreFields(streamerror.Error{}, "Unknown", "Texts")}
	if diff := cmp.Diff(want, again.els, opts); diff != "" {
		t.Fatalf("re-encoded stream decodes differently (-first +again):\n%s\n%s", diff, buf.Bytes())
	}
}

// dtNormalise applies the Encoder's documented defaults to a decoded
// value: an error without a type is written with its condition's.
func dtNormalise(el Element) Element {
	fix := func(e *Error) *Error {
		if e == nil || e.Type != "" {
			return e
		}
		c := *e
		c.Type = c.Condition.DefaultType()
		return &c
	}
	switch v := el.(type) {
	case *Message:
		c := *v
		c.Error = fix(c.Error)
		return &c
	case *Presence:
		c := *v
		c.Error = fix(c.Error)
		return &c
	case *IQ:
		c := *v
		c.Error = fix(c.Error)
		return &c
	}
	return el
}

// The differences between this Decoder and encoding/xml that
// FuzzDecoderWellFormed tolerates. encoding/xml is more lenient than XML
// 1.0 and Namespaces in XML 1.0 in these ways, where the Decoder follows
// the specifications (RFC 6120 §11.3 requires namespace-well-formed XML):
var dtLaxInEncodingXML = []string{
	// Namespaces §5 (NSC: Prefix Declared): encoding/xml keeps an
	// undeclared prefix as the namespace.
	"undeclared namespace prefix",
	// XML 1.0 §3.1 (WFC: Unique Att Spec) and Namespaces §6.3:
	// encoding/xml accepts repeated attributes.
	"duplicate attribute",
	"duplicate attribute (same expanded name)",
	// Namespaces §4 (QName): encoding/xml reads "a:", ":a" and the like as
	// unprefixed names.
	"invalid qualified name",
	// Namespaces §3 (reserved prefixes and names, no empty prefixed
	// declaration): not checked by encoding/xml.
	"the xmlns prefix must not be declared",
	"the xml prefix must not be rebound",
	"reserved namespace name declared",
	"a prefix must not be bound to the empty namespace name",
	"element names must not have the prefix xmlns",
	// XML 1.0 §3.1 [40]: attributes are separated by whitespace;
	// encoding/xml accepts <a b='1'c='2'>.
	"whitespace expected before attribute",
	// XML 1.0 §2.8, §3: "<!" opens a comment, a CDATA section or (in the
	// prolog) a document type declaration, nothing else; encoding/xml
	// returns any <!…> as a Directive.
	"markup declaration not allowed here",
	// XML 1.0 §4.1 (WFC: Legal Character): encoding/xml turns a reference
	// to a surrogate into U+FFFD instead of refusing it.
	"character reference to a character not allowed in XML",
}

// FuzzDecoderWellFormed checks the Decoder's well-formedness verdict
// against encoding/xml on a stream body (wrapped in a header and the
// closing tag): what encoding/xml refuses, the Decoder refuses; what the
// Decoder refuses as not-well-formed, encoding/xml refuses too, but for
// the differences listed in dtLaxInEncodingXML. The one difference the
// other way: encoding/xml checks names against the character classes of
// XML 1.0 Fourth Edition (Appendix B), the Decoder against the Fifth
// Edition's wider NameStartChar and NameChar (§2.3), so the Decoder may
// accept a non-ASCII name encoding/xml refuses. The other conditions
// (restricted-xml, bad-format, limits…) judge XML that is well-formed and
// are not compared.
func FuzzDecoderWellFormed(f *testing.F) {
	for _, s := range dtFuzzSeeds() {
		if body, ok := strings.CutPrefix(s, dtHeader); ok {
			f.Add([]byte(strings.TrimSuffix(body, "</stream:stream>")))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in := []byte(dtStream(string(body)))
		// Ours, with limits out of the way.
		lim := &Limits{MaxStanzaSize: 1 << 20, MaxDepth: 1 << 10, MaxAttrs: 1 << 10}
		res := dtDecode(in, lim, bytes.NewReader(in))
		var de *DecodeError
		ours := "ok"
		switch {
		case res.err == io.EOF:
		case errors.As(res.err, &de) && de.Condition == streamerror.NotWellFormed:
			ours = "not-well-formed"
		default:
			ours = "other" // well-formed but refused for another rule
		}
		theirs := dtEncodingXMLVerdict(in)
		switch {
		case ours == "ok" && theirs != nil:
			if dtNonASCIIName(theirs) {
				return
			}
			t.Fatalf("Decoder accepts, encoding/xml refuses: %v\n%q", theirs, in)
		case ours == "not-well-formed" && theirs == nil:
			for _, m := range dtLaxInEncodingXML {
				if de.Msg == m {
					return
				}
			}
			t.Fatalf("Decoder refuses (%v), encoding/xml accepts\n%q", res.err, in)
		}
	})
}

// dtEncodingXMLVerdict reads in with a strict encoding/xml Decoder up to
// the end of the root element and returns its error, if any.
func dtEncodingXMLVerdict(in []byte) error {
	d := xml.NewDecoder(bytes.NewReader(in))
	d.Strict = true
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
			if depth == 0 {
				return nil
			}
		}
	}
}

// dtNonASCIIName reports whether err is encoding/xml refusing a name with
// non-ASCII characters.
func dtNonASCIIName(err error) bool {
	s := err.Error()
	i := strings.Index(s, "invalid XML name: ")
	if i < 0 {
		return false
	}
	name := s[i+len("invalid XML name: "):]
	for _, r := range name {
		if r >= utf8.RuneSelf {
			return true
		}
	}
	return false
}
