package stanza

import (
	"bytes"
	"io"
	"runtime"
	"testing"
)

// benchDecode decodes corpus (n stanzas) once per iteration, reading it in
// chunks of chunk bytes (0: as the bytes.Reader gives it, all at once),
// and reports MB/s, ns/stanza and allocs/stanza.
func benchDecode(b *testing.B, corpus []byte, n, chunk int) {
	b.SetBytes(int64(len(corpus)))
	b.ReportAllocs()
	br := bytes.NewReader(corpus)
	var r io.Reader = br
	if chunk > 0 {
		r = &chunkReader{r: br, n: chunk}
	}
	d := NewDecoder(r, nil)
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	iters := 0
	for b.Loop() {
		iters++
		br.Reset(corpus)
		d.Reset(r)
		decodeStream(b, d, n)
	}
	runtime.ReadMemStats(&ms1)
	stanzas := float64(iters * n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/stanzas, "ns/stanza")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/stanzas, "allocs/stanza")
}

// decodeStream decodes the stream d reads, which must hold n stanzas.
func decodeStream(b *testing.B, d *Decoder, n int) {
	if _, err := d.Header(); err != nil {
		b.Fatal(err)
	}
	got := 0
	for {
		_, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		got++
	}
	if got != n {
		b.Fatalf("decoded %d stanzas, want %d", got, n)
	}
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

// BenchmarkDecode decodes the mixed corpus (corpus_test.go: 50% chat
// messages, 30% presences, 20% IQs) to typed stanzas, JIDs parsed and
// text unescaped. Compare with BenchmarkDecodeEncodingXML.
func BenchmarkDecode(b *testing.B) {
	corpus, n := genCorpus(1000, 1)
	benchDecode(b, corpus, n, 0)
}

// BenchmarkDecodeReads1500 is BenchmarkDecode with reads of at most 1500
// bytes, about one TCP segment each: elements cut across reads.
func BenchmarkDecodeReads1500(b *testing.B) {
	corpus, n := genCorpus(1000, 1)
	benchDecode(b, corpus, n, 1500)
}

// BenchmarkDecodeChat decodes a stream of one short chat message repeated.
func BenchmarkDecodeChat(b *testing.B) {
	const msg = `<message from='juliet@example.com/balcony' id='ktx72v49' to='romeo@example.net' type='chat' xml:lang='en'><body>Art thou not Romeo, and a Montague?</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>`
	const n = 1000
	corpus := []byte(corpusHeader + string(bytes.Repeat([]byte(msg), n)) + "</stream:stream>")
	benchDecode(b, corpus, n, 0)
}
