package streamerror

import (
	"encoding/xml"
	"fmt"
	"unicode/utf8"
)

// AppendXML appends the wire form of e to dst and returns the extended
// buffer, RFC 6120 §4.9.2:
//
//	<stream:error><COND xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>
//	<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='LANG'>TEXT</text>
//	APP</stream:error>
//
// on one line, with single-quoted attributes, the <text/> only when Text or
// Lang is set (xml:lang only when Lang is set), and App verbatim when set.
// SeeOtherHost carries its Host as character data (§4.9.3.19):
// <see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>[2001:41D0:1:A49b::1]:9222</see-other-host>.
// Text, Lang and Host are escaped (& < > ' " as entities, CR, and TAB and
// LF in attributes, as character references, so that a reader gets them
// back unchanged).
//
// The stream: prefix is not declared: the element is meant to be written
// inside a stream whose header declared
// xmlns:stream='http://etherx.jabber.org/streams', as every stream header
// does (§4.8.5). Unknown is never written: an unrecognised condition goes
// out as undefined-condition, and Texts is never written.
//
// AppendXML does not allocate when dst has room. On error, which wraps
// ErrInvalid, it returns dst with its original length (the bytes past it
// may have been overwritten).
func (e *Error) AppendXML(dst []byte) ([]byte, error) {
	if e == nil {
		return dst, fmt.Errorf("%w: nil *Error", ErrInvalid)
	}
	n := len(dst)
	c := e.Condition
	if !c.defined() {
		return dst, fmt.Errorf("%w: undefined condition %q", ErrInvalid, string(c))
	}
	dst = append(dst, "<stream:error><"...)
	dst = append(dst, c...)
	dst = append(dst, " xmlns='"+NS+"'"...)
	if c == SeeOtherHost {
		if e.Host == "" || isSpace(e.Host[0]) || isSpace(e.Host[len(e.Host)-1]) {
			return dst[:n], fmt.Errorf("%w: see-other-host needs a Host without surrounding whitespace, got %q", ErrInvalid, e.Host)
		}
		dst = append(dst, '>')
		var ok bool
		if dst, ok = appendEscaped(dst, e.Host, false); !ok {
			return dst[:n], fmt.Errorf("%w: Host holds a character XML cannot carry", ErrInvalid)
		}
		dst = append(dst, "</see-other-host>"...)
	} else {
		if e.Host != "" {
			return dst[:n], fmt.Errorf("%w: Host set on condition %s", ErrInvalid, string(c))
		}
		dst = append(dst, "/>"...)
	}
	if e.Text != "" || e.Lang != "" {
		var ok bool
		dst = append(dst, "<text xmlns='"+NS+"'"...)
		if e.Lang != "" {
			dst = append(dst, " xml:lang='"...)
			if dst, ok = appendEscaped(dst, e.Lang, true); !ok {
				return dst[:n], fmt.Errorf("%w: Lang holds a character XML cannot carry", ErrInvalid)
			}
			dst = append(dst, '\'')
		}
		dst = append(dst, '>')
		if dst, ok = appendEscaped(dst, e.Text, false); !ok {
			return dst[:n], fmt.Errorf("%w: Text holds a character XML cannot carry", ErrInvalid)
		}
		dst = append(dst, "</text>"...)
	}
	if len(e.App) > 0 {
		if e.App[0] != '<' || e.App[len(e.App)-1] != '>' {
			return dst[:n], fmt.Errorf("%w: App is not an element", ErrInvalid)
		}
		dst = append(dst, e.App...)
	}
	dst = append(dst, "</stream:error>"...)
	return dst, nil
}

// MarshalXML implements xml.Marshaler for users of encoding/xml. It writes
// the same children as AppendXML, byte for byte, inside
// <error xmlns="http://etherx.jabber.org/streams">…</error>: encoding/xml
// cannot write an element with a prefix it did not choose, so the stream:
// prefix of the wire form is replaced by a default namespace declaration.
// Both forms mean the same element. The name in start is ignored.
func (e *Error) MarshalXML(enc *xml.Encoder, start xml.StartElement) error {
	b, err := e.AppendXML(nil)
	if err != nil {
		return err
	}
	inner := b[len("<stream:error>") : len(b)-len("</stream:error>")]
	v := struct {
		Inner []byte `xml:",innerxml"`
	}{inner}
	return enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Space: StreamsNS, Local: "error"}})
}

// Byte classes for appendEscaped.
const (
	plain    = iota // copied as is
	special         // escaped everywhere: & < > ' " CR
	attrOnly        // escaped in attribute values only: TAB LF
	control         // not an XML character
	multi           // first or later byte of a multi-byte UTF-8 sequence
)

var byteClass = func() (t [256]uint8) {
	for b := range 0x20 {
		t[b] = control
	}
	for _, b := range "&<>'\"\r" {
		t[b] = special
	}
	t['\t'], t['\n'] = attrOnly, attrOnly
	for b := 0x80; b < 0x100; b++ {
		t[b] = multi
	}
	return t
}()

// appendEscaped appends s to dst escaped for character data, or for a
// single-quoted attribute value when attr is set. It reports false if s
// holds invalid UTF-8 or a character outside XML 1.0's Char production
// (§2.2); dst is then partly written.
func appendEscaped(dst []byte, s string, attr bool) ([]byte, bool) {
	last := 0
	for i := 0; i < len(s); {
		switch byteClass[s[i]] {
		case plain:
			i++
			continue
		case multi:
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || !isChar(r) {
				return dst, false
			}
			i += size
			continue
		case control:
			return dst, false
		case attrOnly:
			if !attr {
				i++
				continue
			}
		}
		dst = append(dst, s[last:i]...)
		switch s[i] {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '\'':
			dst = append(dst, "&apos;"...)
		case '"':
			dst = append(dst, "&quot;"...)
		case '\r':
			dst = append(dst, "&#xD;"...)
		case '\n':
			dst = append(dst, "&#xA;"...)
		case '\t':
			dst = append(dst, "&#x9;"...)
		}
		i++
		last = i
	}
	return append(dst, s[last:]...), true
}

// isChar reports whether r matches XML 1.0's Char production (§2.2).
func isChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// isSpace reports whether b is XML whitespace (XML 1.0 §2.3, S).
func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }
