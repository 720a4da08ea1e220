package stanza

import (
	"fmt"
	"io"
)

// maxKeep is the largest buffer an Encoder keeps between calls; a larger
// one, grown for an unusually big element, is dropped after use so that
// one big stanza does not pin its memory for the life of the stream.
const maxKeep = 64 << 10

// Encoder writes stream XML: the header, first-level elements and the
// closing tag, each call as exactly one Write of a complete unit, and
// nothing at all when the call fails before writing. It builds each unit
// in a buffer it reuses, so encoding allocates nothing in steady state.
//
// An Encoder is not safe for concurrent use; a stream that sends from many
// goroutines serialises its calls (or builds bytes with AppendElement and
// writes them under its own lock).
type Encoder struct {
	w   io.Writer
	buf []byte
}

// NewEncoder returns an Encoder writing to w. It does no I/O.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// EncodeHeader writes the XML declaration and the stream's opening tag,
// as AppendHeader describes.
func (e *Encoder) EncodeHeader(h *Header) error {
	b, err := AppendHeader(e.buf[:0], h)
	if err != nil {
		return err
	}
	return e.write(b)
}

// Encode writes one first-level element: a *Message, *Presence, *IQ, *Raw,
// Raw or *streamerror.Error, in the wire form AppendElement describes. A
// string holding a character XML cannot carry fails with ErrInvalidChar,
// and nothing is written.
func (e *Encoder) Encode(v Element) error {
	b, err := AppendElement(e.buf[:0], v)
	if err != nil {
		return err
	}
	return e.write(b)
}

// EncodeEnd writes the closing stream tag </stream:stream> (RFC 6120 §4.4).
func (e *Encoder) EncodeEnd() error {
	return e.write(append(e.buf[:0], streamEnd...))
}

// write writes b, the encoded unit built in e.buf's storage, in one Write.
func (e *Encoder) write(b []byte) error {
	if cap(b) <= maxKeep {
		e.buf = b[:0]
	} else {
		e.buf = nil
	}
	n, err := e.w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("stanza: write: %w", err)
	}
	return nil
}
