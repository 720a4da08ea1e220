package stanza

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// Byte classes of the Decoder's scanner. Each scanning loop advances over
// the bytes whose class has its bit set and stops on anything else, which
// it then examines one by one; every byte >= 0x80 stops every loop and is
// decoded as UTF-8 (RFC 6120 §11.6), so plain loops are pure ASCII.
const (
	scNameStart = 1 << iota // ASCII NameStartChar but ':' (XML 1.0 §2.3 [4])
	scName                  // ASCII NameChar but ':' (XML 1.0 §2.3 [4a])
	scText                  // character data copied as is: not '<' '&' ']' '\r' or a control
	scAttr                  // attribute value copied as is: not '<' '&' quotes, tab, CR, LF or a control
	scCDATA                 // CDATA content copied as is: not ']' '\r' or a control
	scSpace                 // S (XML 1.0 §2.3 [3]): space, tab, CR, LF
	scNameEnd               // ends a start tag's name: S, '>' or '/'
)

// scanClass maps each byte to its classes.
var scanClass = func() (t [256]uint8) {
	for c := 0; c < 0x80; c++ {
		var k uint8
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
			k = scNameStart | scName
		case c >= '0' && c <= '9', c == '-', c == '.':
			k = scName
		}
		if c >= 0x20 {
			k |= scText | scAttr | scCDATA
		}
		t[c] = k
	}
	for _, c := range "<&]" {
		t[c] &^= scText
	}
	for _, c := range "<&'\"" {
		t[c] &^= scAttr
	}
	t[']'] &^= scCDATA
	t['\t'] |= scText | scCDATA | scSpace
	t['\n'] |= scText | scCDATA | scSpace
	t['\r'] |= scSpace
	t[' '] |= scSpace
	for _, c := range " \t\r\n>/" {
		t[c] |= scNameEnd
	}
	return t
}()

// scanNameRune reports whether the non-ASCII rune r is a NameStartChar
// (start) or a NameChar of XML 1.0 (Fifth Edition) §2.3 [4], [4a]: the
// edition RFC 6120 §11 and RFC 7622 reference.
func scanNameRune(r rune, start bool) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	if start {
		return false
	}
	return r == 0xB7 || r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040
}

// scanIsChar reports whether r matches the Char production of XML 1.0
// §2.2 [2]; the check for characters written as references (WFC: Legal
// Character, §4.1).
func scanIsChar(r uint32) bool {
	switch {
	case r < 0x20:
		return r == 0x9 || r == 0xA || r == 0xD
	case r <= 0xD7FF:
		return true
	case r < 0xE000:
		return false
	case r <= 0xFFFD:
		return true
	}
	return r >= 0x10000 && r <= 0x10FFFF
}

// scanRune returns the length of the UTF-8 encoded XML Char at b[0] (a
// byte >= 0x80), or 0 when b does not hold one: invalid, not a Char, or
// cut short. The callers' slow paths decide what a 0 means. It accepts
// exactly what utf8.DecodeRune decodes without error, less U+FFFE and
// U+FFFF (XML 1.0 §2.2; UTF-8 excludes the surrogates).
func scanRune(b []byte) int {
	c := b[0]
	switch {
	case c >= 0xC2 && c <= 0xDF:
		if len(b) >= 2 && b[1]&0xC0 == 0x80 {
			return 2
		}
	case c >= 0xE0 && c <= 0xEF:
		if len(b) >= 3 && b[1]&0xC0 == 0x80 && b[2]&0xC0 == 0x80 {
			switch {
			case c == 0xE0 && b[1] < 0xA0, c == 0xED && b[1] >= 0xA0, c == 0xEF && b[1] == 0xBF && b[2] >= 0xBE:
				return 0
			}
			return 3
		}
	case c >= 0xF0 && c <= 0xF4:
		if len(b) >= 4 && b[1]&0xC0 == 0x80 && b[2]&0xC0 == 0x80 && b[3]&0xC0 == 0x80 {
			if c == 0xF0 && b[1] < 0x90 || c == 0xF4 && b[1] >= 0x90 {
				return 0
			}
			return 4
		}
	}
	return 0
}

// scanRefFast returns the length of the reference at b[0] ('&') and the
// character it stands for, when the reference lies wholly in b and is one
// the Decoder accepts (a predefined entity, or a character reference of
// at most 8 digits to a Char); else 0, and the slow path reads on or
// reports the error.
func scanRefFast(b []byte) (int, rune) {
	if len(b) < 4 {
		return 0, 0
	}
	switch b[1] {
	case 'a':
		if len(b) >= 5 && b[2] == 'm' && b[3] == 'p' && b[4] == ';' {
			return 5, '&'
		}
		if len(b) >= 6 && b[2] == 'p' && b[3] == 'o' && b[4] == 's' && b[5] == ';' {
			return 6, '\''
		}
	case 'l':
		if b[2] == 't' && b[3] == ';' {
			return 4, '<'
		}
	case 'g':
		if b[2] == 't' && b[3] == ';' {
			return 4, '>'
		}
	case 'q':
		if len(b) >= 6 && b[2] == 'u' && b[3] == 'o' && b[4] == 't' && b[5] == ';' {
			return 6, '"'
		}
	case '#':
		i := 2
		var v uint32
		if b[2] == 'x' {
			i = 3
		hex:
			for ; i < len(b) && i < 11; i++ {
				c := b[i]
				switch {
				case c >= '0' && c <= '9':
					v = v<<4 | uint32(c-'0')
				case c >= 'a' && c <= 'f':
					v = v<<4 | uint32(c-'a'+10)
				case c >= 'A' && c <= 'F':
					v = v<<4 | uint32(c-'A'+10)
				default:
					break hex
				}
			}
		} else {
			for ; i < len(b) && i < 10; i++ {
				c := b[i]
				if c < '0' || c > '9' {
					break
				}
				v = v*10 + uint32(c-'0')
			}
		}
		if i < len(b) && b[i] == ';' && i > 2 && b[i-1] != 'x' && scanIsChar(v) {
			return i + 1, rune(v)
		}
	}
	return 0, 0
}

// scanRefText is scanRefFast for b holding at least 8 bytes, with the
// predefined entities and short character references recognised on one
// 8-byte load, without a branch per kind.
func scanRefText(b []byte) (int, rune) {
	if len(b) < 8 {
		return scanRefFast(b)
	}
	w := binary.LittleEndian.Uint64(b)
	if byte(w>>8) == '#' {
		if k, r := scanCharRef8(w); k > 0 {
			return k, r
		}
		return scanRefFast(b) // more digits
	}
	if e := scEnts[uint32(w)*scEntMul>>29]; (w^e.key)&e.mask == 0 {
		return e.n(), rune(e.r())
	}
	return 0, 0 // no other entity is allowed (RFC 6120 §11.1)
}

// scanCharRef8 returns the length of the character reference at the
// start of w (8 bytes, little-endian, starting "&#") and the character it
// names, when it lies wholly in w, has at most five decimal or four hex
// digits and names a Char (XML 1.0 §4.1 WFC: Legal Character); else 0.
// The decimal digits are found and summed eight bytes at once.
func scanCharRef8(w uint64) (int, rune) {
	var v uint32
	var s uint // 8 times the number of digits
	if byte(w>>16) != 'x' {
		// Digits become 0–9; every other byte has a bit above the low
		// four set, or the high bit (the two bytes shifted in too).
		y := w>>16 ^ '0'*swLo
		nd := ((y &^ swHi) + 0x76*swLo | y) & swHi
		s = uint(bits.TrailingZeros64(nd)) &^ 7
		if s == 0 || byte(y>>(s&63)) != ';'^'0' {
			return 0, 0
		}
		// Align the digits at the top, leading zeros below, and add
		// them up in pairs, fours, eights (the first is the highest).
		y <<= (64 - s) & 63
		y = (y * (10<<8 + 1)) >> 8 & 0x00FF00FF00FF00FF
		y = (y * (100<<16 + 1)) >> 16 & 0x0000FFFF0000FFFF
		v = uint32((y * (10000<<32 + 1)) >> 32)
		s += 3 * 8 // "&#" and ';'
	} else {
		x := w >> 24
		// Hex digits: 0–9 after '0' is taken away, or 1–6 after the
		// letter is lowered and 'a'-1 taken away.
		y := x ^ '0'*swLo
		dec := (y&^swHi + 0x76*swLo) | y
		z := (x | 0x20*swLo) ^ 0x60*swLo
		z7 := z &^ swHi
		hex := (z7 + 0x79*swLo) | z | ^(z7 + 0x7F*swLo)
		s = uint(bits.TrailingZeros64(dec&hex&swHi)) &^ 7
		if s == 0 || byte(x>>(s&63)) != ';' {
			return 0, 0 // also for five digits, no ';' in x
		}
		// The digits' values, aligned at the top (at most four: the
		// upper half) and added up in pairs and fours.
		y = (x&(0x0F*swLo) + (x>>6&swLo)*9) << ((64 - s) & 63)
		y = (y * (16<<8 + 1)) >> 8 & 0x00FF00FF00FF00FF
		v = uint32((y * (256<<16 + 1)) >> 48)
		s += 4 * 8 // "&#x" and ';'
	}
	if !scanIsChar(v) {
		return 0, 0
	}
	return int(s >> 3), rune(v)
}

// scEnt is a predefined entity reference (XML 1.0 §4.6) for scanRefText:
// key holds its bytes as a little-endian word (at most six), its length
// in byte 6 and its character in byte 7; mask has the bits of its bytes
// set. Eight bytes x at a '&' start it when (x^key)&mask == 0.
type scEnt struct {
	key, mask uint64
}

// n returns the length of e's reference.
func (e scEnt) n() int { return int(byte(e.key >> 48)) }

// r returns the character e's reference stands for.
func (e scEnt) r() byte { return byte(e.key >> 56) }

// scEntMul hashes the first four bytes of the five predefined entity
// references to distinct slots of scEnts (the top 3 bits of the product).
const scEntMul = 0x6d2

// scEnts holds the predefined entity references at the slots their
// first four bytes hash to; the other slots match nothing (eight zero
// bytes, and the eight bytes at a '&' start with the '&').
var scEnts = func() (t [8]scEnt) {
	for i := range t {
		t[i].mask = ^uint64(0)
	}
	for _, e := range []struct {
		s string
		r byte
	}{{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}} {
		var k, m uint64
		for i := len(e.s) - 1; i >= 0; i-- {
			k = k<<8 | uint64(e.s[i])
			m = m<<8 | 0xFF
		}
		h := uint32(k) * scEntMul >> 29
		if t[h].key != 0 {
			panic("stanza: scEntMul does not separate the entities")
		}
		t[h] = scEnt{key: k | uint64(len(e.s))<<48 | uint64(e.r)<<56, mask: m}
	}
	return t
}()

// SWAR constants: one in each byte, the high bit of each byte.
const (
	swLo = 0x0101010101010101
	swHi = 0x8080808080808080
)

// scanSpecial8 returns a mask with the high bit set in each byte of x (8
// bytes, little-endian) that is not plain character data, that is outside
// 0x20–0x7F or one of '<', '&' and ']'; bits above the first such byte may
// be set spuriously, so only its lowest set bit is meaningful.
//
// Below that byte every byte is in 0x01–0x7F after the exclusive or with
// one of the three characters, so taking one away neither borrows nor
// sets the high bit there: the "&^ y" of the usual zero-byte test is not
// needed, a byte >= 0x80 it guards against being special anyway.
func scanSpecial8(x uint64) uint64 {
	t := (x - 0x20*swLo) | x // below 0x20 (borrowing), or 0x80 and above
	t |= (x ^ '<'*swLo) - swLo
	t |= (x ^ '&'*swLo) - swLo
	t |= (x ^ ']'*swLo) - swLo
	return t & swHi
}

// scanRange8 returns a mask with the high bit set in each byte of y (whose
// bytes are all below 0x80) that is in lo…hi. No carry crosses a byte,
// so every bit is meaningful.
func scanRange8(y uint64, lo, hi byte) uint64 {
	return (y + (0x80-uint64(lo))*swLo) &^ (y + (0x7F-uint64(hi))*swLo)
}

// scanNameStop8 returns a mask with the high bit set in each byte of x
// that is not an ASCII NameChar other than ':' (XML 1.0 §2.3 [4a]): not
// one of [-.0-9A-Z_a-z]. Every bit is meaningful.
func scanNameStop8(x uint64) uint64 {
	y := x &^ swHi
	in := scanRange8(y|0x20*swLo, 'a', 'z') | scanRange8(y, '0', '9') |
		scanRange8(y, '-', '.') | scanRange8(y, '_', '_')
	return (x | ^in) & swHi
}

// scanEqual reports whether a and b are equal, comparing names of at most
// eight bytes with one load each (both lie in a larger buffer).
func scanEqual(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) <= 8 && cap(a) >= 8 && cap(b) >= 8 {
		m := uint64(1)<<(8*uint(len(a))) - 1 // all ones for 8
		return (binary.LittleEndian.Uint64(a[:8])^binary.LittleEndian.Uint64(b[:8]))&m == 0
	}
	return string(a) == string(b)
}

// scanNameFast returns the length of the name at b[p] when it is made of
// ASCII letters and '-' only, starts with a letter, and ends within
// sixteen bytes on a byte that is no NameChar: the usual element and
// attribute name. Otherwise it returns 0 and scanQName8 decides.
func scanNameFast(b []byte, p int) int {
	if p+8 > len(b) {
		return 0
	}
	x := binary.LittleEndian.Uint64(b[p : p+8])
	y := x &^ swHi
	letters := scanRange8(y|0x20*swLo, 'a', 'z')
	if letters&0x80 == 0 {
		return 0 // the first byte is no letter
	}
	stop := (x | ^(letters | scanRange8(y, '-', '-'))) & swHi
	k := 0
	if stop == 0 {
		// A longer name ("subscription"): the next eight bytes.
		if p+16 > len(b) {
			return 0
		}
		x = binary.LittleEndian.Uint64(b[p+8 : p+16])
		y = x &^ swHi
		stop = (x | ^(scanRange8(y|0x20*swLo, 'a', 'z') | scanRange8(y, '-', '-'))) & swHi
		if stop == 0 {
			return 0
		}
		k = 8
	}
	// The byte that ends the name must be no NameChar (digits, '.', '_',
	// ':' or non-ASCII would go on with it).
	first := stop & -stop
	more := x | scanRange8(y, '0', ':') | scanRange8(y, '.', '.') | scanRange8(y, '_', '_')
	if first&more != 0 {
		return 0
	}
	return k + bits.TrailingZeros64(first)>>3
}

// scanNameFastAfter is scanNameFast for a caller that has loaded the eight
// bytes at b[p] and found stop (the high bit set in each byte that is no
// ASCII letter): when all eight are letters it goes on with the next eight.
func scanNameFastAfter(b []byte, p int, stop uint64) int {
	if stop != 0 {
		return scanNameFast(b, p)
	}
	return scanNameLong(b, p)
}

// scanNameLong is scanNameFast for a name whose first eight bytes are
// ASCII letters.
func scanNameLong(b []byte, p int) int {
	if p+16 > len(b) {
		return 0
	}
	x := binary.LittleEndian.Uint64(b[p+8 : p+16])
	y := x &^ swHi
	stop := (x | ^(scanRange8(y|0x20*swLo, 'a', 'z') | scanRange8(y, '-', '-'))) & swHi
	if stop == 0 {
		return 0
	}
	first := stop & -stop
	more := x | scanRange8(y, '0', ':') | scanRange8(y, '.', '.') | scanRange8(y, '_', '_')
	if first&more != 0 {
		return 0
	}
	return 8 + bits.TrailingZeros64(first)>>3
}

// scanQName8 is scanQNameIn eight bytes at a time.
func scanQName8(b []byte, p int) (int, int32) {
	if p >= len(b) || scanClass[b[p]]&scNameStart == 0 {
		return -1, 0
	}
	colon := int32(-1)
	q := p
	for len(b)-q >= 8 {
		t := scanNameStop8(binary.LittleEndian.Uint64(b[q:]))
		if t == 0 {
			q += 8
			continue
		}
		q += bits.TrailingZeros64(t) >> 3
		if c := b[q]; c != ':' {
			if c >= utf8.RuneSelf {
				return -1, 0
			}
			return q, colon
		}
		if colon >= 0 || q+1 >= len(b) || scanClass[b[q+1]]&scNameStart == 0 {
			return -1, 0
		}
		colon = int32(q)
		q += 2
	}
	return scanQNameIn(b, p) // near the end of the visible bytes
}

// scanSpecialAttr8 is scanSpecial8 for an attribute value quoted by q:
// outside 0x20–0x7F or one of '<', '&' and q. The other quote character
// is plain there. '&' and q are found with one comparison: they differ
// in one bit (0x26 and 0x27 for an apostrophe, 0x22 and 0x26 for a quotation
// mark), which scanQuoteMask sets in both; m and tq are scanQuoteMask's.
// As in scanSpecial8, only the lowest set bit is meaningful.
func scanSpecialAttr8(x, m, tq uint64) uint64 {
	t := (x - 0x20*swLo) | x // below 0x20 (borrowing), or 0x80 and above
	t |= (x ^ '<'*swLo) - swLo
	t |= ((x | m) ^ tq) - swLo
	return t & swHi
}

// scanQuoteMask returns, for the quote q, the bit m (in every byte) that
// '&' and q differ in, and the value tq (in every byte) both take with m
// set: (c | m) == tq exactly when c is '&' or q.
func scanQuoteMask(q byte) (m, tq uint64) {
	b := q ^ '&'
	return uint64(b) * swLo, uint64('&'|b) * swLo
}

// scanChar8 returns the length of the UTF-8 encoded XML Char at the start
// of x (8 bytes, little-endian, the first >= 0x80), or 0 when it is none
// (XML 1.0 §2.2 Char; RFC 6120 §11.6 UTF-8: shortest form, no
// surrogates): what scanRune returns for a b holding the eight bytes.
func scanChar8(x uint64) int {
	switch {
	case x&0xC0E0 == 0x80C0 && x&0x1E != 0:
		return 2 // every two-byte character is a Char
	case x&0xC0C0F0 == 0x8080E0:
		// Not E0 80–9F (overlong), ED A0–BF (surrogates) or EF BF BE–BF
		// (U+FFFE, U+FFFF).
		if v := x & 0x200F; v == 0 || v == 0x200D || x&0xFEFFFF == 0xBEBFEF {
			return 0
		}
		return 3
	case x&0xC0C0C0F8 == 0x808080F0:
		r := uint32(x)&0x07<<18 | uint32(x>>8)&0x3F<<12 | uint32(x>>16)&0x3F<<6 | uint32(x>>24)&0x3F
		if r-0x10000 >= 0x100000 {
			return 0
		}
		return 4
	}
	return 0
}

// The UTF-8 check of scanTextRun is a deterministic automaton over bytes
// that accepts exactly the UTF-8 encodings of XML Chars of 0x80 and above
// (XML 1.0 §2.2; RFC 6120 §11.6: shortest form, no surrogates, nothing
// above U+10FFFF; not U+FFFE or U+FFFF) between ASCII bytes. A state is a
// bit offset into the table entry of the next byte, which holds the next
// state there in six bits ("shift-based" automaton): one load and one
// shift per byte, no branch, so text that mixes ASCII and other
// characters costs no mispredicted branches. The low six bits of a
// stepped state are the state; the bits above them are left over.
const (
	scU8Accept = 0  // between characters
	scU8Error  = 6  // not well-formed; stays so
	scU8Cont1  = 12 // one continuation byte to come (80–BF)
	scU8Cont2  = 18 // two
	scU8Cont3  = 24 // three
	scU8E0     = 30 // after E0: A0–BF (no overlong form), then one
	scU8ED     = 36 // after ED: 80–9F (no surrogate), then one
	scU8F0     = 42 // after F0: 90–BF (no overlong form), then two
	scU8F4     = 48 // after F4: 80–8F (nothing above U+10FFFF), then two
	scU8EF     = 54 // after EF: BF leads to EFBF, other continuations to one
	scU8EFBF   = 60 // after EF BF: 80–BD (not U+FFFE, U+FFFF); four bits wide, enough for 0 and 6
)

// scU8Steps are the automaton's transitions other than to scU8Error: from
// a state, the bytes lo–hi lead to next (RFC 3629 §4, the well-formed
// byte sequences, less surrogates and U+FFFE, U+FFFF).
var scU8Steps = [...]struct {
	from   int
	lo, hi byte
	next   int
}{
	{scU8Accept, 0x00, 0x7F, scU8Accept},
	{scU8Accept, 0xC2, 0xDF, scU8Cont1},
	{scU8Accept, 0xE0, 0xE0, scU8E0},
	{scU8Accept, 0xE1, 0xEC, scU8Cont2},
	{scU8Accept, 0xED, 0xED, scU8ED},
	{scU8Accept, 0xEE, 0xEE, scU8Cont2},
	{scU8Accept, 0xEF, 0xEF, scU8EF},
	{scU8Accept, 0xF0, 0xF0, scU8F0},
	{scU8Accept, 0xF1, 0xF3, scU8Cont3},
	{scU8Accept, 0xF4, 0xF4, scU8F4},
	{scU8Cont1, 0x80, 0xBF, scU8Accept},
	{scU8Cont2, 0x80, 0xBF, scU8Cont1},
	{scU8Cont3, 0x80, 0xBF, scU8Cont2},
	{scU8E0, 0xA0, 0xBF, scU8Cont1},
	{scU8ED, 0x80, 0x9F, scU8Cont1},
	{scU8F0, 0x90, 0xBF, scU8Cont2},
	{scU8F4, 0x80, 0x8F, scU8Cont2},
	{scU8EF, 0x80, 0xBE, scU8Cont1},
	{scU8EF, 0xBF, 0xBF, scU8EFBF},
	{scU8EFBF, 0x80, 0xBD, scU8Accept},
}

// scU8 is the automaton's table: for each byte, the next state of each
// state at that state's offset.
var scU8 = func() (t [256]uint64) {
	for c := range t {
		for s := 0; s <= scU8EFBF; s += 6 {
			t[c] |= scU8Error << s // what no step says, and from scU8Error
		}
	}
	for _, st := range scU8Steps {
		for c := int(st.lo); c <= int(st.hi); c++ {
			t[c] = t[c]&^(63<<st.from) | uint64(st.next)<<st.from
		}
	}
	return t
}()

// scanUTF8Step8 runs the automaton from state s over the eight bytes of
// x, first byte first, and returns the state (in its low six bits).
func scanUTF8Step8(s, x uint64) uint64 {
	s = scU8[byte(x)] >> (s & 63)
	s = scU8[byte(x>>8)] >> (s & 63)
	s = scU8[byte(x>>16)] >> (s & 63)
	s = scU8[byte(x>>24)] >> (s & 63)
	s = scU8[byte(x>>32)] >> (s & 63)
	s = scU8[byte(x>>40)] >> (s & 63)
	s = scU8[byte(x>>48)] >> (s & 63)
	return scU8[byte(x>>56)] >> (s & 63)
}

// scanSpecialASCII8 is scanSpecial8 without the bytes of 0x80 and above:
// a mask with the high bit set in each ASCII byte of x that is below 0x20
// or one of '<', '&' and ']'. Bits above the first such byte may be set
// spuriously; none is set below it, as no byte borrows but a special one.
func scanSpecialASCII8(x uint64) uint64 {
	t := x - 0x20*swLo
	t |= (x ^ '<'*swLo) - swLo
	t |= (x ^ '&'*swLo) - swLo
	t |= (x ^ ']'*swLo) - swLo
	return t &^ x & swHi
}
