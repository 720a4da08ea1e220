package stanza

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/xmppkit/xmpp/jid"
)

// ErrInvalidChar reports a string or raw element holding something XML 1.0
// cannot carry: a character outside the Char production of XML 1.0 §2.2
// (NUL and the other C0 controls but tab, newline and carriage return;
// U+FFFE, U+FFFF) or bytes that are not UTF-8, such as a lone surrogate
// (RFC 6120 §11.6 requires UTF-8). A peer must treat such input as a
// not-well-formed stream (RFC 6120 §4.9.3.13), so the Encoder refuses it.
var ErrInvalidChar = errors.New("stanza: character not allowed in XML")

// ErrInvalidRaw reports a Raw whose XML is not one element: the Encoder
// found it empty or not enclosed in '<' … '>', or ParseRaw found it not
// well-formed, not namespace-complete, or using XML that RFC 6120 §11.1
// forbids (comments, processing instructions, DTDs).
var ErrInvalidRaw = errors.New("stanza: not a single namespace-complete XML element")

// ErrInvalidName reports a name that is not an XML name where one is
// written as an element or attribute name: an empty or malformed stanza
// error Condition, the local name of a Raw built from its Name alone, or
// an extra header attribute.
var ErrInvalidName = errors.New("stanza: not a valid XML name")

// errNilElement reports a nil pointer passed as an element: a programming
// error, not something a peer can cause.
var errNilElement = errors.New("stanza: nil element")

// Character classes for the escaping tables.
const (
	chPlain = iota // copied as is
	chEsc          // replaced by its entry in the escape table
	chBad          // refused: not an XML Char
	chUTF8         // first byte of a multi-byte sequence: decoded and checked
)

// textClass and attrClass classify each byte for character data and for a
// single-quoted attribute value; escapes holds the replacement text.
var textClass, attrClass [256]uint8

var escapes = [256]string{
	'&':  "&amp;",
	'<':  "&lt;",
	'>':  "&gt;",
	'\'': "&apos;",
	'"':  "&quot;",
	'\t': "&#x9;",
	'\n': "&#xA;",
	'\r': "&#xD;",
}

func init() {
	for c := 0; c < 256; c++ {
		var k uint8
		switch {
		case c >= 0x80:
			k = chUTF8
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			k = chBad
		}
		textClass[c], attrClass[c] = k, k
	}
	// Character data (XML 1.0 §2.4): '&' and '<' must be escaped; '>' is
	// escaped so "]]>" never appears; '\r' as a character reference
	// survives end-of-line normalisation (§2.11).
	for _, c := range "&<>\r" {
		textClass[c] = chEsc
	}
	// Attribute values are written in single quotes: '\'' must be
	// escaped; tab, newline and carriage return as character references
	// survive attribute-value normalisation (XML 1.0 §3.3.3).
	for _, c := range "&<>'\"\t\n\r" {
		attrClass[c] = chEsc
	}
}

// xmlWriter appends XML to b. The first error is kept in err; once it is
// set every further call is a no-op, so callers check once at the end.
type xmlWriter struct {
	b   []byte
	err error
}

// raw appends s, which must be markup known to be valid.
func (w *xmlWriter) raw(s string) { w.b = append(w.b, s...) }

// fail records err unless an error is already recorded.
func (w *xmlWriter) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// escape appends s escaped by the class table, refusing characters XML
// cannot carry. field names the value in the error.
func (w *xmlWriter) escape(s string, class *[256]uint8, field string) {
	last, i := 0, 0
	for {
		i = skipPlain(s, i, class == &attrClass)
		for i < len(s) && class[s[i]] == chPlain {
			i++
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		switch class[c] {
		case chEsc:
			w.b = append(w.b, s[last:i]...)
			w.b = append(w.b, escapes[c]...)
			i++
			last = i
		case chUTF8:
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
				w.fail(fmt.Errorf("%w: %s, byte %d", ErrInvalidChar, field, i))
				return
			}
			i += size
		default:
			w.fail(fmt.Errorf("%w: %s, byte %d", ErrInvalidChar, field, i))
			return
		}
	}
	w.b = append(w.b, s[last:]...)
}

// SWAR constants: every byte 0x01, every byte 0x80.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasByte reports whether a byte of x equals c.
func hasByte(x uint64, c byte) bool {
	y := x ^ (ones * uint64(c))
	return (y-ones)&^y&highs != 0
}

// skipPlain returns the index of the first byte at or after i, within a
// prefix of s read eight bytes at a time, that may need escaping in text
// (or in an attribute when attr is set); the caller finishes the scan byte
// by byte. A word is skipped when all its bytes are ASCII, not control
// characters, and none of & < > (and ' " for attributes).
func skipPlain(s string, i int, attr bool) int {
	for ; i+8 <= len(s); i += 8 {
		b := s[i : i+8]
		x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		if (x|(x-0x20*ones))&highs != 0 || hasByte(x, '&') || hasByte(x, '<') || hasByte(x, '>') {
			return i
		}
		if attr && (hasByte(x, '\'') || hasByte(x, '"')) {
			return i
		}
	}
	return i
}

// text appends s as character data.
func (w *xmlWriter) text(s, field string) {
	if w.err == nil {
		w.escape(s, &textClass, field)
	}
}

// attr appends ` name='value'` when value is not empty.
func (w *xmlWriter) attr(name, value string) {
	if value == "" || w.err != nil {
		return
	}
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '\'')
	w.escape(value, &attrClass, name)
	w.b = append(w.b, '\'')
}

// attrJID appends ` name='j'` when j is not the empty JID.
func (w *xmlWriter) attrJID(name string, j jid.JID) {
	if !j.IsZero() {
		w.attr(name, j.String())
	}
}

// stanzaAttrs appends the common stanza attributes of RFC 6120 §8.1 in
// the Encoder's fixed order: from, id, to, type, xml:lang.
func (w *xmlWriter) stanzaAttrs(id string, to, from jid.JID, typ, lang string) {
	w.attrJID("from", from)
	w.attr("id", id)
	w.attrJID("to", to)
	w.attr("type", typ)
	w.attr("xml:lang", lang)
}

// textElem appends <name xml:lang='lang'>value</name>, or the empty-element
// form when value is empty.
func (w *xmlWriter) textElem(name, lang, value string) {
	if w.err != nil {
		return
	}
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.attr("xml:lang", lang)
	if value == "" {
		w.b = append(w.b, '/', '>')
		return
	}
	w.b = append(w.b, '>')
	w.text(value, name)
	w.b = append(w.b, '<', '/')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// texts appends one element per entry of all, or a single element for
// one when all is empty and one is not.
func (w *xmlWriter) texts(name string, all []Text, one string) {
	if len(all) == 0 {
		if one != "" {
			w.textElem(name, "", one)
		}
		return
	}
	for _, t := range all {
		w.textElem(name, t.Lang, t.Value)
	}
}

// closeElem ends an element whose start tag, up to and including '>',
// ended at mark: with "/>" when nothing was written since, else with the
// end tag </name>.
func (w *xmlWriter) closeElem(mark int, name string) {
	if w.err != nil {
		return
	}
	if len(w.b) == mark {
		w.b = append(w.b[:mark-1], '/', '>')
		return
	}
	w.b = append(w.b, '<', '/')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// rawElem appends r verbatim after checking it.
func (w *xmlWriter) rawElem(r *Raw) {
	if w.err != nil {
		return
	}
	if r == nil {
		w.fail(fmt.Errorf("%w: nil *Raw", ErrInvalidRaw))
		return
	}
	w.b, w.err = r.AppendXML(w.b)
}

// stanzaError appends e as an <error/> element.
func (w *xmlWriter) stanzaError(e *Error) {
	if w.err != nil {
		return
	}
	w.b, w.err = e.AppendXML(w.b)
}

// done returns the appended bytes, or dst (the bytes before the call) and
// the error.
func (w *xmlWriter) done(dst []byte) ([]byte, error) {
	if w.err != nil {
		return dst, w.err
	}
	return w.b, nil
}

// validChars returns the offset of the first byte of b that is not part
// of a UTF-8 encoded XML Char (XML 1.0 §2.2), or -1.
func validChars(b []byte) int {
	i := 0
	for i < len(b) {
		// Fast path: eight ASCII bytes, none a control character.
		if len(b)-i >= 8 {
			x := binary.LittleEndian.Uint64(b[i:])
			const lo, hi = 0x2020202020202020, 0x8080808080808080
			if (x|(x-lo))&hi == 0 {
				i += 8
				continue
			}
		}
		c := b[i]
		switch textClass[c] {
		case chBad:
			return i
		case chUTF8:
			r, size := utf8.DecodeRune(b[i:])
			if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
				return i
			}
			i += size
		default:
			i++
		}
	}
	return -1
}

// isName reports whether s is an XML name without a colon (an NCName,
// Namespaces in XML §3) made of ASCII letters, digits, '-', '_' and '.',
// not starting with a digit, '-' or '.'. It checks names the Encoder
// writes from user data; non-ASCII names are refused there.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// priority appends the <priority/> element for p (RFC 6121 §4.7.2.3).
func (w *xmlWriter) priority(p int8) {
	if p == 0 || w.err != nil {
		return
	}
	w.raw("<priority>")
	w.b = strconv.AppendInt(w.b, int64(p), 10)
	w.raw("</priority>")
}
