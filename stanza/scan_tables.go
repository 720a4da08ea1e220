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
	e := &scEnts[uint32(w)*scEntMul>>29]
	if uint32(w) == e.key && uint16(w>>32)&e.mask == e.tail {
		return int(e.n), rune(e.r)
	}
	if uint16(w) != '&'|'#'<<8 {
		return scanRefFast(b)
	}
	// "&#" then up to five decimal or four hex digits and ';'.
	x := w >> 16
	var v uint32
	i := 2
	if byte(x) == 'x' {
		x >>= 8
		for i = 3; i < 8; i++ {
			c := byte(x)
			d := uint32(scHex[c])
			if d > 15 {
				break
			}
			v = v<<4 | d
			x >>= 8
		}
		if i == 3 {
			return 0, 0
		}
	} else {
		for ; i < 8; i++ {
			c := byte(x) - '0'
			if c > 9 {
				break
			}
			v = v*10 + uint32(c)
			x >>= 8
		}
		if i == 2 {
			return 0, 0
		}
	}
	if i == 8 || byte(x) != ';' || !scanIsChar(v) {
		return scanRefFast(b)
	}
	return i + 1, rune(v)
}

// scEnt is a predefined entity reference (XML 1.0 §4.6) for scanRefText:
// its first four bytes as a little-endian word, the bytes after them
// (under mask), its length and its character.
type scEnt struct {
	key        uint32
	tail, mask uint16
	n, r       uint8
}

// scEntMul hashes the first four bytes of the five predefined entity
// references to distinct slots of scEnts (the top 3 bits of the product).
const scEntMul = 0x6d2

var scEnts = func() (t [8]scEnt) {
	for _, e := range []scEnt{
		{key: scEntLt, n: 4, r: '<'},
		{key: scEntGt, n: 4, r: '>'},
		{key: scEntAmp, tail: ';', mask: 0xFF, n: 5, r: '&'},
		{key: scEntQuo, tail: 't' | ';'<<8, mask: 0xFFFF, n: 6, r: '"'},
		{key: scEntApo, tail: 's' | ';'<<8, mask: 0xFFFF, n: 6, r: '\''},
	} {
		h := e.key * scEntMul >> 29
		if t[h].key != 0 {
			panic("stanza: scEntMul does not separate the entities")
		}
		t[h] = e
	}
	return t
}()

// scHex maps hex digits to their value, anything else to 0xFF.
var scHex = func() (t [256]uint8) {
	for i := range t {
		t[i] = 0xFF
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = uint8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = uint8(c-'a') + 10
		t[c-'a'+'A'] = uint8(c-'a') + 10
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
func scanSpecial8(x uint64) uint64 {
	t := (x - 0x20*swLo) | x // below 0x20 (borrowing), or 0x80 and above
	y := x ^ '<'*swLo
	t |= (y - swLo) &^ y
	y = x ^ '&'*swLo
	t |= (y - swLo) &^ y
	y = x ^ ']'*swLo
	t |= (y - swLo) &^ y
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

// scanText2 returns how many bytes at the start of x (8 bytes of text,
// little-endian) are plain character data: ASCII that scanSpecial8 does
// not flag, and whole two-byte UTF-8 characters (every one is a Char,
// XML 1.0 §2.2). A character cut by the end of x is not counted.
func scanText2(x uint64) int {
	hi := x & swHi
	cont := hi &^ (x << 1)                                  // 10xxxxxx
	lead := hi & (x << 1) &^ (x << 2)                       // 110xxxxx
	lead &= ((x & 0x1E1E1E1E1E1E1E1E) + 0x7F7F7F7F7F7F7F7F) // not C0 or C1
	pair := lead & (cont >> 8)                              // a lead and its continuation
	bad := hi &^ (pair | pair<<8)
	// ASCII that stops the text: the lowest such byte is exact.
	bad |= (x - 0x20*swLo) &^ x
	y := x ^ '<'*swLo
	bad |= (y - swLo) &^ y
	y = x ^ '&'*swLo
	bad |= (y - swLo) &^ y
	y = x ^ ']'*swLo
	bad |= (y - swLo) &^ y
	return bits.TrailingZeros64(bad&swHi) >> 3
}

// scanSpecialAttr8 is scanSpecial8 for an attribute value quoted by q:
// outside 0x20–0x7F or one of '<', '&' and q. The other quote character
// is plain there. '&' and q are found with one comparison: they differ
// in one bit (0x26 and 0x27 for an apostrophe, 0x22 and 0x26 for a quotation
// mark), which scanQuoteMask sets in both; m and tq are scanQuoteMask's.
func scanSpecialAttr8(x, m, tq uint64) uint64 {
	t := (x - 0x20*swLo) | x // below 0x20 (borrowing), or 0x80 and above
	y := x ^ '<'*swLo
	t |= (y - swLo) &^ y
	y = (x | m) ^ tq
	t |= (y - swLo) &^ y
	return t & swHi
}

// scanQuoteMask returns, for the quote q, the bit m (in every byte) that
// '&' and q differ in, and the value tq (in every byte) both take with m
// set: (c | m) == tq exactly when c is '&' or q.
func scanQuoteMask(q byte) (m, tq uint64) {
	b := q ^ '&'
	return uint64(b) * swLo, uint64('&'|b) * swLo
}

// The predefined entity references, as little-endian 32-bit words:
// "&lt;", "&gt;", and the first four bytes of "&amp;", "&quot;" and
// "&apos;".
const (
	scEntLt  = '&' | 'l'<<8 | 't'<<16 | ';'<<24
	scEntGt  = '&' | 'g'<<8 | 't'<<16 | ';'<<24
	scEntAmp = '&' | 'a'<<8 | 'm'<<16 | 'p'<<24
	scEntQuo = '&' | 'q'<<8 | 'u'<<16 | 'o'<<24
	scEntApo = '&' | 'a'<<8 | 'p'<<16 | 'o'<<24
)
