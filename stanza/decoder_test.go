package stanza

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/streamerror"
)

// dtHeader is the jabber:client stream header of the tests.
const dtHeader = `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='im.example.com' version='1.0'>`

// dtStream wraps first-level elements in dtHeader and the closing tag.
func dtStream(body string) string { return dtHeader + body + "</stream:stream>" }

// dtCmp compares decoded values: JIDs by ==, nil and empty slices alike.
var dtCmp = cmp.Options{
	cmp.Comparer(func(a, b jid.JID) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

// Read modes: the whole input at once, one byte per Read, random chunks,
// halves with io.EOF returned with the last data.
var dtModes = []string{"whole", "onebyte", "chunks", "dataerr", "idle"}

// dtRandReader returns chunks of 1 to 17 bytes chosen by a seeded source.
type dtRandReader struct {
	r   io.Reader
	rnd *rand.Rand
}

func (c *dtRandReader) Read(p []byte) (int, error) {
	n := 1 + c.rnd.IntN(17)
	if len(p) > n {
		p = p[:n]
	}
	return c.r.Read(p)
}

// dtReader returns a reader of in for the mode.
func dtReader(in []byte, mode string, seed uint64) io.Reader {
	switch mode {
	case "onebyte":
		return iotest.OneByteReader(bytes.NewReader(in))
	case "chunks":
		return &dtRandReader{r: bytes.NewReader(in), rnd: rand.New(rand.NewPCG(seed, 1))}
	case "dataerr":
		return iotest.DataErrReader(iotest.HalfReader(bytes.NewReader(in)))
	case "idle":
		return &dtIdleReader{r: &dtRandReader{r: bytes.NewReader(in), rnd: rand.New(rand.NewPCG(seed, 2))}}
	}
	return bytes.NewReader(in)
}

// dtResult is everything a Decoder returned for one input.
type dtResult struct {
	hdr  *Header
	els  []Element // elements, and *BadStanzaError values where Next gave one
	offs []int64   // InputOffset after each element
	err  error     // the final error: io.EOF for a clean end
}

// dtDecode decodes in completely.
func dtDecode(in []byte, lim *Limits, r io.Reader) dtResult {
	d := NewDecoder(r, lim)
	var res dtResult
	res.hdr, res.err = d.Header()
	if res.err != nil {
		return res
	}
	for i := 0; ; i++ {
		el, err := d.Next()
		var bad *BadStanzaError
		switch {
		case errors.As(err, &bad):
			res.els = append(res.els, bad)
		case err != nil:
			res.err = err
			// Errors are sticky.
			if _, again := d.Next(); again != err {
				res.err = errors.New("not sticky: " + again.Error())
			}
			return res
		default:
			res.els = append(res.els, el)
		}
		res.offs = append(res.offs, d.InputOffset())
		if i > 10000 {
			res.err = errors.New("too many elements")
			return res
		}
	}
}

// dtDecodeModes decodes in in every read mode, checks that the results
// agree, and returns the first.
func dtDecodeModes(t *testing.T, in []byte, lim *Limits) dtResult {
	t.Helper()
	var first dtResult
	for i, mode := range dtModes {
		res := dtDecode(in, lim, dtReader(in, mode, uint64(len(in))))
		if i == 0 {
			first = res
			continue
		}
		if diff := cmp.Diff(first.hdr, res.hdr, dtCmp); diff != "" {
			t.Errorf("%s: header differs from whole (-whole +%s):\n%s", mode, mode, diff)
		}
		if diff := cmp.Diff(first.els, res.els, dtCmp, cmpopts.IgnoreFields(BadStanzaError{}, "Err")); diff != "" {
			t.Errorf("%s: elements differ from whole (-whole +%s):\n%s", mode, mode, diff)
		}
		if !slicesEqual(first.offs, res.offs) {
			t.Errorf("%s: offsets %v, whole %v", mode, res.offs, first.offs)
		}
		if (first.err == nil) != (res.err == nil) || first.err != nil && first.err.Error() != res.err.Error() {
			t.Errorf("%s: error %v, whole %v", mode, res.err, first.err)
		}
	}
	return first
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// dtBadCases has one row per rule of the Decoder's doc: input, limits,
// and the exact stream error condition (and sentinel) expected.
var dtBadCases = []struct {
	name string
	in   string
	lim  *Limits
	cond streamerror.Condition
	is   error // also matched with errors.Is when set
}{
	// RFC 6120 §11.1 restricted XML.
	{name: "comment in stanza", in: dtStream(`<message><!-- hi --><body/></message>`), cond: streamerror.RestrictedXML},
	{name: "comment between stanzas", in: dtStream(`<!-- hi -->`), cond: streamerror.RestrictedXML},
	{name: "comment before header", in: `<?xml version='1.0'?><!-- hi -->` + dtStream(``), cond: streamerror.RestrictedXML},
	{name: "processing instruction in stanza", in: dtStream(`<message><?php x?></message>`), cond: streamerror.RestrictedXML},
	{name: "processing instruction between stanzas", in: dtStream(`<?foo?>`), cond: streamerror.RestrictedXML},
	{name: "processing instruction before header", in: `<?xml-stylesheet href='x'?>` + dtStream(``), cond: streamerror.RestrictedXML},
	{name: "doctype", in: `<!DOCTYPE stream [<!ENTITY x 'y'>]>` + dtStream(``), cond: streamerror.RestrictedXML},
	{name: "doctype after declaration", in: `<?xml version='1.0'?><!DOCTYPE stream>` + dtStream(``), cond: streamerror.RestrictedXML},
	{name: "entity reference in text", in: dtStream(`<message><body>&nbsp;</body></message>`), cond: streamerror.RestrictedXML},
	{name: "entity reference in attribute", in: dtStream(`<message id='&foo;'/>`), cond: streamerror.RestrictedXML},
	{name: "entity reference in header", in: `<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='&x;'>`, cond: streamerror.RestrictedXML},

	// XML 1.0 and Namespaces well-formedness (RFC 6120 §11.3).
	{name: "mismatched end tag", in: dtStream(`<message><body></bodx></message>`), cond: streamerror.NotWellFormed},
	{name: "end tag with longer name", in: dtStream(`<message><body></bodyx></message>`), cond: streamerror.NotWellFormed},
	{name: "stream closed inside a stanza", in: dtStream(`<message><body>`), cond: streamerror.NotWellFormed},
	{name: "wrong closing stream tag", in: dtHeader + `</stream:streams>`, cond: streamerror.NotWellFormed},
	{name: "closing tag with another prefix", in: dtHeader + `</s:stream>`, cond: streamerror.NotWellFormed},
	{name: "undeclared element prefix", in: dtStream(`<message><x:y/></message>`), cond: streamerror.NotWellFormed},
	{name: "undeclared attribute prefix", in: dtStream(`<message x:id='1'/>`), cond: streamerror.NotWellFormed},
	{name: "undeclared prefix on first-level element", in: dtStream(`<db:result/>`), cond: streamerror.NotWellFormed},
	{name: "stream prefix not declared", in: `<stream:stream xmlns='jabber:client'>`, cond: streamerror.NotWellFormed},
	{name: "duplicate attribute", in: dtStream(`<message id='a' id='b'/>`), cond: streamerror.NotWellFormed},
	{name: "duplicate attribute among others", in: dtStream(`<message a='1' bb='2' xml:lang='en' dd='4' bb='5'/>`), cond: streamerror.NotWellFormed},
	{name: "duplicate xml:lang", in: dtStream(`<message xml:lang='en' xml:lang='de'/>`), cond: streamerror.NotWellFormed},
	{name: "duplicate namespace declaration", in: dtStream(`<message xmlns:a='x' xmlns:a='x'/>`), cond: streamerror.NotWellFormed},
	{name: "duplicate expanded attribute name", in: dtStream(`<message xmlns:a='urn:x' xmlns:b='urn:x' a:n='1' b:n='2'/>`), cond: streamerror.NotWellFormed},
	{name: "invalid UTF-8 in text", in: dtStream("<message><body>a\xffb</body></message>"), cond: streamerror.NotWellFormed},
	{name: "invalid UTF-8 in attribute", in: dtStream("<message id='\xc3\x28'/>"), cond: streamerror.NotWellFormed},
	{name: "invalid UTF-8 in name", in: dtStream("<message><b\xe2\x82/></message>"), cond: streamerror.NotWellFormed},
	{name: "truncated UTF-8 before markup", in: dtStream("<message><body>\xe2\x82</body></message>"), cond: streamerror.NotWellFormed},
	{name: "UTF-8 surrogate", in: dtStream("<message><body>\xed\xa0\x80</body></message>"), cond: streamerror.NotWellFormed},
	{name: "overlong UTF-8", in: dtStream("<message><body>\xc0\xbc</body></message>"), cond: streamerror.NotWellFormed},
	{name: "control character in text", in: dtStream("<message><body>a\x01b</body></message>"), cond: streamerror.NotWellFormed},
	{name: "NUL in attribute", in: dtStream("<message id='\x00'/>"), cond: streamerror.NotWellFormed},
	{name: "U+FFFE in text", in: dtStream("<message><body>\xef\xbf\xbe</body></message>"), cond: streamerror.NotWellFormed},
	{name: "U+FFFF in attribute", in: dtStream("<message id='\xef\xbf\xbf'/>"), cond: streamerror.NotWellFormed},
	{name: "character reference to NUL", in: dtStream(`<message><body>&#0;</body></message>`), cond: streamerror.NotWellFormed},
	{name: "character reference to a surrogate", in: dtStream(`<message><body>&#xD800;</body></message>`), cond: streamerror.NotWellFormed},
	{name: "character reference beyond Unicode", in: dtStream(`<message><body>&#x110000;</body></message>`), cond: streamerror.NotWellFormed},
	{name: "huge character reference", in: dtStream(`<message><body>&#99999999999999999999;</body></message>`), cond: streamerror.NotWellFormed},
	{name: "character reference to U+FFFE", in: dtStream(`<message id='&#xFFFE;'/>`), cond: streamerror.NotWellFormed},
	{name: "empty character reference", in: dtStream(`<message><body>&#;</body></message>`), cond: streamerror.NotWellFormed},
	{name: "hex reference without digits", in: dtStream(`<message><body>&#x;</body></message>`), cond: streamerror.NotWellFormed},
	{name: "reference without semicolon", in: dtStream(`<message><body>&amp x</body></message>`), cond: streamerror.NotWellFormed},
	{name: "bare ampersand", in: dtStream(`<message><body>a & b</body></message>`), cond: streamerror.NotWellFormed},
	{name: "less-than in attribute", in: dtStream(`<message id='a<b'/>`), cond: streamerror.NotWellFormed},
	{name: "]]> in text", in: dtStream(`<message><body>a]]>b</body></message>`), cond: streamerror.NotWellFormed},
	{name: "unquoted attribute", in: dtStream(`<message id=a/>`), cond: streamerror.NotWellFormed},
	{name: "attribute without value", in: dtStream(`<message id/>`), cond: streamerror.NotWellFormed},
	{name: "no space between attributes", in: dtStream(`<message id='a'to='b'/>`), cond: streamerror.NotWellFormed},
	{name: "name starting with a digit", in: dtStream(`<1message/>`), cond: streamerror.NotWellFormed},
	{name: "two colons in a name", in: dtStream(`<message><a:b:c xmlns:a='x'/></message>`), cond: streamerror.NotWellFormed},
	{name: "empty prefix", in: dtStream(`<message><:b/></message>`), cond: streamerror.NotWellFormed},
	{name: "empty local part", in: dtStream(`<message xmlns:a='x'><a:/></message>`), cond: streamerror.NotWellFormed},
	{name: "prefix bound to empty namespace", in: dtStream(`<message xmlns:a=''/>`), cond: streamerror.NotWellFormed},
	{name: "xmlns prefix declared", in: dtStream(`<message xmlns:xmlns='urn:x'/>`), cond: streamerror.NotWellFormed},
	{name: "xml prefix rebound", in: dtStream(`<message xmlns:xml='urn:x'/>`), cond: streamerror.NotWellFormed},
	{name: "xml namespace bound to another prefix", in: dtStream(`<message xmlns:x='http://www.w3.org/XML/1998/namespace'/>`), cond: streamerror.NotWellFormed},
	{name: "xml namespace as default", in: dtStream(`<message xmlns='http://www.w3.org/XML/1998/namespace'/>`), cond: streamerror.NotWellFormed},
	{name: "xmlns namespace declared", in: dtStream(`<message xmlns:x='http://www.w3.org/2000/xmlns/'/>`), cond: streamerror.NotWellFormed},
	{name: "element with the xmlns prefix", in: dtStream(`<xmlns:message/>`), cond: streamerror.NotWellFormed},
	{name: "malformed markup", in: dtStream(`<message><!x></message>`), cond: streamerror.NotWellFormed},
	{name: "end tag before the header", in: `</stream:stream>`, cond: streamerror.NotWellFormed},
	{name: "text before the header", in: `hello` + dtStream(``), cond: streamerror.NotWellFormed},
	{name: "UTF-8 byte order mark", in: "\xef\xbb\xbf" + dtStream(``), cond: streamerror.NotWellFormed},
	{name: "XML declaration after whitespace", in: ` <?xml version='1.0'?>` + dtStream(``), cond: streamerror.RestrictedXML},
	{name: "XML declaration without version", in: `<?xml encoding='UTF-8'?>` + dtStream(``), cond: streamerror.NotWellFormed},
	{name: "XML declaration with bad version", in: `<?xml version='2.0'?>` + dtStream(``), cond: streamerror.NotWellFormed},
	{name: "XML declaration out of order", in: `<?xml version='1.0' standalone='yes' encoding='UTF-8'?>` + dtStream(``), cond: streamerror.NotWellFormed},
	{name: "XML declaration unterminated", in: `<?xml version='1.0'>` + dtStream(``), cond: streamerror.NotWellFormed},
	{name: "bad standalone", in: `<?xml version='1.0' standalone='maybe'?>` + dtStream(``), cond: streamerror.NotWellFormed},
	{name: "control character between stanzas", in: dtStream("\x01"), cond: streamerror.NotWellFormed},
	{name: "invalid UTF-8 between stanzas", in: dtStream("\xff"), cond: streamerror.NotWellFormed},

	// RFC 6120 §11.6: UTF-8 only.
	{name: "encoding ISO-8859-1", in: `<?xml version='1.0' encoding='ISO-8859-1'?>` + dtStream(``), cond: streamerror.UnsupportedEncoding},
	{name: "encoding UTF-16", in: `<?xml version="1.0" encoding="UTF-16"?>` + dtStream(``), cond: streamerror.UnsupportedEncoding},
	{name: "UTF-16BE byte order mark", in: "\xfe\xff\x00<", cond: streamerror.UnsupportedEncoding},
	{name: "UTF-16LE byte order mark", in: "\xff\xfe<\x00", cond: streamerror.UnsupportedEncoding},
	{name: "UTF-16LE without byte order mark", in: "<\x00?\x00", cond: streamerror.UnsupportedEncoding},
	{name: "UTF-16BE without byte order mark", in: "\x00<\x00?", cond: streamerror.UnsupportedEncoding},

	// RFC 6120 §4.8.1, §11.2.1: the stream namespace.
	{name: "wrong stream namespace", in: `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streamz'>`, cond: streamerror.InvalidNamespace},
	{name: "stream element in no namespace", in: `<stream to='example.com'>`, cond: streamerror.InvalidNamespace},
	{name: "stream in the content namespace", in: `<stream xmlns='jabber:client'>`, cond: streamerror.InvalidNamespace},
	{name: "wrong stream element name", in: `<stream:open xmlns:stream='http://etherx.jabber.org/streams'>`, cond: streamerror.InvalidNamespace},

	// RFC 6120 §4.9.3.24.
	{name: "unknown element in the content namespace", in: dtStream(`<foo/>`), cond: streamerror.UnsupportedStanzaType},
	{name: "unknown element in jabber:server", in: `<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'><foo><bar/></foo></stream:stream>`, cond: streamerror.UnsupportedStanzaType},
	{name: "jabber:client stanza name with a prefix", in: dtStream(`<c:presense xmlns:c='jabber:client'/>`), cond: streamerror.UnsupportedStanzaType},

	// RFC 6120 §11.7: only whitespace between elements.
	{name: "text between stanzas", in: dtStream(`<message/>hello<message/>`), cond: streamerror.BadFormat},
	{name: "reference between stanzas", in: dtStream(`&amp;`), cond: streamerror.BadFormat},
	{name: "CDATA between stanzas", in: dtStream(`<![CDATA[ ]]>`), cond: streamerror.BadFormat},
	{name: "unreadable stream error", in: dtStream(`<stream:error/>`), cond: streamerror.BadFormat},

	// Limits (RFC 6120 §13.12): policy-violation.
	{name: "stanza too large", in: dtStream(`<message><body>` + strings.Repeat("x", 300) + `</body></message>`), lim: &Limits{MaxStanzaSize: 256}, cond: streamerror.PolicyViolation, is: ErrStanzaTooLarge},
	{name: "start tag too large", in: dtStream(`<message id='` + strings.Repeat("x", 300)), lim: &Limits{MaxStanzaSize: 256}, cond: streamerror.PolicyViolation, is: ErrStanzaTooLarge},
	{name: "header too large", in: `<stream:stream xmlns:stream='http://etherx.jabber.org/streams' id='` + strings.Repeat("x", 300) + `'>`, lim: &Limits{MaxStanzaSize: 256}, cond: streamerror.PolicyViolation, is: ErrStanzaTooLarge},
	{name: "elements too deep", in: dtStream(`<message><a><b><c/></b></a></message>`), lim: &Limits{MaxDepth: 3}, cond: streamerror.PolicyViolation, is: ErrTooDeep},
	{name: "too many attributes", in: dtStream(`<message a='1' b='2' c='3' d='4'/>`), lim: &Limits{MaxAttrs: 3}, cond: streamerror.PolicyViolation, is: ErrTooManyAttrs},
	{name: "too many namespace declarations in scope", in: dtStream(`<message xmlns:a='1' xmlns:b='2'><x xmlns:c='3' xmlns:d='4'><y xmlns:e='5' xmlns:f='6'><z xmlns:g='7' xmlns:h='8'><w xmlns:i='9'/></z></y></x></message>`), lim: &Limits{MaxAttrs: 2}, cond: streamerror.PolicyViolation, is: ErrTooManyAttrs},
	{name: "too many namespace declarations", in: dtStream(`<message xmlns:a='1' xmlns:b='2' xmlns:c='3' xmlns:d='4'/>`), lim: &Limits{MaxAttrs: 3}, cond: streamerror.PolicyViolation, is: ErrTooManyAttrs},
}

func TestDecoderBadInput(t *testing.T) {
	t.Parallel()
	for _, tt := range dtBadCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := dtDecodeModes(t, []byte(tt.in), tt.lim)
			var de *DecodeError
			if !errors.As(res.err, &de) {
				t.Fatalf("error %v (%T), want a *DecodeError", res.err, res.err)
			}
			if de.Condition != tt.cond {
				t.Errorf("condition %q, want %q (%v)", de.Condition, tt.cond, res.err)
			}
			var se *streamerror.Error
			if !errors.As(res.err, &se) || se.Condition != tt.cond {
				t.Errorf("errors.As gave %v, want a *streamerror.Error with %q", se, tt.cond)
			}
			if !errors.Is(res.err, tt.cond) {
				t.Errorf("errors.Is(err, %q) is false", tt.cond)
			}
			if tt.is != nil && !errors.Is(res.err, tt.is) {
				t.Errorf("errors.Is(err, %v) is false", tt.is)
			}
			if tt.is != nil && !errors.Is(res.err, ErrLimit) {
				t.Errorf("errors.Is(err, ErrLimit) is false")
			}
			if de.Offset < 0 || de.Offset > int64(len(tt.in)) {
				t.Errorf("offset %d outside the input (%d bytes)", de.Offset, len(tt.in))
			}
			if !strings.HasPrefix(res.err.Error(), "stanza: ") {
				t.Errorf("message %q lacks the package prefix", res.err)
			}
		})
	}
}

func TestDecoderBadInputOffset(t *testing.T) {
	t.Parallel()
	in := dtStream(`<message><body>a&nbsp;</body></message>`)
	res := dtDecode([]byte(in), nil, strings.NewReader(in))
	var de *DecodeError
	if !errors.As(res.err, &de) {
		t.Fatal(res.err)
	}
	if want := int64(strings.Index(in, "&nbsp;")); de.Offset != want {
		t.Errorf("offset %d, want %d", de.Offset, want)
	}
}

func TestDecoderEOF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		headerErr error // nil: Header succeeds
		err       error // the error Next ends with
	}{
		{name: "empty input", in: "", headerErr: io.EOF},
		{name: "inside the declaration", in: "<?xml vers", headerErr: io.ErrUnexpectedEOF},
		{name: "inside the header", in: "<stream:stream xmlns:stream='http", headerErr: io.ErrUnexpectedEOF},
		{name: "whitespace only", in: "  \n", headerErr: io.ErrUnexpectedEOF},
		{name: "after the header", in: dtHeader, err: io.ErrUnexpectedEOF},
		{name: "inside a stanza", in: dtHeader + "<message><bo", err: io.ErrUnexpectedEOF},
		{name: "inside a reference", in: dtHeader + "<message><body>&am", err: io.ErrUnexpectedEOF},
		{name: "inside a UTF-8 sequence", in: dtHeader + "<message><body>\xe2\x82", err: io.ErrUnexpectedEOF},
		{name: "unterminated CDATA", in: dtStream(`<message><body><![CDATA[x]></body></message>`), err: io.ErrUnexpectedEOF},
		{name: "inside the closing tag", in: dtHeader + "</stream:str", err: io.ErrUnexpectedEOF},
		{name: "closed", in: dtStream(""), err: io.EOF},
		{name: "closed with whitespace", in: dtHeader + " \r\n\t</stream:stream \n>", err: io.EOF},
		{name: "empty-element header", in: `<stream:stream xmlns:stream='http://etherx.jabber.org/streams'/>`, err: io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, mode := range dtModes {
				d := NewDecoder(dtReader([]byte(tt.in), mode, 1), nil)
				_, err := d.Header()
				if tt.headerErr != nil || err != nil {
					if !errors.Is(err, tt.headerErr) {
						t.Fatalf("%s: Header: %v, want %v", mode, err, tt.headerErr)
					}
					if tt.headerErr != io.EOF {
						var se *streamerror.Error
						if errors.As(err, &se) {
							t.Errorf("%s: a read error carries stream error %v", mode, se)
						}
					}
					continue
				}
				_, err = d.Next()
				if !errors.Is(err, tt.err) {
					t.Fatalf("%s: Next: %v, want %v", mode, err, tt.err)
				}
				if _, again := d.Next(); again != err {
					t.Errorf("%s: second Next: %v, want the same %v", mode, again, err)
				}
			}
		})
	}
}

// dtFailReader returns data, then err.
type dtFailReader struct {
	data []byte
	err  error
}

func (r *dtFailReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestDecoderReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	d := NewDecoder(&dtFailReader{data: []byte(dtHeader + "<message>"), err: boom}, nil)
	if _, err := d.Header(); err != nil {
		t.Fatal(err)
	}
	_, err := d.Next()
	if !errors.Is(err, boom) {
		t.Fatalf("Next: %v, want boom", err)
	}
	var se *streamerror.Error
	if errors.As(err, &se) {
		t.Errorf("a read error carries stream error %v", se)
	}
	if _, again := d.Next(); again != err {
		t.Errorf("not sticky: %v", again)
	}
}

// dtZeroReader returns 0, nil forever.
type dtZeroReader struct{}

func (dtZeroReader) Read([]byte) (int, error) { return 0, nil }

func TestDecoderNoProgress(t *testing.T) {
	t.Parallel()
	d := NewDecoder(dtZeroReader{}, nil)
	if _, err := d.Header(); !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("Header: %v, want io.ErrNoProgress", err)
	}
}

func TestDecoderUsage(t *testing.T) {
	t.Parallel()
	d := NewDecoder(strings.NewReader(dtStream("<message/>")), nil)
	if _, err := d.Next(); err != ErrNoHeader {
		t.Fatalf("Next before Header: %v, want ErrNoHeader", err)
	}
	if _, err := d.Header(); err != nil {
		t.Fatalf("Header after the usage error: %v", err)
	}
	if _, err := d.Header(); err == nil {
		t.Fatal("second Header succeeded")
	}
	if el, err := d.Next(); err != nil || el == nil {
		t.Fatalf("Next: %v, %v", el, err)
	}
}

// dtRFCCases are valid inputs, mostly from RFC 6120 and RFC 6121, with
// the values they decode to.
func dtRFCCases() []struct {
	name string
	in   string // first-level elements, wrapped by dtStream
	want []Element
} {
	raw := func(space, local, x string) Raw {
		return Raw{Name: xml.Name{Space: space, Local: local}, XML: []byte(x)}
	}
	rawp := func(space, local, x string) *Raw { r := raw(space, local, x); return &r }
	j := jid.MustParse
	return []struct {
		name string
		in   string
		want []Element
	}{
		{
			name: "RFC 6121 5.2.3 chat message",
			in:   `<message from='juliet@example.com/balcony' id='ktx72v49' to='romeo@example.net' type='chat' xml:lang='en'><body>Art thou not Romeo, and a Montague?</body></message>`,
			want: []Element{&Message{From: j("juliet@example.com/balcony"), ID: "ktx72v49", To: j("romeo@example.net"), Type: MessageChat, Lang: "en", Body: "Art thou not Romeo, and a Montague?"}},
		},
		{
			name: "RFC 6121 5.2.3 bodies in two languages",
			in: `<message from='juliet@example.com/balcony' id='z94nb37h' to='romeo@example.net' type='chat' xml:lang='en'>
  <body>Wherefore art thou, Romeo?</body>
  <body xml:lang='de'>Wo bist du, Romeo?</body>
</message>`,
			want: []Element{&Message{From: j("juliet@example.com/balcony"), ID: "z94nb37h", To: j("romeo@example.net"), Type: MessageChat, Lang: "en",
				Body: "Wherefore art thou, Romeo?", Bodies: []Text{{Value: "Wherefore art thou, Romeo?"}, {Lang: "de", Value: "Wo bist du, Romeo?"}}}},
		},
		{
			name: "RFC 6121 5.2.4 subject and 5.2.5 thread",
			in:   `<message to='romeo@example.net/orchard' type='chat'><subject>I implore you!</subject><body>Wherefore art thou?</body><thread parent='e0ffe42b28561960c6b12b944a092794b9683a38'>7edac73ab41e45c4aafa7b2d7b749080</thread></message>`,
			want: []Element{&Message{To: j("romeo@example.net/orchard"), Type: MessageChat, Subject: "I implore you!", Body: "Wherefore art thou?",
				Thread: "7edac73ab41e45c4aafa7b2d7b749080", ThreadParent: "e0ffe42b28561960c6b12b944a092794b9683a38"}},
		},
		{
			name: "RFC 6121 4.7.2 presence with show, statuses and priority",
			in: `<presence from='romeo@example.net/orchard' xml:lang='en'>
  <show>dnd</show>
  <status>Wooing Juliet</status>
  <status xml:lang='cs'>Dvo&#x0159;&#x00ED;m se Julii</status>
  <priority>1</priority>
</presence>`,
			want: []Element{&Presence{From: j("romeo@example.net/orchard"), Lang: "en", Show: ShowDND, Priority: 1,
				Status: "Wooing Juliet", Statuses: []Text{{Value: "Wooing Juliet"}, {Lang: "cs", Value: "Dvořím se Julii"}}}},
		},
		{
			name: "RFC 6121 4.5.1 unavailable presence and 3.1.1 subscribe",
			in:   `<presence type='unavailable'/> <presence id='xk3h1v69' to='juliet@example.com' type='subscribe'/>`,
			want: []Element{&Presence{Type: PresenceUnavailable}, &Presence{ID: "xk3h1v69", To: j("juliet@example.com"), Type: PresenceSubscribe}},
		},
		{
			name: "negative priority with whitespace",
			in:   `<presence><priority> -128 </priority></presence>`,
			want: []Element{&Presence{Priority: -128}},
		},
		{
			name: "RFC 6121 2.1.3 roster get",
			in:   `<iq from='juliet@example.com/balcony' id='bv1bs71f' type='get'><query xmlns='jabber:iq:roster'/></iq>`,
			want: []Element{&IQ{From: j("juliet@example.com/balcony"), ID: "bv1bs71f", Type: IQGet, Payload: rawp("jabber:iq:roster", "query", `<query xmlns='jabber:iq:roster'/>`)}},
		},
		{
			name: "RFC 6120 8.3.2 error with text and application condition",
			in: `<iq from='im.example.com' id='ixc3v1b9' to='juliet@im.example.com/balcony' type='error'>` +
				`<error type='modify' by='im.example.com'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>` +
				`<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>Some special application diagnostic information!</text>` +
				`<too-many-parameters xmlns='http://example.org/ns'/></error></iq>`,
			want: []Element{&IQ{From: j("im.example.com"), ID: "ixc3v1b9", To: j("juliet@im.example.com/balcony"), Type: IQError,
				Error: &Error{Type: Modify, Condition: BadRequest, By: j("im.example.com"), Lang: "en", Text: "Some special application diagnostic information!",
					App: rawp("http://example.org/ns", "too-many-parameters", `<too-many-parameters xmlns='http://example.org/ns'/>`)}}},
		},
		{
			name: "RFC 6120 8.3.3.14 redirect with its URI, request echoed",
			in: `<iq id='x' type='error'><query xmlns='jabber:iq:version'/><error type='modify'>` +
				`<redirect xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:characters@conference.example.org</redirect></error></iq>`,
			want: []Element{&IQ{ID: "x", Type: IQError, Payload: rawp("jabber:iq:version", "query", `<query xmlns='jabber:iq:version'/>`),
				Error: &Error{Type: Modify, Condition: Redirect, URI: "xmpp:characters@conference.example.org"}}},
		},
		{
			name: "message error",
			in:   `<message type='error' id='m1'><body>hi</body><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
			want: []Element{&Message{Type: MessageError, ID: "m1", Body: "hi", Error: &Error{Type: Cancel, Condition: ItemNotFound}}},
		},
		{
			name: "iq with two payloads",
			in:   `<iq type='set' id='2'><a xmlns='urn:a'/><b xmlns='urn:b'>t</b></iq>`,
			want: []Element{&IQ{Type: IQSet, ID: "2", Payload: rawp("urn:a", "a", `<a xmlns='urn:a'/>`), Extra: []Raw{raw("urn:b", "b", `<b xmlns='urn:b'>t</b>`)}}},
		},
		{
			name: "CDATA, references and line ends",
			in:   "<message><body>x<![CDATA[<b>&amp;</b>]]>&#x10348;&#65;&lt;\r\ny\rz</body></message>",
			want: []Element{&Message{Body: "x<b>&amp;</b>\U00010348A<\ny\nz"}},
		},
		{
			name: "attribute value normalisation",
			in:   "<message id='a\tb\r\nc&#9;d&#xD;e&quot;&apos;' type=\"x'y\"/>",
			want: []Element{&Message{ID: "a b c\td\re\"'", Type: "x'y"}},
		},
		{
			name: "non-ASCII text and names",
			in:   `<message><body>Dvořím 愛 🌹</body><ext:über xmlns:ext='urn:x' ext:ключ='значение'/></message>`,
			want: []Element{&Message{Body: "Dvořím 愛 🌹", Extensions: []Raw{raw("urn:x", "über", `<ext:über xmlns:ext='urn:x' ext:ключ='значение'/>`)}}},
		},
		{
			name: "extensions in their own namespaces",
			in: `<message type='chat'><body>hi</body><active xmlns='http://jabber.org/protocol/chatstates'/>` +
				`<request xmlns='urn:xmpp:receipts'/><x:data xmlns:x='urn:x'><x:item a='1'/></x:data></message>`,
			want: []Element{&Message{Type: MessageChat, Body: "hi", Extensions: []Raw{
				raw("http://jabber.org/protocol/chatstates", "active", `<active xmlns='http://jabber.org/protocol/chatstates'/>`),
				raw("urn:xmpp:receipts", "request", `<request xmlns='urn:xmpp:receipts'/>`),
				raw("urn:x", "data", `<x:data xmlns:x='urn:x'><x:item a='1'/></x:data>`),
			}}},
		},
		{
			name: "prefix declared on the stanza is injected",
			in:   `<message xmlns:e='urn:e'><e:foo e:attr='1'><e:bar/></e:foo></message>`,
			want: []Element{&Message{Extensions: []Raw{raw("urn:e", "foo", `<e:foo xmlns:e='urn:e' e:attr='1'><e:bar/></e:foo>`)}}},
		},
		{
			name: "inherited default namespace is injected",
			in:   `<message><foo><bar/></foo></message>`,
			want: []Element{&Message{Extensions: []Raw{raw(NSClient, "foo", `<foo xmlns='jabber:client'><bar/></foo>`)}}},
		},
		{
			name: "no namespace inherited from an undeclaration is injected",
			in:   `<c:message xmlns:c='jabber:client' xmlns=''><foo><bar/></foo></c:message>`,
			want: []Element{&Message{Extensions: []Raw{raw("", "foo", `<foo xmlns=''><bar/></foo>`)}}},
		},
		{
			name: "known child in another namespace is an extension",
			in:   `<message><body xmlns='urn:other'>x</body></message>`,
			want: []Element{&Message{Extensions: []Raw{raw("urn:other", "body", `<body xmlns='urn:other'>x</body>`)}}},
		},
		{
			name: "namespace redeclared inside",
			in:   `<message xmlns:p='urn:a'><p:x xmlns:p='urn:b'><p:y/></p:x><p:z/></message>`,
			want: []Element{&Message{Extensions: []Raw{raw("urn:b", "x", `<p:x xmlns:p='urn:b'><p:y/></p:x>`), raw("urn:a", "z", `<p:z xmlns:p='urn:a'/>`)}}},
		},
		{
			name: "prefix used before its redeclaration",
			in:   `<message xmlns:p='urn:a'><p:x><p:y xmlns:p='urn:b'/></p:x></message>`,
			want: []Element{&Message{Extensions: []Raw{raw("urn:a", "x", `<p:x xmlns:p='urn:a'><p:y xmlns:p='urn:b'/></p:x>`)}}},
		},
		{
			name: "injected namespace escaped",
			in:   `<message xmlns:p='urn:a&amp;b&apos;&#9;'><p:x/></message>`,
			want: []Element{&Message{Extensions: []Raw{raw("urn:a&b'\t", "x", `<p:x xmlns:p='urn:a&amp;b&apos;&#x9;'/>`)}}},
		},
		{
			name: "prefixed stanza and children",
			in:   `<c:message xmlns:c='jabber:client' type='chat'><c:body>hi</c:body></c:message>`,
			want: []Element{&Message{Type: MessageChat, Body: "hi"}},
		},
		{
			name: "stream features with the stream prefix injected",
			in:   `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`,
			want: []Element{&Raw{Name: xml.Name{Space: NSStream, Local: "features"},
				XML: []byte(`<stream:features xmlns:stream='http://etherx.jabber.org/streams'><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`)}},
		},
		{
			name: "first-level element of another namespace",
			in:   `<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dGVzdA==</success>`,
			want: []Element{&Raw{Name: xml.Name{Space: "urn:ietf:params:xml:ns:xmpp-sasl", Local: "success"}, XML: []byte(`<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dGVzdA==</success>`)}},
		},
		{
			name: "stream error",
			in:   `<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`,
			want: []Element{&streamerror.Error{Condition: streamerror.HostUnknown}},
		},
		{
			name: "whitespace keepalives and stanza of jabber:server namespace",
			in:   "\n \t<message xmlns='jabber:server' from='a.example' to='b.example'/>\r\n \n",
			want: []Element{&Message{From: j("a.example"), To: j("b.example")}},
		},
	}
}

func TestDecoderValid(t *testing.T) {
	t.Parallel()
	for _, tt := range dtRFCCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := dtStream(tt.in)
			res := dtDecodeModes(t, []byte(in), nil)
			if res.err != io.EOF {
				t.Fatalf("ended with %v, want io.EOF", res.err)
			}
			if diff := cmp.Diff(tt.want, res.els, dtCmp); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// Every Raw is namespace-complete: encoding/xml reads it alone
			// with the same name.
			for _, el := range res.els {
				dtCheckRaws(t, el)
			}
		})
	}
}

// dtCheckRaws checks that each Raw in el parses on its own to its Name.
func dtCheckRaws(t *testing.T, el Element) {
	t.Helper()
	var raws []Raw
	switch v := el.(type) {
	case *Raw:
		raws = append(raws, *v)
	case *Message:
		raws = append(raws, v.Extensions...)
	case *Presence:
		raws = append(raws, v.Extensions...)
	case *IQ:
		if v.Payload != nil {
			raws = append(raws, *v.Payload)
		}
		raws = append(raws, v.Extra...)
	}
	for _, r := range raws {
		d := xml.NewDecoder(bytes.NewReader(r.XML))
		tok, err := d.Token()
		if err != nil {
			t.Errorf("%s: %v", r.XML, err)
			continue
		}
		if se, ok := tok.(xml.StartElement); !ok || se.Name != r.Name {
			t.Errorf("%s: encoding/xml reads %v, want %v", r.XML, tok, r.Name)
		}
		if cap(r.XML) != len(r.XML) {
			t.Errorf("%s: capacity %d beyond the length", r.XML, cap(r.XML))
		}
	}
}

func TestDecoderHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want *Header
	}{
		{
			name: "RFC 6120 9.1.1 initial header with declaration",
			in:   `<?xml version='1.0'?><stream:stream from='juliet@im.example.com' to='im.example.com' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`,
			want: &Header{Name: xml.Name{Space: NSStream, Local: "stream"}, From: "juliet@im.example.com", To: "im.example.com", Version: "1.0", Lang: "en", NS: NSClient,
				Attr: []xml.Attr{
					{Name: xml.Name{Local: "from"}, Value: "juliet@im.example.com"},
					{Name: xml.Name{Local: "to"}, Value: "im.example.com"},
					{Name: xml.Name{Local: "version"}, Value: "1.0"},
					{Name: xml.Name{Space: NSXML, Local: "lang"}, Value: "en"},
					{Name: xml.Name{Local: "xmlns"}, Value: NSClient},
					{Name: xml.Name{Space: "xmlns", Local: "stream"}, Value: NSStream},
				}},
		},
		{
			name: "full declaration, double quotes, other prefix",
			in:   "<?xml version=\"1.0\" encoding=\"utf-8\" standalone='no' ?>\n<s:stream id=\"a&amp;b\" xmlns=\"jabber:server\" xmlns:s=\"http://etherx.jabber.org/streams\" xmlns:db=\"jabber:server:dialback\">",
			want: &Header{Name: xml.Name{Space: NSStream, Local: "stream"}, ID: "a&b", NS: NSServer,
				Attr: []xml.Attr{
					{Name: xml.Name{Local: "id"}, Value: "a&b"},
					{Name: xml.Name{Local: "xmlns"}, Value: NSServer},
					{Name: xml.Name{Space: "xmlns", Local: "s"}, Value: NSStream},
					{Name: xml.Name{Space: "xmlns", Local: "db"}, Value: "jabber:server:dialback"},
				}},
		},
		{
			name: "streams namespace as the default",
			in:   `<stream xmlns='http://etherx.jabber.org/streams' version='1.0'>`,
			want: &Header{Name: xml.Name{Space: NSStream, Local: "stream"}, Version: "1.0", NS: NSStream,
				Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: NSStream}, {Name: xml.Name{Local: "version"}, Value: "1.0"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := dtDecodeModes(t, []byte(tt.in), nil)
			if diff := cmp.Diff(tt.want, res.hdr); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !errors.Is(res.err, io.ErrUnexpectedEOF) {
				t.Errorf("Next: %v, want io.ErrUnexpectedEOF", res.err)
			}
		})
	}
}

func TestDecoderHeaderInvalidNamespaceReturnsHeader(t *testing.T) {
	t.Parallel()
	d := NewDecoder(strings.NewReader(`<stream:stream to='example.com' xmlns:stream='urn:wrong'>`), nil)
	h, err := d.Header()
	if !errors.Is(err, streamerror.InvalidNamespace) {
		t.Fatalf("Header: %v, want invalid-namespace", err)
	}
	if h == nil || h.To != "example.com" {
		t.Fatalf("Header returned %+v, want the header read", h)
	}
}

func TestDecoderPrefixedStreamAndStanzas(t *testing.T) {
	t.Parallel()
	in := `<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns:c='jabber:client'><c:message><c:body>x</c:body><s:foo/></c:message><s:features/><bar/></s:stream>`
	res := dtDecodeModes(t, []byte(in), nil)
	want := []Element{
		&Message{Body: "x", Extensions: []Raw{{Name: xml.Name{Space: NSStream, Local: "foo"}, XML: []byte(`<s:foo xmlns:s='http://etherx.jabber.org/streams'/>`)}}},
		&Raw{Name: xml.Name{Space: NSStream, Local: "features"}, XML: []byte(`<s:features xmlns:s='http://etherx.jabber.org/streams'/>`)},
		&Raw{Name: xml.Name{Local: "bar"}, XML: []byte(`<bar xmlns=''/>`)},
	}
	if diff := cmp.Diff(want, res.els, dtCmp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if res.err != io.EOF {
		t.Errorf("ended with %v", res.err)
	}
}

func TestDecoderBadStanza(t *testing.T) {
	t.Parallel()
	in := dtStream(`<message to='a@b@c' id='1'><body>x</body></message><presence><priority>300</priority></presence>` +
		`<iq from='' id='3' type='get'/><message id='ok'/>`)
	res := dtDecodeModes(t, []byte(in), nil)
	if res.err != io.EOF {
		t.Fatalf("ended with %v, want io.EOF: a bad stanza does not end the stream", res.err)
	}
	if len(res.els) != 4 {
		t.Fatalf("got %d elements, want 4", len(res.els))
	}
	for i, want := range []struct {
		field string
		cond  Condition
	}{{"to", JIDMalformed}, {"priority", BadRequest}, {"from", JIDMalformed}} {
		bad, ok := res.els[i].(*BadStanzaError)
		if !ok {
			t.Fatalf("element %d is %T, want *BadStanzaError", i, res.els[i])
		}
		if bad.Field != want.field || bad.Condition != want.cond {
			t.Errorf("element %d: %s %s, want %s %s", i, bad.Field, bad.Condition, want.field, want.cond)
		}
		var se *Error
		if !errors.As(bad, &se) || se.Condition != want.cond || se.Type != Modify {
			t.Errorf("element %d: errors.As gave %v", i, se)
		}
		if !errors.Is(bad, want.cond) {
			t.Errorf("element %d: errors.Is(err, %s) is false", i, want.cond)
		}
		if bad.Stanza == nil {
			t.Errorf("element %d: no stanza", i)
		}
		if !strings.HasPrefix(bad.Error(), "stanza: ") {
			t.Errorf("message %q", bad.Error())
		}
	}
	if m := res.els[0].(*BadStanzaError).Stanza.(*Message); m.ID != "1" || m.Body != "x" || !m.To.IsZero() {
		t.Errorf("stanza of the bad message: %+v", m)
	}
	if m, ok := res.els[3].(*Message); !ok || m.ID != "ok" {
		t.Errorf("last element %v, want the message", res.els[3])
	}
}

func TestDecoderReset(t *testing.T) {
	t.Parallel()
	first := dtHeader + `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`
	d := NewDecoder(strings.NewReader(first), nil)
	if _, err := d.Header(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := d.Next(); err != nil {
			t.Fatal(err)
		}
	}
	// After TLS, a new stream with another prefix and namespaces.
	second := `<?xml version='1.0'?><x:stream xmlns='jabber:server' xmlns:x='http://etherx.jabber.org/streams'><message/></x:stream>`
	d.Reset(strings.NewReader(second))
	if d.InputOffset() != 0 {
		t.Errorf("InputOffset after Reset: %d", d.InputOffset())
	}
	if _, err := d.Next(); err != ErrNoHeader {
		t.Fatalf("Next after Reset: %v, want ErrNoHeader", err)
	}
	h, err := d.Header()
	if err != nil || h.NS != NSServer {
		t.Fatalf("Header: %+v, %v", h, err)
	}
	if el, err := d.Next(); err != nil {
		t.Fatal(err)
	} else if _, ok := el.(*Message); !ok {
		t.Fatalf("got %T", el)
	}
	if _, err := d.Next(); err != io.EOF {
		t.Fatalf("got %v, want io.EOF", err)
	}
	if int(d.InputOffset()) != len(second) {
		t.Errorf("InputOffset %d, want %d", d.InputOffset(), len(second))
	}
}

func TestDecoderResultsDoNotAlias(t *testing.T) {
	t.Parallel()
	in := dtStream(`<message id='a'><body>one</body><x xmlns='urn:x'/></message><message id='b'><body>two</body><y xmlns='urn:y'/></message>`)
	d := NewDecoder(iotest.HalfReader(strings.NewReader(in)), nil)
	if _, err := d.Header(); err != nil {
		t.Fatal(err)
	}
	m1, _ := d.Next()
	m2, _ := d.Next()
	a, b := m1.(*Message), m2.(*Message)
	// Writing into a Raw must not change any string.
	for i := range a.Extensions[0].XML {
		a.Extensions[0].XML[i] = 'Z'
	}
	_ = append(a.Extensions[0].XML, "ZZZZZZZZ"...)
	if a.ID != "a" || a.Body != "one" || b.ID != "b" || b.Body != "two" || string(b.Extensions[0].XML) != `<y xmlns='urn:y'/>` {
		t.Errorf("values changed: %+v %+v", a, b)
	}
}

// dtEndless reads prefix, then repeats fill forever.
type dtEndless struct {
	prefix []byte
	fill   byte
	n      int64 // bytes read
}

func (r *dtEndless) Read(p []byte) (int, error) {
	n := copy(p, r.prefix)
	r.prefix = r.prefix[n:]
	for i := n; i < len(p); i++ {
		p[i] = r.fill
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestDecoderMemoryBounded(t *testing.T) {
	t.Parallel()
	lim := &Limits{MaxStanzaSize: 4096}
	tests := []struct {
		name   string
		prefix string
		fill   byte
	}{
		{"endless attribute value", dtHeader + "<message id='", 'x'},
		{"endless text", dtHeader + "<message><body>", 'x'},
		{"endless name", dtHeader + "<message", 'x'},
		{"endless start tag whitespace", dtHeader + "<message", ' '},
		{"endless header", "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' id='", 'x'},
		{"endless CDATA", dtHeader + "<message><![CDATA[", 'x'},
		{"endless nesting", dtHeader + "<message>", '<'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &dtEndless{prefix: []byte(tt.prefix), fill: tt.fill}
			d := NewDecoder(r, lim)
			_, err := d.Header()
			if err == nil {
				_, err = d.Next()
			}
			if !errors.Is(err, ErrLimit) && !errors.Is(err, streamerror.NotWellFormed) {
				t.Fatalf("got %v, want a limit (or the '<' error)", err)
			}
			if len(d.buf) > lim.MaxStanzaSize+decReadMin || r.n > 64<<10 {
				t.Errorf("buffer %d bytes, %d read", len(d.buf), r.n)
			}
		})
	}
	// Whitespace keepalives between elements never count against the
	// limit nor grow the buffer.
	r := &dtEndless{prefix: []byte(dtHeader), fill: ' '}
	d := NewDecoder(io.LimitReader(r, 4<<20), lim)
	if _, err := d.Header(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("after 4 MiB of whitespace: %v, want io.ErrUnexpectedEOF", err)
	}
	if len(d.buf) > decInitBuf {
		t.Errorf("buffer grew to %d bytes", len(d.buf))
	}
}

func TestDecoderDepthAndAttrsAtLimit(t *testing.T) {
	t.Parallel()
	const hdr = `<stream xmlns='http://etherx.jabber.org/streams'>`
	el := `<message xmlns='jabber:client' b='2'><x xmlns='urn:x'>` + strings.Repeat("x", 40) + `</x></message>`
	for _, size := range []int{len(el), len(el) - 1} {
		res := dtDecodeModes(t, []byte(hdr+el+`</stream>`), &Limits{MaxDepth: 2, MaxAttrs: 2, MaxStanzaSize: size})
		if size == len(el) && (res.err != io.EOF || len(res.els) != 1) {
			t.Errorf("at the limits: %v, %d elements", res.err, len(res.els))
		}
		if size < len(el) && !errors.Is(res.err, ErrStanzaTooLarge) {
			t.Errorf("one byte over: %v, want ErrStanzaTooLarge", res.err)
		}
	}
}

func TestDecoderInputOffset(t *testing.T) {
	t.Parallel()
	in := dtStream(`<message/> <presence/>`)
	res := dtDecode([]byte(in), nil, strings.NewReader(in))
	want := []int64{int64(len(dtHeader) + len(`<message/>`)), int64(len(dtHeader) + len(`<message/> <presence/>`))}
	if !slicesEqual(res.offs, want) {
		t.Errorf("offsets %v, want %v", res.offs, want)
	}
}

// TestDecoderCorpusSplits decodes the benchmark corpus whole, one byte per
// read and in random chunks, and compares with the generated values.
func TestDecoderCorpusSplits(t *testing.T) {
	t.Parallel()
	corpus, want := genCorpusElements(200, 3)
	res := dtDecodeModes(t, corpus, nil)
	if res.err != io.EOF {
		t.Fatal(res.err)
	}
	if diff := cmp.Diff(want, res.els, dtCmp); diff != "" {
		t.Errorf("(-generated +decoded):\n%s", diff)
	}
}

func TestDecoderAllocs(t *testing.T) {
	const msg = `<message from='juliet@example.com/balcony' id='ktx72v49' to='romeo@example.net' type='chat'><body>Art thou not Romeo, and a Montague?</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>`
	run := func(n int) float64 {
		in := []byte(dtStream(strings.Repeat(msg, n)))
		br := bytes.NewReader(in)
		d := NewDecoder(br, nil)
		return testing.AllocsPerRun(10, func() {
			br.Reset(in)
			d.Reset(br)
			if _, err := d.Header(); err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := d.Next(); err != nil {
					break
				}
			}
		})
	}
	// One allocation per message: the Message, its extension and its
	// bytes together. The difference removes the header's.
	if per := (run(200) - run(100)) / 100; per > 1 {
		t.Errorf("%.2f allocations per message, want 1", per)
	}
}

// TestDecoderTextUTF8 puts characters of every UTF-8 length, and byte
// sequences that are not UTF-8 or not XML Chars (XML 1.0 §2.2, RFC 6120
// §11.6), at every alignment of the scanner's eight-byte steps and of the
// AVX2 kernel's 32-byte blocks, in text
// that a typed value takes (a body), in text it skips (inside a payload)
// and in an attribute value. Valid text must come back unchanged; the
// first bad byte must be reported at its offset, in every read mode.
func TestDecoderTextUTF8(t *testing.T) {
	t.Parallel()
	pieces := []struct {
		name string
		s    string
		bad  int // offset of the first bad byte in s, or -1
	}{
		{"two-byte", "žř", -1},
		{"two-byte run", "жизнь", -1},
		{"three-byte", "ロ♥—", -1},
		{"four-byte", "🌹", -1},
		{"U+FFFD", "\uFFFD", -1},
		{"C1 control", "\u0085", -1},
		{"lead then ASCII", "a\xC3b", 1},
		{"lead at the end of the text", "ab\xC3", 2},
		{"stray continuation", "é\x80", 2},
		{"overlong C0", "\xC0\x80", 0},
		{"overlong C1", "\xC1\xBF", 0},
		{"overlong E0", "\xE0\x80\x80", 0},
		{"surrogate", "\xED\xA0\x80", 0},
		{"U+FFFE", "x\uFFFE", 1},
		{"U+FFFF", "\uFFFFx", 0},
		{"F5", "\xF5\x80\x80\x80", 0},
		{"cut three-byte", "\xE3\x81a", 0},
		{"two-byte then cut four-byte", "é\xF0\x9F\x8C", 2},
	}
	places := []struct {
		name, pre, post string
	}{
		{"body", "<message><body>", "</body></message>"},
		{"payload", "<iq type='result' id='1'><query xmlns='q'><item>", "</item></query></iq>"},
		{"attribute", "<message><body>x</body><x xmlns='y' a='", "'/></message>"},
	}
	for _, pl := range places {
		for _, pc := range pieces {
			for pad := 0; pad < 41; pad++ {
				prefix := strings.Repeat("é", pad/2) + strings.Repeat("a", pad%2)
				text := prefix + pc.s + "z"
				in := dtStream(pl.pre + text + pl.post)
				name := fmt.Sprintf("%s/%s/%d", pl.name, pc.name, pad)
				res := dtDecodeModes(t, []byte(in), nil)
				if pc.bad < 0 {
					if res.err != io.EOF || len(res.els) != 1 {
						t.Errorf("%s: %d elements, error %v; want 1 and EOF", name, len(res.els), res.err)
						continue
					}
					if m, ok := res.els[0].(*Message); ok && pl.name == "body" && m.Body != text {
						t.Errorf("%s: body %q, want %q", name, m.Body, text)
					}
					continue
				}
				var de *DecodeError
				if !errors.As(res.err, &de) || de.Condition != streamerror.NotWellFormed {
					t.Errorf("%s: error %v, want not-well-formed", name, res.err)
					continue
				}
				want := int64(len(dtHeader) + len(pl.pre) + len(prefix) + pc.bad)
				if de.Offset != want {
					t.Errorf("%s: offset %d, want %d (%v)", name, de.Offset, want, res.err)
				}
			}
		}
	}
}

// TestDecParsePriority checks the <priority/> parser against RFC 6121
// §4.7.2.3: an xs:byte, -128 to 127, an optional sign, and the whitespace
// XML Schema collapses around it.
func TestDecParsePriority(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int8
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"+5", 5, true},
		{"-1", -1, true},
		{"127", 127, true},
		{"-128", -128, true},
		{"007", 7, true},
		{" \t\r\n-128\n\r\t ", -128, true},
		{"\n5", 5, true},
		{"5\n", 5, true},
		{"128", 0, false},
		{"-129", 0, false},
		{"99999999999999999999", 0, false},
		{"", 0, false},
		{" \t\r\n", 0, false},
		{"+", 0, false},
		{"-", 0, false},
		{"+-1", 0, false},
		{"1 2", 0, false},
		{"1.0", 0, false},
		{"0x10", 0, false},
		{"\u00a05", 0, false}, // no-break space is not XML whitespace
		{"\v5", 0, false},
		{"٣", 0, false}, // digits are ASCII
	}
	for _, tc := range tests {
		got, ok := decParsePriority([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("decParsePriority(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
