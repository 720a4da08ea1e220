package stream

import (
	"io"

	"github.com/xmppkit/xmpp/stanza"
)

// framing is the seam between a Stream and its bytes: how the header, the
// first-level elements and the closing tag are framed on the transport.
// Everything above it (header rules, negotiation, errors, closing) works
// on stanza values. xmlFraming is RFC 6120's: one XML document per stream
// (re)start. XMPP over WebSocket (RFC 7395) will be another: <open/> and
// <close/> in the framing namespace, each element namespace-complete in
// one message; its header check (the element name) moves here with it.
type framing interface {
	// readHeader reads the peer's header of a new stream.
	readHeader() (*stanza.Header, error)
	// next reads the next first-level element; io.EOF after the peer's
	// closing tag.
	next() (stanza.Element, error)
	// reset starts reading a new stream from r (§4.3.3 restart).
	reset(r io.Reader)
	// buffered reports how many bytes were read and not yet consumed.
	buffered() int

	// appendHeader, appendElement, appendFeatures and appendEnd append
	// one unit of output to dst; the Stream writes each unit, or a
	// sequence of them, with a single Write.
	appendHeader(dst []byte, h *stanza.Header) ([]byte, error)
	appendElement(dst []byte, v stanza.Element) ([]byte, error)
	// appendFeatures appends <stream:features/> holding the children,
	// each one complete element (§4.3.2).
	appendFeatures(dst []byte, children [][]byte) ([]byte, error)
	appendEnd(dst []byte) []byte
	// appendKeepalive appends a keepalive (§4.6.1).
	appendKeepalive(dst []byte) []byte
}

// xmlFraming is the framing of RFC 6120 §4 over a byte stream.
type xmlFraming struct {
	dec *stanza.Decoder
}

func newXMLFraming(r io.Reader, lim *stanza.Limits) *xmlFraming {
	return &xmlFraming{dec: stanza.NewDecoder(r, lim)}
}

func (f *xmlFraming) readHeader() (*stanza.Header, error) { return f.dec.Header() }
func (f *xmlFraming) next() (stanza.Element, error)       { return f.dec.Next() }
func (f *xmlFraming) reset(r io.Reader)                   { f.dec.Reset(r) }
func (f *xmlFraming) buffered() int                       { return f.dec.Buffered() }

func (f *xmlFraming) appendHeader(dst []byte, h *stanza.Header) ([]byte, error) {
	return stanza.AppendHeader(dst, h)
}

func (f *xmlFraming) appendElement(dst []byte, v stanza.Element) ([]byte, error) {
	return stanza.AppendElement(dst, v)
}

// appendFeatures writes the stream: prefix that our header declares
// (§4.8.5), and the empty-element form when there are no children, as
// in RFC 6120's examples.
func (f *xmlFraming) appendFeatures(dst []byte, children [][]byte) ([]byte, error) {
	if len(children) == 0 {
		return append(dst, "<stream:features/>"...), nil
	}
	b := append(dst, "<stream:features>"...)
	for _, c := range children {
		var err error
		r := stanza.Raw{XML: c}
		if b, err = r.AppendXML(b); err != nil {
			return dst, err
		}
	}
	return append(b, "</stream:features>"...), nil
}

func (f *xmlFraming) appendEnd(dst []byte) []byte { return append(dst, "</stream:stream>"...) }

func (f *xmlFraming) appendKeepalive(dst []byte) []byte { return append(dst, ' ') }
