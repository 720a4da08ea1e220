package streamtest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xmppkit/xmpp/stanza"
)

// The canonical form. Scripts and peers are read into trees of nodes in
// which the accidents of XML spelling are gone: names are expanded
// (namespace URI, local name), so prefixes and redundant declarations do
// not matter; attributes are sorted by expanded name, so their order and
// quoting do not; text is whitespace-normalised and whitespace-only text
// between elements dropped, so pretty-printing does not matter.

// node is an element or a text in canonical form.
type node struct {
	name   xml.Name // expanded; zero for a text
	attrs  []attr   // sorted by name; no namespace declarations
	kids   []*node
	text   string // a text: whitespace-normalised, not empty
	isText bool

	// Set on expected nodes only (read from a script).
	anyAttrs   bool // "..." in the start tag: other attributes allowed
	anyContent bool // "...", "…" or "{{any}}" as the whole content
	moreKids   bool // "..." among the children: other children allowed
}

type attr struct {
	name  xml.Name
	value string
}

// xmlnsAttr is the name under which a stream header's default namespace
// declaration (its content namespace, RFC 6120 §4.8.2) is kept among
// its attributes, so that headers compare it. Real attributes cannot
// have this name: xmlns is reserved for declarations.
var xmlnsAttr = xml.Name{Local: "xmlns"}

// streamName is the name of a stream header (RFC 6120 §4.2).
var streamName = xml.Name{Space: stanza.NSStream, Local: "stream"}

func (n *node) attr(name xml.Name) (attr, bool) {
	i, ok := slices.BinarySearchFunc(n.attrs, name, func(a attr, name xml.Name) int { return cmpName(a.name, name) })
	if !ok {
		return attr{}, false
	}
	return n.attrs[i], true
}

func cmpName(a, b xml.Name) int {
	if c := strings.Compare(a.Space, b.Space); c != 0 {
		return c
	}
	return strings.Compare(a.Local, b.Local)
}

// normSpace collapses runs of XML whitespace to one space and trims both
// ends, as XPath's normalize-space does.
func normSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, isXMLSpace), " ")
}

func isXMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

type itemKind uint8

const (
	itemHeader  itemKind = iota + 1 // a stream header: the open tag of {streams}stream
	itemElement                     // a first-level element
	itemEnd                         // a closing tag at the top level: </stream:stream>
	itemText                        // text at the top level that is not whitespace
)

// item is one unit of a stream at its top level.
type item struct {
	kind itemKind
	// node is the element (itemElement), the open tag as an element
	// without children (itemHeader), the name (itemEnd), or a text node
	// (itemText).
	node *node
	raw  string // as written or sent
	line int    // line (from 1) of the input where it starts
	ns   string // the default namespace at the top level, for rendering
}

// nsBind is one namespace declaration in scope.
type nsBind struct{ prefix, uri string }

// nsScope resolves prefixes: the declarations in scope, innermost last.
type nsScope struct {
	binds []nsBind
	marks []int
}

// push opens an element, adding the declarations among attrs.
func (s *nsScope) push(attrs []xml.Attr) {
	s.marks = append(s.marks, len(s.binds))
	for _, a := range attrs {
		if p, ok := declares(a); ok {
			s.binds = append(s.binds, nsBind{p, a.Value})
		}
	}
}

// pop closes the innermost element.
func (s *nsScope) pop() {
	s.binds = s.binds[:s.marks[len(s.marks)-1]]
	s.marks = s.marks[:len(s.marks)-1]
}

// lookup returns the namespace URI bound to prefix; the empty prefix is
// the default namespace, "" when none is declared.
func (s *nsScope) lookup(prefix string) (string, bool) {
	if prefix == "xml" {
		return stanza.NSXML, true
	}
	for i := len(s.binds) - 1; i >= 0; i-- {
		if s.binds[i].prefix == prefix {
			return s.binds[i].uri, true
		}
	}
	return "", prefix == ""
}

// declares reports whether a is a namespace declaration, and of which
// prefix ("" for the default namespace).
func declares(a xml.Attr) (string, bool) {
	switch {
	case a.Name.Space == "xmlns":
		return a.Name.Local, true
	case a.Name.Space == "" && a.Name.Local == "xmlns":
		return "", true
	}
	return "", false
}

// errTooLarge is returned when an item grows past the reader's limit.
var errTooLarge = errors.New("streamtest: limit exceeded")

// rawReader reads for an xml.Decoder, keeping the bytes of the current
// item so that it can be shown as it was sent, and refusing to read past
// a limit so that no peer can make it hold more than that.
type rawReader struct {
	r     io.Reader
	hist  []byte // the bytes from offset base on
	base  int64
	n     int64 // bytes read so far
	limit int64 // reading stops at this offset
}

func (t *rawReader) Read(p []byte) (int, error) {
	if t.n >= t.limit {
		return 0, errTooLarge
	}
	if rem := t.limit - t.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := t.r.Read(p)
	t.hist = append(t.hist, p[:n]...)
	t.n += int64(n)
	return n, err
}

// trim forgets the bytes before offset off.
func (t *rawReader) trim(off int64) {
	if k := off - t.base; k > 0 && k <= int64(len(t.hist)) {
		t.hist = t.hist[:copy(t.hist, t.hist[k:])]
		t.base = off
	}
}

// slice returns the bytes from offset from to offset to.
func (t *rawReader) slice(from, to int64) string {
	from, to = max(from-t.base, 0), min(to-t.base, int64(len(t.hist)))
	if from >= to {
		return ""
	}
	return string(t.hist[from:to])
}

// Limits on what a peer can make Play hold.
const (
	maxItem  = 1 << 20 // bytes in one item
	maxDepth = 256     // element nesting
	maxNodes = 1 << 14 // elements and texts in one item
	// slack covers what the xml.Decoder's buffer reads ahead.
	slack = 4096
)

// itemReader splits XML into items and reads each into canonical form.
// It reads either a peer's stream (strictly: no comments, processing
// instructions or DTDs, RFC 6120 §11.1) or the expected text of a script
// (comments allowed, placeholders recognised).
type itemReader struct {
	d        *xml.Decoder
	src      *rawReader
	expected bool
	base     []nsBind // the context a script's text is read in
	top      []nsBind // the declarations in scope at the top level
}

func newItemReader(r io.Reader, context []nsBind, expected bool) *itemReader {
	src := &rawReader{r: r, limit: maxItem + slack}
	d := xml.NewDecoder(src)
	d.Strict = true
	return &itemReader{d: d, src: src, expected: expected, base: context, top: context}
}

// defaultContext is the context in which a script's XML is read: the
// stream prefix and the content namespace ns (RFC 6120 §4.8), so that
// entries can be written as the RFCs write them, without declarations.
func defaultContext(ns string) []nsBind {
	if ns == "" {
		ns = stanza.NSClient
	}
	return []nsBind{{"stream", stanza.NSStream}, {"", ns}}
}

// mark starts a new item at the decoder's offset: the bytes before it are
// forgotten and the limit moves along.
func (r *itemReader) mark() {
	off := r.d.InputOffset()
	r.src.trim(off)
	r.src.limit = off + maxItem + slack
}

// syntaxError positions msg at the decoder's current line.
func (r *itemReader) syntaxError(msg string) error {
	line, _ := r.d.InputPos()
	return &xml.SyntaxError{Msg: msg, Line: line}
}

// next reads the next item. It returns io.EOF at the end of the input
// between items, io.ErrUnexpectedEOF inside one.
func (r *itemReader) next() (*item, error) {
	var (
		stack []*node
		names []xml.Name // raw names of the open elements
		scope = nsScope{binds: slices.Clone(r.top)}
		text  bytes.Buffer
		it    *item
		start int64
		nodes int
	)
	flush := func() {
		if t := normSpace(text.String()); t != "" && len(stack) > 0 {
			nodes++
			parent := stack[len(stack)-1]
			parent.kids = append(parent.kids, &node{text: t, isText: true})
		}
		text.Reset()
	}
	r.mark()
	for {
		off := r.d.InputOffset()
		line, _ := r.d.InputPos()
		tok, err := r.d.RawToken()
		if err != nil {
			switch {
			case errors.Is(err, errTooLarge):
				return nil, fmt.Errorf("element larger than %d bytes", maxItem)
			case err == io.EOF && len(stack) > 0:
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, r.syntaxError(fmt.Sprintf("elements nested deeper than %d", maxDepth))
			}
			if nodes++; nodes > maxNodes {
				return nil, r.syntaxError(fmt.Sprintf("more than %d elements and texts in one element", maxNodes))
			}
			topNS, _ := scope.lookup("")
			scope.push(t.Attr)
			n, err := r.element(&scope, t)
			if err != nil {
				return nil, err
			}
			if len(stack) == 0 {
				start = off
				it = &item{kind: itemElement, node: n, line: line, ns: topNS}
				if n.name == streamName {
					// A stream header opens a new XML document (RFC
					// 6120 §4.2, §4.3.3): its declarations are the new
					// context.
					it.kind = itemHeader
					if uri, ok := defaultDecl(t.Attr); ok {
						n.attrs = insertAttr(n.attrs, attr{xmlnsAttr, uri})
					}
					top := scope.binds
					if !r.expected {
						top = top[len(r.top):]
					}
					r.top = slices.Clone(top)
					it.ns, _ = scope.lookup("")
					it.raw = r.src.slice(start, r.d.InputOffset())
					return it, nil
				}
			} else {
				flush()
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, n)
			}
			stack = append(stack, n)
			names = append(names, t.Name)
		case xml.EndElement:
			if len(stack) == 0 {
				uri, ok := scope.lookup(t.Name.Space)
				if !ok {
					return nil, r.syntaxError(fmt.Sprintf("undeclared namespace prefix %q", t.Name.Space))
				}
				n := &node{name: xml.Name{Space: uri, Local: t.Name.Local}}
				ns, _ := scope.lookup("")
				return &item{kind: itemEnd, node: n, line: line, ns: ns, raw: r.src.slice(off, r.d.InputOffset())}, nil
			}
			if open := names[len(names)-1]; t.Name != open {
				return nil, r.syntaxError(fmt.Sprintf("element <%s> closed by </%s>", rawName(open), rawName(t.Name)))
			}
			flush()
			scope.pop()
			stack, names = stack[:len(stack)-1], names[:len(names)-1]
			if len(stack) == 0 {
				if r.expected {
					markExpected(it.node)
				}
				it.raw = r.src.slice(start, r.d.InputOffset())
				return it, nil
			}
		case xml.CharData:
			if len(stack) > 0 {
				text.Write(t)
				continue
			}
			if normSpace(string(t)) == "" {
				r.mark() // whitespace between items (§4.6.1 keepalives)
				continue
			}
			ns, _ := scope.lookup("")
			return &item{kind: itemText, node: &node{text: normSpace(string(t)), isText: true}, line: line, ns: ns, raw: string(t)}, nil
		case xml.Comment:
			if !r.expected {
				return nil, r.syntaxError("comment (RFC 6120 §11.1 forbids them)")
			}
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, r.syntaxError(fmt.Sprintf("processing instruction %q (RFC 6120 §11.1 forbids them)", t.Target))
			}
			if len(stack) == 0 {
				r.mark()
			}
		case xml.Directive:
			return nil, r.syntaxError("DTD or other directive (RFC 6120 §11.1 forbids them)")
		}
	}
}

// element resolves the start tag t, whose declarations are in scope,
// into a node without children.
func (r *itemReader) element(scope *nsScope, t xml.StartElement) (*node, error) {
	if !qName(t.Name) {
		return nil, r.syntaxError(fmt.Sprintf("<%s> is not a qualified name (Namespaces in XML §4)", rawName(t.Name)))
	}
	var decls []string
	for _, a := range t.Attr {
		if !qName(a.Name) {
			return nil, r.syntaxError(fmt.Sprintf("attribute %s is not a qualified name (Namespaces in XML §4)", rawName(a.Name)))
		}
		if p, ok := declares(a); ok {
			if slices.Contains(decls, p) {
				return nil, r.syntaxError(fmt.Sprintf("attribute %s repeated on <%s>", rawName(a.Name), rawName(t.Name)))
			}
			decls = append(decls, p)
		}
	}
	uri, ok := scope.lookup(t.Name.Space)
	if !ok {
		return nil, r.syntaxError(fmt.Sprintf("undeclared namespace prefix %q", t.Name.Space))
	}
	n := &node{name: xml.Name{Space: uri, Local: t.Name.Local}}
	for _, a := range t.Attr {
		if _, ok := declares(a); ok {
			continue
		}
		if r.expected && a.Name == ellipsisAttr {
			n.anyAttrs = true
			continue
		}
		name := xml.Name{Local: a.Name.Local}
		if a.Name.Space != "" {
			if name.Space, ok = scope.lookup(a.Name.Space); !ok {
				return nil, r.syntaxError(fmt.Sprintf("undeclared namespace prefix %q", a.Name.Space))
			}
		}
		n.attrs = append(n.attrs, attr{name, a.Value})
	}
	slices.SortStableFunc(n.attrs, func(a, b attr) int { return cmpName(a.name, b.name) })
	for i := 1; i < len(n.attrs); i++ {
		if n.attrs[i].name == n.attrs[i-1].name {
			return nil, r.syntaxError(fmt.Sprintf("attribute %s repeated on <%s>", n.attrs[i].name.Local, rawName(t.Name)))
		}
	}
	return n, nil
}

// qName reports whether n, as encoding/xml split it at its colon, is a
// QName: a prefix and a local part that are both NCNames. encoding/xml
// checks the whole name against XML's Name production, in which the part
// after a colon may start with a digit, '-', '.' or a combining mark.
func qName(n xml.Name) bool {
	return ncNameStart(n.Local) && (n.Space == "" || ncNameStart(n.Space))
}

// ncNameStart reports whether s is non-empty and starts with a character
// that may start a name (XML 1.0 §2.3 NameStartChar); the rest of s was
// checked by encoding/xml.
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

// defaultDecl returns the default namespace attrs declare, if any.
func defaultDecl(attrs []xml.Attr) (string, bool) {
	for _, a := range attrs {
		if p, ok := declares(a); ok && p == "" {
			return a.Value, true
		}
	}
	return "", false
}

func insertAttr(attrs []attr, a attr) []attr {
	i, _ := slices.BinarySearchFunc(attrs, a.name, func(a attr, name xml.Name) int { return cmpName(a.name, name) })
	return slices.Insert(attrs, i, a)
}

// rawName spells a name as written: prefix:local.
func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// Placeholders in expected text. An ellipsis in a start tag is not XML,
// so before a script's expected text is read, each ellipsis standing
// where an attribute could is replaced by an attribute of this name,
// which the reader turns into the anyAttrs flag.
var ellipsisAttr = xml.Name{Local: "_streamtest_ellipsis_"}

const ellipsisMarker = "_streamtest_ellipsis_=''"

// markEllipses replaces each "..." or "…" inside a start tag (outside
// quoted values) by an ellipsisAttr attribute.
func markEllipses(s string) string {
	if !strings.Contains(s, "...") && !strings.Contains(s, "…") {
		return s
	}
	var b strings.Builder
	inTag := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case inTag:
			switch {
			case c == '\'' || c == '"':
				quote = c
			case c == '>':
				inTag = false
			case strings.HasPrefix(s[i:], "..."):
				b.WriteString(" " + ellipsisMarker + " ")
				i += len("...") - 1
				continue
			case strings.HasPrefix(s[i:], "…"):
				b.WriteString(" " + ellipsisMarker + " ")
				i += len("…") - 1
				continue
			}
		case c == '<' && i+1 < len(s) && isNameStart(s[i+1]):
			inTag = true
		}
		b.WriteByte(c)
	}
	return b.String()
}

// unmarkEllipses undoes markEllipses for display.
func unmarkEllipses(s string) string {
	return strings.ReplaceAll(s, " "+ellipsisMarker+" ", "...")
}

func isNameStart(c byte) bool {
	return c == '_' || c == ':' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0x80
}

// isEllipsis reports whether a text is a content placeholder.
func isEllipsis(t string) bool { return t == "..." || t == "…" || t == "{{any}}" }

// markExpected turns the content placeholders of an expected element
// into flags: an ellipsis (or {{any}}) as the whole content means any
// content; among child elements it means other children may come too.
func markExpected(n *node) {
	if len(n.kids) == 1 && n.kids[0].isText && isEllipsis(n.kids[0].text) {
		n.anyContent, n.kids = true, nil
		return
	}
	kept := n.kids[:0]
	for _, k := range n.kids {
		if k.isText && isEllipsis(k.text) {
			n.moreKids = true
			continue
		}
		if !k.isText {
			markExpected(k)
		}
		kept = append(kept, k)
	}
	n.kids = kept
}
