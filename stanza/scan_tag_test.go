package stanza

import (
	"encoding/binary"
	"fmt"
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
			stCompareReads(t, tc.tag, nil)
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

// TestDecoderStartTagAttrCounts compares, like TestDecoderStartTagFlags,
// the whole-buffer scan with the one-byte-reads scan on tags with many
// attributes, under several limits: startTagFast grows the attribute
// slice and scans a tag again when it runs out of capacity, and leaves
// the tag to the slow path at MaxAttrs.
func TestDecoderStartTagAttrCounts(t *testing.T) {
	t.Parallel()
	for _, maxAttrs := range []int{0, 1, 3, 8, 64} {
		for _, n := range []int{0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65} {
			t.Run(fmt.Sprintf("max%d/n%d", maxAttrs, n), func(t *testing.T) {
				t.Parallel()
				var sb strings.Builder
				sb.WriteString("<message><x")
				for i := range n {
					fmt.Fprintf(&sb, " a%d='%d'", i, i)
				}
				sb.WriteString("/><y")
				for i := range n {
					fmt.Fprintf(&sb, " b%c%c='v'", 'a'+i%26, 'a'+i/26)
				}
				sb.WriteString("></y></message>")
				stCompareReads(t, sb.String(), &Limits{MaxAttrs: maxAttrs})
			})
		}
	}
}

// TestDecoderStartTagFilter compares the two scans on tags whose
// attribute names meet in startTagFast's filter: equal names, names of
// one length and last letter, names on the bit of "xmlns", prefixed
// names, which all send the tag to resolve or a search of its names.
func TestDecoderStartTagFilter(t *testing.T) {
	t.Parallel()
	tags := []struct{ name, tag string }{
		{"dup", `<message><x a='1' a='2'/></message>`},
		{"dup slow name", `<message><x a1='1' a1 ='2'/></message>`},
		{"dup fast and slow", `<message><x ab='1' ab ='2'/></message>`},
		{"same bit", `<message><x ab='1' cb='2'/></message>`},
		{"xmlns bit", `<message><x class='1' stats='2'/></message>`},
		{"xmlns bit and xmlns", `<message><x class='1' xmlns='urn:x'/></message>`},
		{"xmlns and xmlns bit", `<message><x xmlns='urn:x' class='1'/></message>`},
		{"xmlns twice", `<message><x xmlns='urn:x' xmlns='urn:x'/></message>`},
		{"xmlns and dup", `<message><x xmlns='urn:x' a='1' a='1'/></message>`},
		{"xmlns and prefixed", `<message><x xmlns='urn:x' xml:lang='en'/></message>`},
		{"prefixed only", `<message><x xml:lang='en'/></message>`},
		{"prefixed and xmlns bit", `<message><x xml:lang='en' class='c'/></message>`},
		{"xml prefix on the stanza", `<message xml:lang='en' type='chat'><body xml:lang='fr'>x</body><body>y</body></message>`},
		{"xml prefix twice", `<message xml:lang='en' xml:lang='fr'/>`},
		{"xml prefix two names", `<message><x xml:space='preserve' xml:lang='en'/></message>`},
		{"xml prefix and name", `<message><x lang='a' xml:lang='en' id='1'/></message>`},
		{"xml prefix declared", `<message><x xmlns:xml='` + NSXML + `' xml:lang='en'/></message>`},
		{"xml prefix and other", `<message><x xmlns:p='urn:p' xml:lang='en' p:a='1'/></message>`},
		{"prefix like xml", `<message><x xmlx:lang='en'/><y xm:lang='en'/><z XML:lang='en'/></message>`},
		{"prefix like xml, one", `<message><x xm:lang='en'/></message>`},
		{"three-letter prefix", `<message><x abc:lang='en'/></message>`},
		{"prefixed twice", `<message><x xmlns:p='urn:p' p:a='1' p:a='2'/></message>`},
		{"prefixed same local", `<message><x xmlns:p='urn:p' xmlns:q='urn:p' p:a='1' q:a='2'/></message>`},
		{"prefixed element", `<message><p:x xmlns:p='urn:p' a='1'/></message>`},
		{"xmlns value unusual", `<message><x xmlns='` + NSXML + `'/><y xmlns=''/><z xmlns='urn:&amp;'/></message>`},
		{"nested defaults", `<message><x xmlns='urn:x'><y xmlns='urn:y' id='1'><z a='1'/></y><w/></x></message>`},
		{"many declarations", `<message><a xmlns='urn:a'><b xmlns='urn:b'><c xmlns='urn:c'><d xmlns='urn:d'><e xmlns='urn:e'/></d></c></b></a></message>`},
	}
	for _, tc := range tags {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stCompareReads(t, tc.tag, nil)
		})
	}
}

// stCompareReads decodes the stream holding tag (dtStream) from one
// buffer, where startTagFast takes the tags it can, and one byte per
// read, where the general path takes them all, and fails unless both
// give the same elements and the same error.
func stCompareReads(t *testing.T, tag string, lim *Limits) {
	t.Helper()
	in := []byte(dtStream(tag))
	whole := dtDecode(in, lim, strings.NewReader(string(in)))
	one := dtDecode(in, lim, dtReader(in, "onebyte", 1))
	if fmt.Sprint(whole.err) != fmt.Sprint(one.err) {
		t.Fatalf("%s:\nwhole:    %v\none byte: %v", tag, whole.err, one.err)
	}
	if diff := cmp.Diff(whole.els, one.els, dtCmp); diff != "" {
		t.Fatalf("%s: (-whole +one byte):\n%s", tag, diff)
	}
}
