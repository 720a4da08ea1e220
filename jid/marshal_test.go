package jid

import (
	"encoding/xml"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type message struct {
	XMLName xml.Name `xml:"message"`
	To      JID      `xml:"to,attr"`
	From    JID      `xml:"from,attr,omitempty"`
	By      *JID     `xml:"by,attr,omitempty"`
	Item    JID      `xml:"item"`
}

func TestXML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  message
		wire string
	}{
		{
			name: "all set",
			msg:  message{To: MustParse("juliet@example.com/balcony"), From: MustParse("romeo@example.net"), Item: MustParse("example.org")},
			wire: `<message to="juliet@example.com/balcony" from="romeo@example.net"><item>example.org</item></message>`,
		},
		{
			name: "empty JIDs omit their attributes",
			msg:  message{Item: MustParse("d\\27artagnan@example.com")},
			wire: `<message><item>d\27artagnan@example.com</item></message>`,
		},
		{
			name: "escaped on the wire",
			msg:  message{To: MustParse("example.com/a<b>&\"c'"), Item: MustParse("example.com")},
			wire: `<message to="example.com/a&lt;b&gt;&amp;&#34;c&#39;"><item>example.com</item></message>`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := xml.Marshal(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.wire {
				t.Errorf("Marshal:\n got %s\nwant %s", b, tc.wire)
			}
			var got message
			if err := xml.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.msg, got, cmp.Comparer(func(a, b JID) bool { return a == b }), cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "XMLName" }, cmp.Ignore())); diff != "" {
				t.Errorf("Unmarshal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestXMLUnmarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		wire string
		want message
		err  error
	}{
		{"enforced", `<message to="JULIET@Example.COM./Balcony"><item>Example.com</item></message>`,
			message{To: MustParse("juliet@example.com/Balcony"), Item: MustParse("example.com")}, nil},
		{"empty attribute is the empty JID", `<message to=""><item></item></message>`, message{}, nil},
		{"invalid attribute", `<message to="@example.com"/>`, message{}, ErrEmptyLocalpart},
		{"invalid text", `<message><item>juliet@</item></message>`, message{}, ErrDomainpart},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got message
			err := xml.Unmarshal([]byte(tc.wire), &got)
			if tc.err != nil {
				var e *Error
				if !errors.Is(err, tc.err) || !errors.As(err, &e) {
					t.Fatalf("Unmarshal: error %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.To != tc.want.To || got.Item != tc.want.Item || got.From != tc.want.From {
				t.Errorf("Unmarshal = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"juliet@example.com/balcony", "example.com", ""} {
		var j JID
		if s != "" {
			j = MustParse(s)
		}
		b, err := j.MarshalText()
		if err != nil || string(b) != s {
			t.Errorf("%q.MarshalText() = %q, %v", j, b, err)
		}
		k := MustParse("other.example")
		if err := k.UnmarshalText(b); err != nil || k != j {
			t.Errorf("UnmarshalText(%q) = %q, %v", b, k, err)
		}
	}
	k := MustParse("keep.example")
	if err := k.UnmarshalText([]byte("juliet@")); !errors.Is(err, ErrEmptyDomainpart) {
		t.Errorf("UnmarshalText(juliet@): %v", err)
	}
	if k != MustParse("keep.example") {
		t.Errorf("UnmarshalText changed its receiver on error: %q", k)
	}
	if k := MustParse("Keep.example"); k.String() != "keep.example" {
		t.Errorf("got %q", k)
	}
}
