package stanza

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzIsXMLString reports whether s is UTF-8 made of XML 1.0 Chars
// (XML 1.0 §2.2), the strings the Encoder must accept.
func fuzzIsXMLString(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		switch {
		case r == '\t', r == '\n', r == '\r':
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}

// FuzzEncodeText checks the escaping: any string is either refused with
// ErrInvalidChar, exactly when it is not an XML string, or written so that
// both encoding/xml and the Decoder read it back unchanged, as text and
// as an attribute value.
func FuzzEncodeText(f *testing.F) {
	f.Add("hello")
	f.Add(`<a href='x'>&"</a> ]]> &amp; &#0;`)
	f.Add("a\r\nb\tc\rd\n")
	f.Add("Dvořím se Julii 😀 \uFFFD")
	for _, tt := range encRefusals {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := &Message{ID: s, Type: MessageChat, Body: s, Thread: "t", ThreadParent: s}
		b, err := AppendElement(nil, m)
		if !fuzzIsXMLString(s) {
			if !errors.Is(err, ErrInvalidChar) {
				t.Fatalf("AppendElement(%q) = %q, %v; want ErrInvalidChar", s, b, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("AppendElement(%q): %v", s, err)
		}
		var v struct {
			ID     string `xml:"id,attr"`
			Body   string `xml:"body"`
			Thread struct {
				Parent string `xml:"parent,attr"`
			} `xml:"thread"`
		}
		if err := xml.Unmarshal(b, &v); err != nil {
			t.Fatalf("encoding/xml cannot read %q: %v", b, err)
		}
		if v.ID != s || v.Body != s || v.Thread.Parent != s {
			t.Fatalf("encoding/xml read id %q body %q parent %q from %q; want %q", v.ID, v.Body, v.Thread.Parent, b, s)
		}
		d := NewDecoder(strings.NewReader(corpusHeader+string(b)), nil)
		if _, err := d.Header(); err != nil {
			t.Fatal(err)
		}
		el, err := d.Next()
		if err != nil {
			t.Fatalf("the Decoder cannot read %q: %v", b, err)
		}
		got, ok := el.(*Message)
		if !ok || got.ID != s || got.Body != s || got.ThreadParent != s {
			t.Fatalf("the Decoder read %+v from %q; want %q", el, b, s)
		}
	})
}

// FuzzParseRaw checks that what ParseRaw accepts is an element that the
// Encoder writes, encoding/xml reads, and the Decoder reads back with the
// same name inside a stanza.
func FuzzParseRaw(f *testing.F) {
	for _, tt := range rawRejects {
		f.Add([]byte(tt.in))
	}
	f.Add([]byte(`<ping xmlns='urn:xmpp:ping'/>`))
	f.Add([]byte(`<p:x xmlns:p='urn:p' xmlns:q='urn:q' q:a='&lt;'><p:y xml:lang='en'>t</p:y><z xmlns=''/></p:x>`))
	f.Add([]byte(`<query xmlns='jabber:iq:roster' ver='1'><item jid='a@b' name='A &amp; B'><group>G</group></item></query>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRaw(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidRaw) && !errors.Is(err, ErrInvalidChar) {
				t.Fatalf("ParseRaw(%q): %v, want ErrInvalidRaw or ErrInvalidChar", b, err)
			}
			return
		}
		out, err := r.AppendXML(nil)
		if err != nil || !bytes.Equal(out, r.XML) {
			t.Fatalf("AppendXML of %q = %q, %v", r.XML, out, err)
		}
		d := xml.NewDecoder(bytes.NewReader(r.XML))
		for {
			if _, err := d.Token(); err != nil {
				if err == io.EOF {
					break
				}
				t.Fatalf("encoding/xml rejects accepted raw %q: %v", r.XML, err)
			}
		}
		if r.Name.Space == NSClient {
			return // a child in the content namespace may be a body, thread…
		}
		st := corpusHeader + "<message>" + string(r.XML) + "</message>"
		dec := NewDecoder(strings.NewReader(st), nil)
		if _, err := dec.Header(); err != nil {
			t.Fatal(err)
		}
		el, err := dec.Next()
		if errors.Is(err, ErrLimit) {
			return // ParseRaw has no limits; the Decoder does
		}
		if err != nil {
			t.Fatalf("the Decoder rejects accepted raw %q: %v", r.XML, err)
		}
		m, ok := el.(*Message)
		if !ok || len(m.Extensions) != 1 || m.Extensions[0].Name != r.Name {
			t.Fatalf("the Decoder read %+v from raw %q named %v", el, r.XML, r.Name)
		}
	})
}
