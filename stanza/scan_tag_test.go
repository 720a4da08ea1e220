package stanza

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDecoderStartTagFlags compares, like TestDecoderStartTagPaths, the
// whole-buffer scan (startTagFast) with the one-byte-reads scan (the
// general path) on the tags whose attributes startTagFast marks as a
// default namespace declaration or as prefixed, from either way it scans
// an attribute name (one load, or scanNameFast and scanQName8).
func TestDecoderStartTagFlags(t *testing.T) {
	t.Parallel()
	tags := []struct{ name, tag string }{
		{"xmlns spaced", `<message><x xmlns ='urn:x'/></message>`},
		{"xmlns spaced after", `<message><x xmlns= 'urn:x' a='1'/></message>`},
		{"XMLNS", `<message><x XMLNS='urn:x'/></message>`},
		{"Xmlns", `<message><x Xmlns='urn:x'/></message>`},
		{"xmlnS", `<message><x xmlnS='urn:x'/></message>`},
		{"xmlnsa", `<message><x xmlnsa='urn:x'/></message>`},
		{"xmln", `<message><x xmln='urn:x'/></message>`},
		{"xmlnt", `<message><x xmlnt='urn:x'/></message>`},
		{"ymlns", `<message><x ymlns='urn:x'/></message>`},
		{"xmlns-", `<message><x xmlns-='urn:x'/></message>`},
		{"xmlns1", `<message><x xmlns1='urn:x'/></message>`},
		{"p:xmlns", `<message><x xmlns:p='urn:p' p:xmlns='urn:x'/></message>`},
		{"xmlns:xmlns", `<message><x xmlns:xmlns='urn:x'/></message>`},
		{"prefixed spaced", `<message><x xmlns:p='urn:p' p:a ='1'/></message>`},
		{"prefix then default", `<message><x xmlns:p='urn:p' xmlns='urn:q' p:a='1'/></message>`},
		{"default then prefix", `<message><x xmlns='urn:q' xmlns:p='urn:p'/></message>`},
		{"default and dup", `<message><x xmlns='urn:q' a='1' a='2'/></message>`},
		{"default spaced and plain", `<message><x a='1' xmlns ='urn:q' b='2'><y xmlns= "urn:r"/></x></message>`},
		{"default twice spaced", `<message><x xmlns='urn:q' xmlns ='urn:q'/></message>`},
		{"long value", `<message><x a='0123456789abcdef0123456789' b="0123456789abcdef&amp;0123456789"/></message>`},
		{"value specials", `<message><x a='01234567` + "\t" + `89' b='0123456&#x41;' c='é0123456789'/></message>`},
		{"value with lt late", `<message><x a='0123456789abcd<'/></message>`},
		{"long names", `<message><subscription subscription='both' abcdefghijklmno='1'/><abcdefghijklmno/></message>`},
		{"sixteen letters", `<message><abcdefghijklmnop abcdefghijklmnop='1'/></message>`},
		{"long name hyphen", `<message><abcdefgh-ij abcdefgh-ij='1' abcdefghi-='2'/></message>`},
		{"long name digit", `<message><abcdefgh1 abcdefgh1='1'/></message>`},
		{"long name dot underscore", `<message><abcdefghi.j abcdefghi_j='1'/></message>`},
		{"long name prefixed", `<message><abcdefghij:x xmlns:abcdefghij='urn:p' abcdefghij:y='1'/></message>`},
		{"long name non-ASCII", `<message><abcdefghé abcdefghé='1'/></message>`},
		{"long name spaced", `<message><abcdefghij  abcdefghij = '1' ></abcdefghij ></message>`},
		{"long name end mismatch", `<message><abcdefghij></abcdefghik></message>`},
		{"end tag mismatch short", `<message><abc></abd></message>`},
		{"end tag prefix of name", `<message><abc></ab></message>`},
		{"end tag longer", `<message><abc></abcd></message>`},
		{"many", `<message><x from='a@b' id='i' to='c@d' type='get' jid='e@f' name='n' subscription='both' ver='v' hash='h' node='n2' var='v2'/></message>`},
	}
	for _, tc := range tags {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := []byte(dtStream(tc.tag))
			whole := dtDecode(in, nil, strings.NewReader(string(in)))
			one := dtDecode(in, nil, dtReader(in, "onebyte", 1))
			if whole.err != io.EOF || one.err != io.EOF {
				if fmt.Sprint(whole.err) != fmt.Sprint(one.err) {
					t.Fatalf("%s:\nwhole:    %v\none byte: %v", tc.tag, whole.err, one.err)
				}
			}
			if diff := cmp.Diff(whole.els, one.els, dtCmp); diff != "" {
				t.Fatalf("%s: (-whole +one byte):\n%s", tc.tag, diff)
			}
		})
	}
}

// TestScanNameFastAfter checks that scanNameFastAfter, given the stop mask
// startTagFast computes, returns what scanNameFast does.
func TestScanNameFastAfter(t *testing.T) {
	t.Parallel()
	names := []string{
		"a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "subscription", "abcdefghijklmno",
		"abcdefghijklmnop", "abcdefghijklmnopq", "abcdefgh-", "abcdefgh-i", "abcdefgh1",
		"abcdefgh.", "abcdefgh_", "abcdefgh:", "ABCDEFGHIJ", "abcdefgh\xc3\xa9", "abcdefgh@",
		"1abcdefgh", "-abcdefgh", "abc-defgh", "abcdefg\x80",
	}
	for _, name := range names {
		for _, end := range []string{" ", ">", "/", "=", "\t", ":", "1", "\xc3\xa9", ""} {
			for pad := 0; pad <= 16; pad += 8 {
				b := []byte(name + end + strings.Repeat(" ", pad))
				if len(b) < 8 {
					continue
				}
				x := binary.LittleEndian.Uint64(b)
				stop := (^scanRange8((x|0x20*swLo)&^swHi, 'a', 'z') | x) & swHi
				if got, want := scanNameFastAfter(b, 0, stop), scanNameFast(b, 0); got != want {
					t.Errorf("%q: scanNameFastAfter = %d, scanNameFast = %d", b, got, want)
				}
			}
		}
	}
}
