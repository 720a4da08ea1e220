package jid

// This file holds the word-at-a-time ("SWAR": SIMD within a register)
// helpers of parseFast. Eight bytes of the input are loaded into a
// uint64, s[p] in the low byte, and tested at once with integer arithmetic.
// Each test yields a mask with bit 7 of a byte set where the byte passes
// (msb selects those bits); bits.TrailingZeros64(mask)/8 is then the
// index of the first such byte in the word.
//
// Adding a constant c <= 0x80 to a byte below 0x80 never carries into the
// next byte (0x7F+0x80 = 0xFF), so on ASCII bytes the tests are exact. A
// byte with bit 7 set is never canonical and is flagged as a stop by the
// tests; the carries it may cause only go up, into the bytes after it in
// the string, which the callers ignore: they only use the flags of the
// bytes up to the first stop.

const (
	lsb = 0x0101010101010101 // 0x01 in every byte
	msb = 0x8080808080808080 // 0x80 in every byte: the flag bit
)

// word returns the first eight bytes of b as a little-endian uint64. The
// compiler turns it into a single load.
func word(b string) uint64 {
	b = b[:8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// printWord flags the bytes of x outside 0x20–0x7E, as resourceCanonical
// checks a resourcepart: such a byte has bit 7 set in x, in x+1 (0x7F) or
// in x-0x20 (below 0x20). A carry or borrow from one byte to the next
// only comes from such a byte, so the word as a whole is exact.
func printWord(x uint64) uint64 {
	return x | (x + lsb) | (x - 0x20*lsb)
}

// ldWord classifies the eight bytes of x for a localpart or domainpart.
// It returns stop, flagging the bytes other than a–z, 0–9 and '.' (the
// NR-LDH bytes but '-', classes cLDH and cDot), and dots, flagging the
// '.' bytes. The flags are exact up to the first stop. Only stop is
// masked with msb: the other bits of dots are noise, which the caller
// masks off once at the end.
func ldWord(x uint64) (stop, dots uint64) {
	// For a byte b < 0x80, bit 7 is set in the byte of
	//	(0x7F+a)*lsb - x   when b < a  (0x7F+a-b >= 0x80),
	//	x + (0x7F-z)*lsb   when b > z  (b+0x7F-z >= 0x80),
	//	x + 0x7F*lsb       when b != 0.
	// So "b < a or b > z" tells a byte outside a–z. In y, '.' is 0 and
	// '0'–'9' are 0x16–0x1F (y is below 0x80 where x is).
	y := x ^ '.'*lsb
	notDot := y + 0x7F*lsb
	notDigit := ((0x7F+0x16)*lsb - y) | (y + (0x7F-0x1F)*lsb)
	notLower := ((0x7F+'a')*lsb - x) | (x + (0x7F-'z')*lsb)
	// Bytes with bit 7 set in x are stops whatever the tests say.
	stop = (notDot&notDigit&notLower | x) & msb
	return stop, ^notDot
}

// emptyLabels returns the flags of the dots in a word that come just after
// a dot: each ends an empty label. dots flags the dots of the word, with
// the ends of the domainpart counted as dots, and carry has bit 7 set when
// the byte just before the word is one. It returns the flags and the carry
// for the next word. Only bit 7 of each byte matters, in and out.
func emptyLabels(dots, carry uint64) (empty, next uint64) {
	// dots<<8 flags the bytes just after a dot in the word; carry adds
	// the first byte.
	return dots & (dots<<8 | carry), dots >> 56
}
