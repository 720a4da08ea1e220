package stanza

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseRaw returns a Raw holding a copy of b, which must be exactly one
// XML element (surrounding whitespace is dropped) that is:
//   - well-formed, in UTF-8, with only XML characters (else
//     ErrInvalidChar) and only the predefined entities;
//   - free of comments, processing instructions and DTDs, which
//     RFC 6120 §11.1 forbids in a stream;
//   - namespace-complete: every prefix it uses is declared inside it, and
//     every unprefixed element name has a default namespace declared in
//     it (xmlns="" included), so its meaning does not depend on where it
//     is written.
//
// Other failures wrap ErrInvalidRaw. ParseRaw uses encoding/xml; it is
// meant for building payloads, not for a hot path.
func ParseRaw(b []byte) (*Raw, error) {
	b = decTrimSpace(b)
	name, err := checkRaw(b)
	if err != nil {
		return nil, err
	}
	return &Raw{Name: name, XML: bytes.Clone(b)}, nil
}

// NewRaw marshals v with encoding/xml and returns the result as a Raw,
// checked as ParseRaw does. v's XMLName (or the struct tag of its type)
// must give the element a namespace, e.g.
//
//	type Ping struct{ XMLName xml.Name `xml:"urn:xmpp:ping ping"` }
func NewRaw(v any) (*Raw, error) {
	b, err := xml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("stanza: marshal raw element: %w", err)
	}
	name, err := checkRaw(b)
	if err != nil {
		return nil, err
	}
	return &Raw{Name: name, XML: b}, nil
}

// nsBinding is a namespace declaration in scope while checking or writing
// an element: prefix ("" for the default namespace) bound to uri by an
// element at depth.
type nsBinding struct {
	prefix, uri string
	depth       int
}

// lookupNS returns the namespace bound to prefix by the innermost binding.
func lookupNS(bs []nsBinding, prefix string) (string, bool) {
	for i := len(bs) - 1; i >= 0; i-- {
		if bs[i].prefix == prefix {
			return bs[i].uri, true
		}
	}
	return "", false
}

// rawErr returns an error wrapping ErrInvalidRaw with detail.
func rawErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidRaw}, a...)...)
}

// checkRaw checks b as ParseRaw describes and returns the expanded name
// of its element.
func checkRaw(b []byte) (xml.Name, error) {
	if len(b) == 0 {
		return xml.Name{}, rawErr("empty")
	}
	if i := validChars(b); i >= 0 {
		return xml.Name{}, fmt.Errorf("%w: raw element, byte %d", ErrInvalidChar, i)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	var (
		root  xml.Name
		names []xml.Name // open elements, as written (Space is the prefix)
		binds []nsBinding
		done  bool
	)
	var off int64 // offset of the current token
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return xml.Name{}, rawErr("%s", err.Error())
		}
		seg := b[off:d.InputOffset()]
		off = d.InputOffset()
		switch t := tok.(type) {
		case xml.StartElement:
			if done {
				return xml.Name{}, rawErr("more than one element")
			}
			if i := illegalCharRef(seg); i >= 0 {
				return xml.Name{}, fmt.Errorf("%w: character reference at byte %d", ErrInvalidChar, off-int64(len(seg))+int64(i))
			}
			// encoding/xml is laxer than XML 1.0 here.
			if !attrsSpaced(seg) {
				return xml.Name{}, rawErr("no whitespace between attributes")
			}
			if !isQName(t.Name) {
				return xml.Name{}, rawErr("malformed qualified name %s", qname(t.Name))
			}
			depth := len(names) + 1
			seen := make(map[xml.Name]bool, len(t.Attr))
			for _, a := range t.Attr {
				if seen[a.Name] {
					return xml.Name{}, rawErr("attribute %s repeated", qname(a.Name))
				}
				seen[a.Name] = true
				if !isQName(a.Name) {
					return xml.Name{}, rawErr("malformed qualified name %s", qname(a.Name))
				}
				// Namespaces in XML §2.2: a namespace name is a URI
				// reference, which never holds whitespace. Refusing it
				// also spares us encoding/xml's missing attribute-value
				// normalization (XML 1.0 §3.3.3), under which the
				// Decoder would read another name than encoding/xml.
				if (a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns") && strings.ContainsAny(a.Value, " \t\r\n") {
					return xml.Name{}, rawErr("namespace name %q is not a URI reference", a.Value)
				}
				switch {
				case a.Name.Space == "xmlns":
					if a.Name.Local == "xml" || a.Name.Local == "xmlns" || a.Value == "" || reservedNS(a.Value) {
						return xml.Name{}, rawErr("invalid declaration of prefix %q", a.Name.Local)
					}
					binds = append(binds, nsBinding{a.Name.Local, a.Value, depth})
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					if reservedNS(a.Value) {
						return xml.Name{}, rawErr("reserved namespace %q as default", a.Value)
					}
					binds = append(binds, nsBinding{"", a.Value, depth})
				}
			}
			if t.Name.Space == "xml" || t.Name.Space == "xmlns" {
				return xml.Name{}, rawErr("element with reserved prefix %s", qname(t.Name))
			}
			uri, ok := lookupNS(binds, t.Name.Space)
			if !ok {
				if t.Name.Space == "" {
					return xml.Name{}, rawErr("element <%s> has no namespace declared in the element", t.Name.Local)
				}
				return xml.Name{}, rawErr("prefix %q of <%s> is not declared in the element", t.Name.Space, qname(t.Name))
			}
			expanded := make(map[xml.Name]bool, len(t.Attr))
			for _, a := range t.Attr {
				switch a.Name.Space {
				case "", "xml", "xmlns":
				default:
					uri, ok := lookupNS(binds, a.Name.Space)
					if !ok {
						return xml.Name{}, rawErr("prefix %q of attribute %s is not declared in the element", a.Name.Space, qname(a.Name))
					}
					// Namespaces in XML §6.3: no two attributes with the
					// same expanded name.
					n := xml.Name{Space: uri, Local: a.Name.Local}
					if expanded[n] {
						return xml.Name{}, rawErr("attribute {%s}%s repeated", uri, a.Name.Local)
					}
					expanded[n] = true
				}
				if i := validChars([]byte(a.Value)); i >= 0 {
					return xml.Name{}, fmt.Errorf("%w: attribute %s, byte %d", ErrInvalidChar, qname(a.Name), i)
				}
			}
			if depth == 1 {
				root = xml.Name{Space: uri, Local: t.Name.Local}
			}
			names = append(names, t.Name)
		case xml.EndElement:
			n := len(names)
			if n == 0 || names[n-1] != t.Name {
				return xml.Name{}, rawErr("unexpected end tag </%s>", qname(t.Name))
			}
			names = names[:n-1]
			for len(binds) > 0 && binds[len(binds)-1].depth == n {
				binds = binds[:len(binds)-1]
			}
			done = n == 1
		case xml.CharData:
			if len(names) == 0 {
				return xml.Name{}, rawErr("text outside the element")
			}
			if !bytes.HasPrefix(seg, []byte("<![CDATA[")) {
				if bytes.Contains(seg, []byte("]]>")) {
					return xml.Name{}, rawErr("]]> in text (XML 1.0 §2.4)")
				}
				if i := illegalCharRef(seg); i >= 0 {
					return xml.Name{}, fmt.Errorf("%w: character reference at byte %d", ErrInvalidChar, off-int64(len(seg))+int64(i))
				}
			}
			if i := validChars(t); i >= 0 {
				return xml.Name{}, fmt.Errorf("%w: raw element text, byte %d", ErrInvalidChar, i)
			}
		case xml.Comment:
			return xml.Name{}, rawErr("comment (RFC 6120 §11.1)")
		case xml.ProcInst:
			return xml.Name{}, rawErr("processing instruction (RFC 6120 §11.1)")
		case xml.Directive:
			return xml.Name{}, rawErr("DTD or other directive (RFC 6120 §11.1)")
		}
	}
	if !done || len(names) != 0 {
		return xml.Name{}, rawErr("element not closed")
	}
	return root, nil
}

// illegalCharRef returns the offset in seg, a start tag or character data
// outside CDATA sections, of the first character reference that names no
// XML Char (XML 1.0 §4.1, WFC: Legal Character), or -1. encoding/xml
// reads a reference to a surrogate or beyond U+10FFFF as U+FFFD instead
// of refusing it; its syntax it has checked.
func illegalCharRef(seg []byte) int {
	for i := 0; ; {
		j := bytes.Index(seg[i:], []byte("&#"))
		if j < 0 {
			return -1
		}
		i += j
		k := bytes.IndexByte(seg[i:], ';')
		if k < 0 {
			return -1
		}
		ref, base := seg[i+2:i+k], 10
		if len(ref) > 0 && ref[0] == 'x' {
			ref, base = ref[1:], 16
		}
		v, err := strconv.ParseUint(string(ref), base, 32)
		if err != nil || !scanIsChar(uint32(v)) {
			return i
		}
		i += k + 1
	}
}

// reservedNS reports whether uri is one of the namespaces no prefix but
// xml (and xmlns) may be bound to (Namespaces in XML §3).
// isQName reports whether n, as encoding/xml's RawToken split it, is a
// QName (Namespaces in XML §4): a local part and an optional prefix that
// are both NCNames. encoding/xml checks only XML's Name production for
// the whole, in which the part after the colon may start with a digit,
// '-', '.' or a combining mark, and may itself contain a colon.
func isQName(n xml.Name) bool {
	return ncNameStart(n.Local) && !strings.Contains(n.Local, ":") &&
		(n.Space == "" || ncNameStart(n.Space))
}

// ncNameStart reports whether s is non-empty and its first character may
// start a name (XML 1.0 §2.3 NameStartChar); encoding/xml checked the rest.
func ncNameStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	switch {
	case s == "":
		return false
	case r >= '0' && r <= '9', r == '-', r == '.', r == 0xB7,
		r >= 0x300 && r <= 0x36F, r == 0x203F, r == 0x2040:
		return false
	}
	return true
}

func reservedNS(uri string) bool {
	return uri == NSXML || uri == "http://www.w3.org/2000/xmlns/"
}

// attrsSpaced reports whether, in the start tag tag, every attribute
// value's closing quote is followed by whitespace, '/' or '>' (XML 1.0
// §3.1 requires whitespace between attributes).
func attrsSpaced(tag []byte) bool {
	var quote byte
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
				if i+1 < len(tag) {
					switch tag[i+1] {
					case ' ', '\t', '\r', '\n', '/', '>':
					default:
						return false
					}
				}
			}
		case c == '\'' || c == '"':
			quote = c
		}
	}
	return true
}

// qname returns n as written, prefix:local (Space holds the prefix).
func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// bytes returns r's XML, synthesising the empty element for a Raw given
// by its Name alone.
func (r *Raw) bytes() ([]byte, error) {
	if len(r.XML) > 0 {
		return r.XML, nil
	}
	return r.AppendXML(nil)
}

// Decode unmarshals r's element into v with encoding/xml (xml.Unmarshal).
func (r *Raw) Decode(v any) error {
	b, err := r.bytes()
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("stanza: decode raw element: %w", err)
	}
	return nil
}

// Attrs returns the attributes of r's start tag as encoding/xml reads
// them: namespace-qualified names resolved to URIs (xml:lang as
// {NSXML, lang}), namespace declarations included (xmlns as
// {"", xmlns}, xmlns:p as {xmlns, p}). It parses the start tag on each
// call, and returns nil when it cannot.
func (r *Raw) Attrs() []xml.Attr {
	b, err := r.bytes()
	if err != nil {
		return nil
	}
	tok, err := xml.NewDecoder(bytes.NewReader(b)).Token()
	if se, ok := tok.(xml.StartElement); ok && err == nil {
		return se.Attr
	}
	return nil
}

// Attr returns the value of the unqualified attribute named local on r's
// element (such as 'id' or 'node'), or "" when there is none.
func (r *Raw) Attr(local string) string {
	if len(r.XML) == 0 || local == "xmlns" {
		return ""
	}
	tok, err := xml.NewDecoder(bytes.NewReader(r.XML)).RawToken()
	if se, ok := tok.(xml.StartElement); ok && err == nil {
		for _, a := range se.Attr {
			if a.Name.Space == "" && a.Name.Local == local {
				return a.Value
			}
		}
	}
	return ""
}

// MarshalXML implements xml.Marshaler: it writes r's element, with the
// prefixes it has, through e. The name in start is not used.
func (r Raw) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	b, err := r.bytes()
	if err != nil {
		return err
	}
	return encodeTokens(e, b, "")
}

// UnmarshalXML implements xml.Unmarshaler: it keeps the element as r,
// re-serialised namespace-complete (its namespace and those of its
// descendants declared in it), with the name encoding/xml resolved.
func (r *Raw) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	b, err := serializeElement(d, start, unsetNS, "")
	if err != nil {
		return err
	}
	*r = Raw{Name: start.Name, XML: b}
	return nil
}

// encodeTokens writes the XML element b through e, token by token, keeping
// its prefixes: encoding/xml writes a Name's Local verbatim, so each
// prefixed name is passed as "prefix:local" with no Space. When ns is not
// empty and the element declares no default namespace, xmlns=ns is added
// to its start tag.
func encodeTokens(e *xml.Encoder, b []byte, ns string) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	first := true
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("stanza: re-read element: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			out := xml.StartElement{Name: xml.Name{Local: qname(t.Name)}}
			out.Attr = make([]xml.Attr, 0, len(t.Attr)+1)
			hasNS := false
			for _, a := range t.Attr {
				hasNS = hasNS || (a.Name.Space == "" && a.Name.Local == "xmlns")
				out.Attr = append(out.Attr, xml.Attr{Name: xml.Name{Local: qname(a.Name)}, Value: a.Value})
			}
			if first && ns != "" && !hasNS {
				out.Attr = append(out.Attr, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: ns})
			}
			first = false
			tok = out
		case xml.EndElement:
			tok = xml.EndElement{Name: xml.Name{Local: qname(t.Name)}}
		case xml.CharData:
		default:
			continue
		}
		if err := e.EncodeToken(tok); err != nil {
			return err
		}
	}
}

// unsetNS stands for "no default namespace in scope yet": an element
// written under it always declares its namespace, xmlns="" included.
const unsetNS = "\x00"

// tokenWriter re-serialises encoding/xml's resolved tokens as
// namespace-complete XML in the Encoder's style: element namespaces as
// default-namespace declarations where they change, attribute namespaces
// as generated prefixes ns1, ns2… declared where first used.
type tokenWriter struct {
	w        xmlWriter
	defaults []string    // default namespace in scope, per open element
	binds    []nsBinding // attribute prefixes in scope, keyed by URI: prefix holds the URI, uri the prefix
	n        int         // prefixes generated so far
	// empty, when set, is the namespace meant by an element in no
	// namespace: for a document written without any, read in a stream
	// whose content namespace is empty.
	empty string
}

func (tw *tokenWriter) start(t xml.StartElement) {
	space := t.Name.Space
	if space == "" && tw.empty != "" {
		space = tw.empty
	}
	cur := tw.defaults[len(tw.defaults)-1]
	w := &tw.w
	w.raw("<")
	w.raw(t.Name.Local)
	if space != cur {
		w.raw(" xmlns='")
		w.escape(space, &attrClass, "xmlns")
		w.raw("'")
	}
	tw.defaults = append(tw.defaults, space)
	depth := len(tw.defaults)
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "xmlns", a.Name.Space == "" && a.Name.Local == "xmlns":
			// Declarations are regenerated.
		case a.Name.Space == "":
			w.attrNoSkip(a.Name.Local, a.Value)
		case a.Name.Space == NSXML || a.Name.Space == "xml":
			w.attrNoSkip("xml:"+a.Name.Local, a.Value)
		default:
			p, ok := lookupNS(tw.binds, a.Name.Space)
			if !ok {
				tw.n++
				p = "ns" + strconv.Itoa(tw.n)
				tw.binds = append(tw.binds, nsBinding{a.Name.Space, p, depth})
				w.raw(" xmlns:" + p + "='")
				w.escape(a.Name.Space, &attrClass, "xmlns:"+p)
				w.raw("'")
			}
			w.attrNoSkip(p+":"+a.Name.Local, a.Value)
		}
	}
	w.raw(">")
}

func (tw *tokenWriter) end(t xml.EndElement) {
	depth := len(tw.defaults)
	for len(tw.binds) > 0 && tw.binds[len(tw.binds)-1].depth == depth {
		tw.binds = tw.binds[:len(tw.binds)-1]
	}
	tw.defaults = tw.defaults[:depth-1]
	tw.w.raw("</")
	tw.w.raw(t.Name.Local)
	tw.w.raw(">")
}

// attrNoSkip appends ` name='value'`, even when value is empty.
func (w *xmlWriter) attrNoSkip(name, value string) {
	if w.err != nil {
		return
	}
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '\'')
	w.escape(value, &attrClass, name)
	w.b = append(w.b, '\'')
}

// serializeElement reads the rest of the element opened by start from d
// and returns it as namespace-complete XML written by a tokenWriter whose
// default namespace in scope is outer; empty is as in tokenWriter.
func serializeElement(d *xml.Decoder, start xml.StartElement, outer, empty string) ([]byte, error) {
	tw := tokenWriter{defaults: []string{outer}, empty: empty}
	tw.start(start)
	for depth := 1; depth > 0 && tw.w.err == nil; {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("stanza: read element: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			tw.start(t)
		case xml.EndElement:
			depth--
			tw.end(t)
		case xml.CharData:
			tw.w.text(string(t), "text")
		}
	}
	if tw.w.err != nil {
		return nil, tw.w.err
	}
	return tw.w.b, nil
}
