package stanza

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// TestScanSpecialAttr8 checks the word-at-a-time attribute value check
// against its definition for every byte, at every position of the word,
// for both quotes: the lowest flagged byte is the first that is below
// 0x20, 0x80 or above, '<', '&' or the quote.
func TestScanSpecialAttr8(t *testing.T) {
	t.Parallel()
	for _, q := range []byte{'\'', '"'} {
		m, tq := scanQuoteMask(q)
		special := func(c byte) bool { return c < 0x20 || c >= 0x80 || c == '<' || c == '&' || c == q }
		for c := 0; c < 256; c++ {
			for pos := 0; pos < 8; pos++ {
				w := []byte("abcdefgh")
				w[pos] = byte(c)
				got := scanSpecialAttr8(binary.LittleEndian.Uint64(w), m, tq)
				want := 8
				if special(byte(c)) {
					want = pos
				}
				first := 8
				if got != 0 {
					for first = 0; got&(0x80<<(8*first)) == 0; first++ {
					}
				}
				if first != want {
					t.Fatalf("quote %q, byte %#x at %d: first special at %d, want %d", q, c, pos, first, want)
				}
			}
		}
	}
}

// TestDecoderStartTagPaths decodes start tags in the forms the fast path
// takes and in those it leaves to the general scanner, whole (fast path)
// and one byte per read (general scanner only), and requires the same
// values or the same error from both.
func TestDecoderStartTagPaths(t *testing.T) {
	t.Parallel()
	tags := []string{
		`<message to='a@b.example' id='x1'><body>hi</body></message>`,
		`<message to="a@b.example" id="x1" type='chat'><body>hi</body></message>`,
		`<message to = 'a@b.example'  id='x1' ><body >hi</body ></message >`,
		`<message	to='a@b.example'` + "\n" + `id='x1'/>`,
		`<message xml:lang='en' to='a@b.example'><body xml:lang='de'>hallo</body></message>`,
		`<message><x xmlns='urn:x'/></message>`,
		`<message><x xmlns='urn:x' a='1' b='2'><y/></x></message>`,
		`<message><x a='1' xmlns="urn:x"/></message>`,
		`<message><x xmlns=''/></message>`,
		`<message><x xmlns='http://www.w3.org/XML/1998/namespace'/></message>`,
		`<message><x xmlns='http://www.w3.org/2000/xmlns/'/></message>`,
		`<message><x xmlns='urn:&amp;'/></message>`,
		`<message><x xmlns='urn:x' xmlns='urn:y'/></message>`,
		`<message><x a='1' a='2'/></message>`,
		`<message><x abcdefg='1' abcdefh='2'/></message>`,
		`<message><x ab='1' ba='2' ca='3'/></message>`,
		`<message><p:x xmlns:p='urn:p' p:a='1'/></message>`,
		`<message><x xmlns:p='urn:p' p:a='1' a='2'/></message>`,
		`<message><x xmlns:p='urn:p' xmlns:q='urn:p' p:a='1' q:a='2'/></message>`,
		`<message><abcdefg/><abcdefgh/><abcdefghi/><a1/><a-b/><a.b/><a_b/><AbC/></message>`,
		`<message><x abcdefg='1' abcdefgh='2' abcdefghi='3' a1='4' a-b='5' a.b='6' a_b='7' AbC='8'/></message>`,
		`<message><x a='it&apos;s' b="&quot;q&quot;" c='&#233;' d='é' e='a"b' f="a'b"/></message>`,
		`<message><x a='&lt;'/></message>`,
		`<message><x a='<'/></message>`,
		`<message><x a='1'b='2'/></message>`,
		`<message><x a='1/></message>`,
		`<message><x a=1/></message>`,
		`<message><x =''/></message>`,
		`<message><x a:='1'/></message>`,
		`<message><x 1a='1'/></message>`,
		`<message><body>a</bodx></message>`,
		`<message><bodyy>a</body></message>`,
		`<message><b>a</b ></message>`,
		`<message><abcdefgh>a</abcdefgh></message>`,
		`<message><abcdefg>a</abcdefg></message>`,
	}
	for i, tag := range tags {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			stCompareReads(t, tag, nil)
		})
	}
}
