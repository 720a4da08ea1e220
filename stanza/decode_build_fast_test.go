package stanza

import (
	"strings"
	"testing"
)

// TestDecInterned checks the interning tables: every function maps a
// string either to 0 or to the index of that very string, and every
// string of decInterned (up to the first empty one, after which all are
// empty) is interned by at least one function.
func TestDecInterned(t *testing.T) {
	t.Parallel()
	funcs := []struct {
		name string
		f    func([]byte) uint8
	}{
		{"value", decInternValue},
		{"ns", decInternNS},
		{"local", decInternLocal},
	}
	if decInterned[0] != "" {
		t.Fatalf("decInterned[0] = %q, want empty", decInterned[0])
	}
	used := 1
	for used < len(decInterned) && decInterned[used] != "" {
		used++
	}
	for i, s := range decInterned[used:] {
		if s != "" {
			t.Errorf("decInterned[%d] = %q after the first empty entry", used+i, s)
		}
	}
	seen := make(map[string]bool)
	for i, s := range decInterned[1:used] {
		if seen[s] {
			t.Errorf("decInterned[%d] = %q: empty or repeated", i+1, s)
		}
		seen[s] = true
		found := false
		for _, fn := range funcs {
			switch k := fn.f([]byte(s)); {
			case k == 0:
			case int(k) != i+1:
				t.Errorf("%s(%q) = %d, want %d", fn.name, s, k, i+1)
			default:
				found = true
			}
		}
		if !found {
			t.Errorf("%q (index %d) is interned by no function", s, i+1)
		}
	}
	for _, fn := range funcs {
		for _, s := range []string{"", "x-unknown", "chat ", "Chat", strings.Repeat("a", 300)} {
			if k := fn.f([]byte(s)); k != 0 && decInterned[k] != s {
				t.Errorf("%s(%q) = %d (%q)", fn.name, s, k, decInterned[k])
			}
		}
	}
}

// TestDecNewSizes checks that decNew returns a copy of out of its length
// for sizes around every step of its size list and past its end.
func TestDecNewSizes(t *testing.T) {
	t.Parallel()
	src := make([]byte, 3000)
	for i := range src {
		src[i] = byte(i * 7)
	}
	for n := 0; n <= len(src); n++ {
		v, back := decNew[Message](src[:n])
		if v == nil || len(back) != n || cap(back) != n || string(back) != string(src[:n]) {
			t.Fatalf("decNew(%d bytes): len %d cap %d, bytes equal %v", n, len(back), cap(back), string(back) == string(src[:n]))
		}
		if n > 0 && &back[0] == &src[0] {
			t.Fatalf("decNew(%d bytes) did not copy", n)
		}
	}
}

// TestDecoderNearNames decodes stanzas whose attributes and children
// have names near the ones a stanza reads itself (same length, same
// first bytes), or prefixed ones, and checks what is read and what is an
// extension.
func TestDecoderNearNames(t *testing.T) {
	t.Parallel()
	const head = `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:c='jabber:client'>`
	cases := []struct {
		name  string
		in    string
		check func(Element) string
	}{
		{
			name: "prefixed body in the stanza namespace",
			in:   `<message><c:body>hi</c:body></message>`,
			check: func(e Element) string {
				if m := e.(*Message); m.Body != "hi" || len(m.Extensions) != 0 {
					return "want body hi, no extensions"
				}
				return ""
			},
		},
		{
			name: "names near body",
			in:   `<message><bod>a</bod><bodyx>b</bodyx><Body>c</Body><body>d</body></message>`,
			check: func(e Element) string {
				if m := e.(*Message); m.Body != "d" || len(m.Extensions) != 3 {
					return "want body d and three extensions"
				}
				return ""
			},
		},
		{
			name: "id to from type and near names",
			in:   `<message i='1' id='2' ids='3' t='4' to='a@b' tox='5' fro='6' from='c@d' type='chat' typ='7' types='8' xml:lang='en'/>`,
			check: func(e Element) string {
				m := e.(*Message)
				if m.ID != "2" || m.To.String() != "a@b" || m.From.String() != "c@d" || m.Type != MessageChat || m.Lang != "en" {
					return "common attributes misread"
				}
				return ""
			},
		},
		{
			name: "two bodies, one with xml:lang",
			in:   `<message xml:lang='en'><body>a</body><body xml:lang='fr'>b</body></message>`,
			check: func(e Element) string {
				if m := e.(*Message); m.Body != "a" || len(m.Bodies) != 2 || m.Bodies[1].Lang != "fr" {
					return "bodies misread"
				}
				return ""
			},
		},
		{
			name: "status with attributes but no xml:lang",
			in:   `<presence><status foo='bar'>x</status></presence>`,
			check: func(e Element) string {
				if p := e.(*Presence); p.Status != "x" || p.Statuses != nil {
					return "status misread"
				}
				return ""
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := NewDecoder(strings.NewReader(head+tc.in), nil)
			if _, err := d.Header(); err != nil {
				t.Fatal(err)
			}
			e, err := d.Next()
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(e); msg != "" {
				t.Errorf("%s: got %+v", msg, e)
			}
		})
	}
}
