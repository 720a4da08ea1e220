package stanza

// STUB: API contract only; the decoder helper replaces the bodies.

import (
	"encoding/xml"
	"errors"
	"io"
)

// Limits bound what one peer can make a Decoder hold (RFC 6120 §13.12).
// A zero field takes its default.
type Limits struct {
	// MaxStanzaSize is the most bytes one first-level element may span,
	// start tag to end tag. Default 256 KiB.
	MaxStanzaSize int
	// MaxDepth is the deepest element nesting inside a first-level element
	// (the first-level element itself is depth 1). Default 64.
	MaxDepth int
	// MaxAttrs is the most attributes (namespace declarations included)
	// on one element. Default 64.
	MaxAttrs int
}

// Header is the stream's opening tag, RFC 6120 §4.7.
type Header struct {
	// Name is the element's expanded name; for a valid stream it is
	// {http://etherx.jabber.org/streams}stream.
	Name xml.Name
	// The stream attributes (§4.7.1–§4.7.5), as they appear on the wire
	// (to and from unparsed: the stream layer validates them). Missing
	// attributes are empty.
	To, From, ID, Version, Lang string
	// NS is the content namespace: the default namespace declared on the
	// header (jabber:client, jabber:server…), empty when none.
	NS string
	// Attr holds every attribute of the tag, namespace declarations
	// included, in document order.
	Attr []xml.Attr
}

var errStub = errors.New("stanza: not implemented")

// Decoder reads an XMPP stream's XML: the optional XML declaration, the
// stream header, each first-level element, and the closing stream tag.
type Decoder struct{ r io.Reader }

// NewDecoder returns a Decoder reading from r with the given limits (nil
// for defaults). It does no I/O.
func NewDecoder(r io.Reader, lim *Limits) *Decoder { return &Decoder{r: r} }

// Header reads the optional XML declaration and the stream's opening tag.
func (d *Decoder) Header() (*Header, error) { return nil, errStub }

// Next returns the next first-level element, skipping whitespace between
// elements; io.EOF after the closing stream tag.
func (d *Decoder) Next() (Element, error) { return nil, errStub }

// Reset discards all state and reads a new stream, header first, from r
// (RFC 6120 §4.3.3 stream restart).
func (d *Decoder) Reset(r io.Reader) { d.r = r }
