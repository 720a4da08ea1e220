package jid

import "testing"

// benchInputs are the Parse benchmarks: the common ASCII case (fast path)
// and inputs that need PRECIS, IDNA or IP literal processing.
var benchInputs = []struct {
	name string
	in   string
}{
	{"ASCII", "juliet@example.com/balcony"},
	{"NonASCIILocal", "jülïet@example.com/balcony"},
	{"IDNADomain", "juliet@bücher.example/balcony"},
	{"ALabelDomain", "juliet@xn--bcher-kva.example/balcony"},
	{"IPv6", "juliet@[2001:db8::1]/balcony"},
	{"IPv6NonCanonical", "juliet@[2001:DB8:0::1]/balcony"},
	{"Uppercase", "Juliet@Example.com/balcony"},
}

func BenchmarkParse(b *testing.B) {
	for _, bm := range benchInputs {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bm.in)))
			for b.Loop() {
				if _, err := Parse(bm.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len("juliet") + len("example.com") + len("balcony")))
	for b.Loop() {
		if _, err := New("juliet", "example.com", "balcony"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEscapeLocal(b *testing.B) {
	const in = `call me "ishmael"`
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		_ = UnescapeLocal(EscapeLocal(in))
	}
}
