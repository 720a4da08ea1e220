package stanza

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// dtIdleReader is an IdleReader over r that exercises the whole
// contract: each ReadIdle takes a buffer, hands it back, takes another
// and reads into that. It counts the ReadIdle calls made while the
// Decoder still held a buffer (held), which should never happen.
type dtIdleReader struct {
	r     io.Reader
	d     *Decoder // when set, checked for a held buffer
	calls int
	held  int
}

func (ir *dtIdleReader) Read(p []byte) (int, error) { return ir.r.Read(p) }

func (ir *dtIdleReader) ReadIdle(get func() []byte, put func([]byte)) (int, error) {
	ir.calls++
	if ir.d != nil && ir.d.buf != nil {
		ir.held++
	}
	put(get())
	return ir.r.Read(get())
}

// Between elements, a Decoder over an IdleReader holds no buffer while
// it waits, and takes the same buffer back from the pool: decoding a
// stream allocates no more than over a plain reader.
func TestDecoderIdleReleasesBuffer(t *testing.T) {
	msg := `<message to='romeo@example.net' type='chat'><body>Art thou not Romeo, and a Montague?</body></message>`
	in := []byte(dtStream(strings.Repeat(msg, 50)))
	ir := &dtIdleReader{r: &chunkAfter{data: in, at: []byte("</message>")}}
	d := NewDecoder(ir, nil)
	ir.d = d
	if _, err := d.Header(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		_, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if d.Buffered() == 0 && d.buf != nil {
			t.Fatalf("after message %d, nothing buffered, the Decoder still holds its buffer", n)
		}
		n++
	}
	if n != 50 {
		t.Fatalf("decoded %d messages, want 50", n)
	}
	if ir.calls < 50 {
		t.Errorf("%d ReadIdle calls for 50 messages each read on its own, want ≥ 50", ir.calls)
	}
	if ir.held != 0 {
		t.Errorf("the Decoder held its buffer in %d of %d ReadIdle calls", ir.held, ir.calls)
	}
}

// chunkAfter reads data up to and including the next occurrence of at,
// so that each element arrives in a read of its own and the Decoder's
// buffer is empty between them.
type chunkAfter struct {
	data []byte
	at   []byte
}

func (c *chunkAfter) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	if i := bytes.Index(c.data, c.at); i >= 0 && i+len(c.at) < len(p) {
		p = p[:i+len(c.at)]
	}
	n := copy(p, c.data)
	c.data = c.data[n:]
	return n, nil
}

// Taking the buffer from the pool and giving it back allocates nothing:
// still one allocation per message.
func TestDecoderIdleAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts do not hold under the race detector")
	}
	msg := `<message to='romeo@example.net' type='chat'><body>Art thou not Romeo, and a Montague?</body></message>`
	run := func(n int) float64 {
		in := []byte(dtStream(strings.Repeat(msg, n)))
		ca := &chunkAfter{at: []byte("</message>")}
		ir := &dtIdleReader{r: ca}
		d := NewDecoder(ir, nil)
		return testing.AllocsPerRun(10, func() {
			ca.data = in
			d.Reset(ir)
			if _, err := d.Header(); err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := d.Next(); err != nil {
					break
				}
			}
		})
	}
	if per := (run(200) - run(100)) / 100; per > 1 {
		t.Errorf("%.2f allocations per message read on its own, want 1", per)
	}
}
