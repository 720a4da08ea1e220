package stanza

// STUB: API contract only; the encoder helper replaces the bodies.

import "io"

// Encoder writes stream XML: the header, first-level elements and the
// closing tag, each Encode call as one Write.
type Encoder struct{ w io.Writer }

// NewEncoder returns an Encoder writing to w. It does no I/O.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// EncodeHeader writes the XML declaration and the stream's opening tag.
func (e *Encoder) EncodeHeader(h *Header) error { return errStub }

// Encode writes one first-level element: *Message, *Presence, *IQ, *Raw or
// *streamerror.Error.
func (e *Encoder) Encode(v Element) error { return errStub }

// EncodeEnd writes the closing stream tag </stream:stream>.
func (e *Encoder) EncodeEnd() error { return errStub }
