package streamerror

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	xmlURL   = "http://www.w3.org/XML/1998/namespace" // bound to the xml prefix
	xmlnsURL = "http://www.w3.org/2000/xmlns/"        // bound to the xmlns prefix
)

// Parse parses b, one complete stream error element, RFC 6120 §4.9.2.
//
// b must be well-formed and namespace-complete: the element is
// {http://etherx.jabber.org/streams}error, so whatever prefix it uses (or
// the default namespace) must be declared in b itself, as in
// <stream:error xmlns:stream='http://etherx.jabber.org/streams'>; a
// decoder that cuts the element out of a stream injects the declarations
// it inherits from the stream header. Parse does not guess that an
// undeclared stream: prefix means the streams namespace. Whitespace may
// surround the element; nothing else may.
//
// Every valid form is accepted: any attribute order and quoting, any
// prefix, the children in any order, several <text/> elements (see
// Error.Texts), an application-specific element in any namespace other
// than NS, RFC 3920's xml-not-well-formed (read as NotWellFormed) and
// conditions unknown to this package (read as UndefinedCondition with
// Error.Unknown set). The content of a condition element other than
// see-other-host is ignored.
//
// Parse refuses, with an error wrapping ErrMalformed: malformed or
// truncated XML; comments, processing instructions, DTDs and entity
// references other than the five predefined (RFC 6120 §11.1); unbound
// prefixes and misused xmlns/xml prefixes; duplicate attributes; another
// element; non-whitespace character data directly inside the element or
// a child element inside <text/> or <see-other-host/>; a child element in
// no namespace; two condition elements or two application-specific
// elements, because RFC 6120 §4.9.2 allows one of each and guessing which
// one was meant would be wrong; and a see-other-host without an address.
// A well-formed element without a condition gives an error wrapping
// ErrNoCondition.
//
// The result does not alias b: App is a copy, completed with the
// namespace declarations it inherited from the <stream:error/> element.
// Every *Error Parse returns can be written by AppendXML, and parsing that
// output again gives the same value except for Unknown and Texts, which
// are never written.
func Parse(b []byte) (*Error, error) {
	s := &rawSource{
		d:  xml.NewDecoder(bytes.NewReader(b)),
		b:  b,
		ns: make(map[string][]binding),
	}
	var start xml.StartElement
	for {
		tok, err := s.token()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: no element: %w", ErrMalformed, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return nil, err
		}
		if cd, ok := tok.(xml.CharData); ok {
			if !allSpace(cd) {
				return nil, s.errorf("character data before the element")
			}
			continue
		}
		// token returns no EndElement outside an element, so this is
		// the root's start tag.
		start = tok.(xml.StartElement)
		break
	}
	if start.Name != (xml.Name{Space: StreamsNS, Local: "error"}) {
		return nil, s.errorf("element {%s}%s is not {%s}error", start.Name.Space, start.Name.Local, StreamsNS)
	}
	e, err := decode(s, start)
	if err != nil {
		return nil, err
	}
	for {
		tok, err := s.token()
		if err == io.EOF {
			return e, nil
		}
		if err != nil {
			return nil, err
		}
		if cd, ok := tok.(xml.CharData); !ok || !allSpace(cd) {
			return nil, s.errorf("content after the element")
		}
	}
}

// UnmarshalXML implements xml.Unmarshaler for users of encoding/xml:
// start must be {http://etherx.jabber.org/streams}error, and the element's
// content is read as Parse reads it. Namespaces are resolved by the
// xml.Decoder, so declarations on enclosing elements (the stream header)
// apply, and App is rebuilt from the decoder's tokens as equivalent
// namespace-complete XML rather than copied byte for byte. encoding/xml
// does not report unbound prefixes; Parse does. Errors wrap ErrMalformed
// or ErrNoCondition, or wrap the underlying reader's errors.
func (e *Error) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	s := &tokSource{d: d}
	if start.Name != (xml.Name{Space: StreamsNS, Local: "error"}) {
		return s.errorf("element {%s}%s is not {%s}error", start.Name.Space, start.Name.Local, StreamsNS)
	}
	v, err := decode(s, start)
	if err != nil {
		return err
	}
	*e = *v
	return nil
}

// source is a stream of tokens inside a stream error element, with names
// resolved to namespace URIs. Its errors wrap ErrMalformed (or are I/O
// errors).
type source interface {
	// token returns the next token. StartElement names and attribute
	// names are resolved (xml:lang as {xmlURL}lang); namespace
	// declarations stay as attributes in the xmlns space.
	token() (xml.Token, error)
	// app consumes the rest of the element whose start tag token just
	// returned, and returns it as namespace-complete XML.
	app(start xml.StartElement) ([]byte, error)
	// errorf returns an error wrapping ErrMalformed at the current
	// position.
	errorf(format string, args ...any) error
}

type langText struct{ lang, text string }

// decode reads the content of a stream error element whose start tag was
// start, up to and including its end tag (RFC 6120 §4.9.2).
func decode(s source, start xml.StartElement) (*Error, error) {
	rootLang, _ := attr(start.Attr, xmlURL, "lang")
	e := new(Error)
	var texts []langText
	var cond string // local name of the condition element, once seen
	for {
		tok, err := s.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if !allSpace(t) {
				return nil, s.errorf("character data in <error/>")
			}
			continue
		case xml.StartElement:
			switch {
			case t.Name.Space == NS && t.Name.Local == "text":
				text, err := readText(s, "text")
				if err != nil {
					return nil, err
				}
				lang, ok := attr(t.Attr, xmlURL, "lang")
				if !ok {
					lang = rootLang
				}
				texts = append(texts, langText{lang, text})
			case t.Name.Space == NS:
				if cond != "" {
					return nil, s.errorf("two conditions, %s and %s (RFC 6120 §4.9.2 allows one)", cond, t.Name.Local)
				}
				cond = t.Name.Local
				if err := readCondition(s, e, t.Name.Local); err != nil {
					return nil, err
				}
			case t.Name.Space == "":
				return nil, s.errorf("child element <%s/> in no namespace", t.Name.Local)
			default:
				if e.App != nil {
					return nil, s.errorf("two application-specific elements (RFC 6120 §4.9.2 allows one)")
				}
				if e.App, err = s.app(t); err != nil {
					return nil, err
				}
			}
			continue
		}
		// An EndElement: token matches tags, so it is the root's.
		break
	}
	if cond == "" {
		return nil, fmt.Errorf("%w: no child element in %s", ErrNoCondition, NS)
	}
	if len(texts) > 0 {
		e.Text, e.Lang = texts[0].text, texts[0].lang
	}
	if len(texts) > 1 {
		e.Texts = make(map[string]string, len(texts))
		for _, t := range texts {
			if _, ok := e.Texts[t.lang]; !ok {
				e.Texts[t.lang] = t.text
			}
		}
	}
	return e, nil
}

// readCondition reads the rest of the condition element named local into
// e (RFC 6120 §4.9.3).
func readCondition(s source, e *Error, local string) error {
	switch c := Condition(local); {
	case c == SeeOtherHost:
		host, err := readText(s, local)
		if err != nil {
			return err
		}
		host = strings.Trim(host, " \t\r\n")
		if host == "" {
			return s.errorf("see-other-host without an address (RFC 6120 §4.9.3.19)")
		}
		e.Condition, e.Host = c, host
		return nil
	case local == xmlNotWellFormed:
		e.Condition = NotWellFormed
	case c.defined():
		e.Condition = c
	default:
		e.Condition, e.Unknown = UndefinedCondition, local
	}
	return skip(s)
}

// readText returns the character data of the element whose start tag was
// just read, up to its end tag; a child element is an error.
func readText(s source, name string) (string, error) {
	var buf []byte
	for {
		tok, err := s.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			buf = append(buf, t...)
		case xml.StartElement:
			return "", s.errorf("child element <%s/> in <%s/>", t.Name.Local, name)
		case xml.EndElement:
			return string(buf), nil
		}
	}
}

// skip consumes the rest of the element whose start tag was just read.
func skip(s source) error {
	for depth := 1; depth > 0; {
		tok, err := s.token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// attr returns the value of the attribute {space}local.
func attr(attrs []xml.Attr, space, local string) (string, bool) {
	for _, a := range attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// allSpace reports whether b is only XML whitespace (XML 1.0 §2.3).
func allSpace(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// restricted reports the tokens RFC 6120 §11.1 forbids in a stream.
func restricted(tok xml.Token) string {
	switch tok.(type) {
	case xml.Comment:
		return "comment"
	case xml.ProcInst:
		return "processing instruction"
	case xml.Directive:
		return "DTD or other directive"
	}
	return ""
}

// malformed wraps a decoder error: a syntax error or a truncation is
// ErrMalformed, another error (from an io.Reader) passes through.
func malformed(err error, off int64) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	var se *xml.SyntaxError
	if err == io.ErrUnexpectedEOF || errors.As(err, &se) {
		return fmt.Errorf("%w at offset %d: %w", ErrMalformed, off, err)
	}
	return fmt.Errorf("streamerror: read: %w", err)
}

// binding is one namespace declaration in scope: the URI bound to a prefix
// by the element at depth (1 for the root).
type binding struct {
	uri   string
	depth int
}

// use records that a start tag's name or attribute resolved prefix (""
// for the default namespace) through a binding declared at depth (0 for
// the implicit empty default namespace).
type use struct {
	prefix, uri string
	depth       int
}

type frame struct {
	name     xml.Name // as written: Space is the prefix
	declared []string // prefixes declared on the element
}

type attrKey struct {
	decl bool
	name xml.Name
}

// rawSource reads the bytes of Parse with xml.Decoder.RawToken, resolving
// namespaces itself so that unbound prefixes are caught and App can be
// cut out of the input verbatim.
type rawSource struct {
	d     *xml.Decoder
	b     []byte
	prev  int64 // input offset where the last token began
	stack []frame
	ns    map[string][]binding // by prefix, innermost last
	uses  []use                // resolutions made by the last start tag
	seen  map[attrKey]struct{}
}

func (s *rawSource) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", ErrMalformed, s.prev, fmt.Sprintf(format, args...))
}

// token returns the next token; io.EOF only outside any element.
func (s *rawSource) token() (xml.Token, error) {
	s.prev = s.d.InputOffset()
	tok, err := s.d.RawToken()
	if err != nil {
		if err == io.EOF && len(s.stack) == 0 {
			return nil, io.EOF
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		// The bytes are in memory: whatever the decoder refuses (a
		// syntax error, an XML declaration it does not support…) is
		// malformed input, never an I/O failure.
		return nil, fmt.Errorf("%w at offset %d: %w", ErrMalformed, s.d.InputOffset(), err)
	}
	switch t := tok.(type) {
	case xml.StartElement:
		return s.start(t)
	case xml.EndElement:
		return s.end(t)
	case xml.CharData:
		return t, nil
	}
	return nil, s.errorf("%s (restricted XML, RFC 6120 §11.1)", restricted(tok))
}

func (s *rawSource) start(t xml.StartElement) (xml.Token, error) {
	depth := len(s.stack) + 1
	check := len(t.Attr) > 1 // for duplicates
	if check {
		if s.seen == nil {
			s.seen = make(map[attrKey]struct{})
		}
		clear(s.seen)
	}
	f := frame{name: t.Name}
	s.stack = append(s.stack, f)
	top := &s.stack[len(s.stack)-1]
	for _, a := range t.Attr {
		if strings.Contains(a.Name.Local, ":") {
			return nil, s.errorf("attribute name %q is not namespace-well-formed", a.Name.Local)
		}
		p, decl := declared(a.Name)
		if !decl {
			continue
		}
		if p != "" && !ncNameStart(p) {
			return nil, s.errorf("prefix %q is not an NCName", p)
		}
		if check {
			k := attrKey{decl: true, name: xml.Name{Local: p}}
			if _, dup := s.seen[k]; dup {
				return nil, s.errorf("duplicate declaration of prefix %q", p)
			}
			s.seen[k] = struct{}{}
		}
		switch {
		case p == "xmlns":
			return nil, s.errorf("the xmlns prefix cannot be declared")
		case p == "xml":
			if a.Value != xmlURL {
				return nil, s.errorf("the xml prefix cannot be bound to %q", a.Value)
			}
			continue // always bound
		case a.Value == xmlURL || a.Value == xmlnsURL:
			return nil, s.errorf("namespace %q cannot be bound to prefix %q", a.Value, p)
		case p != "" && a.Value == "":
			return nil, s.errorf("prefix %q bound to the empty namespace name", p)
		}
		s.ns[p] = append(s.ns[p], binding{a.Value, depth})
		top.declared = append(top.declared, p)
	}
	s.uses = s.uses[:0]
	name, err := s.resolve(t.Name, true)
	if err != nil {
		return nil, err
	}
	out := xml.StartElement{Name: name, Attr: make([]xml.Attr, 0, len(t.Attr))}
	for _, a := range t.Attr {
		if _, decl := declared(a.Name); decl {
			out.Attr = append(out.Attr, a)
			continue
		}
		n, err := s.resolve(a.Name, false)
		if err != nil {
			return nil, err
		}
		if check {
			k := attrKey{name: n}
			if _, dup := s.seen[k]; dup {
				return nil, s.errorf("duplicate attribute {%s}%s", n.Space, n.Local)
			}
			s.seen[k] = struct{}{}
		}
		out.Attr = append(out.Attr, xml.Attr{Name: n, Value: a.Value})
	}
	return out, nil
}

// ncNameStart reports whether s is non-empty and starts with a character
// that may start an NCName (Namespaces in XML 1.0 §4, XML 1.0 §2.3
// NameStartChar). encoding/xml's RawToken checks XML's Name production
// for the whole of "prefix:local", under which either part may start
// with a digit, '-', '.' or a combining mark.
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

// declared reports whether n names a namespace declaration, and the
// prefix it declares ("" for the default namespace).
func declared(n xml.Name) (string, bool) {
	switch {
	case n.Space == "xmlns":
		return n.Local, true
	case n.Space == "" && n.Local == "xmlns":
		return "", true
	}
	return "", false
}

// resolve maps the prefix of a name as written to its namespace URI
// (Namespaces in XML 1.0 §6), recording the use.
func (s *rawSource) resolve(n xml.Name, elem bool) (xml.Name, error) {
	if strings.Contains(n.Local, ":") || !ncNameStart(n.Local) || n.Space != "" && !ncNameStart(n.Space) {
		return n, s.errorf("name %q is not namespace-well-formed", qname(n))
	}
	p := n.Space
	switch {
	case p == "xml" && !elem:
		return xml.Name{Space: xmlURL, Local: n.Local}, nil
	case p == "xml" || p == "xmlns":
		return n, s.errorf("element <%s:%s> uses a reserved prefix", p, n.Local)
	case p == "" && !elem:
		return n, nil // unprefixed attributes are in no namespace
	}
	bs := s.ns[p]
	if len(bs) == 0 {
		if p != "" {
			return n, s.errorf("unbound prefix %q", p)
		}
		s.uses = append(s.uses, use{"", "", 0})
		return n, nil
	}
	b := bs[len(bs)-1]
	s.uses = append(s.uses, use{p, b.uri, b.depth})
	return xml.Name{Space: b.uri, Local: n.Local}, nil
}

func (s *rawSource) end(t xml.EndElement) (xml.Token, error) {
	if len(s.stack) == 0 {
		return nil, s.errorf("end tag </%s> without start tag", qname(t.Name))
	}
	f := s.stack[len(s.stack)-1]
	if f.name != t.Name {
		return nil, s.errorf("end tag </%s> does not match <%s>", qname(t.Name), qname(f.name))
	}
	for _, p := range f.declared {
		s.ns[p] = s.ns[p][:len(s.ns[p])-1]
	}
	s.stack = s.stack[:len(s.stack)-1]
	return t, nil
}

// app cuts the element just started out of the input and completes it
// with declarations, on its start tag, for the prefixes it uses that are
// declared outside it (RFC 6120 §4.9.4 application-specific condition).
func (s *rawSource) app(start xml.StartElement) ([]byte, error) {
	begin := s.prev
	depth := len(s.stack)
	q := qname(s.stack[depth-1].name)
	var inject []use // in order of first use
	injected := make(map[string]bool)
	add := func() {
		for _, u := range s.uses {
			if u.depth < depth && !injected[u.prefix] {
				injected[u.prefix] = true
				inject = append(inject, u)
			}
		}
	}
	add()
	for len(s.stack) >= depth {
		tok, err := s.token()
		if err != nil {
			return nil, err
		}
		if _, ok := tok.(xml.StartElement); ok {
			add()
		}
	}
	raw := s.b[begin:s.d.InputOffset()]
	n := 1 + len(q) // "<" and the name
	out := make([]byte, 0, len(raw)+len(inject)*32)
	out = append(out, raw[:n]...)
	for _, u := range inject {
		out = append(out, " xmlns"...)
		if u.prefix != "" {
			out = append(out, ':')
			out = append(out, u.prefix...)
		}
		out = append(out, "='"...)
		out, _ = appendEscaped(out, u.uri, true)
		out = append(out, '\'')
	}
	return append(out, raw[n:]...), nil
}

// qname returns a name as written, prefix:local.
func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// tokSource reads through an xml.Decoder's Token method, for UnmarshalXML.
type tokSource struct {
	d    *xml.Decoder
	seen map[xml.Name]struct{}
}

func (s *tokSource) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", ErrMalformed, s.d.InputOffset(), fmt.Sprintf(format, args...))
}

func (s *tokSource) token() (xml.Token, error) {
	tok, err := s.d.Token()
	if err != nil {
		return nil, malformed(err, s.d.InputOffset())
	}
	switch t := tok.(type) {
	case xml.StartElement:
		if strings.Contains(t.Name.Local, ":") {
			return nil, s.errorf("name %q is not namespace-well-formed", t.Name.Local)
		}
		if t.Name.Space == xmlURL {
			return nil, s.errorf("element <xml:%s> uses a reserved prefix", t.Name.Local)
		}
		check := len(t.Attr) > 1 // for duplicates
		if check {
			if s.seen == nil {
				s.seen = make(map[xml.Name]struct{})
			}
			clear(s.seen)
		}
		for _, a := range t.Attr {
			if strings.Contains(a.Name.Local, ":") {
				return nil, s.errorf("attribute name %q is not namespace-well-formed", a.Name.Local)
			}
			if check {
				if _, dup := s.seen[a.Name]; dup {
					return nil, s.errorf("duplicate attribute {%s}%s", a.Name.Space, a.Name.Local)
				}
				s.seen[a.Name] = struct{}{}
			}
		}
		return t, nil
	case xml.EndElement, xml.CharData:
		return tok, nil
	}
	return nil, s.errorf("%s (restricted XML, RFC 6120 §11.1)", restricted(tok))
}

// app rebuilds the element just started from its tokens: every element
// declares its namespace where it differs from its parent's, namespaced
// attributes get generated prefixes, and empty elements are self-closed.
func (s *tokSource) app(start xml.StartElement) ([]byte, error) {
	out := appendStart(nil, start, "\x00") // no parent namespace: always declare
	open := true                           // the last start tag lacks its '>'
	spaces := []string{start.Name.Space}
	for len(spaces) > 0 {
		tok, err := s.token()
		if err != nil {
			return nil, err
		}
		if cd, ok := tok.(xml.CharData); ok && len(cd) == 0 {
			continue // an empty CDATA section: no content
		}
		if _, end := tok.(xml.EndElement); open && end {
			out = append(out, "/>"...)
			open = false
			spaces = spaces[:len(spaces)-1]
			continue
		}
		if open {
			out = append(out, '>')
			open = false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			out = appendStart(out, t, spaces[len(spaces)-1])
			open = true
			spaces = append(spaces, t.Name.Space)
		case xml.EndElement:
			out = append(out, "</"...)
			out = append(out, t.Name.Local...)
			out = append(out, '>')
			spaces = spaces[:len(spaces)-1]
		case xml.CharData:
			out, _ = appendEscaped(out, string(t), false)
		}
	}
	return out, nil
}

// appendStart writes the start tag of t but its closing '>', declaring its
// namespace as the default unless it is parent's.
func appendStart(out []byte, t xml.StartElement, parent string) []byte {
	out = append(out, '<')
	out = append(out, t.Name.Local...)
	if t.Name.Space != parent {
		out = append(out, " xmlns='"...)
		out, _ = appendEscaped(out, t.Name.Space, true)
		out = append(out, '\'')
	}
	var prefixes map[string]string // namespace URI to generated prefix
	for _, a := range t.Attr {
		if _, decl := declared(a.Name); decl {
			continue
		}
		out = append(out, ' ')
		switch a.Name.Space {
		case "":
		case xmlURL:
			out = append(out, "xml:"...)
		default:
			p, ok := prefixes[a.Name.Space]
			if !ok {
				if prefixes == nil {
					prefixes = make(map[string]string)
				}
				p = "ns" + strconv.Itoa(len(prefixes))
				prefixes[a.Name.Space] = p
				out = append(out, "xmlns:"+p+"='"...)
				out, _ = appendEscaped(out, a.Name.Space, true)
				out = append(out, "' "...)
			}
			out = append(out, p+":"...)
		}
		out = append(out, a.Name.Local...)
		out = append(out, "='"...)
		out, _ = appendEscaped(out, a.Value, true)
		out = append(out, '\'')
	}
	return out
}
