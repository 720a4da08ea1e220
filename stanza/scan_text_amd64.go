//go:build !purego

package stanza

import (
	"unicode/utf8"
	"unsafe"
)

// scanTextAVX2 is scanTextRunAVX2's loop in assembly
// (scan_text_amd64.s). From the start of a character at b[0], it copies
// character data to o 32 bytes a step, checks each block as UTF-8 of XML
// Chars (RFC 6120 §11.6, XML 1.0 §2.2; the method of Keiser and Lemire)
// and decodes the references whose ';' is within 32 bytes of their '&',
// walking the block's stops without reading it again. It reads b[:n] and
// writes o[:n], no further. It returns where it stopped in b and in o, and
// st:
//   - 0 at a byte it leaves to the caller ('<', ']', a control other than
//     tab and line feed, a reference it did not decode), all before it
//     checked;
//   - 1 when fewer than 32 bytes are left: the last block may end inside
//     a character;
//   - 2 when a block holds a byte in error, before or after the stop
//     (well-formed input has none anywhere); i and j are then where the
//     text after the last reference it decoded starts, for the caller to
//     find the first stop or error from.
//
//go:noescape
func scanTextAVX2(o, b *byte, n int, k *scTextConsts) (i, j, st int)

// scanCPUID executes CPUID with EAX = leaf and ECX = sub.
func scanCPUID(leaf, sub uint32) (a, b, c, d uint32)

// scanXGETBV returns the XCR0 register (which register state the system
// saves).
func scanXGETBV() (a, d uint32)

// scHasAVX2 reports whether scanTextAVX2 may be used: the CPU has AVX2
// and the system saves the YMM registers.
var scHasAVX2 = func() bool {
	max, _, _, _ := scanCPUID(0, 0)
	if max < 7 {
		return false
	}
	_, _, c, _ := scanCPUID(1, 0)
	const osxsave, avx = 1 << 27, 1 << 28
	if c&osxsave == 0 || c&avx == 0 {
		return false
	}
	if a, _ := scanXGETBV(); a&6 != 6 { // XMM and YMM state
		return false
	}
	_, b, _, _ := scanCPUID(7, 0)
	return b&(1<<5) != 0
}()

// scTextConsts are scanTextAVX2's constants: vectors of 32 bytes (a byte
// repeated, or a 16-byte table in both halves), scEnts, and the values of
// hex digits.
type scTextConsts struct {
	v    [17][32]byte
	ents [8]scEnt
	dig  [256]byte // the value of a hex digit, 0xFF for another byte
}

// The offsets scan_text_amd64.s takes (K_ENTS, K_DIG): the build fails
// when they change.
var (
	_ = [1]struct{}{}[unsafe.Offsetof(scTextConsts{}.ents)-544]
	_ = [1]struct{}{}[unsafe.Offsetof(scTextConsts{}.dig)-672]
)

// The error classes of a pair of bytes (the byte before, and the byte) in
// the UTF-8 check of Keiser and Lemire ("Validating UTF-8 in less than one
// instruction per byte", 2021): a pair is in a class when its three
// nibbles (the high and low nibbles of the byte before, the high nibble of
// the byte) each are in the class's set; each table gives, for a nibble,
// the classes whose set holds it. The pair is wrong when the three
// tables' bits have one in common, save for u8TwoConts, which is wrong
// exactly when the byte is not due as the third or fourth of a character.
const (
	u8TooShort  = 1 << iota // a first byte not followed by a continuation byte
	u8TooLong               // a continuation byte after ASCII
	u8Overlong3             // E0 80–9F (RFC 3629 §4)
	u8TooLarge              // F4 90–BF, F5–FF 90–BF: above U+10FFFF
	u8Surrogate             // ED A0–BF: U+D800–U+DFFF
	u8Overlong2             // C0–C1 80–BF
	u8Overlong4             // F0 80–8F; also F5–FF 80–8F (above U+10FFFF)
	u8TwoConts              // two continuation bytes (must be bit 7)
)

// scTextK holds the constants of scanTextAVX2.
var scTextK = func() *scTextConsts {
	nib := func(lo, hi int) (s uint16) {
		for n := lo; n <= hi; n++ {
			s |= 1 << n
		}
		return s
	}
	all := nib(0, 15)
	var h1, l1, h2 [16]byte
	for _, c := range []struct {
		bit        byte
		h1, l1, h2 uint16
	}{
		{u8TooShort, nib(0xC, 0xF), all, nib(0, 7) | nib(0xC, 0xF)},
		{u8TooLong, nib(0, 7), all, nib(8, 0xB)},
		{u8TwoConts, nib(8, 0xB), all, nib(8, 0xB)},
		{u8Overlong2, nib(0xC, 0xC), nib(0, 1), nib(8, 0xB)},
		{u8Overlong3, nib(0xE, 0xE), nib(0, 0), nib(8, 9)},
		{u8Surrogate, nib(0xE, 0xE), nib(0xD, 0xD), nib(0xA, 0xB)},
		{u8Overlong4, nib(0xF, 0xF), nib(0, 0) | nib(5, 0xF), nib(8, 8)},
		{u8TooLarge, nib(0xF, 0xF), nib(4, 0xF), nib(9, 0xB)},
	} {
		for n := range 16 {
			if c.h1&(1<<n) != 0 {
				h1[n] |= c.bit
			}
			if c.l1&(1<<n) != 0 {
				l1[n] |= c.bit
			}
			if c.h2&(1<<n) != 0 {
				h2[n] |= c.bit
			}
		}
	}
	t := new(scTextConsts)
	for i, tab := range [][16]byte{h1, l1, h2} {
		copy(t.v[i][:16], tab[:])
		copy(t.v[i][16:], tab[:])
	}
	for i, b := range []byte{
		0x0F, '<', '&', ']', 0x1F, '\t', '\n',
		0xE0 - 0x80, 0xF0 - 0x80, 0x80, // prev2 >= 0xE0, prev3 >= 0xF0 (saturating subtraction)
		0xEF, 0xBF, 0x01, ';',
	} {
		for j := range t.v[3+i] {
			t.v[3+i][j] = b
		}
	}
	t.ents = scEnts
	for c := range t.dig {
		switch {
		case '0' <= c && c <= '9':
			t.dig[c] = byte(c - '0')
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			t.dig[c] = byte(c|0x20-'a') + 10
		default:
			t.dig[c] = 0xFF
		}
	}
	return t
}()

// scanTextRunAVX2 is scanTextRun with scanTextAVX2 for the runs of text
// between references: same contract, same results.
func scanTextRunAVX2(o, b []byte) (int, int) {
	var i, j int // b[i] is the next byte, o[j] where it goes
	for len(b)-i >= 32 {
		n := min(len(b)-i, len(o)-j)
		di, dj, st := scanTextAVX2(&o[j], &b[i], n, scTextK)
		i += di
		j += dj
		if st == 2 {
			break // scanTextRunGo finds the byte in error, from after the last reference
		}
		if st == 1 {
			// Back to the first byte of a character cut at i.
			for c := 0; c < 4 && i > 0 && b[i-1] >= 0x80; c++ {
				i--
				j--
				if b[i] >= 0xC0 {
					break
				}
			}
			break
		}
		if b[i] != '&' {
			return j, i // scanText decides
		}
		if len(b)-i < 8 {
			break
		}
		n, r := scanRefText(b[i:])
		if n == 0 {
			return j, i // scanText reports it
		}
		j += utf8.EncodeRune(o[j:], r)
		i += n
	}
	dn, dp := scanTextRunGo(o[j:], b[i:])
	return j + dn, i + dp
}
