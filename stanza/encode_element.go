package stanza

import (
	"fmt"

	"github.com/xmppkit/xmpp/streamerror"
)

// The wire form the Encoder writes, fixed so that output is stable and
// can be compared byte for byte:
//
//   - no whitespace between elements, no XML declaration but in the
//     stream header;
//   - attributes in single quotes, in the order from, id, to, type,
//     xml:lang (alphabetical, as in the RFCs' examples); empty strings and
//     empty JIDs are omitted, any other value is written as given (a
//     message of type normal keeps type='normal');
//   - an element with no content is written in the empty-element form;
//   - <message/> children: subject(s), body(ies), thread, extensions,
//     error; <presence/>: show, status(es), priority (omitted when 0),
//     extensions, error; <iq/>: payload, extra, error — the error last,
//     after any original payload, as in RFC 6120 §8.3.2's syntax;
//   - Raw elements verbatim.

// AppendXML appends the <message/> stanza to dst. It fails, leaving dst
// as it was, when a string holds a character XML cannot carry
// (ErrInvalidChar) or a child is invalid (ErrInvalidRaw, ErrInvalidName).
func (m *Message) AppendXML(dst []byte) ([]byte, error) {
	if m == nil {
		return dst, errNilElement
	}
	w := xmlWriter{b: dst}
	w.raw("<message")
	w.stanzaAttrs(m.ID, m.To, m.From, string(m.Type), m.Lang)
	w.raw(">")
	mark := len(w.b)
	w.texts("subject", m.Subjects, m.Subject)
	w.texts("body", m.Bodies, m.Body)
	if m.Thread != "" || m.ThreadParent != "" {
		w.raw("<thread")
		w.attr("parent", m.ThreadParent)
		w.raw(">")
		w.text(m.Thread, "thread")
		w.raw("</thread>")
	}
	for i := range m.Extensions {
		w.rawElem(&m.Extensions[i])
	}
	if m.Error != nil {
		w.stanzaError(m.Error)
	}
	w.closeElem(mark, "message")
	return w.done(dst)
}

// AppendXML appends the <presence/> stanza to dst. It fails like
// (*Message).AppendXML.
func (p *Presence) AppendXML(dst []byte) ([]byte, error) {
	if p == nil {
		return dst, errNilElement
	}
	w := xmlWriter{b: dst}
	w.raw("<presence")
	w.stanzaAttrs(p.ID, p.To, p.From, string(p.Type), p.Lang)
	w.raw(">")
	mark := len(w.b)
	if p.Show != "" {
		w.textElem("show", "", string(p.Show))
	}
	w.texts("status", p.Statuses, p.Status)
	w.priority(p.Priority)
	for i := range p.Extensions {
		w.rawElem(&p.Extensions[i])
	}
	if p.Error != nil {
		w.stanzaError(p.Error)
	}
	w.closeElem(mark, "presence")
	return w.done(dst)
}

// AppendXML appends the <iq/> stanza to dst. It fails like
// (*Message).AppendXML. It does not check the IQ rules of RFC 6120 §8.2.3
// (one payload in a get or set, an error in an error): the model can carry
// any IQ, and the Encoder writes what it is given.
func (iq *IQ) AppendXML(dst []byte) ([]byte, error) {
	if iq == nil {
		return dst, errNilElement
	}
	w := xmlWriter{b: dst}
	w.raw("<iq")
	w.stanzaAttrs(iq.ID, iq.To, iq.From, string(iq.Type), iq.Lang)
	w.raw(">")
	mark := len(w.b)
	if iq.Payload != nil {
		w.rawElem(iq.Payload)
	}
	for i := range iq.Extra {
		w.rawElem(&iq.Extra[i])
	}
	if iq.Error != nil {
		w.stanzaError(iq.Error)
	}
	w.closeElem(mark, "iq")
	return w.done(dst)
}

// AppendXML appends r to dst: r.XML verbatim, or, when r.XML is empty,
// the empty element <local xmlns='space'/> named by r.Name (which then
// needs a namespace). The bytes are not parsed: it checks only that they
// look like one element ('<' … '>', else ErrInvalidRaw) and that they are
// UTF-8 holding only XML characters (else ErrInvalidChar). Build a Raw
// with ParseRaw or NewRaw, or take it from a Decoder, to be sure it is
// well-formed.
func (r *Raw) AppendXML(dst []byte) ([]byte, error) {
	if r == nil {
		return dst, errNilElement
	}
	x := r.XML
	if len(x) == 0 {
		if !isName(r.Name.Local) {
			return dst, fmt.Errorf("%w: raw element name %q", ErrInvalidName, r.Name.Local)
		}
		if r.Name.Space == "" {
			return dst, fmt.Errorf("%w: raw element <%s/> has neither XML nor a namespace", ErrInvalidRaw, r.Name.Local)
		}
		w := xmlWriter{b: dst}
		w.raw("<")
		w.raw(r.Name.Local)
		w.raw(" xmlns='")
		w.escape(r.Name.Space, &attrClass, "raw element namespace")
		w.raw("'/>")
		return w.done(dst)
	}
	if len(x) < 3 || x[0] != '<' || x[len(x)-1] != '>' {
		return dst, fmt.Errorf("%w: raw XML does not start with '<' and end with '>'", ErrInvalidRaw)
	}
	if i := validChars(x); i >= 0 {
		return dst, fmt.Errorf("%w: raw element, byte %d", ErrInvalidChar, i)
	}
	return append(dst, x...), nil
}

// AppendElement appends the wire form of v to dst: a *Message, *Presence,
// *IQ, *Raw, Raw or *streamerror.Error. On error it returns dst as it
// was; it never writes part of an element. The stream layer can use it to
// build what it writes under its own lock.
func AppendElement(dst []byte, v Element) ([]byte, error) {
	switch v := v.(type) {
	case *Message:
		return v.AppendXML(dst)
	case *Presence:
		return v.AppendXML(dst)
	case *IQ:
		return v.AppendXML(dst)
	case *Raw:
		return v.AppendXML(dst)
	case Raw:
		return v.AppendXML(dst)
	case *streamerror.Error:
		if v == nil {
			return dst, errNilElement
		}
		return v.AppendXML(dst)
	case nil:
		return dst, errNilElement
	}
	return dst, fmt.Errorf("stanza: cannot encode %T", v)
}

// AppendHeader appends the XML declaration and the stream's opening tag
// (RFC 6120 §4.7) to dst:
//
//	<?xml version='1.0'?><stream:stream from='…' id='…' to='…' version='…'
//	xml:lang='…' xmlns='…' xmlns:stream='http://etherx.jabber.org/streams'>
//
// without the line break. Attributes are written when not empty, in that
// order; xmlns is h.NS, or NSClient when h.NS is empty. Entries of h.Attr
// that the fields above do not cover are written after them (unqualified
// attributes and xmlns:prefix declarations; any other qualified attribute
// fails with ErrInvalidName). h.Name is not used: the tag is always
// stream:stream. A nil h writes a header with only the namespaces.
func AppendHeader(dst []byte, h *Header) ([]byte, error) {
	if h == nil {
		h = &Header{}
	}
	ns := h.NS
	if ns == "" {
		ns = NSClient
	}
	w := xmlWriter{b: dst}
	w.raw("<?xml version='1.0'?><stream:stream")
	w.attr("from", h.From)
	w.attr("id", h.ID)
	w.attr("to", h.To)
	w.attr("version", h.Version)
	w.attr("xml:lang", h.Lang)
	w.raw(" xmlns='")
	w.escape(ns, &attrClass, "xmlns")
	w.raw("' xmlns:stream='" + NSStream + "'")
	for _, a := range h.Attr {
		if w.err != nil {
			break
		}
		switch a.Name.Space {
		case "":
			switch a.Name.Local {
			case "from", "id", "to", "version", "xmlns":
				continue
			}
			if !isName(a.Name.Local) {
				w.fail(fmt.Errorf("%w: header attribute %q", ErrInvalidName, a.Name.Local))
				break
			}
			w.raw(" ")
			w.raw(a.Name.Local)
			w.raw("='")
			w.escape(a.Value, &attrClass, a.Name.Local)
			w.raw("'")
		case "xmlns":
			if a.Name.Local == "stream" || a.Name.Local == "" {
				continue
			}
			if !isName(a.Name.Local) || a.Name.Local == "xml" || a.Name.Local == "xmlns" {
				w.fail(fmt.Errorf("%w: header namespace prefix %q", ErrInvalidName, a.Name.Local))
				break
			}
			w.raw(" xmlns:")
			w.raw(a.Name.Local)
			w.raw("='")
			w.escape(a.Value, &attrClass, "xmlns:"+a.Name.Local)
			w.raw("'")
		case "xml", NSXML:
			if a.Name.Local == "lang" {
				continue
			}
			fallthrough
		default:
			w.fail(fmt.Errorf("%w: qualified header attribute {%s}%s", ErrInvalidName, a.Name.Space, a.Name.Local))
		}
	}
	w.raw(">")
	return w.done(dst)
}

// streamEnd is the closing stream tag (RFC 6120 §4.4).
const streamEnd = "</stream:stream>"
