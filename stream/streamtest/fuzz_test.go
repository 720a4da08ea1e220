package streamtest

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xmppkit/xmpp/stanza"
)

// FuzzParse checks that Parse never panics, and that what it accepts
// String writes back in a form Parse reads the same.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.text)
	}
	f.Add(seedScript)
	f.Add(concrete)
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse(text)
		if err != nil {
			return
		}
		again, err := Parse(s.String())
		if err != nil {
			t.Fatalf("Parse(String()) failed: %v\nString():\n%s", err, s.String())
		}
		if len(again.Entries) != len(s.Entries) {
			t.Fatalf("%d entries, then %d", len(s.Entries), len(again.Entries))
		}
		for i, e := range s.Entries {
			if a := again.Entries[i]; a.Role != e.Role || a.Text != e.Text {
				t.Fatalf("entry %d: %v %q, then %v %q", i, e.Role, e.Text, a.Role, a.Text)
			}
		}
		// Compiling for either role never panics either.
		s.compile(Initiator)
		s.compile(Receiver)
	})
}

// FuzzCompare checks that reading and comparing any two texts never
// panics, and that XML without placeholders matches itself.
func FuzzCompare(f *testing.F) {
	for _, tt := range compareTests {
		f.Add(tt.want, tt.got)
	}
	f.Fuzz(func(t *testing.T, want, got string) {
		Compare(want, got)
		if strings.Contains(got, "{{") || strings.Contains(got, "...") || strings.Contains(got, "…") {
			return
		}
		if _, _, err := parseExpected(got, defaultContext("")); err != nil {
			return
		}
		items, err := readAll(got, defaultContext(""))
		if err != nil {
			return
		}
		for _, it := range items {
			if _, ok := it.node.attr(xmlnsAttr); it.kind == itemHeader && !ok {
				// Received XML after a header without a default
				// namespace is in no namespace, while an expected entry
				// keeps jabber:client predeclared (see the package doc):
				// such text does not match itself, by design.
				return
			}
		}
		if err := Compare(got, got); err != nil {
			t.Fatalf("XML does not match itself:\n%v", err)
		}
	})
}

// readAll reads every item of received XML.
func readAll(s string, context []nsBind) ([]*item, error) {
	r := newItemReader(strings.NewReader(s), context, false)
	var items []*item
	for {
		it, err := r.next()
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
}

// FuzzCanonical checks the canonical form: reading never panics, and
// the rendering of what was read reads back into the same items, so a
// diff never shows a difference that is not there.
func FuzzCanonical(f *testing.F) {
	for _, tt := range compareTests {
		f.Add(tt.got)
	}
	for _, tt := range splitTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items, err := readAll(s, defaultContext(""))
		if err != nil {
			return
		}
		for _, it := range items {
			out := render(it, it.ns)
			if it.kind == itemEnd {
				continue // may be written with its {namespace}
			}
			// Rendered relative to the stream's default namespace.
			back, err := readAll(out, []nsBind{{"stream", stanza.NSStream}, {"", it.ns}})
			if err != nil || len(back) != 1 {
				t.Fatalf("rendering %q gave %q, which reads back as %d items, %v", it.raw, out, len(back), err)
			}
			b := back[0]
			if b.kind != it.kind || !equalNodes(it.node, b.node) {
				t.Fatalf("%q rendered as %q, which reads back differently", it.raw, out)
			}
		}
	})
}

// equalNodes compares two canonical trees exactly.
func equalNodes(a, b *node) bool {
	if a.name != b.name || a.isText != b.isText || a.text != b.text || len(a.kids) != len(b.kids) ||
		!slices.Equal(a.attrs, b.attrs) {
		return false
	}
	for i := range a.kids {
		if !equalNodes(a.kids[i], b.kids[i]) {
			return false
		}
	}
	return true
}

// FuzzSplitter checks that the Recorder's splitter never panics, holds
// no more than its bound, and splits the same way however the bytes
// arrive.
func FuzzSplitter(f *testing.F) {
	for _, tt := range splitTests {
		f.Add(tt.in, uint8(3))
	}
	f.Fuzz(func(t *testing.T, s string, step uint8) {
		var whole, pieces splitter
		a, _ := whole.feed([]byte(s))
		a = append(a, whole.flush()...)
		var b []string
		n := int(step%16) + 1
		for in := s; in != ""; {
			k := min(n, len(in))
			lines, _ := pieces.feed([]byte(in[:k]))
			b = append(b, lines...)
			in = in[k:]
		}
		b = append(b, pieces.flush()...)
		if !slices.Equal(a, b) {
			t.Fatalf("whole: %q\npieces of %d: %q", a, n, b)
		}
	})
}
