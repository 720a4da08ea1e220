package stanza

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
	t := x & swHi
	t |= (x - 0x20*swLo) &^ x
	y := x ^ '<'*swLo
	t |= (y - swLo) &^ y
	y = x ^ '&'*swLo
	t |= (y - swLo) &^ y
	y = x ^ ']'*swLo
	t |= (y - swLo) &^ y
	return t & swHi
}

// scanSpecialAttr8 is scanSpecial8 for an attribute value quoted by q
// (given as q*swLo): outside 0x20–0x7F or one of '<', '&' and q. The
// other quote character is plain there.
func scanSpecialAttr8(x, q uint64) uint64 {
	t := x & swHi
	t |= (x - 0x20*swLo) &^ x
	y := x ^ '<'*swLo
	t |= (y - swLo) &^ y
	y = x ^ '&'*swLo
	t |= (y - swLo) &^ y
	y = x ^ q
	t |= (y - swLo) &^ y
	return t & swHi
}

// The predefined entity references most text holds, as little-endian
// 32-bit words: "&lt;", "&gt;" and "&amp" (then ';').
const (
	scEntLt  = '&' | 'l'<<8 | 't'<<16 | ';'<<24
	scEntGt  = '&' | 'g'<<8 | 't'<<16 | ';'<<24
	scEntAmp = '&' | 'a'<<8 | 'm'<<16 | 'p'<<24
)
