package stanza

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// encBenchBody is a 100-character chat body with one character to escape.
var encBenchBody = "Wherefore art thou, Romeo? Deny thy father & refuse thy name; or, if thou wilt not, be but sworn my!"

// encBenchChat returns the chat message of the Encode benchmarks.
func encBenchChat() *Message {
	if len(encBenchBody) != 100 {
		panic("benchmark body is not 100 characters")
	}
	return &Message{
		ID:   "ktx72v49",
		To:   encTestJID("romeo@example.net/orchard"),
		From: encTestJID("juliet@example.com/balcony"),
		Type: MessageChat,
		Lang: "en",
		Body: encBenchBody,
	}
}

// BenchmarkEncodeChat encodes a chat message with a 100-character body.
func BenchmarkEncodeChat(b *testing.B) {
	m := encBenchChat()
	e := NewEncoder(io.Discard)
	n, _ := AppendElement(nil, m)
	b.SetBytes(int64(len(n)))
	b.ReportAllocs()
	for b.Loop() {
		if err := e.Encode(m); err != nil {
			b.Fatal(err)
		}
	}
}

// encStdMessage is the chat message as a plain encoding/xml struct.
type encStdMessage struct {
	XMLName xml.Name `xml:"message"`
	From    string   `xml:"from,attr,omitempty"`
	ID      string   `xml:"id,attr,omitempty"`
	To      string   `xml:"to,attr,omitempty"`
	Type    string   `xml:"type,attr,omitempty"`
	Lang    string   `xml:"xml:lang,attr,omitempty"`
	Body    string   `xml:"body,omitempty"`
}

// BenchmarkEncodeChatEncodingXML is the baseline: the same message through
// a reused encoding/xml Encoder.
func BenchmarkEncodeChatEncodingXML(b *testing.B) {
	m := encBenchChat()
	v := &encStdMessage{From: m.From.String(), ID: m.ID, To: m.To.String(), Type: string(m.Type), Lang: m.Lang, Body: m.Body}
	e := xml.NewEncoder(io.Discard)
	out, _ := xml.Marshal(v)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if err := e.Encode(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeEscapeHeavy encodes a body that is mostly characters to
// escape and non-ASCII text.
func BenchmarkEncodeEscapeHeavy(b *testing.B) {
	m := &Message{Type: MessageChat, Body: strings.Repeat("<&> Dvořím ", 20)}
	e := NewEncoder(io.Discard)
	n, _ := AppendElement(nil, m)
	b.SetBytes(int64(len(n)))
	b.ReportAllocs()
	for b.Loop() {
		if err := e.Encode(m); err != nil {
			b.Fatal(err)
		}
	}
}
