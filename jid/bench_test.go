package jid

import "testing"

// benchInputs are the Parse benchmarks: the common ASCII case (fast path)
// and inputs that need PRECIS, IDNA or IP literal processing.
var benchInputs = []struct {
	name string
	in   string
}{
	{"ASCII", "juliet@example.com/balcony"},
	{"ASCIIHyphens", "romeo-m@xmpp-server.example/balcony"},
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

// parseCorpus is a fixed sample of the addresses a server sees in the 'to'
// and 'from' of stanzas: all-ASCII, already canonical, 15–45 bytes, bare
// and full JIDs and domains. Every entry takes the fast path of Parse.
var parseCorpus = []string{
	"juliet@example.com/balcony",
	"romeo@example.net",
	"capulet.example",
	"friar.laurence@montague.example/laptop-7f3a",
	"benvolio@im.example.com/gajim.XK2D",
	"mercutio@example.org/conversations.a1b2",
	"nurse@capulet.example/kitchen",
	"tybalt@capulet.example",
	"conference.montague.example",
	"balthasar@montague.example/phone",
	"lady.montague@montague.example/Home Desktop",
	"paris@example.com/mobile-3",
	"rosaline@verona.example.org/tablet",
	"pubsub.example.com",
	"gregory@im.example.com/work.laptop",
	"sampson@im.example.com",
	"escalus@prince.example/throne",
	"abram@montague.example/Psi+",
	"peter@capulet.example/android-9ab34f",
	"room1@muc.example.org/juliet",
}

// BenchmarkParseCorpus parses parseCorpus: the fast path of Parse on
// realistic input. One op is the whole corpus.
func BenchmarkParseCorpus(b *testing.B) {
	n := 0
	for _, s := range parseCorpus {
		n += len(s)
	}
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, s := range parseCorpus {
			if _, err := Parse(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}
