package stanza

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"unicode/utf8"
	"unsafe"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/streamerror"
)

// Pass 2: building the typed value of a first-level element from the
// records of pass 1.
//
// Every string and every Raw.XML of one element is first appended to
// d.out (decoded text, normalised attribute values, namespace-complete raw
// elements), each piece at its own offsets, then d.out is copied once into
// a new backing array and the fields are taken as pieces of it: one
// allocation for all the bytes of a stanza. Strings are made with
// unsafe.String over pieces that no Raw.XML covers; each Raw.XML is a
// slice of its own piece with its capacity clipped, so writing into a
// Raw.XML (or appending to it) can never change a string. The backing is
// never written after the strings are made.

// decSref is a string of the value being built: d.out[s:e], or when that
// is empty the interned constant decInterned[k]. It holds no pointers.
type decSref struct {
	s, e int32
	k    uint8
}

// none reports whether r is the zero decSref: no string at all.
func (r *decSref) none() bool { return *r == decSref{} }

// decSpan is a string of the value being built that is never interned:
// d.out[s:e].
type decSpan struct{ s, e int32 }

// decRawRef is a Raw being built.
type decRawRef struct {
	space, local decSref
	s, e         int32
}

// decTextRef is a Text being built.
type decTextRef struct{ lang, val decSref }

// decCommon holds the attributes common to stanzas (RFC 6120 §8.1).
type decCommon struct {
	typ, lang      decSref
	id, to, from   decSpan
	hasTo, hasFrom bool
}

// decErrRefs is a stanza <error/> being built (RFC 6120 §8.3.2).
type decErrRefs struct {
	typ, cond, uri, text, lang decSref
	by                         decSpan
	hasBy, hasApp              bool
	app                        decRawRef
}

// Decoding modes of decAppendValue.
const (
	decModeText  = iota // character data: references, line ends (XML 1.0 §2.11)
	decModeAttr         // attribute value: also whitespace to space (§3.3.3)
	decModeCDATA        // CDATA section: line ends only
)

// decAppendValue appends src decoded as mode says. src has been checked
// by the scanner.
func decAppendValue(dst, src []byte, mode int) []byte {
	for len(src) > 0 {
		i := 0
		for ; i < len(src); i++ {
			c := src[i]
			if c == '\r' || (c == '&' && mode != decModeCDATA) || ((c == '\t' || c == '\n') && mode == decModeAttr) {
				break
			}
		}
		dst = append(dst, src[:i]...)
		if i == len(src) {
			break
		}
		c := src[i]
		src = src[i+1:]
		switch c {
		case '\r':
			if len(src) > 0 && src[0] == '\n' {
				src = src[1:]
			}
			if mode == decModeAttr {
				dst = append(dst, ' ')
			} else {
				dst = append(dst, '\n')
			}
		case '\t', '\n':
			dst = append(dst, ' ')
		case '&':
			j := bytes.IndexByte(src, ';')
			if j < 1 {
				return append(dst, src...) // unreachable: checked by the scanner
			}
			ref := src[:j]
			src = src[j+1:]
			if ref[0] != '#' {
				switch string(ref) {
				case "lt":
					dst = append(dst, '<')
				case "gt":
					dst = append(dst, '>')
				case "amp":
					dst = append(dst, '&')
				case "apos":
					dst = append(dst, '\'')
				case "quot":
					dst = append(dst, '"')
				}
				continue
			}
			var v rune
			if len(ref) > 1 && ref[1] == 'x' {
				for _, h := range ref[2:] {
					switch {
					case h >= '0' && h <= '9':
						h -= '0'
					case h >= 'a' && h <= 'f':
						h -= 'a' - 10
					default:
						h -= 'A' - 10
					}
					v = min(v*16+rune(h), utf8.MaxRune+1)
				}
			} else {
				for _, h := range ref[1:] {
					v = min(v*10+rune(h-'0'), utf8.MaxRune+1)
				}
			}
			dst = utf8.AppendRune(dst, v)
		}
	}
	return dst
}

// decAppendRef appends the character a reference (checked by the scanner)
// stands for.
func decAppendRef(dst, ref []byte) []byte {
	switch len(ref) {
	case 4:
		if ref[1] == 'l' {
			return append(dst, '<')
		}
		if ref[1] == 'g' {
			return append(dst, '>')
		}
	case 5:
		if ref[1] == 'a' {
			return append(dst, '&')
		}
	case 6:
		if ref[1] == 'q' {
			return append(dst, '"')
		}
		if ref[1] == 'a' {
			return append(dst, '\'')
		}
	}
	return decAppendValue(dst, ref, decModeText)
}

// decStr returns the string r of the backing array back.
func decStr(back []byte, r decSref) string {
	if r.s == r.e {
		return decInterned[r.k]
	}
	return unsafe.String(&back[r.s], int(r.e-r.s))
}

// decSet stores the string r of back in *dst unless it is empty: the
// values are built in zeroed memory, and a pointer store costs a write
// barrier while the garbage collector marks.
func decSet(dst *string, back []byte, r decSref) {
	if r.s != r.e {
		*dst = unsafe.String(&back[r.s], int(r.e-r.s))
	} else if r.k != 0 {
		*dst = decInterned[r.k]
	}
}

// decSetSpan stores the string r of back in *dst unless it is empty.
func decSetSpan(dst *string, back []byte, r decSpan) {
	if r.s != r.e {
		*dst = unsafe.String(&back[r.s], int(r.e-r.s))
	}
}

// decStrSpan returns the string r of back.
func decStrSpan(back []byte, r decSpan) string {
	if r.s == r.e {
		return ""
	}
	return unsafe.String(&back[r.s], int(r.e-r.s))
}

// decRaw returns the Raw r of the backing array back.
func decRaw(back []byte, r *decRawRef) Raw {
	return Raw{
		Name: xml.Name{Space: decStr(back, r.space), Local: decStr(back, r.local)},
		XML:  back[r.s:r.e:r.e],
	}
}

// decBox is a value of type T and the bytes of its strings and Raws, in
// one allocation.
type decBox[T, B any] struct {
	v T
	b B
}

// decNew allocates a T and a copy of out (its backing array) together:
// one allocation for a stanza, its extensions and all its bytes. The
// bytes go in an array of the next size of a list picked by a jump table:
// steps of 16 bytes up to 512, where most stanzas are and the allocator's
// size classes are 16 or 32 bytes apart, then of 128 up to 2 KiB. Above
// 2 KiB they get their own allocation.
func decNew[T any](out []byte) (*T, []byte) {
	n := len(out)
	k := (n + 15) >> 4
	if n > 512 {
		k = 32 + (n-512+127)>>7
	}
	var v *T
	var back []byte
	switch k {
	case 0:
		return new(T), nil
	case 1:
		a := new(decBox[T, [16]byte])
		v, back = &a.v, a.b[:n:n]
	case 2:
		a := new(decBox[T, [32]byte])
		v, back = &a.v, a.b[:n:n]
	case 3:
		a := new(decBox[T, [48]byte])
		v, back = &a.v, a.b[:n:n]
	case 4:
		a := new(decBox[T, [64]byte])
		v, back = &a.v, a.b[:n:n]
	case 5:
		a := new(decBox[T, [80]byte])
		v, back = &a.v, a.b[:n:n]
	case 6:
		a := new(decBox[T, [96]byte])
		v, back = &a.v, a.b[:n:n]
	case 7:
		a := new(decBox[T, [112]byte])
		v, back = &a.v, a.b[:n:n]
	case 8:
		a := new(decBox[T, [128]byte])
		v, back = &a.v, a.b[:n:n]
	case 9:
		a := new(decBox[T, [144]byte])
		v, back = &a.v, a.b[:n:n]
	case 10:
		a := new(decBox[T, [160]byte])
		v, back = &a.v, a.b[:n:n]
	case 11:
		a := new(decBox[T, [176]byte])
		v, back = &a.v, a.b[:n:n]
	case 12:
		a := new(decBox[T, [192]byte])
		v, back = &a.v, a.b[:n:n]
	case 13:
		a := new(decBox[T, [208]byte])
		v, back = &a.v, a.b[:n:n]
	case 14:
		a := new(decBox[T, [224]byte])
		v, back = &a.v, a.b[:n:n]
	case 15:
		a := new(decBox[T, [240]byte])
		v, back = &a.v, a.b[:n:n]
	case 16:
		a := new(decBox[T, [256]byte])
		v, back = &a.v, a.b[:n:n]
	case 17:
		a := new(decBox[T, [272]byte])
		v, back = &a.v, a.b[:n:n]
	case 18:
		a := new(decBox[T, [288]byte])
		v, back = &a.v, a.b[:n:n]
	case 19:
		a := new(decBox[T, [304]byte])
		v, back = &a.v, a.b[:n:n]
	case 20:
		a := new(decBox[T, [320]byte])
		v, back = &a.v, a.b[:n:n]
	case 21:
		a := new(decBox[T, [336]byte])
		v, back = &a.v, a.b[:n:n]
	case 22:
		a := new(decBox[T, [352]byte])
		v, back = &a.v, a.b[:n:n]
	case 23:
		a := new(decBox[T, [368]byte])
		v, back = &a.v, a.b[:n:n]
	case 24:
		a := new(decBox[T, [384]byte])
		v, back = &a.v, a.b[:n:n]
	case 25:
		a := new(decBox[T, [400]byte])
		v, back = &a.v, a.b[:n:n]
	case 26:
		a := new(decBox[T, [416]byte])
		v, back = &a.v, a.b[:n:n]
	case 27:
		a := new(decBox[T, [432]byte])
		v, back = &a.v, a.b[:n:n]
	case 28:
		a := new(decBox[T, [448]byte])
		v, back = &a.v, a.b[:n:n]
	case 29:
		a := new(decBox[T, [464]byte])
		v, back = &a.v, a.b[:n:n]
	case 30:
		a := new(decBox[T, [480]byte])
		v, back = &a.v, a.b[:n:n]
	case 31:
		a := new(decBox[T, [496]byte])
		v, back = &a.v, a.b[:n:n]
	case 32:
		a := new(decBox[T, [512]byte])
		v, back = &a.v, a.b[:n:n]
	case 33:
		a := new(decBox[T, [640]byte])
		v, back = &a.v, a.b[:n:n]
	case 34:
		a := new(decBox[T, [768]byte])
		v, back = &a.v, a.b[:n:n]
	case 35:
		a := new(decBox[T, [896]byte])
		v, back = &a.v, a.b[:n:n]
	case 36:
		a := new(decBox[T, [1024]byte])
		v, back = &a.v, a.b[:n:n]
	case 37:
		a := new(decBox[T, [1152]byte])
		v, back = &a.v, a.b[:n:n]
	case 38:
		a := new(decBox[T, [1280]byte])
		v, back = &a.v, a.b[:n:n]
	case 39:
		a := new(decBox[T, [1408]byte])
		v, back = &a.v, a.b[:n:n]
	case 40:
		a := new(decBox[T, [1536]byte])
		v, back = &a.v, a.b[:n:n]
	case 41:
		a := new(decBox[T, [1664]byte])
		v, back = &a.v, a.b[:n:n]
	case 42:
		a := new(decBox[T, [1792]byte])
		v, back = &a.v, a.b[:n:n]
	case 43:
		a := new(decBox[T, [1920]byte])
		v, back = &a.v, a.b[:n:n]
	case 44:
		a := new(decBox[T, [2048]byte])
		v, back = &a.v, a.b[:n:n]
	default:
		back = make([]byte, n)
		copy(back, out) // make and copy: the bytes are not zeroed first
		return new(T), back
	}
	copy(back, out)
	return v, back
}

// put appends b to d.out.
func (d *Decoder) put(b []byte) decSref {
	if len(b) == 0 {
		return decSref{}
	}
	s := int32(len(d.out))
	d.out = append(d.out, b...)
	return decSref{s: s, e: int32(len(d.out))}
}

// putInterned returns b as an interned constant when it is a common
// value, else appends it.
func (d *Decoder) putInterned(b []byte, intern func([]byte) uint8) decSref {
	if k := intern(b); k != 0 {
		return decSref{k: k}
	}
	return d.put(b)
}

// attrVal appends the normalised value of a (XML 1.0 §3.3.3).
func (d *Decoder) attrVal(a *decAttr) decSpan {
	raw := d.rel(a.vs, a.ve)
	if a.flags&scFEsc == 0 {
		if n := len(d.out); len(raw) <= 32 && cap(d.out)-n >= 32 && cap(raw) >= 32 {
			// The usual id or JID: 32 bytes copied without a call, those
			// past the value overwritten later or left unused.
			w := *(*[32]byte)(raw[:32]) // loaded whole, then stored: no call
			*(*[32]byte)(d.out[n : n+32]) = w
			d.out = d.out[:n+len(raw)]
			return decSpan{s: int32(n), e: int32(n + len(raw))}
		}
		s := int32(len(d.out))
		d.out = append(d.out, raw...)
		return decSpan{s: s, e: int32(len(d.out))}
	}
	s := int32(len(d.out))
	d.out = decAppendValue(d.out, raw, decModeAttr)
	return decSpan{s: s, e: int32(len(d.out))}
}

// attrValInterned is attrVal for values that repeat (types, languages).
func (d *Decoder) attrValInterned(a *decAttr) decSref {
	raw := d.rel(a.vs, a.ve)
	if a.flags&scFEsc == 0 {
		return d.putInterned(raw, decInternValue)
	}
	s := int32(len(d.out))
	d.out = decAppendValue(d.out, raw, decModeAttr)
	return decSref{s: s, e: int32(len(d.out))}
}

// textOf appends the character data directly inside the element of token
// i (child elements are skipped, as encoding/xml does for a string
// field) and returns it.
func (d *Decoder) textOf(i int) decSref {
	t := &d.toks[i]
	if int(t.next) == i+2 && d.toks[i+1].kind == scTText {
		// One text token, decoded in d.out by the scanner.
		c := &d.toks[i+1]
		return decSref{s: c.ds, e: c.de}
	}
	s := int32(len(d.out))
	for j := i + 1; j < int(t.next); {
		c := &d.toks[j]
		if c.kind == scTStart {
			j = int(c.next)
			continue
		}
		j++
		switch {
		case c.kind == scTText:
			d.out = append(d.out, d.out[c.ds:c.de]...)
		case c.flags&scFEsc == 0:
			d.out = append(d.out, d.rel(c.s, c.e)...)
		default:
			d.out = decAppendValue(d.out, d.rel(c.s, c.e), decModeCDATA)
		}
	}
	return decSref{s: s, e: int32(len(d.out))}
}

// local returns the local name of the start tag t.
func (d *Decoder) local(t *decTok) []byte { return d.rel(d.localStart(t.s+1, t.colon), t.nameE) }

// langOf appends the xml:lang attribute of t, if any.
func (d *Decoder) langOf(t *decTok) decSref {
	for i := t.a0; i < t.a1; i++ {
		a := &d.attrs[i]
		if a.ns.where == scWXML && a.decl == 0 && string(d.rel(a.colon+1, a.e)) == "lang" {
			return d.attrValInterned(a)
		}
	}
	return decSref{}
}

// common appends the common stanza attributes of t (RFC 6120 §8.1.1–5)
// to c, which is zero. The names are told apart by length and one load:
// "id" and "to" are two bytes, "from" and "type" four.
func (d *Decoder) common(t *decTok, c *decCommon) {
	attrs := d.attrs[t.a0:t.a1]
	for i := range attrs {
		a := &attrs[i]
		if a.decl != 0 {
			continue
		}
		if a.colon >= 0 {
			if a.ns.where == scWXML && string(d.rel(a.colon+1, a.e)) == "lang" {
				c.lang = d.attrValInterned(a)
			}
			continue
		}
		// Four bytes from the name's start are always in the buffer: the
		// name is followed by '=' and a quoted value.
		p := d.es + int(a.s)
		if p < 0 || p+4 > len(d.buf) {
			continue // unreachable
		}
		w := binary.LittleEndian.Uint32(d.buf[p : p+4])
		switch a.e - a.s {
		case 2:
			switch uint16(w) {
			case 'i' | 'd'<<8:
				c.id = d.attrVal(a)
			case 't' | 'o'<<8:
				c.to, c.hasTo = d.attrVal(a), true
			}
		case 4:
			switch w {
			case 'f' | 'r'<<8 | 'o'<<16 | 'm'<<24:
				c.from, c.hasFrom = d.attrVal(a), true
			case 't' | 'y'<<8 | 'p'<<16 | 'e'<<24:
				c.typ = d.attrValInterned(a)
			}
		}
	}
}

// sameNS reports whether tokens t and u are in the same namespace: the
// same binding (and so the same depth), checked inline, or the same name.
func (d *Decoder) sameNS(t, u *decTok) bool {
	return t.ns == u.ns || d.sameNSName(t, u)
}

// sameNSName reports whether tokens t and u have the same namespace name.
func (d *Decoder) sameNSName(t, u *decTok) bool {
	// Names of different lengths differ; the xml namespace's span is empty.
	if t.ns.e-t.ns.s != u.ns.e-u.ns.s && t.ns.where != scWXML && u.ns.where != scWXML {
		return false
	}
	return bytes.Equal(d.nsBytes(t.ns), d.nsBytes(u.ns))
}

// rawOf appends the element of token i, namespace-complete: every
// namespace it uses that is declared on an ancestor (the stanza or the
// stream header) is declared again on its start tag, right after the
// name.
func (d *Decoder) rawOf(i int, r *decRawRef) error {
	t := &d.toks[i]
	r.space = d.putInterned(d.nsBytes(t.ns), decInternNS)
	r.local = d.putInterned(d.local(t), decInternLocal)
	raw := d.rel(t.s, t.end)
	r.s = int32(len(d.out))
	inject := t.outer < t.depth
	if !inject && int(t.next) > i+1 { // not an empty element: look inside
		toks, depth := d.toks[i+1:t.next], t.depth
		for k := range toks {
			if toks[k].outer < depth && toks[k].kind == scTStart {
				inject = true
				break
			}
		}
	}
	if !inject {
		d.out = append(d.out, raw...)
		r.e = int32(len(d.out))
		return nil
	}
	return d.rawInject(i, r, raw)
}

// rawInject is rawOf for the element of token i when it uses namespaces
// declared on an ancestor: it appends raw, the element, with their
// declarations.
func (d *Decoder) rawInject(i int, r *decRawRef, raw []byte) error {
	t := &d.toks[i]
	nameLen := int(t.nameE - t.s)
	d.out = append(d.out, raw[:nameLen]...)
	d.inj = d.inj[:0]
	for j := i; j < int(t.next); j++ {
		c := &d.toks[j]
		if c.kind != scTStart || c.outer >= t.depth {
			continue
		}
		if c.ns.depth >= 0 && c.ns.depth < t.depth {
			ps, pe := c.s+1, c.s+1
			if c.colon >= 0 {
				pe = c.colon
			}
			d.injectNS(ps, pe, c.ns)
		}
		for k := c.a0; k < c.a1; k++ {
			a := &d.attrs[k]
			if a.decl == 0 && a.colon >= 0 && a.ns.depth >= 0 && a.ns.depth < t.depth {
				d.injectNS(a.s, a.colon, a.ns)
			}
		}
		if len(d.out) > 2*d.lim.MaxStanzaSize+decReadMin {
			return d.limitErr(d.es+int(t.s), ErrStanzaTooLarge)
		}
	}
	d.out = append(d.out, raw[nameLen:]...)
	r.e = int32(len(d.out))
	return nil
}

// pushExt appends a zero Raw being built to d.exts and returns it.
func (d *Decoder) pushExt() *decRawRef {
	if len(d.exts) == cap(d.exts) {
		d.exts = append(d.exts, decRawRef{})
	} else {
		d.exts = d.exts[:len(d.exts)+1]
		d.exts[len(d.exts)-1] = decRawRef{}
	}
	return &d.exts[len(d.exts)-1]
}

// injectNS appends a declaration of the prefix rel(ps, pe) (empty: the
// default namespace) for ns, unless one was injected already.
func (d *Decoder) injectNS(ps, pe int32, ns decNS) {
	p := d.rel(ps, pe)
	for _, b := range d.inj {
		if bytes.Equal(d.rel(b.ps, b.pe), p) {
			return
		}
	}
	d.inj = append(d.inj, decBinding{pw: scWBuf, ps: ps, pe: pe})
	d.out = append(d.out, " xmlns"...)
	if len(p) > 0 {
		d.out = append(d.out, ':')
		d.out = append(d.out, p...)
	}
	d.out = append(d.out, '=', '\'')
	for _, c := range d.nsBytes(ns) {
		switch c {
		case '&':
			d.out = append(d.out, "&amp;"...)
		case '<':
			d.out = append(d.out, "&lt;"...)
		case '\'':
			d.out = append(d.out, "&apos;"...)
		case '\t':
			d.out = append(d.out, "&#x9;"...)
		case '\n':
			d.out = append(d.out, "&#xA;"...)
		case '\r':
			d.out = append(d.out, "&#xD;"...)
		default:
			d.out = append(d.out, c)
		}
	}
	d.out = append(d.out, '\'')
}

// build makes the typed value of the element just scanned.
func (d *Decoder) build() (Element, error) {
	d.exts = d.exts[:0]
	switch d.kind {
	case decKMessage:
		return d.buildMessage()
	case decKPresence:
		return d.buildPresence()
	case decKIQ:
		return d.buildIQ()
	case decKStreamError:
		return d.buildStreamError()
	}
	var r decRawRef
	if err := d.rawOf(0, &r); err != nil {
		return nil, err
	}
	raw, back := decNew[Raw](d.out)
	*raw = decRaw(back, &r)
	return raw, nil
}

// buildStreamError hands the namespace-complete <stream:error/> to
// streamerror.Parse; one it cannot read is bad-format.
func (d *Decoder) buildStreamError() (Element, error) {
	var r decRawRef
	if err := d.rawOf(0, &r); err != nil {
		return nil, err
	}
	e, err := streamerror.Parse(bytes.Clone(d.out[r.s:r.e]))
	if err != nil {
		return nil, &DecodeError{Offset: d.off + int64(d.es), Condition: streamerror.BadFormat, Msg: "unreadable stream error", Err: err}
	}
	return e, nil
}

// addresses sets *to and *from, which are zero, from the stanza's 'to'
// and 'from' attributes, those present, and reports the first that is not
// a JID (RFC 6120 §8.3.3.8).
func (d *Decoder) addresses(back []byte, c *decCommon, to, from *jid.JID) *BadStanzaError {
	var err error
	if c.hasTo {
		if *to, err = jid.Parse(decStrSpan(back, c.to)); err != nil {
			return d.badAddress(back, c, "to", err, from)
		}
	}
	if c.hasFrom {
		if *from, err = jid.Parse(decStrSpan(back, c.from)); err != nil {
			return &BadStanzaError{Offset: d.off + int64(d.es), Field: "from", Condition: JIDMalformed, Err: err}
		}
	}
	return nil
}

// badAddress is addresses after the 'to' attribute failed: 'from' is
// still parsed and set.
func (d *Decoder) badAddress(back []byte, c *decCommon, field string, err error, from *jid.JID) *BadStanzaError {
	if c.hasFrom {
		*from, _ = jid.Parse(decStrSpan(back, c.from))
	}
	return &BadStanzaError{Offset: d.off + int64(d.es), Field: field, Condition: JIDMalformed, Err: err}
}

// texts records a <body/>, <subject/> or <status/> child.
func (d *Decoder) textChild(list int, i int) {
	var lang, val decSref
	toks := d.toks
	c := &toks[i]
	if c.a0 != c.a1 {
		lang = d.langOf(c)
	}
	if int(c.next) == i+2 && i+1 < len(toks) && toks[i+1].kind == scTText {
		val = decSref{s: toks[i+1].ds, e: toks[i+1].de} // textOf's first case
	} else {
		val = d.textOf(i)
	}
	l := d.texts[list]
	if len(l) == cap(l) {
		l = append(l, decTextRef{})
	} else {
		l = l[:len(l)+1]
	}
	r := &l[len(l)-1]
	r.lang, r.val = lang, val
	if cap(l) == cap(d.texts[list]) {
		d.texts[list] = d.texts[list][:len(l)] // same array: no pointer written
	} else {
		d.texts[list] = l
	}
}

// pickTexts applies the rule of Message.Body and Message.Bodies: the
// single text without its own xml:lang goes in one; otherwise every text
// goes in all and one is the one in the stanza's language lang (no
// xml:lang of its own, or the stanza's), else the first.
func decPickTexts(back []byte, refs []decTextRef, lang string) (one string, all []Text) {
	switch {
	case len(refs) == 0:
		return "", nil
	case len(refs) == 1 && refs[0].lang == (decSref{}):
		return decStr(back, refs[0].val), nil
	}
	all = make([]Text, len(refs))
	pick := -1
	for i, r := range refs {
		all[i] = Text{Lang: decStr(back, r.lang), Value: decStr(back, r.val)}
		if pick < 0 && (all[i].Lang == "" || all[i].Lang == lang) {
			pick = i
		}
	}
	if pick < 0 {
		pick = 0
	}
	return all[pick].Value, all
}

// errorOf records the stanza <error/> child at token i (RFC 6120 §8.3.2):
// its type and by, the first condition element and <text/> in
// urn:ietf:params:xml:ns:xmpp-stanzas (with the URI of gone and redirect,
// §8.3.3.5, §8.3.3.14), and the first element in another namespace as the
// application-specific condition (§8.3.4).
func (d *Decoder) errorOf(i int) (e decErrRefs, err error) {
	t := &d.toks[i]
	for k := t.a0; k < t.a1; k++ {
		a := &d.attrs[k]
		if a.decl != 0 || a.colon >= 0 {
			continue
		}
		switch string(d.rel(a.s, a.e)) {
		case "type":
			e.typ = d.attrValInterned(a)
		case "by":
			e.by, e.hasBy = d.attrVal(a), true
		}
	}
	hasText, hasCond := false, false
	for j := i + 1; j < int(t.next); {
		ci := j
		c := &d.toks[j]
		if c.kind != scTStart {
			j++
			continue
		}
		j = int(c.next)
		if string(d.nsBytes(c.ns)) == NSStanzaErr {
			local := d.local(c)
			switch {
			case string(local) == "text":
				if !hasText {
					hasText = true
					e.lang = d.langOf(c)
					e.text = d.textOf(ci)
				}
			case !hasCond:
				hasCond = true
				e.cond = d.putInterned(local, decInternLocal)
				if string(local) == string(Gone) || string(local) == string(Redirect) {
					e.uri = d.textOf(ci)
				}
			}
			continue
		}
		if !e.hasApp {
			if err = d.rawOf(ci, &e.app); err != nil {
				return e, err
			}
			e.hasApp = true
		}
	}
	return e, nil
}

// decErrAlloc holds an Error and its App in one allocation.
type decErrAlloc struct {
	e   Error
	app Raw
}

// makeError materialises r. An invalid 'by' is left zero: the stanza is
// an error already, which must not be answered (RFC 6120 §8.3.1).
func decMakeError(back []byte, r *decErrRefs) *Error {
	a := new(decErrAlloc)
	a.e = Error{
		Type:      ErrorType(decStr(back, r.typ)),
		Condition: Condition(decStr(back, r.cond)),
		URI:       decStr(back, r.uri),
		Text:      decStr(back, r.text),
		Lang:      decStr(back, r.lang),
	}
	if r.hasBy {
		a.e.By, _ = jid.Parse(decStrSpan(back, r.by))
	}
	if r.hasApp {
		a.app = decRaw(back, &r.app)
		a.e.App = &a.app
	}
	return &a.e
}

// Allocation shapes: a stanza and its first extensions in one allocation.
type (
	decMsg1 struct {
		m Message
		x [1]Raw
	}
	decMsg2 struct {
		m Message
		x [2]Raw
	}
	decPres1 struct {
		p Presence
		x [1]Raw
	}
	decPres2 struct {
		p Presence
		x [2]Raw
	}
	decIQ1 struct {
		iq IQ
		p  Raw
	}
)

// exts materialises d.exts into x when it fits, else into a new slice.
func (d *Decoder) extsInto(back []byte, x []Raw) []Raw {
	if len(d.exts) == 0 {
		return nil
	}
	if len(d.exts) != len(x) {
		x = make([]Raw, len(d.exts))
	}
	for i := range d.exts {
		x[i] = decRaw(back, &d.exts[i])
	}
	return x[:len(x):len(x)]
}

// buildMessage makes the *Message of the scanned element (RFC 6121 §5).
func (d *Decoder) buildMessage() (Element, error) {
	t := &d.toks[0]
	var c decCommon
	d.common(t, &c)
	d.texts[0] = d.texts[0][:0]
	d.texts[1] = d.texts[1][:0]
	var k decMsgKids
	for i := 1; i < len(d.toks); {
		ci := i
		ch := &d.toks[i]
		if ch.kind != scTStart {
			i++
			continue
		}
		i = int(ch.next)
		if d.sameNS(ch, t) {
			if own, err := d.messageChild(ci, ch, &k); err != nil {
				return nil, err
			} else if own {
				continue
			}
		}
		if err := d.rawOf(ci, d.pushExt()); err != nil {
			return nil, err
		}
	}
	var m *Message
	var back []byte
	switch len(d.exts) {
	case 1:
		var a *decMsg1
		a, back = decNew[decMsg1](d.out)
		m = &a.m
		m.Extensions = d.extsInto(back, a.x[:])
	case 2:
		var a *decMsg2
		a, back = decNew[decMsg2](d.out)
		m = &a.m
		m.Extensions = d.extsInto(back, a.x[:])
	default:
		m, back = decNew[Message](d.out)
		if len(d.exts) > 0 {
			m.Extensions = d.extsInto(back, nil)
		}
	}
	decSetSpan(&m.ID, back, c.id)
	decSet((*string)(&m.Type), back, c.typ)
	decSet(&m.Lang, back, c.lang)
	if l := d.texts[0]; len(l) == 1 && l[0].lang.none() {
		decSet(&m.Body, back, l[0].val) // the usual single body
	} else if len(l) > 0 {
		one, all := decPickTexts(back, l, m.Lang)
		if m.Body = one; all != nil {
			m.Bodies = all
		}
	}
	if len(d.texts[1]) > 0 {
		one, all := decPickTexts(back, d.texts[1], m.Lang)
		if m.Subject = one; all != nil {
			m.Subjects = all
		}
	}
	decSet(&m.Thread, back, k.thread)
	decSet(&m.ThreadParent, back, k.parent)
	if k.hasErr {
		m.Error = decMakeError(back, &d.er)
	}
	bad := d.addresses(back, &c, &m.To, &m.From)
	if bad != nil {
		bad.Stanza = m
		return nil, bad
	}
	return m, nil
}

// decMsgKids is what buildMessage has read of the children of its own
// namespace, besides texts.
type decMsgKids struct {
	thread, parent    decSref
	hasThread, hasErr bool
}

// messageChild reads the child ch (token ci) of a message, in the
// message's namespace, into k or d.texts, and reports whether it was one
// of the message's own (RFC 6121 §5.2): else it is an extension.
func (d *Decoder) messageChild(ci int, ch *decTok, k *decMsgKids) (bool, error) {
	switch string(d.local(ch)) {
	case "body":
		d.textChild(0, ci)
		return true, nil
	case "subject":
		d.textChild(1, ci)
		return true, nil
	case "thread":
		if !k.hasThread {
			k.hasThread = true
			for j := ch.a0; j < ch.a1; j++ {
				if a := &d.attrs[j]; a.decl == 0 && a.colon < 0 && string(d.rel(a.s, a.e)) == "parent" {
					p := d.attrVal(a)
					k.parent = decSref{s: p.s, e: p.e}
				}
			}
			k.thread = d.textOf(ci)
			return true, nil
		}
	case "error":
		return d.errorChild(&k.hasErr, ci)
	}
	return false, nil
}

// errorChild takes the <error/> child of token ci into d.er when it is
// the stanza's first (RFC 6120 §8.3.2); a later one is an extension.
func (d *Decoder) errorChild(seen *bool, ci int) (bool, error) {
	if *seen {
		return false, nil
	}
	*seen = true
	var err error
	d.er, err = d.errorOf(ci)
	return true, err
}

// buildPresence makes the *Presence of the scanned element (RFC 6121 §4.7).
func (d *Decoder) buildPresence() (Element, error) {
	t := &d.toks[0]
	var c decCommon
	d.common(t, &c)
	d.texts[0] = d.texts[0][:0]
	k := decPresKids{prioOK: true}
	for i := 1; i < len(d.toks); {
		ci := i
		ch := &d.toks[i]
		if ch.kind != scTStart {
			i++
			continue
		}
		i = int(ch.next)
		if d.sameNS(ch, t) {
			if own, err := d.presenceChild(ci, ch, &k); err != nil {
				return nil, err
			} else if own {
				continue
			}
		}
		if err := d.rawOf(ci, d.pushExt()); err != nil {
			return nil, err
		}
	}
	var p *Presence
	var back []byte
	switch len(d.exts) {
	case 1:
		var a *decPres1
		a, back = decNew[decPres1](d.out)
		p = &a.p
		p.Extensions = d.extsInto(back, a.x[:])
	case 2:
		var a *decPres2
		a, back = decNew[decPres2](d.out)
		p = &a.p
		p.Extensions = d.extsInto(back, a.x[:])
	default:
		p, back = decNew[Presence](d.out)
		if len(d.exts) > 0 {
			p.Extensions = d.extsInto(back, nil)
		}
	}
	decSetSpan(&p.ID, back, c.id)
	decSet((*string)(&p.Type), back, c.typ)
	decSet(&p.Lang, back, c.lang)
	decSet((*string)(&p.Show), back, k.show)
	if l := d.texts[0]; len(l) == 1 && l[0].lang.none() {
		decSet(&p.Status, back, l[0].val) // the usual single status
	} else if len(l) > 0 {
		one, all := decPickTexts(back, l, p.Lang)
		if p.Status = one; all != nil {
			p.Statuses = all
		}
	}
	p.Priority = k.prio
	if k.hasErr {
		p.Error = decMakeError(back, &d.er)
	}
	bad := d.addresses(back, &c, &p.To, &p.From)
	if !k.prioOK && bad == nil {
		bad = &BadStanzaError{Offset: d.off + int64(d.es), Field: "priority", Condition: BadRequest,
			Err: errors.New("stanza: priority is not an integer in -128…127")}
	}
	if bad != nil {
		bad.Stanza = p
		return nil, bad
	}
	return p, nil
}

// decPresKids is what buildPresence has read of the children of its own
// namespace.
type decPresKids struct {
	show                     decSref
	prio                     int8
	prioOK                   bool
	hasShow, hasPrio, hasErr bool
}

// presenceChild reads the child ch (token ci) of a presence, in the
// presence's namespace, into k, and reports whether it was one of the
// presence's own (RFC 6121 §4.7.2): else it is an extension.
func (d *Decoder) presenceChild(ci int, ch *decTok, k *decPresKids) (bool, error) {
	switch string(d.local(ch)) {
	case "show":
		if !k.hasShow {
			k.hasShow = true
			mark := len(d.out)
			v := d.textOf(ci)
			if s := decInternValue(d.out[v.s:v.e]); s != 0 {
				d.out = d.out[:mark]
				v = decSref{k: s}
			}
			k.show = v
			return true, nil
		}
	case "status":
		d.textChild(0, ci)
		return true, nil
	case "priority":
		if !k.hasPrio {
			k.hasPrio = true
			mark := len(d.out)
			v := d.textOf(ci)
			k.prio, k.prioOK = decParsePriority(d.out[v.s:v.e])
			d.out = d.out[:mark]
			return true, nil
		}
	case "error":
		return d.errorChild(&k.hasErr, ci)
	}
	return false, nil
}

// decTrimSpace returns b without the whitespace (XML 1.0 §2.3 [3]) at its
// ends. (bytes.Trim would build its set of bytes on every call.)
func decTrimSpace(b []byte) []byte {
	for len(b) > 0 && scanClass[b[0]]&scSpace != 0 {
		b = b[1:]
	}
	for len(b) > 0 && scanClass[b[len(b)-1]]&scSpace != 0 {
		b = b[:len(b)-1]
	}
	return b
}

// decParsePriority parses a <priority/>: an xs:byte (RFC 6121 §4.7.2.3),
// optional sign and decimal digits, surrounding whitespace allowed.
func decParsePriority(b []byte) (int8, bool) {
	b = decTrimSpace(b)
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = min(v*10+int(c-'0'), 1000)
	}
	if neg {
		v = -v
	}
	if v < -128 || v > 127 {
		return 0, false
	}
	return int8(v), true
}

// buildIQ makes the *IQ of the scanned element (RFC 6120 §8.2.3).
func (d *Decoder) buildIQ() (Element, error) {
	t := &d.toks[0]
	var c decCommon
	d.common(t, &c)
	hasPayload, hasErr := false, false
	var payload decRawRef
	for i := 1; i < len(d.toks); {
		ci := i
		ch := &d.toks[i]
		if ch.kind != scTStart {
			i++
			continue
		}
		i = int(ch.next)
		if !hasErr && d.sameNS(ch, t) && string(d.local(ch)) == "error" {
			hasErr = true
			var err error
			if d.er, err = d.errorOf(ci); err != nil {
				return nil, err
			}
			continue
		}
		r := &payload
		if hasPayload {
			r = d.pushExt()
		}
		if err := d.rawOf(ci, r); err != nil {
			return nil, err
		}
		hasPayload = true
	}
	a, back := decNew[decIQ1](d.out)
	iq := &a.iq
	decSetSpan(&iq.ID, back, c.id)
	decSet((*string)(&iq.Type), back, c.typ)
	decSet(&iq.Lang, back, c.lang)
	if hasPayload {
		a.p = decRaw(back, &payload)
		iq.Payload = &a.p
	}
	if len(d.exts) > 0 {
		iq.Extra = d.extsInto(back, nil)
	}
	if hasErr {
		iq.Error = decMakeError(back, &d.er)
	}
	bad := d.addresses(back, &c, &iq.To, &iq.From)
	if bad != nil {
		bad.Stanza = iq
		return nil, bad
	}
	return iq, nil
}
