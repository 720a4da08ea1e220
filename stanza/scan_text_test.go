package stanza

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// stRefText is the reference for scanTextRun: it decodes the character
// data at the start of b as XML 1.0 defines it (§2.2 Char, §4.1
// character references, §4.6 predefined entities, RFC 6120 §11.6 UTF-8)
// and stops at the first byte scanText handles itself ('<', CR, ']', a
// control) or that is not well-formed there. It returns the decoded text
// and the stop.
func stRefText(b []byte) ([]byte, int) {
	var out []byte
	p := 0
	for p < len(b) {
		c := b[p]
		switch {
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(b[p:])
			if r == utf8.RuneError && n == 1 || !scanIsChar(uint32(r)) {
				return out, p
			}
			out = append(out, b[p:p+n]...)
			p += n
		case c == '&':
			n, r := stRefRef(b[p:])
			if n == 0 {
				return out, p
			}
			out = utf8.AppendRune(out, r)
			p += n
		case c == '\t' || c == '\n' || c >= 0x20 && c != '<' && c != ']':
			out = append(out, c)
			p++
		default:
			return out, p
		}
	}
	return out, p
}

// stRefRef is the reference for the reference at b[0] ('&'): its length
// and character, or 0 when b does not start with a whole, allowed one.
func stRefRef(b []byte) (int, rune) {
	end := bytes.IndexByte(b, ';')
	if end < 0 {
		return 0, 0
	}
	name := string(b[1:end])
	switch name {
	case "lt":
		return end + 1, '<'
	case "gt":
		return end + 1, '>'
	case "amp":
		return end + 1, '&'
	case "apos":
		return end + 1, '\''
	case "quot":
		return end + 1, '"'
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, 0
	}
	digits, base := name[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	for _, c := range []byte(digits) {
		// strconv would take a sign or underscores.
		if !('0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
			return 0, 0
		}
	}
	v, err := strconv.ParseUint(digits, base, 32)
	if err != nil || !scanIsChar(uint32(v)) {
		return 0, 0
	}
	return end + 1, rune(v)
}

// stRuns are the implementations of scanTextRun this machine can run.
var stRuns = func() (runs []struct {
	name string
	f    func(o, b []byte) (int, int)
}) {
	runs = append(runs, struct {
		name string
		f    func(o, b []byte) (int, int)
	}{"Go", scanTextRunGo})
	if scHasAVX2 {
		runs = append(runs, struct {
			name string
			f    func(o, b []byte) (int, int)
		}{"AVX2", scanTextRunAVX2})
	}
	return runs
}()

// stCheckRun runs each implementation of scanTextRun on in (after a
// prefix, to check that it writes only where it is told) and compares it
// with stRefText: the text it takes must be decoded as the reference
// decodes it, and it must stop no later than the reference. With full set
// it must also stop where the reference stops (the fast path takes all
// the text of in).
func stCheckRun(t *testing.T, in []byte, full bool) {
	t.Helper()
	const pre = "xyz"
	b := append([]byte(pre), in...)
	want, stop := stRefText(in)
	for _, run := range stRuns {
		o := make([]byte, 5+len(in)+8)
		copy(o, "01234")
		dn, dp := run.f(o[5:], b[len(pre):])
		n, p := 5+dn, len(pre)+dp
		if p < len(pre) || p-len(pre) > stop {
			t.Fatalf("%s: scanTextRun(%q) stopped at %d, the reference at %d", run.name, in, p-len(pre), stop)
		}
		if string(o[:5]) != "01234" {
			t.Fatalf("%s: scanTextRun(%q) wrote before n: %q", run.name, in, o[:5])
		}
		got := o[5:n]
		if prefix, _ := stRefText(in[:p-len(pre)]); !bytes.Equal(got, prefix) {
			t.Fatalf("%s: scanTextRun(%q) = %q up to %d, want %q", run.name, in, got, p-len(pre), prefix)
		}
		if full && (p-len(pre) != stop || !bytes.Equal(got, want)) {
			t.Fatalf("%s: scanTextRun(%q) = %q up to %d, want %q up to %d", run.name, in, got, p-len(pre), want, stop)
		}
	}
}

func TestScanTextRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		full bool // the fast path takes all the text
	}{
		{"empty", "", true},
		{"ascii", "hello, world<", true},
		{"long ascii", "wherefore art thou Romeo, deny thy father<", true},
		{"tab and LF", "a\tb\nc<", true},
		{"CR", "ab\rc<", true},
		{"bracket", "a]b<", true},
		{"control", "a\x01b<", true},
		{"DEL", "a\x7Fb<", true},
		{"two-byte", "Dvořím se Julii<", true},
		{"two-byte run", "жизнь любовь<", true},
		{"three-byte run", "ロミオとジュリエット<", true},
		{"four-byte", "a😀🌹b<", true},
		{"mixed", "«quote» ½ — ♥ café naïve Straße 愛<", true},
		{"entities", "&lt;3 -&gt; &amp; &quot;so&quot; it&apos;s<", true},
		{"char refs", "&#38; &#x26; &#60;3 &#233; &#xE9; &#xe9;<", true},
		{"char ref non-ASCII", "&#1078;&#x436;&#12354;&#x1F600;&#128512;<", true},
		{"char ref limits", "&#9;&#xA;&#13;&#x20;&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;<", true},
		{"char ref leading zeros", "&#00065;&#x0041;&#0000065;<", true},
		{"char ref not a Char", "a&#0;b<", true},
		{"char ref NUL hex", "a&#x0;b<", true},
		{"char ref control", "a&#8;b<", true},
		{"char ref surrogate", "a&#xD800;b<", true},
		{"char ref FFFE", "a&#xFFFE;b<", true},
		{"char ref FFFF", "a&#65535;b<", true},
		{"char ref too big", "a&#x110000;b<", true},
		{"char ref too big decimal", "a&#1114112;b<", true},
		{"char ref far too big", "a&#99999999999;b&#xFFFFFFFFF;c<", true},
		{"char ref top decimal", "a&#1114111;b<", true},
		{"char ref too many digits", "a&#0000000000065;b<", false}, // scanRef
		{"char ref no digits", "a&#;b<", true},
		{"char ref hex no digits", "a&#x;b<", true},
		{"char ref upper X", "a&#X41;b<", true},
		{"char ref hex digit in decimal", "a&#6A;b<", true},
		{"char ref hex digits of both cases", "&#xaB;&#xAb;&#x6a;&#x6F;&#x4a;<", true},
		{"char ref not a hex digit", "a&#x6G;b&#x6g;c&#x/;d&#x:;e&#x@;f&#x`;<", true},
		{"char refs of one byte then two", "&#65;&#xE9;&#x7F;&#128;&#x7FF;&#2048;<", true},
		{"char ref no semicolon", "a&#65 b<", true},
		{"char ref sign", "a&#+65;b<", true},
		{"unknown entity", "a&nbsp;b<", true},
		{"entity no semicolon", "a&amp b<", true},
		{"entity prefix", "a&am;b<", true},
		{"entity case", "a&LT;b<", true},
		{"bare ampersand", "a & b<", true},
		{"overlong two", "a\xC0\x80b<", true},
		{"overlong two C1", "a\xC1\xBFb<", true},
		{"overlong three", "a\xE0\x80\x80b<", true},
		{"overlong three top", "a\xE0\x9F\xBFb<", true},
		{"surrogate", "a\xED\xA0\x80b<", true},
		{"U+D7FF", "a\xED\x9F\xBFb<", true},
		{"U+FFFD", "a\xEF\xBF\xBDb<", true},
		{"U+FFFE", "a\xEF\xBF\xBEb<", true},
		{"U+FFFF", "a\xEF\xBF\xBFb<", true},
		{"U+FFBF", "a\xEF\xBE\xBFb<", true},
		{"overlong four", "a\xF0\x8F\xBF\xBFb<", true},
		{"U+10FFFF", "a\xF4\x8F\xBF\xBFb<", true},
		{"above U+10FFFF", "a\xF4\x90\x80\x80b<", true},
		{"F5", "a\xF5\x80\x80\x80b<", true},
		{"lone continuation", "a\x80b<", true},
		{"cut two", "a\xC3b<", true},
		{"cut three", "a\xE3\x83b<", true},
		{"cut four", "a\xF0\x9F\x98b<", true},
		{"FF", "a\xFFb<", true},
		{"error after the text", "a&lt;b<\xFF\xED\xA0\x80", true},
		// At the end of b, with fewer than eight bytes left.
		{"end ascii", "abc", true},
		{"end two-byte", "aé", true},
		{"end three-byte", "a愛", true},
		{"end four-byte", "a😀", true},
		{"end entity", "a&lt;", true},
		{"end char ref", "a&#233;", true},
		{"end cut", "a\xE6\x84", true},
		{"end cut ref", "a&#23", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stCheckRun(t, []byte(tt.in), tt.full)
			// And after text of every length, to move it across the
			// eight-byte words and the 32-byte blocks, and after a
			// reference, where the blocks start again.
			for i := 1; i < 70; i++ {
				stCheckRun(t, append(bytes.Repeat([]byte{'.'}, i), tt.in...), tt.full)
				stCheckRun(t, append([]byte("&lt;"+strings.Repeat(".", i)), tt.in...), tt.full)
			}
		})
	}
}

// TestScanTextRunUTF8 checks every two- and three-byte sequence and the
// four-byte ones around the limits, after and before text of every
// alignment: the fast path takes exactly the UTF-8 encoded Chars.
func TestScanTextRunUTF8(t *testing.T) {
	t.Parallel()
	var seqs [][]byte
	for c0 := 0x80; c0 < 0x100; c0++ {
		for c1 := 0; c1 < 0x100; c1++ {
			seqs = append(seqs, []byte{byte(c0), byte(c1), 'z'})
			if c0 >= 0xE0 && c1 >= 0x80 && c1 < 0xC0 {
				for c2 := 0x7F; c2 < 0xC1; c2++ {
					seqs = append(seqs, []byte{byte(c0), byte(c1), byte(c2), 'z'})
				}
			}
		}
	}
	for c0 := 0xF0; c0 < 0xF8; c0++ {
		for c1 := 0x7F; c1 < 0xC1; c1++ {
			for _, c2 := range []byte{0x7F, 0x80, 0xBF, 0xC0} {
				for _, c3 := range []byte{0x7F, 0x80, 0x9F, 0xBF, 0xC0} {
					seqs = append(seqs, []byte{byte(c0), byte(c1), c2, c3, 'z'})
				}
			}
		}
	}
	pads := []string{"", "a", "ab", "abcdef", "abcdefg",
		strings.Repeat(".", 29), strings.Repeat(".", 30), strings.Repeat(".", 31), strings.Repeat(".", 32),
		"&amp;" + strings.Repeat(".", 26), "é&#233;" + strings.Repeat(".", 24) + "ж", strings.Repeat("愛", 10) + ".."}
	for _, s := range seqs {
		var w [8]byte
		copy(w[:], s)
		want := 0
		if r, n := utf8.DecodeRune(s); (r != utf8.RuneError || n > 1) && scanIsChar(uint32(r)) {
			want = n
		}
		if got := scanChar8(binary.LittleEndian.Uint64(w[:])); got != want {
			t.Fatalf("scanChar8(%q) = %d, want %d", w, got, want)
		}
		if got := scanRune(s); got != want {
			t.Fatalf("scanRune(%q) = %d, want %d", s, got, want)
		}
		for _, pad := range pads {
			in := append([]byte(pad), s...)
			in = append(in, "<abcdefgh"...)
			stCheckRun(t, in, true)
		}
	}
	// Runs of characters of all lengths, cut by the words anywhere.
	chars := []string{"é", "ж", "ロ", "愛", "😀", "\uFFFD", "\uE000", "\U0010FFFF", "a", " "}
	refs := []string{"&amp;", "&#xE9;", "&#233;", "&#x1F600;", "&#128512;", "&#xFFFD;", "&#0065;", "&#x10FFFF;"}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		var in []byte
		for j := r.IntN(40); j >= 0; j-- {
			in = append(in, chars[r.IntN(len(chars))]...)
			if r.IntN(8) == 0 {
				in = append(in, refs[r.IntN(len(refs))]...)
			}
		}
		in = append(in, "<abcdefgh"...)
		stCheckRun(t, in, true)
	}
}

// TestScanRefText checks scanRefText and scanCharRef8 against the
// reference on generated references: never a different answer, and no
// fallback for the ones the fast path is meant to take.
func TestScanRefText(t *testing.T) {
	t.Parallel()
	alpha := []byte("0123456789abcdefABCDEFxX;#&@`/:gloqtmpus \x00\x10\x19\x80\xff")
	r := rand.New(rand.NewPCG(1, 2))
	check := func(b []byte) {
		t.Helper()
		wantN, wantR := stRefRef(b)
		if n, c := scanRefText(b); n != 0 && (n != wantN || c != wantR) || n == 0 && wantN != 0 && wantN <= 8 {
			t.Fatalf("scanRefText(%q) = %d, %q; want %d, %q", b, n, c, wantN, wantR)
		}
		if n, c := scanRefFast(b); n != 0 && (n != wantN || c != wantR) || n == 0 && wantN != 0 && wantN <= 11 {
			t.Fatalf("scanRefFast(%q) = %d, %q; want %d, %q", b, n, c, wantN, wantR)
		}
		if len(b) < 8 || b[1] != '#' {
			return
		}
		n, c := scanCharRef8(binary.LittleEndian.Uint64(b))
		if n != 0 && (n != wantN || c != wantR) || n == 0 && wantN != 0 && wantN <= 8 {
			t.Fatalf("scanCharRef8(%q) = %d, %q; want %d, %q", b, n, c, wantN, wantR)
		}
	}
	for _, s := range []string{"&lt;", "&gt;", "&amp;", "&apos;", "&quot;", "&#60;", "&#x3C;", "&#99999;", "&#xFFFF;", "&#xfffd;", "&#00009;", "&#x0009;"} {
		for pad := 0; pad < 6; pad++ {
			check(append([]byte(s), bytes.Repeat([]byte{'z'}, pad)...))
			for i := 1; i < len(s); i++ {
				check([]byte(s[:i])) // cut
			}
		}
	}
	for i := 0; i < 2000000; i++ {
		b := make([]byte, 3+r.IntN(9))
		b[0] = '&'
		for j := 1; j < len(b); j++ {
			b[j] = alpha[r.IntN(len(alpha))]
		}
		switch r.IntN(4) {
		case 0:
			b[1] = '#'
		case 1:
			b[1] = '#'
			b[2] = 'x'
		}
		check(b)
	}
	// Every character reference of up to five decimal or four hex digits.
	for v := 0; v < 100000; v++ {
		check([]byte("&#" + strconv.Itoa(v) + ";zz"))
		if v <= 0xFFFF {
			check([]byte("&#x" + strconv.FormatUint(uint64(v), 16) + ";zz"))
			check([]byte("&#x" + strconv.FormatUint(uint64(v), 16) + "  ;"))
		}
	}
}

// TestScanSpecial8 checks that the lowest bit scanSpecial8 sets is that
// of the first byte that is not plain character data, and the lowest
// scanSpecialASCII8 sets that of the first ASCII one.
func TestScanSpecial8(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	plain := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '<' && c != '&' && c != ']' }
	for i := 0; i < 1000000; i++ {
		var b [8]byte
		for j := range b {
			if r.IntN(6) == 0 {
				b[j] = byte(r.IntN(256))
			} else {
				b[j] = byte(0x20 + r.IntN(0x60))
			}
		}
		want := 8
		for j, c := range b {
			if !plain(c) {
				want = j
				break
			}
		}
		if got := bits.TrailingZeros64(scanSpecial8(binary.LittleEndian.Uint64(b[:]))) >> 3; got != want {
			t.Fatalf("scanSpecial8(%q): first special byte %d, want %d", b, got, want)
		}
		// scanSpecialASCII8: the same, bytes of 0x80 and above plain.
		want = 8
		for j, c := range b {
			if c < 0x80 && !plain(c) {
				want = j
				break
			}
		}
		if got := bits.TrailingZeros64(scanSpecialASCII8(binary.LittleEndian.Uint64(b[:]))) >> 3; got != want {
			t.Fatalf("scanSpecialASCII8(%q): first special byte %d, want %d", b, got, want)
		}
	}
}

// FuzzScanTextRun compares scanTextRun with the reference on any bytes,
// also after 29 bytes of text, so that short inputs cross the AVX2
// kernel's 32-byte blocks.
func FuzzScanTextRun(f *testing.F) {
	for _, s := range []string{"a&lt;b&#233;c", "ロミオ&#x1F600;\xED\xA0\x80", "жизнь любовь<", "\xF0\x9F\x98\x80\xF4\x90\x80\x80",
		"Wherefore art thou &quot;Romeo&quot;? Deny thy father &amp; refuse thy name; ロミオ &#x1F339; &#233;t&#xE9; &lt;3 — café<"} {
		f.Add([]byte(s))
	}
	pad := []byte(strings.Repeat(".", 29))
	f.Fuzz(func(t *testing.T, in []byte) {
		stCheckRun(t, in, false)
		stCheckRun(t, append(pad[:len(pad):len(pad)], in...), false)
	})
}

// TestScanU8 checks the UTF-8 automaton of scanTextRun against
// unicode/utf8 and scanIsChar: from between characters, a byte string
// leaves it between characters exactly when it is well-formed UTF-8 of
// XML Chars (ASCII included), and in the error state when no bytes
// after it could make it so. Every string of three bytes whose first
// two are any bytes and whose third is one of the bytes at the edges of
// the UTF-8 ranges, and every string of four such bytes.
func TestScanU8(t *testing.T) {
	t.Parallel()
	edges := []byte{0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBD, 0xBE, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF}
	valid := func(b []byte) bool {
		for len(b) > 0 {
			r, n := utf8.DecodeRune(b)
			if r == utf8.RuneError && n <= 1 || r >= utf8.RuneSelf && !scanIsChar(uint32(r)) {
				return false
			}
			b = b[n:]
		}
		return true
	}
	// prefix reports whether some bytes after b make it well-formed:
	// these continuations complete every lead byte and every
	// well-formed start of a character.
	prefix := func(b []byte) bool {
		for _, tail := range []string{"", "\x80", "\x80\x80", "\xA0\x80", "\x80\x80\x80", "\x90\x80\x80"} {
			if valid(append(bytes.Clone(b), tail...)) {
				return true
			}
		}
		return false
	}
	check := func(b []byte) {
		s := uint64(scU8Accept)
		for _, c := range b {
			s = scU8[c] >> (s & 63)
		}
		s &= 63
		if got, want := s == scU8Accept, valid(b); got != want {
			t.Fatalf("% X: accepted %v, want %v", b, got, want)
		}
		if got, want := s == scU8Error, !prefix(b); got != want {
			t.Fatalf("% X: error state %v, want %v", b, got, want)
		}
	}
	var b [4]byte
	for c0 := range 256 {
		for c1 := range 256 {
			b[0], b[1] = byte(c0), byte(c1)
			check(b[:1])
			check(b[:2])
			for _, c2 := range edges {
				b[2] = c2
				check(b[:3])
			}
		}
	}
	for _, c0 := range edges {
		for _, c1 := range edges {
			for _, c2 := range edges {
				for _, c3 := range edges {
					b = [4]byte{c0, c1, c2, c3}
					check(b[:])
				}
			}
		}
	}
}

// BenchmarkScanTextRun measures each implementation of scanTextRun on
// texts of a few kinds, each about 1 KiB and ended by '<'.
func BenchmarkScanTextRun(b *testing.B) {
	texts := []struct{ name, unit string }{
		{"ascii", "Wherefore art thou Romeo? Deny thy father and refuse thy name. "},
		{"mixed", "Ромео, où es-tu? ロミオ様 — «quoi» 愛 café 🌹 naïve Straße. "},
		{"references", "&lt;3 &amp; &quot;so&quot; it&apos;s &#233;t&#xE9; &#60;3 &gt; &#x1F339; ok "},
	}
	for _, tx := range texts {
		in := []byte(strings.Repeat(tx.unit, 1024/len(tx.unit)+1) + "<")
		o := make([]byte, len(in)+8)
		for _, run := range stRuns {
			b.Run(tx.name+"/"+run.name, func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					if _, p := run.f(o, in); p != len(in)-1 {
						b.Fatalf("stopped at %d of %d", p, len(in))
					}
				}
			})
		}
	}
}
