package stanza

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"slices"
	"unicode/utf8"

	"github.com/xmppkit/xmpp/streamerror"
)

// The scanner works in two passes over each first-level element. Pass 1
// (this file) reads and checks the element, blocking in Read when it
// needs more, and records what it found in reusable slices: tokens (start
// tags, character data), attributes and the namespace each name resolves
// to, as offsets relative to the element's first byte (d.es). The
// character data a typed value may take (wantText) is decoded into d.out
// as it is checked, in the same pass. Pass 2 (decode_build.go) walks those
// records once the end tag has been seen and builds the typed value with
// one copy.
//
// The hot loops look at eight bytes at a time (SWAR: a mask per byte,
// scanSpecial8 and friends) and fall back to a byte at a time on anything
// unusual; every byte of 0x80 and above is checked as UTF-8 (RFC 6120
// §11.6): in text by an automaton, eight bytes per step (scanTextRun,
// scU8), elsewhere a character at a time (scanChar8, scanRune). On amd64
// with AVX2, character data is copied, checked and its references decoded
// 32 bytes at a time by assembly (scanTextRunAVX2, scan_text_amd64.s);
// the build tag purego keeps to Go.

// Buffer sizes.
const (
	decInitBuf = 8 << 10 // first read buffer
	decReadMin = 4 << 10 // room always left for a read beyond a full element
)

// Where the bytes of a span live.
const (
	scWNone    = iota // no namespace (unprefixed name, no default namespace)
	scWBuf            // the read buffer, relative to d.es
	scWScratch        // d.scratch
	scWHdr            // d.hdrStore
	scWXML            // the built-in xml prefix's namespace
)

// Token kinds.
const (
	scTStart = iota // start tag (or empty-element tag)
	scTText         // character data, references undecoded
	scTCDATA        // content of a CDATA section
)

// Token and attribute flags.
const (
	scFEsc       = 1 << iota // data holds references, CR, tab or LF needing decoding
	scFSelfClose             // empty-element tag
	scFPlain                 // start tag without prefixes or namespace declarations
	scFResolved              // start tag whose namespaces startTagFast resolved
)

// decNS is a resolved namespace name: where its bytes are, and the depth
// of the element that declared it (0 the stream header or nowhere, -1 the
// built-in xml prefix).
type decNS struct {
	where uint8
	depth int32
	s, e  int32
}

// decTok is one token of the element being decoded.
type decTok struct {
	kind  uint8
	flags uint8
	depth int32 // element depth (first-level 1); for data, its parent's
	s, e  int32 // start tag: '<' to after '>'; data: the content
	nameE int32 // start tag: end of the qualified name (it starts at s+1)
	colon int32 // start tag: offset of the name's ':', or -1
	a0    int32 // start tag: its attributes are attrs[a0:a1]
	a1    int32
	end   int32 // start tag: offset after the element's end tag
	next  int32 // start tag: index of the first token after the element
	outer int32 // start tag: least depth of the bindings its names use
	ns    decNS // start tag: the element's namespace
	ds    int32 // text: the decoded text is d.out[ds:de]
	de    int32
}

// pushTok appends a zero token to d.toks and returns it. Tokens and
// attributes are written field by field in place: a composite literal
// appended is built on the stack, then copied with wide loads that stall
// on its narrow stores.
func (d *Decoder) pushTok() *decTok {
	if len(d.toks) == cap(d.toks) {
		d.toks = append(d.toks, decTok{})
	} else {
		d.toks = d.toks[:len(d.toks)+1]
		d.toks[len(d.toks)-1] = decTok{}
	}
	return &d.toks[len(d.toks)-1]
}

// pushAttr appends a zero attribute to attrs and returns it (see pushTok).
func pushAttr(attrs []decAttr) ([]decAttr, *decAttr) {
	if len(attrs) == cap(attrs) {
		attrs = append(attrs, decAttr{})
	} else {
		attrs = attrs[:len(attrs)+1]
		attrs[len(attrs)-1] = decAttr{}
	}
	return attrs, &attrs[len(attrs)-1]
}

// decAttr is one attribute of a start tag.
type decAttr struct {
	s, e  int32 // qualified name
	colon int32 // offset of ':' in the name, or -1
	vs    int32 // value, between the quotes, undecoded
	ve    int32
	flags uint8 // scFEsc
	decl  uint8 // 1 xmlns, 2 xmlns:p, 0 otherwise
	ns    decNS // the attribute's namespace (scWNone when unprefixed)
}

// decBinding is an in-scope namespace declaration; the prefix bytes are
// at (pw, ps, pe), empty for the default namespace.
type decBinding struct {
	pw     uint8
	ps, pe int32
	uri    decNS
}

// decOpen is an open element: its token, the ns stack height before it,
// and whether its character data may go in a typed value.
type decOpen struct {
	tok  int32
	ns   int32
	text bool
}

var (
	scNSXML   = []byte(NSXML)
	scNSXMLNS = []byte("http://www.w3.org/2000/xmlns/")
)

// errAt returns a *DecodeError at buffer position p.
func (d *Decoder) errAt(p int, c streamerror.Condition, msg string) error {
	return &DecodeError{Offset: d.off + int64(p), Condition: c, Msg: msg}
}

// nwf returns a not-well-formed error at buffer position p.
func (d *Decoder) nwf(p int, msg string) error {
	return d.errAt(p, streamerror.NotWellFormed, msg)
}

// limitErr returns a policy-violation error for the limit sentinel.
func (d *Decoder) limitErr(p int, sentinel error) error {
	return &DecodeError{Offset: d.off + int64(p), Condition: streamerror.PolicyViolation, Msg: sentinel.Error(), Err: sentinel}
}

// setStart marks buffer position p as the start of what must be kept (the
// next element) and of the MaxStanzaSize window.
func (d *Decoder) setStart(p int) {
	d.es = p
	d.vend = min(d.end, p+d.lim.MaxStanzaSize)
}

// fill makes more input visible after d.vend, reading once. It fails with
// ErrStanzaTooLarge when the window from d.es is used up (so an element
// is judged on the same bytes however the input is split), or with the
// reader's error. It moves the kept bytes to the front of the buffer and
// grows it up to MaxStanzaSize plus one read: positions relative to d.es
// stay valid, absolute ones must be reloaded from d.pos.
func (d *Decoder) fill() error {
	if d.vend-d.es >= d.lim.MaxStanzaSize {
		return d.limitErr(d.vend, ErrStanzaTooLarge)
	}
	if d.vend < d.end {
		d.vend = min(d.end, d.es+d.lim.MaxStanzaSize)
		return nil
	}
	if d.rerr != nil {
		return d.rerr
	}
	if d.es > 0 {
		n := copy(d.buf, d.buf[d.es:d.end])
		d.off += int64(d.es)
		d.pos -= d.es
		d.end = n
		d.es = 0
	}
	if d.end == 0 && d.idle != nil {
		// Nothing is kept: wait for input without a buffer.
		d.releaseBuf(nil)
	} else if len(d.buf)-d.end < decReadMin && len(d.buf) < d.lim.MaxStanzaSize+decReadMin {
		n := max(2*len(d.buf), decInitBuf)
		n = min(n, d.lim.MaxStanzaSize+decReadMin)
		nb := make([]byte, n)
		copy(nb, d.buf[:d.end])
		d.buf = nb
	}
	for empty := 0; ; empty++ {
		var n int
		var err error
		if d.buf == nil {
			n, err = d.idle.ReadIdle(d.getBuf, d.putBuf)
		} else {
			n, err = d.r.Read(d.buf[d.end:])
		}
		if n < 0 || n > len(d.buf)-d.end {
			n, err = 0, errors.New("stanza: reader returned an invalid count")
		}
		d.end += n
		d.vend = min(d.end, d.es+d.lim.MaxStanzaSize)
		if err != nil {
			d.rerr = err
			if n > 0 {
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
		if empty >= 100 {
			d.rerr = io.ErrNoProgress
			return d.rerr
		}
	}
}

// ensure makes at least n bytes visible from d.pos, or fails.
func (d *Decoder) ensure(n int) error {
	for d.vend-d.pos < n {
		if err := d.fill(); err != nil {
			return err
		}
	}
	return nil
}

// peek returns the byte at d.pos, reading if needed.
func (d *Decoder) peek() (byte, error) {
	if d.pos >= d.vend {
		if err := d.ensure(1); err != nil {
			return 0, err
		}
	}
	return d.buf[d.pos], nil
}

// rel returns the bytes of the span [s, e) relative to d.es.
func (d *Decoder) rel(s, e int32) []byte { return d.buf[d.es+int(s) : d.es+int(e)] }

// bytesOf returns the bytes of a span wherever they live.
func (d *Decoder) bytesOf(where uint8, s, e int32) []byte {
	switch where {
	case scWBuf:
		return d.buf[d.es+int(s) : d.es+int(e)]
	case scWScratch:
		return d.scratch[s:e]
	case scWHdr:
		return d.hdrStore[s:e]
	case scWXML:
		return scNSXML
	}
	return nil
}

// nsBytes returns a namespace name's bytes (nil for none).
func (d *Decoder) nsBytes(n decNS) []byte { return d.bytesOf(n.where, n.s, n.e) }

// skipSpace skips S and reports whether there was any.
func (d *Decoder) skipSpace() (bool, error) {
	saw := false
	for {
		b := d.buf[:d.vend]
		p := d.pos
		for p < len(b) && scanClass[b[p]]&scSpace != 0 {
			p++
		}
		if p > d.pos {
			saw = true
		}
		d.pos = p
		if p < len(b) {
			return saw, nil
		}
		if err := d.fill(); err != nil {
			return saw, err
		}
	}
}

// scanName scans a name at d.pos: a QName (Namespaces in XML §4: NCName
// or NCName ':' NCName) when qname is set, else a Name (XML 1.0 §2.3
// [5]). It returns the offset of the colon relative to d.es (-1 for
// none) and leaves d.pos on the first byte after the name.
func (d *Decoder) scanName(qname bool) (int32, error) {
	colon := int32(-1)
	first := true // the next character must be a NameStartChar
	startRel := d.pos - d.es
	for {
		b := d.buf[:d.vend]
		p := d.pos
		for p < len(b) {
			c := b[p]
			if k := scanClass[c]; k&scName != 0 {
				if first && k&scNameStart == 0 {
					if colon >= 0 {
						return 0, d.nwf(p, "invalid qualified name")
					}
					return 0, d.nwf(p, "invalid name")
				}
				first = false
				p++
				continue
			}
			if c == ':' {
				if qname {
					if first || colon >= 0 {
						return 0, d.nwf(p, "invalid qualified name")
					}
					colon = int32(p - d.es)
					first = true
				} else {
					first = false
				}
				p++
				continue
			}
			if c < utf8.RuneSelf {
				d.pos = p
				if first {
					if p == d.es+startRel {
						return 0, d.nwf(p, "name expected")
					}
					return 0, d.nwf(p, "invalid qualified name")
				}
				return colon, nil
			}
			r, n := utf8.DecodeRune(b[p:])
			if r == utf8.RuneError && n == 1 {
				if !utf8.FullRune(b[p:]) {
					break
				}
				return 0, d.nwf(p, "invalid UTF-8")
			}
			if !scanNameRune(r, first) {
				if first && colon >= 0 && scanNameRune(r, false) {
					return 0, d.nwf(p, "invalid qualified name")
				}
				return 0, d.nwf(p, "invalid name character")
			}
			first = false
			p += n
		}
		d.pos = p
		if err := d.fill(); err != nil {
			return 0, err
		}
	}
}

// scanUTF8 checks the multi-byte character at d.pos (XML 1.0 §2.2 Char;
// RFC 6120 §11.6 UTF-8) and steps over it.
func (d *Decoder) scanUTF8() error {
	for !utf8.FullRune(d.buf[d.pos:d.vend]) {
		if err := d.fill(); err != nil {
			return err
		}
	}
	r, n := utf8.DecodeRune(d.buf[d.pos:d.vend])
	if r == utf8.RuneError && n == 1 {
		return d.nwf(d.pos, "invalid UTF-8")
	}
	if r == 0xFFFE || r == 0xFFFF {
		return d.nwf(d.pos, "character not allowed in XML")
	}
	d.pos += n
	return nil
}

// scanRef checks the reference at d.pos ('&') and steps over it. Character
// references must name a Char (XML 1.0 §4.1); entity references other
// than the five predefined ones (§4.6) are forbidden by RFC 6120 §11.1.
func (d *Decoder) scanRef() error {
	amp := d.pos
	ampRel := amp - d.es
	d.pos++
	c, err := d.peek()
	if err != nil {
		return err
	}
	if c == '#' {
		d.pos++
		if c, err = d.peek(); err != nil {
			return err
		}
		base := uint32(10)
		if c == 'x' {
			base = 16
			d.pos++
		}
		var v uint32
		digits := 0
		for {
			if c, err = d.peek(); err != nil {
				return err
			}
			var dv uint32
			switch {
			case c >= '0' && c <= '9':
				dv = uint32(c - '0')
			case base == 16 && c >= 'a' && c <= 'f':
				dv = uint32(c-'a') + 10
			case base == 16 && c >= 'A' && c <= 'F':
				dv = uint32(c-'A') + 10
			default:
				dv = 99
			}
			if dv == 99 {
				break
			}
			v = min(v*base+dv, 0x110000)
			digits++
			d.pos++
		}
		if digits == 0 || c != ';' {
			return d.nwf(d.pos, "malformed character reference")
		}
		if !scanIsChar(v) {
			return d.nwf(d.es+ampRel, "character reference to a character not allowed in XML")
		}
		d.pos++
		return nil
	}
	ns := int32(d.pos - d.es)
	if _, err := d.scanName(false); err != nil {
		return err
	}
	if c, err = d.peek(); err != nil {
		return err
	}
	if c != ';' {
		return d.nwf(d.pos, "malformed entity reference")
	}
	switch string(d.rel(ns, int32(d.pos-d.es))) {
	case "lt", "gt", "amp", "apos", "quot":
	default:
		return d.errAt(d.es+ampRel, streamerror.RestrictedXML, "entity reference")
	}
	d.pos++
	return nil
}

// scanText scans character data from d.pos to the next '<' (XML 1.0
// §2.4). When decode is set, the text is one a typed value may take: it
// is recorded as a token of the given parent depth and decoded on the way
// (references, §4.6; line ends, §2.11) into d.out, from which the value
// is built; else it is only checked.
func (d *Decoder) scanText(depth int32, decode bool) error {
	if !decode {
		return d.skipText()
	}
	s := int32(d.pos - d.es)
	out := d.out // appended to locally, stored back on return
	ds := int32(len(out))
	for {
		// The decoded text is never longer than the text (a reference is
		// longer than the UTF-8 of its character): the fast loop reads at
		// most as many bytes as out has room for, less the 8 of a store.
		if cap(out)-len(out) < 8+64 {
			out = slices.Grow(out, cap(out)+512)
		}
		all := d.buf[:d.vend]
		b := all[:min(len(all), d.pos+cap(out)-len(out)-8)]
		dn, dp := scanTextRun(out[len(out):cap(out)], b[d.pos:])
		out = out[:len(out)+dn]
		p := d.pos + dp
		d.pos = p
		if p >= len(b) {
			if p < len(all) {
				continue // out is full: it grows
			}
			if err := d.fill(); err != nil {
				return err
			}
			continue
		}
		switch c := b[p]; c {
		case '<':
			if e := int32(p - d.es); e > s {
				t := d.pushTok()
				t.kind, t.depth, t.s, t.e, t.ds, t.de = scTText, depth, s, e, ds, int32(len(out))
			}
			if cap(out) == cap(d.out) {
				d.out = d.out[:len(out)] // same array: no pointer written
			} else {
				d.out = out
			}
			return nil
		case '&':
			amp := p - d.es // scanRef may move the buffer
			if err := d.scanRef(); err != nil {
				return err
			}
			out = decAppendRef(out, d.buf[d.es+amp:d.pos])
		case '\r':
			// End-of-line handling (XML 1.0 §2.11): CR LF and CR alone
			// become LF. The element goes on after the text, so the byte
			// after the CR exists in any well-formed input.
			if err := d.ensure(2); err != nil {
				return err
			}
			out = append(out, '\n')
			d.pos++
			if d.buf[d.pos] == '\n' {
				d.pos++
			}
		case ']':
			if err := d.ensure(3); err != nil {
				return err
			}
			if d.buf[d.pos+1] == ']' && d.buf[d.pos+2] == '>' {
				return d.nwf(d.pos, `"]]>" in character data`)
			}
			out = append(out, ']')
			d.pos++
		default:
			if c >= utf8.RuneSelf {
				at := d.pos - d.es // scanUTF8 may move the buffer
				if err := d.scanUTF8(); err != nil {
					return err
				}
				out = append(out, d.buf[d.es+at:d.pos]...)
				continue
			}
			return d.nwf(p, "control character not allowed in XML")
		}
	}
}

// scanTextRun is scanText's fast loop, a leaf with few live values so that
// they stay in registers: it copies the character data at the start of b
// to o, decoded, up to the first byte it leaves to scanText ('<', a
// reference it does not decode, CR, ']', a control or a UTF-8 sequence it
// does not check) or the end of b, and returns how many bytes it wrote
// and read. o has room for len(b)+8 bytes. It is scanTextRunAVX2 where
// the CPU has AVX2, else scanTextRunGo.
func scanTextRun(o, b []byte) (int, int) {
	if scHasAVX2 {
		return scanTextRunAVX2(o, b)
	}
	return scanTextRunGo(o, b)
}

// scanTextRunGo is scanTextRun in Go, also for the last bytes of b and
// the text in which scanTextRunAVX2 finds an error. Eight bytes at a
// time, it looks for ASCII bytes that need attention (scanSpecialASCII8)
// and runs the UTF-8 automaton (scU8) over words with other characters,
// without a branch per character: text that mixes scripts costs no
// mispredicted branches. The byte loop at the end takes the last bytes, a
// character cut by the end of b (from its first byte), and, when the
// automaton fails, the whole text again, to find the exact place (the
// stream ends there).
func scanTextRunGo(o, b []byte) (int, int) {
	// Positions are kept as uint32, at most 1<<30: the compiler then
	// knows that adding 8 does not overflow, and capacities equal to
	// lengths leave fewer values for the bounds checks.
	b = b[:len(b):len(b)]
	if len(b) > 1<<30 {
		b = b[: 1<<30 : 1<<30]
	}
	o = o[:len(o):len(o)]
	var i, j uint32 // b[i] is the next byte, o[j] where it goes
	var s uint64    // the automaton's state (low six bits) at i
	for uint(i)+8 <= uint(len(b)) {
		// Eight bytes are copied at once; those after the first
		// special one are written again from where it ends.
		w := binary.LittleEndian.Uint64(b[uint(i) : uint(i)+8])
		binary.LittleEndian.PutUint64(o[uint(j):uint(j)+8], w)
		t := scanSpecial8(w)
		if t|s == 0 {
			i += 8 // ASCII, between characters
			j += 8
			continue
		}
		if (w&swHi)|s != 0 {
			// Characters of 0x80 and above, or one goes on.
			if t = scanSpecialASCII8(w); t == 0 {
				s = scanUTF8Step8(s, w) & 63
				i += 8
				j += 8
				continue
			}
			// The bytes before the special one: their characters
			// must end there (it is ASCII). Spaces in place of it
			// and of those after it.
			low := (t&-t)>>7 - 1
			if s = scanUTF8Step8(s, w&low|0x20*swLo&^low) & 63; s != scU8Accept {
				break
			}
		}
		k := uint32(bits.TrailingZeros64(t)) &^ 7
		x := w >> k
		i += k >> 3
		j += k >> 3
		if byte(x) == '&' {
			if uint(i)+8 > uint(len(b)) {
				break
			}
			x = binary.LittleEndian.Uint64(b[uint(i) : uint(i)+8])
			// A predefined entity (scanRefText) without a call.
			if e := scEnts[uint32(x)*scEntMul>>29]; (x^e.key)&e.mask == 0 {
				o[j] = e.r()
				j++
				i += uint32(e.n())
				continue
			}
			if byte(x>>8) != '#' {
				break // not a predefined entity: scanText reports it
			}
			var k int
			var r rune
			if y := x>>16 ^ '0'*swLo; byte(y) < 10 {
				// Decimal digits, as in scanCharRef8.
				nd := ((y &^ swHi) + 0x76*swLo | y) & swHi
				s := uint(bits.TrailingZeros64(nd)) &^ 7
				if byte(y>>(s&63)) == ';'^'0' {
					y <<= (64 - s) & 63
					y = (y * (10<<8 + 1)) >> 8 & 0x00FF00FF00FF00FF
					y = (y * (100<<16 + 1)) >> 16 & 0x0000FFFF0000FFFF
					if v := uint32((y * (10000<<32 + 1)) >> 32); scanIsChar(v) {
						k, r = int(s>>3)+3, rune(v)
					}
				}
			} else {
				k, r = scanCharRef8(x)
			}
			if k == 0 {
				if k, r = scanRefFast(b[i:]); k == 0 {
					break
				}
			}
			switch {
			case r < utf8.RuneSelf:
				o[j] = byte(r)
				j++
			case r < 0x800:
				o[j] = 0xC0 | byte(r>>6)
				o[uint(j)+1] = 0x80 | byte(r)&0x3F
				j += 2
			default:
				j += uint32(utf8.EncodeRune(o[j:], r))
			}
			i += uint32(k)
			continue
		}
		if c := byte(x); scanClass[c]&scText != 0 {
			o[j] = c // a tab or a line feed
			i++
			j++
			continue
		}
		return int(j), int(i) // scanText decides
	}
	switch s {
	case scU8Accept:
	case scU8Error:
		// Not well-formed: the byte loop below finds where, from the
		// start (the stream ends there).
		i, j = 0, 0
	default:
		// Inside a character, so far well-formed: back to its first
		// byte, for the loop below.
		for k := 0; k < 3 && i > 0 && b[i-1]&0xC0 == 0x80; k++ {
			i--
			j--
		}
		i--
		j--
	}
	// Fewer than eight bytes are left, a character is cut, or the
	// automaton failed.
	for uint(i) < uint(len(b)) {
		c := b[i]
		if scanClass[c]&scText != 0 {
			o[j] = c
			i++
			j++
			continue
		}
		k := 0
		if c >= utf8.RuneSelf {
			if k = scanRune(b[i:]); k == 0 {
				break
			}
			copy(o[j:uint(j)+uint(k)], b[i:uint(i)+uint(k)])
			j += uint32(k)
		} else if c == '&' {
			var r rune
			if k, r = scanRefFast(b[i:]); k == 0 {
				break
			}
			j += uint32(utf8.EncodeRune(o[j:], r))
		} else {
			break
		}
		i += uint32(k)
	}
	return int(j), int(i)
}

// skipText is scanText for text no typed value takes: it checks it and
// records nothing. scanTextRun decodes it into the room after d.out,
// which nothing keeps.
func (d *Decoder) skipText() error {
	for {
		if cap(d.out)-len(d.out) < 8+64 {
			d.out = slices.Grow(d.out, 512)
		}
		o := d.out[len(d.out):cap(d.out)]
		b := d.buf[:d.vend]
		lim := min(len(b), d.pos+len(o)-8)
		_, dp := scanTextRun(o, b[d.pos:lim])
		p := d.pos + dp
		if p >= lim && lim < len(b) {
			d.pos = p
			continue // o is full
		}
		d.pos = p
		if p >= len(b) {
			if err := d.fill(); err != nil {
				return err
			}
			continue
		}
		switch c := b[p]; c {
		case '<':
			return nil
		case '&':
			if err := d.scanRef(); err != nil {
				return err
			}
		case '\r':
			d.pos++
		case ']':
			if err := d.ensure(3); err != nil {
				return err
			}
			if d.buf[d.pos+1] == ']' && d.buf[d.pos+2] == '>' {
				return d.nwf(d.pos, `"]]>" in character data`)
			}
			d.pos++
		default:
			if c >= utf8.RuneSelf {
				if err := d.scanUTF8(); err != nil {
					return err
				}
				continue
			}
			return d.nwf(p, "control character not allowed in XML")
		}
	}
}

// scanCDATA scans a CDATA section's content from d.pos (after
// "<![CDATA[") through "]]>" and records it (XML 1.0 §2.7).
func (d *Decoder) scanCDATA(depth int32) error {
	s := int32(d.pos - d.es)
	var flags uint8
	for {
		b := d.buf[:d.vend]
		p := d.pos
		for p < len(b) {
			c := b[p]
			if scanClass[c]&scCDATA != 0 {
				p++
				continue
			}
			if c >= utf8.RuneSelf {
				if n := scanRune(b[p:]); n > 0 {
					p += n
					continue
				}
			}
			break // the slow path below decides
		}
		d.pos = p
		if p >= len(b) {
			if err := d.fill(); err != nil {
				return err
			}
			continue
		}
		switch c := b[p]; {
		case c == ']':
			if err := d.ensure(3); err != nil {
				return err
			}
			if d.buf[d.pos+1] == ']' && d.buf[d.pos+2] == '>' {
				if e := int32(d.pos - d.es); e > s {
					t := d.pushTok()
					t.kind, t.flags, t.depth, t.s, t.e = scTCDATA, flags, depth, s, e
				}
				d.pos += 3
				return nil
			}
			d.pos++
		case c == '\r':
			flags |= scFEsc
			d.pos++
		case c >= utf8.RuneSelf:
			if err := d.scanUTF8(); err != nil {
				return err
			}
		default:
			return d.nwf(p, "control character not allowed in XML")
		}
	}
}

// scanAttrValue scans an attribute value from d.pos to the closing quote
// q, leaving d.pos on it (XML 1.0 §3.1 [10]: no '<', references checked).
func (d *Decoder) scanAttrValue(q byte) (uint8, error) {
	var flags uint8
	for {
		b := d.buf[:d.vend]
		p := d.pos
		for p < len(b) {
			c := b[p]
			if scanClass[c]&scAttr != 0 {
				p++
				continue
			}
			if c >= utf8.RuneSelf {
				if n := scanRune(b[p:]); n > 0 {
					p += n
					continue
				}
			} else if c == '&' {
				if n, _ := scanRefFast(b[p:]); n > 0 {
					flags |= scFEsc
					p += n
					continue
				}
			}
			break // the slow path below decides
		}
		d.pos = p
		if p >= len(b) {
			if err := d.fill(); err != nil {
				return 0, err
			}
			continue
		}
		switch c := b[p]; c {
		case q:
			return flags, nil
		case '\'', '"':
			d.pos++
		case '&':
			flags |= scFEsc
			if err := d.scanRef(); err != nil {
				return 0, err
			}
		case '\t', '\n', '\r':
			flags |= scFEsc
			d.pos++
		case '<':
			return 0, d.nwf(p, "'<' in attribute value")
		default:
			if c >= utf8.RuneSelf {
				if err := d.scanUTF8(); err != nil {
					return 0, err
				}
				continue
			}
			return 0, d.nwf(p, "control character not allowed in XML")
		}
	}
}

// expect checks that the byte at d.pos is c and steps over it.
func (d *Decoder) expect(c byte, msg string) error {
	b, err := d.peek()
	if err != nil {
		return err
	}
	if b != c {
		return d.nwf(d.pos, msg)
	}
	d.pos++
	return nil
}

// scanStartTag scans the start tag at d.pos ('<' followed by a name
// start), records it as a token of the given depth with its attributes,
// and resolves its namespaces (pushing its declarations).
func (d *Decoder) scanStartTag(depth int32) (*decTok, error) {
	if t := d.startTagFast(depth); t != nil {
		if t.flags&scFResolved != 0 {
			return t, nil
		}
		return t, d.resolve(t)
	}
	return d.scanStartTagSlow(depth)
}

// scanStartTagSlow is scanStartTag when startTagFast has declined the tag.
func (d *Decoder) scanStartTagSlow(depth int32) (*decTok, error) {
	s := int32(d.pos - d.es)
	d.pos++
	colon, err := d.scanName(true)
	if err != nil {
		return nil, err
	}
	nameE := int32(d.pos - d.es)
	a0 := int32(len(d.attrs))
	var flags uint8
	for {
		saw, err := d.skipSpace()
		if err != nil {
			return nil, err
		}
		c := d.buf[d.pos]
		if c == '>' {
			d.pos++
			break
		}
		if c == '/' {
			d.pos++
			if err := d.expect('>', "'>' expected after '/'"); err != nil {
				return nil, err
			}
			flags = scFSelfClose
			break
		}
		if !saw {
			return nil, d.nwf(d.pos, "whitespace expected before attribute")
		}
		if len(d.attrs)-int(a0) >= d.lim.MaxAttrs {
			return nil, d.limitErr(d.pos, ErrTooManyAttrs)
		}
		as := int32(d.pos - d.es)
		acolon, err := d.scanName(true)
		if err != nil {
			return nil, err
		}
		ae := int32(d.pos - d.es)
		if _, err := d.skipSpace(); err != nil {
			return nil, err
		}
		if err := d.expect('=', "'=' expected after attribute name"); err != nil {
			return nil, err
		}
		if _, err := d.skipSpace(); err != nil {
			return nil, err
		}
		q := d.buf[d.pos]
		if q != '\'' && q != '"' {
			return nil, d.nwf(d.pos, "quoted attribute value expected")
		}
		d.pos++
		vs := int32(d.pos - d.es)
		vflags, err := d.scanAttrValue(q)
		if err != nil {
			return nil, err
		}
		ve := int32(d.pos - d.es)
		d.pos++
		var a *decAttr
		d.attrs, a = pushAttr(d.attrs)
		a.s, a.e, a.colon, a.vs, a.ve, a.flags = as, ae, acolon, vs, ve, vflags
	}
	t := d.pushTok()
	t.kind, t.flags, t.depth = scTStart, flags, depth
	t.s, t.e, t.nameE, t.colon = s, int32(d.pos-d.es), nameE, colon
	t.a0, t.a1 = a0, int32(len(d.attrs))
	return t, d.resolve(t)
}

// scanQNameIn returns the end of the ASCII QName at b[p] and the offset of
// its colon (-1 for none), or -1 when the name is not wholly in b, is not
// ASCII or is malformed: then the slow path decides.
func scanQNameIn(b []byte, p int) (int, int32) {
	colon := int32(-1)
	if p >= len(b) || scanClass[b[p]]&scNameStart == 0 {
		return -1, 0
	}
	p++
	for p < len(b) {
		c := b[p]
		if scanClass[c]&scName != 0 {
			p++
			continue
		}
		if c == ':' {
			if colon >= 0 || p+1 >= len(b) || scanClass[b[p+1]]&scNameStart == 0 {
				return -1, 0
			}
			colon = int32(p)
			p += 2
			continue
		}
		if c >= utf8.RuneSelf {
			return -1, 0
		}
		return p, colon
	}
	return -1, 0
}

// startTagFast scans the start tag at d.pos like scanStartTag when it lies
// wholly in the visible buffer and holds nothing unusual (ASCII names,
// references scanRefFast accepts). Otherwise it records nothing and
// returns nil, and the slow path scans the tag again.
//
// The token slice is grown first, when only d and depth are live: a call
// on a rare path that joins the usual one again makes the compiler spill,
// on the usual path too, every value live across it.
func (d *Decoder) startTagFast(depth int32) *decTok {
	if len(d.toks) == cap(d.toks) {
		d.toks = slices.Grow(d.toks, 1)
	}
	// Offsets in b are relative to d.es; b is at most 1<<30 long, so
	// that indexes fit a uint32 and the bounds checks of the loops in
	// scanAttrsFast need no overflow checks.
	b := d.buf[d.es:d.vend]
	p := d.pos - d.es + 1
	colon := int32(-1)
	if p+8 > len(b) || len(b) > 1<<30 {
		return nil
	}
	// The usual element name: ASCII letters, then a space, '>' or '/'.
	x := binary.LittleEndian.Uint64(b[p : p+8])
	stop := (^scanRange8((x|0x20*swLo)&^swHi, 'a', 'z') | x) & swHi
	if k := bits.TrailingZeros64(stop) >> 3; k > 0 && k < 8 && scanClass[b[p+k]]&scNameEnd != 0 {
		p += k
	} else if k := scanNameFastAfter(b, p, stop); k > 0 {
		p += k
	} else if p, colon = scanQName8(b, p); p < 0 {
		return nil
	}
	a0 := len(d.attrs)
	room := min(cap(d.attrs)-a0, d.lim.MaxAttrs)
	end, rest, seen, self := scanAttrsFast(b, p, d.attrs[a0:a0+room])
	if end < 0 {
		if end == -2 && room < d.lim.MaxAttrs {
			// Out of capacity before MaxAttrs: grow, and scan again.
			d.attrs = slices.Grow(d.attrs, room+1)
			return d.startTagFast(depth)
		}
		return nil
	}
	a1 := a0 + room - rest
	d.attrs = d.attrs[:a1]
	// The token's address from the old length, before the slice grows
	// into the room made at the top (the other order costs ~3
	// instructions more per tag).
	t := &d.toks[:len(d.toks)+1][len(d.toks)]
	d.toks = d.toks[:len(d.toks)+1]
	*t = decTok{}
	t.kind, t.depth = scTStart, depth
	t.s, t.e, t.nameE, t.colon = int32(d.pos-d.es), int32(end), int32(p), colon
	t.a0, t.a1 = int32(a0), int32(a1)
	d.pos = d.es + end
	if self {
		t.flags = scFSelfClose
	}
	// What resolve would find: whether any name has a prefix, the
	// default namespace declaration if there is one, and whether two
	// attributes may share a name.
	plain, decl, xmlAttr := colon < 0, -1, false
	if seen == ^uint64(0) || seen&(1<<scXMLNSBit) != 0 {
		attrs := d.attrs[a0:a1]
		for i := range attrs {
			a := &attrs[i]
			switch {
			case a.colon < 0:
				if string(b[a.s:a.e]) == "xmlns" {
					decl = i
				}
			case seen != ^uint64(0):
				// scanAttrsFast lets no other prefix through than xml,
				// bound by definition (Namespaces in XML 1.0 §3).
				a.ns = decNS{where: scWXML, depth: -1}
				xmlAttr = true
			default:
				plain = false
			}
		}
	}
	if plain && decl < 0 && !xmlAttr {
		t.flags |= scFPlain
	}
	if !plain || seen == ^uint64(0) {
		return t // resolve decides
	}
	if decl < 0 {
		// resolve's plain case, attributes known distinct: the element
		// takes the default namespace in scope.
		if n := len(d.ns); n > 0 && d.ns[n-1].pe == d.ns[n-1].ps {
			t.ns = d.ns[n-1].uri // the innermost declaration is the default one
		} else {
			t.ns, _ = d.lookup(nil)
		}
		t.outer = depth
		if t.ns.depth >= 0 && t.ns.depth < depth {
			t.outer = t.ns.depth
		}
		t.flags |= scFResolved
		return t
	}
	// resolve's case of an extension element: no prefix, and one
	// declaration of the default namespace, which the element takes.
	a := &d.attrs[a0+decl]
	if n := a.ve - a.vs; a.flags&scFEsc != 0 || n == 0 || n == int32(len(NSXML)) || n == int32(len(scNSXMLNS)) ||
		len(d.ns)-d.nHdrNS >= 4*d.lim.MaxAttrs || len(d.ns) == cap(d.ns) {
		return t // an unusual value, too many declarations, or no room: resolve decides
	}
	a.decl = 1
	d.ns = d.ns[:len(d.ns)+1]
	nb := &d.ns[len(d.ns)-1]
	nb.pw, nb.ps, nb.pe = scWBuf, a.s, a.s
	nb.uri = decNS{where: scWBuf, depth: depth, s: a.vs, e: a.ve}
	t.ns = nb.uri
	t.outer = depth
	t.flags |= scFResolved
	return t
}

// scXMLNSBit is the bit of the name "xmlns" in scanAttrsFast's filter.
const scXMLNSBit = (5*7 + 's') & 63

// scanAttrsFast is startTagFast's loop over the attributes, from b[p]
// after the element name to the end of the tag. It is a function of its
// own, with as few live values as it takes, so that they stay in
// registers. It writes the attributes to attrs[0], attrs[1]... and returns
// the offset after the tag, how many of attrs it left unused, whether the
// tag is an empty-element tag, and a filter of the names: bit (7×length +
// last byte) mod 64 of each, with the bit of "xmlns" for a name with the
// prefix xml, or all bits when two names share a bit (they may be equal)
// or a name has another prefix. It returns end -1 when the slow path must
// scan the tag, and -2 when attrs is too short.
func scanAttrsFast(b []byte, p int, attrs []decAttr) (end, rest int, seen uint64, self bool) {
	b = b[:len(b):len(b)] // no capacity to keep in a register
	for {
		// S? then '>', "/>" or an attribute (XML 1.0 §3.1 [40], [44]).
		sp := p
		var c byte
		if j := uint(uint32(p)); j+2 <= uint(len(b)) { // p <= len(b) <= 1<<30
			v := binary.LittleEndian.Uint16(b[j : j+2])
			c = byte(v)
			if c == ' ' {
				p++
				c = byte(v >> 8)
			}
		} else {
			return -1, 0, 0, false
		}
		if scanClass[c]&scSpace != 0 {
			for p < len(b) && scanClass[b[p]]&scSpace != 0 {
				p++
			}
			if p >= len(b) {
				return -1, 0, 0, false
			}
			c = b[p]
		}
		if c == '>' {
			return p + 1, len(attrs), seen, false
		}
		if c == '/' {
			if p+1 < len(b) && b[p+1] == '>' {
				return p + 2, len(attrs), seen, true
			}
			return -1, 0, 0, false
		}
		if p == sp {
			return -1, 0, 0, false
		}
		if len(attrs) == 0 {
			return -2, 0, 0, false
		}
		a := &attrs[0]
		*a = decAttr{}
		i := uint(uint32(p)) // p < len(b) <= 1<<30
		if i+10 > uint(len(b)) {
			return -1, 0, 0, false
		}
		var q byte
		// The usual attribute: ASCII letters, '=' and a quote.
		w := b[i : i+10]
		x := binary.LittleEndian.Uint64(w)
		stop := (^scanRange8((x|0x20*swLo)&^swHi, 'a', 'z') | x) & swHi
		if k := uint(bits.TrailingZeros64(stop)>>3) - 1; k < 7 && w[k+1] == '=' && (w[k+2] == '\'' || w[k+2] == '"') {
			// k+1 letters.
			a.s, a.e, a.colon = int32(i), int32(i+k+1), -1
			if bit := uint64(1) << ((k*7 + 7 + uint(w[k])) & 63); seen&bit == 0 {
				seen |= bit
			} else {
				seen = ^uint64(0) // two names may be equal
			}
			q = w[k+2]
			p = int(i + k + 3)
		} else {
			acolon := int32(-1)
			if k := scanNameFastAfter(b, p, stop); k > 0 {
				p += k
			} else if p, acolon = scanQName8(b, p); p < 0 {
				return -1, 0, 0, false
			}
			a.s, a.e, a.colon = int32(i), int32(p), acolon
			bit := uint64(1) << (((uint(p)-i)*7 + uint(b[p-1])) & 63)
			if acolon >= 0 {
				// The prefix xml is bound by definition (xml:lang): the
				// bit of "xmlns" has startTagFast look at the names. Any
				// other prefix takes all bits: resolve decides.
				if acolon-int32(i) != 3 || b[i] != 'x' || b[i+1] != 'm' || b[i+2] != 'l' {
					bit = ^uint64(0)
				}
				bit |= 1 << scXMLNSBit
			}
			if seen&bit == 0 {
				seen |= bit
			} else {
				seen = ^uint64(0) // two names may be equal, or one has a prefix
			}
			// Eq (XML 1.0 §2.3 [25]) and the opening quote.
			for p < len(b) && scanClass[b[p]]&scSpace != 0 {
				p++
			}
			if p >= len(b) || b[p] != '=' {
				return -1, 0, 0, false
			}
			p++
			for p < len(b) && scanClass[b[p]]&scSpace != 0 {
				p++
			}
			if p >= len(b) || b[p] != '\'' && b[p] != '"' {
				return -1, 0, 0, false
			}
			q = b[p]
			p++
		}
		a.vs = int32(p)
		qm, qt := scanQuoteMask(q)
		for {
			i := uint32(p) // p < len(b) <= 1<<30
			for uint(i)+8 <= uint(len(b)) {
				if t := scanSpecialAttr8(binary.LittleEndian.Uint64(b[uint(i):uint(i)+8]), qm, qt); t != 0 {
					i += uint32(bits.TrailingZeros64(t) >> 3)
					break
				}
				i += 8
			}
			p = int(i)
			if p >= len(b) {
				return -1, 0, 0, false
			}
			c := b[p]
			if c|byte(qm) == byte(qt) && c != '&' {
				break // q, found without keeping it in a register
			}
			if scanClass[c]&scAttr != 0 {
				p++
				continue
			}
			n := 0
			switch {
			case c == '\'' || c == '"':
				n = 1
			case c >= utf8.RuneSelf:
				n = scanRune(b[p:])
			case c == '&':
				n, _ = scanRefFast(b[p:])
				a.flags = scFEsc
			case c == '\t' || c == '\n' || c == '\r':
				n = 1
				a.flags = scFEsc
			}
			if n == 0 {
				return -1, 0, 0, false
			}
			p += n
		}
		a.ve = int32(p)
		p++
		attrs = attrs[1:len(attrs):len(attrs)]
	}
}

// resolve applies Namespaces in XML 1.0 to the start tag t: it pushes the
// tag's declarations (§3), resolves the element's and the attributes'
// prefixes (§5, §6; undeclared prefixes are errors), and checks that no
// two attributes share a qualified name (XML 1.0 §3.1, WFC: Unique Att
// Spec) or an expanded name (Namespaces §6.3).
func (d *Decoder) resolve(t *decTok) error {
	attrs := d.attrs[t.a0:t.a1]
	if t.flags&scFPlain != 0 {
		// No prefix, no declaration: the element takes the default
		// namespace in scope, the attributes have none, and attributes
		// are duplicates when their names are equal.
		if n := len(d.ns); n > 0 && d.ns[n-1].pe == d.ns[n-1].ps {
			t.ns = d.ns[n-1].uri // the innermost declaration is the default one
		} else {
			t.ns, _ = d.lookup(nil)
		}
		t.outer = t.depth
		if t.ns.depth >= 0 {
			t.outer = min(t.outer, t.ns.depth)
		}
		buf := d.buf[d.es:]
		var seen uint64
		var clash uint64
		for i := range attrs {
			a := &attrs[i]
			bit := uint64(1) << ((uint(a.e-a.s)*7 + uint(buf[a.e-1])) & 63)
			clash |= seen & bit
			seen |= bit
		}
		for i := 1; clash != 0 && i < len(attrs); i++ {
			a := &attrs[i]
			for j := 0; j < i; j++ {
				b := &attrs[j]
				if a.e-a.s == b.e-b.s && string(buf[a.s:a.e]) == string(buf[b.s:b.e]) {
					return d.nwf(d.es+int(a.s), "duplicate attribute")
				}
			}
		}
		return nil
	}
	// Declarations first: they apply to the tag's own names.
	for i := range attrs {
		a := &attrs[i]
		q := d.rel(a.s, a.e)
		switch {
		case a.colon < 0 && string(q) == "xmlns":
			a.decl = 1
		case a.colon >= 0 && string(d.rel(a.s, a.colon)) == "xmlns":
			a.decl = 2
		default:
			continue
		}
		uri := decNS{where: scWBuf, depth: t.depth, s: a.vs, e: a.ve}
		if a.flags&scFEsc != 0 {
			s := int32(len(d.scratch))
			d.scratch = decAppendValue(d.scratch, d.rel(a.vs, a.ve), decModeAttr)
			uri = decNS{where: scWScratch, depth: t.depth, s: s, e: int32(len(d.scratch))}
		}
		u := d.nsBytes(uri)
		var p []byte // the default namespace has the empty prefix
		if a.decl == 2 {
			p = d.rel(a.colon+1, a.e)
		}
		switch {
		case a.decl == 2 && string(p) == "xmlns":
			return d.nwf(d.es+int(a.s), "the xmlns prefix must not be declared")
		case a.decl == 2 && string(p) == "xml":
			if !bytes.Equal(u, scNSXML) {
				return d.nwf(d.es+int(a.s), "the xml prefix must not be rebound")
			}
			continue // bound by definition
		case bytes.Equal(u, scNSXML), bytes.Equal(u, scNSXMLNS):
			return d.nwf(d.es+int(a.s), "reserved namespace name declared")
		case a.decl == 2 && len(u) == 0:
			return d.nwf(d.es+int(a.s), "a prefix must not be bound to the empty namespace name")
		case len(u) == 0:
			uri = decNS{where: scWNone, depth: t.depth} // xmlns='' undeclares
		}
		var ps int32
		if a.decl == 2 {
			ps = a.colon + 1
		} else {
			ps = a.s
		}
		// Bound the declarations in scope, and so the cost of a lookup.
		if len(d.ns)-d.nHdrNS >= 4*d.lim.MaxAttrs {
			return d.limitErr(d.es+int(a.s), ErrTooManyAttrs)
		}
		if len(d.ns) == cap(d.ns) {
			d.ns = append(d.ns, decBinding{})
		} else {
			d.ns = d.ns[:len(d.ns)+1]
		}
		nb := &d.ns[len(d.ns)-1]
		nb.pw, nb.ps, nb.pe, nb.uri = scWBuf, ps, ps+int32(len(p)), uri
	}
	// The element's name.
	outer := t.depth
	var pfx []byte
	if t.colon >= 0 {
		pfx = d.rel(t.s+1, t.colon)
		if string(pfx) == "xmlns" {
			return d.nwf(d.es+int(t.s)+1, "element names must not have the prefix xmlns")
		}
	}
	ns, ok := d.lookup(pfx)
	if !ok {
		return d.nwf(d.es+int(t.s)+1, "undeclared namespace prefix")
	}
	t.ns = ns
	if ns.depth >= 0 {
		outer = min(outer, ns.depth)
	}
	// The attributes' names.
	for i := range attrs {
		a := &attrs[i]
		if a.decl != 0 || a.colon < 0 {
			continue
		}
		ns, ok := d.lookup(d.rel(a.s, a.colon))
		if !ok {
			return d.nwf(d.es+int(a.s), "undeclared namespace prefix")
		}
		a.ns = ns
		if ns.depth >= 0 {
			outer = min(outer, ns.depth)
		}
	}
	t.outer = outer
	// Uniqueness. Attributes whose local names differ in length or in
	// their last byte cannot clash: a 64-bit filter on those skips the
	// pairwise comparison in the usual case.
	if len(attrs) < 2 {
		return nil
	}
	buf := d.buf[d.es:]
	var seen uint64
	var clash uint64
	for i := range attrs {
		a := &attrs[i]
		bit := uint64(1) << ((uint(a.e-d.localStart(a.s, a.colon))*7 + uint(buf[a.e-1])) & 63)
		clash |= seen & bit
		seen |= bit
	}
	if clash == 0 {
		return nil
	}
	for i := 1; i < len(attrs); i++ {
		a := &attrs[i]
		qa := d.rel(a.s, a.e)
		for j := 0; j < i; j++ {
			b := &attrs[j]
			if a.e-a.s == b.e-b.s && bytes.Equal(qa, d.rel(b.s, b.e)) {
				return d.nwf(d.es+int(a.s), "duplicate attribute")
			}
			if a.decl == 0 && b.decl == 0 && a.colon >= 0 && b.colon >= 0 &&
				bytes.Equal(d.rel(a.colon+1, a.e), d.rel(b.colon+1, b.e)) &&
				bytes.Equal(d.nsBytes(a.ns), d.nsBytes(b.ns)) {
				return d.nwf(d.es+int(a.s), "duplicate attribute (same expanded name)")
			}
		}
	}
	return nil
}

// lookup returns the namespace bound to prefix p (empty: the default
// namespace) in the current scope.
func (d *Decoder) lookup(p []byte) (decNS, bool) {
	if len(p) == 3 && string(p) == "xml" {
		// Bound by definition; resolve refuses any other binding of it.
		return decNS{where: scWXML, depth: -1}, true
	}
	for i := len(d.ns) - 1; i >= 0; i-- {
		b := &d.ns[i]
		if int(b.pe-b.ps) == len(p) && bytes.Equal(d.bytesOf(b.pw, b.ps, b.pe), p) {
			return b.uri, true
		}
	}
	switch {
	case len(p) == 0:
		// No default namespace anywhere: like one undeclared on the
		// stream, so that a Raw using it says xmlns='' and keeps its
		// meaning wherever it is written.
		return decNS{where: scWNone, depth: 0}, true
	case string(p) == "xml":
		return decNS{where: scWXML, depth: -1}, true
	}
	return decNS{}, false
}

// scanEndTag scans the end tag at d.pos ("</") that must close the element
// of token open.tok, and pops that element. (scanElement matches the
// usual end tag itself.)
func (d *Decoder) scanEndTag() error {
	o := d.open[len(d.open)-1]
	t := &d.toks[o.tok]
	d.pos += 2
	name := d.rel(t.s+1, t.nameE)
	n := len(name)
	// The name must be the start tag's, byte for byte, then S? '>'.
	if e := d.pos + n; e < d.vend && d.buf[e] == '>' && scanEqual(d.buf[d.pos:e], name) {
		d.pos = e + 1
		t.end = int32(d.pos - d.es)
		t.next = int32(len(d.toks))
		d.ns = d.ns[:o.ns]
		d.open = d.open[:len(d.open)-1]
		return nil
	}
	if d.vend-d.pos > n && bytes.Equal(d.buf[d.pos:d.pos+n], name) {
		d.pos += n
	} else {
		for i := 0; i < n; i++ {
			c, err := d.peek()
			if err != nil {
				return err
			}
			if c != d.buf[d.es+int(t.s)+1+i] {
				return d.nwf(d.pos, "end tag does not match start tag")
			}
			d.pos++
		}
	}
	if _, err := d.skipSpace(); err != nil {
		return err
	}
	if d.buf[d.pos] != '>' {
		return d.nwf(d.pos, "end tag does not match start tag")
	}
	d.pos++
	t.end = int32(d.pos - d.es)
	t.next = int32(len(d.toks))
	d.ns = d.ns[:o.ns]
	d.open = d.open[:len(d.open)-1]
	return nil
}

// scanElement scans one first-level element from d.pos (on its '<', at
// d.es) through its end tag. Its start tag is classified (d.kind) as soon
// as it is read, so that an unsupported element is refused before the
// rest is read.
func (d *Decoder) scanElement() error {
	d.toks = d.toks[:0]
	d.attrs = d.attrs[:0]
	d.open = d.open[:0]
	d.scratch = d.scratch[:0]
	d.out = d.out[:0]
	d.ns = d.ns[:d.nHdrNS]
	for {
		// At '<'.
		if d.vend-d.pos < 2 {
			if err := d.ensure(2); err != nil {
				return err
			}
		}
		switch c := d.buf[d.pos+1]; c {
		case '/':
			// scanEndTag's usual case without a call: a name of at most
			// seven bytes, the start tag's, and '>', compared in one
			// load (the start tag is before it in the buffer).
			o := d.open[len(d.open)-1]
			t := &d.toks[o.tok]
			b := d.buf[:d.vend]
			p := d.pos + 2
			if k := int(t.nameE - t.s - 1); k < 8 && p+8 <= len(b) {
				st := d.es + int(t.s) + 1
				x := binary.LittleEndian.Uint64(b[p:]) ^ binary.LittleEndian.Uint64(b[st:])
				if x&(uint64(1)<<(8*k)-1) == 0 && b[p+k] == '>' {
					d.pos = p + k + 1
					t.end = int32(d.pos - d.es)
					t.next = int32(len(d.toks))
					d.ns = d.ns[:o.ns]
					d.open = d.open[:len(d.open)-1]
					if len(d.open) == 0 {
						return nil
					}
					break
				}
			}
			if err := d.scanEndTag(); err != nil {
				return err
			}
			if len(d.open) == 0 {
				return nil
			}
		case '!':
			if err := d.scanBang(2); err != nil {
				return err
			}
		case '?':
			return d.errAt(d.pos, streamerror.RestrictedXML, "processing instruction")
		default:
			depth := int32(len(d.open) + 1)
			if int(depth) > d.lim.MaxDepth {
				return d.limitErr(d.pos, ErrTooDeep)
			}
			nsMark := int32(len(d.ns))
			ti := int32(len(d.toks))
			// scanStartTag, its usual case without a call between.
			t := d.startTagFast(depth)
			if t == nil {
				var err error
				if t, err = d.scanStartTagSlow(depth); err != nil {
					return err
				}
			} else if t.flags&scFResolved == 0 {
				if err := d.resolve(t); err != nil {
					return err
				}
			}
			if depth == 1 {
				if err := d.classify(t); err != nil {
					return err
				}
			}
			if t.flags&scFSelfClose != 0 {
				t.end = t.e
				t.next = ti + 1
				d.ns = d.ns[:nsMark]
				if depth == 1 {
					return nil
				}
			} else {
				if len(d.open) == cap(d.open) {
					d.open = append(d.open, decOpen{})
				} else {
					d.open = d.open[:len(d.open)+1]
				}
				o := &d.open[len(d.open)-1]
				o.tok, o.ns, o.text = ti, nsMark, false
				if depth == 2 || depth == 3 {
					o.text = d.wantText(t)
				}
			}
		}
		if d.pos < d.vend && d.buf[d.pos] == '<' {
			continue // no character data
		}
		o := &d.open[len(d.open)-1]
		if err := d.scanText(int32(len(d.open)), o.text); err != nil {
			return err
		}
	}
}

// wantText reports whether the character data of the element of start tag
// t may go in a typed value, and so is decoded as it is scanned: that of
// a stanza's child body, subject, thread, show, status or priority, and
// that of the children of a stanza's <error/> (textOf reads no other). It
// looks at local names only: a superset is harmless.
func (d *Decoder) wantText(t *decTok) bool {
	if d.kind == decKRaw || d.kind == decKStreamError {
		return false
	}
	switch t.depth {
	case 2:
		switch string(d.local(t)) {
		case "body", "subject", "thread", "show", "status", "priority":
			return true
		}
	case 3:
		return string(d.local(&d.toks[d.open[1].tok])) == "error"
	}
	return false
}

// scanBang handles "<!" at d.pos: a comment or document type declaration,
// which RFC 6120 §11.1 forbids, a CDATA section, or malformed markup.
// mode is where it is: 0 before the stream header (no CDATA there), 1
// between first-level elements (a CDATA section is character data there,
// which RFC 6120 §11.7 does not allow: bad-format), 2 inside an element.
func (d *Decoder) scanBang(mode int) error {
	atRel := d.pos - d.es // d.pos stays on '<' until the kind is known
	match := func(lit string) (bool, error) {
		for i := 2; i < len(lit); i++ {
			if err := d.ensure(i + 1); err != nil {
				return false, err
			}
			if d.buf[d.pos+i] != lit[i] {
				return false, nil
			}
		}
		return true, nil
	}
	if err := d.ensure(3); err != nil {
		return err
	}
	switch d.buf[d.pos+2] {
	case '-':
		ok, err := match("<!--")
		if err != nil {
			return err
		}
		if ok {
			return d.errAt(d.es+atRel, streamerror.RestrictedXML, "comment")
		}
	case '[':
		ok, err := match("<![CDATA[")
		if err != nil {
			return err
		}
		switch {
		case ok && mode == 2:
			d.pos = d.es + atRel + len("<![CDATA[")
			return d.scanCDATA(int32(len(d.open)))
		case ok && mode == 1:
			return d.errAt(d.es+atRel, streamerror.BadFormat, "character data between first-level elements")
		}
	case 'D':
		ok, err := match("<!DOCTYPE")
		if err != nil {
			return err
		}
		if ok {
			return d.errAt(d.es+atRel, streamerror.RestrictedXML, "document type declaration")
		}
	}
	return d.nwf(d.es+atRel, "markup declaration not allowed here")
}
