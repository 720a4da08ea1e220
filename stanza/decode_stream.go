package stanza

import (
	"bytes"
	"encoding/xml"
	"io"
	"unicode/utf8"

	"github.com/xmppkit/xmpp/streamerror"
)

// decNSComponent is the content namespace of XEP-0114 component streams,
// whose message, presence and iq are stanzas too.
const decNSComponent = "jabber:component:accept"

// Kinds of first-level element, decided on the start tag.
const (
	decKRaw = iota
	decKMessage
	decKPresence
	decKIQ
	decKStreamError
)

// header reads the XML declaration, the prolog and the stream header.
func (d *Decoder) header() (*Header, error) {
	d.setStart(d.pos)
	c, err := d.peek()
	if err != nil {
		return nil, err
	}
	// RFC 6120 §11.6: UTF-8 only. Recognise the other encodings XML 1.0
	// Appendix F autodetects (UTF-16/32 with or without a byte order mark,
	// EBCDIC) to answer them with unsupported-encoding.
	switch c {
	case 0x00, 0xFE, 0xFF:
		return nil, d.errAt(d.pos, streamerror.UnsupportedEncoding, "stream is not UTF-8")
	case 0x4C, '<':
		if d.ensure(2) == nil && (c == '<' && d.buf[d.pos+1] == 0 || c == 0x4C && d.buf[d.pos+1] == 0x6F) {
			return nil, d.errAt(d.pos, streamerror.UnsupportedEncoding, "stream is not UTF-8")
		}
	case 0xEF:
		if d.ensure(3) == nil && d.buf[d.pos+1] == 0xBB && d.buf[d.pos+2] == 0xBF {
			// RFC 6120 §11.6: an entity "MUST NOT send a byte order mark"
			// and a U+FEFF received is a zero width no-break space, here
			// character data before the stream header.
			return nil, d.nwf(d.pos, "byte order mark (U+FEFF) before the stream header")
		}
	}
	if err := d.xmlDecl(); err != nil {
		return nil, err
	}
	// Misc* (XML 1.0 §2.8 [27]): only whitespace is allowed here by RFC
	// 6120 §11.1.
	if _, err := d.skipSpace(); err != nil {
		return nil, err
	}
	d.setStart(d.pos)
	if d.buf[d.pos] != '<' {
		return nil, d.nwf(d.pos, "character data before the stream header")
	}
	if err := d.ensure(2); err != nil {
		return nil, err
	}
	switch d.buf[d.pos+1] {
	case '?':
		return nil, d.errAt(d.pos, streamerror.RestrictedXML, "processing instruction")
	case '!':
		return nil, d.scanBang(0)
	case '/':
		return nil, d.nwf(d.pos, "end tag before the stream header")
	}
	d.toks = d.toks[:0]
	d.attrs = d.attrs[:0]
	d.ns = d.ns[:0]
	d.scratch = d.scratch[:0]
	d.nHdrNS = 0
	t, err := d.scanStartTag(0)
	if err != nil {
		return nil, err
	}
	h := d.buildHeader(t)
	// RFC 6120 §4.8.1, §11.2.1: the stream element is qualified by the
	// streams namespace.
	if h.Name.Space != NSStream || h.Name.Local != "stream" {
		return h, d.errAt(d.es+int(t.s), streamerror.InvalidNamespace, "stream header is not {"+NSStream+"}stream")
	}
	// Keep the header's bindings for the whole stream.
	d.hdrStore = d.hdrStore[:0]
	for i := range d.ns {
		b := &d.ns[i]
		p := d.bytesOf(b.pw, b.ps, b.pe)
		b.pw, b.ps = scWHdr, int32(len(d.hdrStore))
		d.hdrStore = append(d.hdrStore, p...)
		b.pe = int32(len(d.hdrStore))
		if b.uri.where != scWNone {
			u := d.nsBytes(b.uri)
			s := int32(len(d.hdrStore))
			d.hdrStore = append(d.hdrStore, u...)
			b.uri = decNS{where: scWHdr, depth: 0, s: s, e: int32(len(d.hdrStore))}
		}
	}
	// The default namespace's binding goes last, where startTagFast looks
	// first: the bindings of one tag are distinct, so their order does
	// not change what lookup finds.
	for i := range d.ns {
		if d.ns[i].pe == d.ns[i].ps {
			b := d.ns[i]
			copy(d.ns[i:], d.ns[i+1:])
			d.ns[len(d.ns)-1] = b
			break
		}
	}
	d.nHdrNS = len(d.ns)
	d.hdrName = append(d.hdrName[:0], d.rel(t.s+1, t.nameE)...)
	d.hdrNS = h.NS
	d.st = decStream
	if t.flags&scFSelfClose != 0 {
		d.st = decDone
	}
	d.setStart(d.pos)
	return h, nil
}

// xmlDecl reads the XML declaration if the stream starts with one (XML 1.0
// §2.8 [23]): version 1.x, an encoding that must be UTF-8 (RFC 6120 §11.6,
// else unsupported-encoding), standalone yes or no.
func (d *Decoder) xmlDecl() error {
	const decl = "<?xml"
	for i := 0; i < len(decl)+1; i++ {
		if err := d.ensure(i + 1); err != nil {
			return err
		}
		if i == len(decl) {
			if scanClass[d.buf[d.pos+i]]&scSpace == 0 {
				return nil // a PI such as <?xml-stylesheet?>, refused later
			}
			break
		}
		if d.buf[d.pos+i] != decl[i] {
			return nil
		}
	}
	d.pos += len(decl)
	var buf [64]byte
	seen := 0 // 1 version, 2 encoding, 3 standalone
	for {
		saw, err := d.skipSpace()
		if err != nil {
			return err
		}
		if d.buf[d.pos] == '?' {
			d.pos++
			if err := d.expect('>', "malformed XML declaration"); err != nil {
				return err
			}
			if seen == 0 {
				return d.nwf(d.pos, "XML declaration without version")
			}
			return nil
		}
		if !saw {
			return d.nwf(d.pos, "malformed XML declaration")
		}
		at := d.pos
		atRel := at - d.es
		if _, err := d.scanName(false); err != nil {
			return err
		}
		name := string(d.buf[d.es+atRel : d.pos])
		if _, err := d.skipSpace(); err != nil {
			return err
		}
		if err := d.expect('=', "malformed XML declaration"); err != nil {
			return err
		}
		if _, err := d.skipSpace(); err != nil {
			return err
		}
		q := d.buf[d.pos]
		if q != '\'' && q != '"' {
			return d.nwf(d.pos, "malformed XML declaration")
		}
		d.pos++
		valRel := d.pos - d.es
		v := buf[:0]
		for {
			c, err := d.peek()
			if err != nil {
				return err
			}
			d.pos++
			if c == q {
				break
			}
			if len(v) == len(buf) {
				return d.nwf(d.pos-1, "malformed XML declaration")
			}
			v = append(v, c)
		}
		bad := d.nwf(d.es+valRel, "malformed XML declaration")
		switch {
		case name == "version" && seen == 0:
			// VersionNum ::= '1.' [0-9]+ (XML 1.0 Fifth Edition §2.8).
			if len(v) < 3 || v[0] != '1' || v[1] != '.' || !decAllDigits(v[2:]) {
				return bad
			}
			seen = 1
		case name == "encoding" && seen == 1:
			if !decEncName(v) {
				return bad
			}
			if !bytes.EqualFold(v, []byte("UTF-8")) {
				return d.errAt(d.es+valRel, streamerror.UnsupportedEncoding, "encoding "+string(v)+" declared")
			}
			seen = 2
		case name == "standalone" && (seen == 1 || seen == 2):
			if string(v) != "yes" && string(v) != "no" {
				return bad
			}
			seen = 3
		default:
			return d.nwf(d.es+atRel, "malformed XML declaration")
		}
	}
}

// decAllDigits reports whether b is one or more ASCII digits.
func decAllDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// decEncName reports whether b matches EncName (XML 1.0 §4.3.3 [81]).
func decEncName(b []byte) bool {
	if len(b) == 0 || !(b[0] >= 'a' && b[0] <= 'z' || b[0] >= 'A' && b[0] <= 'Z') {
		return false
	}
	for _, c := range b[1:] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// buildHeader makes the Header of the start tag t.
func (d *Decoder) buildHeader(t *decTok) *Header {
	h := &Header{Name: xml.Name{Space: string(d.nsBytes(t.ns)), Local: string(d.local(t))}}
	if n := int(t.a1 - t.a0); n > 0 {
		h.Attr = make([]xml.Attr, 0, n)
	}
	for i := t.a0; i < t.a1; i++ {
		a := &d.attrs[i]
		var v string
		if a.flags&scFEsc == 0 {
			v = string(d.rel(a.vs, a.ve))
		} else {
			v = string(decAppendValue(nil, d.rel(a.vs, a.ve), decModeAttr))
		}
		local := string(d.rel(d.localStart(a.s, a.colon), a.e))
		var name xml.Name
		switch {
		case a.decl == 1:
			name.Local = "xmlns"
			h.NS = v
		case a.decl == 2:
			name = xml.Name{Space: "xmlns", Local: local}
		case a.colon >= 0:
			name = xml.Name{Space: string(d.nsBytes(a.ns)), Local: local}
			if a.ns.where == scWXML && local == "lang" {
				h.Lang = v
			}
		default:
			name.Local = local
			switch local {
			case "to":
				h.To = v
			case "from":
				h.From = v
			case "id":
				h.ID = v
			case "version":
				h.Version = v
			}
		}
		h.Attr = append(h.Attr, xml.Attr{Name: name, Value: v})
	}
	return h
}

// localStart returns the offset of a qualified name's local part.
func (d *Decoder) localStart(s, colon int32) int32 {
	if colon >= 0 {
		return colon + 1
	}
	return s
}

// next reads the next first-level element or the closing tag.
func (d *Decoder) next() (Element, error) {
	// Whitespace between elements (RFC 6120 §11.7) is dropped as it is
	// read: keepalives never grow the buffer.
	for {
		b := d.buf[:d.vend]
		p := d.pos
		for p < len(b) && scanClass[b[p]]&scSpace != 0 {
			p++
		}
		d.pos = p
		d.setStart(p)
		if p < len(b) {
			break
		}
		if p < d.vend {
			continue // the window moved with the start
		}
		if err := d.fill(); err != nil {
			return nil, err
		}
	}
	if d.buf[d.pos] != '<' {
		return nil, d.topText()
	}
	if err := d.ensure(2); err != nil {
		return nil, err
	}
	switch d.buf[d.pos+1] {
	case '/':
		return nil, d.streamEnd()
	case '!':
		return nil, d.scanBang(1)
	case '?':
		return nil, d.errAt(d.pos, streamerror.RestrictedXML, "processing instruction")
	}
	if err := d.scanElement(); err != nil {
		return nil, err
	}
	el, err := d.build()
	d.setStart(d.pos)
	return el, err
}

// topText reports character data between first-level elements, at d.pos:
// not-well-formed if it is not text at all, else bad-format (only
// whitespace may appear there, RFC 6120 §11.7).
func (d *Decoder) topText() error {
	at := d.pos
	atRel := at - d.es
	switch c := d.buf[d.pos]; {
	case c == '&':
		if err := d.scanRef(); err != nil {
			return err
		}
	case c >= utf8.RuneSelf:
		if err := d.scanUTF8(); err != nil {
			return err
		}
	case c < 0x20:
		return d.nwf(at, "control character not allowed in XML")
	}
	return d.errAt(d.es+atRel, streamerror.BadFormat, "character data between first-level elements")
}

// streamEnd reads the closing tag at d.pos, which must match the header's
// (RFC 6120 §4.4), and returns io.EOF.
func (d *Decoder) streamEnd() error {
	d.pos += 2
	for i := 0; i < len(d.hdrName); i++ {
		c, err := d.peek()
		if err != nil {
			return err
		}
		if c != d.hdrName[i] {
			return d.nwf(d.pos, "end tag does not match the stream header")
		}
		d.pos++
	}
	if _, err := d.skipSpace(); err != nil {
		return err
	}
	if d.buf[d.pos] != '>' {
		return d.nwf(d.pos, "end tag does not match the stream header")
	}
	d.pos++
	d.setStart(d.pos)
	d.st = decDone
	return io.EOF
}

// classify decides the kind of the first-level element t (d.kind) from
// its expanded name, and refuses an element of the content namespace
// that is not a stanza (RFC 6120 §4.9.3.24 unsupported-stanza-type).
func (d *Decoder) classify(t *decTok) error {
	ns := d.nsBytes(t.ns)
	local := d.local(t)
	d.kind = decKRaw
	switch string(ns) {
	case NSClient, NSServer, decNSComponent:
		switch string(local) {
		case "message":
			d.kind = decKMessage
		case "presence":
			d.kind = decKPresence
		case "iq":
			d.kind = decKIQ
		}
	case NSStream:
		if string(local) == "error" {
			d.kind = decKStreamError
		}
	}
	if d.kind == decKRaw && d.hdrNS != "" && d.hdrNS != NSStream && string(ns) == d.hdrNS {
		return d.errAt(d.es+int(t.s), streamerror.UnsupportedStanzaType, "<"+string(local)+"/> in the content namespace")
	}
	return nil
}
