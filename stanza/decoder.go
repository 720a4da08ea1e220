package stanza

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"sync"

	"github.com/xmppkit/xmpp/streamerror"
)

// Limits bound what one peer can make a Decoder hold (RFC 6120 §13.12).
// A zero field takes its default.
type Limits struct {
	// MaxStanzaSize is the most bytes one first-level element may span,
	// start tag to end tag. It also bounds the stream header (the XML
	// declaration and the opening tag) and the closing tag. Default 256
	// KiB; values above 1 GiB are read as 1 GiB.
	MaxStanzaSize int
	// MaxDepth is the deepest element nesting inside a first-level element
	// (the first-level element itself is depth 1). Default 64.
	MaxDepth int
	// MaxAttrs is the most attributes (namespace declarations included)
	// on one element. Default 64. The namespace declarations in scope at
	// any point of a first-level element (the stream header's not
	// counted) are limited to 4×MaxAttrs, which bounds the cost of
	// resolving a prefix.
	MaxAttrs int
}

// Default limits (see Limits).
const (
	DefaultMaxStanzaSize = 256 << 10
	DefaultMaxDepth      = 64
	DefaultMaxAttrs      = 64
)

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
	// included, in document order, named as encoding/xml's Decoder.Token
	// names them: xmlns:p is {Space: "xmlns", Local: "p"}, xmlns is
	// {Local: "xmlns"}, xml:lang is {Space: NSXML, Local: "lang"}, another
	// prefixed attribute has its namespace URI in Space. Values are
	// normalised (XML 1.0 §3.3.3).
	Attr []xml.Attr
}

// ErrLimit is matched (errors.Is) by every limit sentinel below: a peer
// sent more than Limits allow. The stream error to send is
// policy-violation (RFC 6120 §4.9.3.14).
var ErrLimit = errors.New("stanza: limit exceeded")

// decLimitError is a limit sentinel; errors.Is matches it and ErrLimit.
type decLimitError struct{ msg string }

func (e *decLimitError) Error() string        { return e.msg }
func (e *decLimitError) Is(target error) bool { return target == ErrLimit }

// The limit sentinels, each wrapped in the *DecodeError the Decoder returns.
var (
	// ErrStanzaTooLarge: a first-level element, the stream header or the
	// closing tag is longer than Limits.MaxStanzaSize, or a Raw made
	// namespace-complete would grow past twice that.
	ErrStanzaTooLarge error = &decLimitError{"stanza: element too large"}
	// ErrTooDeep: elements nest deeper than Limits.MaxDepth.
	ErrTooDeep error = &decLimitError{"stanza: elements nested too deep"}
	// ErrTooManyAttrs: an element has more than Limits.MaxAttrs
	// attributes, or more than 4×MaxAttrs namespace declarations are in
	// scope.
	ErrTooManyAttrs error = &decLimitError{"stanza: too many attributes"}
)

// ErrNoHeader is returned by Next when Header has not read the stream
// header yet (after NewDecoder or Reset). It is a usage error and leaves
// the Decoder as it was.
var ErrNoHeader = errors.New("stanza: Next called before Header")

// DecodeError is a fatal error of the Decoder, positioned in the stream.
// Either Condition is set — the stream error to send to the peer (RFC
// 6120 §4.9.3) — or Err is a read error (io.ErrUnexpectedEOF when the
// stream ends before its closing tag), or both for a limit
// (policy-violation with ErrStanzaTooLarge, ErrTooDeep or
// ErrTooManyAttrs).
//
// errors.As(err, &se) with se a *streamerror.Error gives the condition as
// a stream error ready to send; errors.Is works for the sentinels and for
// the conditions (errors.Is(err, streamerror.RestrictedXML)).
type DecodeError struct {
	// Offset is the byte offset in the stream (counted from the first
	// byte the Decoder read after NewDecoder or Reset) where the problem
	// was found.
	Offset int64
	// Condition is the stream error condition, empty for read errors.
	Condition streamerror.Condition
	// Msg says what was wrong, for people.
	Msg string
	// Err is the limit sentinel or the read error, if any.
	Err error
}

// Error returns "stanza: <condition> at offset N: msg", or
// "stanza: read at offset N: err" for read errors.
func (e *DecodeError) Error() string {
	s := "stanza: "
	if e.Condition != "" {
		s += string(e.Condition)
	} else {
		s += "read"
	}
	s += " at offset " + strconv.FormatInt(e.Offset, 10)
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil && e.Err.Error() != e.Msg {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the stream error for Condition (a *streamerror.Error
// with only the condition set) and Err, those that are set.
func (e *DecodeError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Condition != "" {
		errs = append(errs, &streamerror.Error{Condition: e.Condition})
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// BadStanzaError is returned by Next for a stanza that is well-formed but
// holds a value the model cannot carry: a 'to' or 'from' that is not a
// valid JID (RFC 6120 §8.3.3.8, jid-malformed), or a <priority/>
// that is not an integer in -128…127 (RFC 6121 §4.7.2.3, bad-request).
// These are stanza errors, not stream errors: the stream goes on, and the
// next Next reads the next element. Stanza holds the decoded stanza with
// the offending field left zero, so that the caller can answer it with an
// error stanza. errors.As(err, &e) with e a *stanza.Error gives that
// error (type modify).
type BadStanzaError struct {
	// Offset is the stream offset of the stanza's start tag.
	Offset int64
	// Stanza is the *Message, *Presence or *IQ as decoded.
	Stanza Element
	// Field names the bad value: "to", "from" or "priority". (An invalid
	// 'by' of a stanza error is left zero without an error: an error
	// stanza is never answered, RFC 6120 §8.3.1.)
	Field string
	// Condition is JIDMalformed or BadRequest.
	Condition Condition
	// Err is the cause (a jid or strconv error).
	Err error
}

// Error returns "stanza: <condition> at offset N: field: cause".
func (e *BadStanzaError) Error() string {
	s := "stanza: " + string(e.Condition) + " at offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Field
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the stanza error to answer with (type modify) and Err.
func (e *BadStanzaError) Unwrap() []error {
	errs := []error{&Error{Type: Modify, Condition: e.Condition}}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// An IdleReader is a reader that can wait for input without holding the
// buffer it will read it into, such as a TCP connection (the stream
// package's transport reader is one). A Decoder that has consumed all it
// read reads through ReadIdle, so that a stream waiting for its peer
// holds no read buffer.
type IdleReader interface {
	io.Reader
	// ReadIdle waits until input (or an error, or the end of input) is
	// available, then reads like Read into a buffer it obtains from get
	// at that moment. It may call get more than once, handing each
	// buffer it does not read into back to put first. It returns what
	// Read would return for the last buffer from get.
	ReadIdle(get func() []byte, put func([]byte)) (int, error)
}

// bufPool holds read buffers of decInitBuf bytes that idle Decoders gave
// back.
var bufPool = sync.Pool{New: func() any { return new([decInitBuf]byte) }}

// setReader makes r the Decoder's reader.
func (d *Decoder) setReader(r io.Reader) {
	d.r = r
	d.idle, _ = r.(IdleReader)
	if d.idle != nil && d.getBuf == nil {
		d.getBuf, d.putBuf = d.idleBuf, d.releaseBuf
	}
}

// idleBuf gives ReadIdle the buffer to read into: d.buf, taken from the
// pool when the Decoder let go of it (nothing is kept: d.end is 0).
func (d *Decoder) idleBuf() []byte {
	if d.buf == nil {
		d.buf = bufPool.Get().(*[decInitBuf]byte)[:]
	}
	return d.buf[d.end:]
}

// releaseBuf lets go of the read buffer while nothing in it is kept:
// a buffer of the initial size goes back to the pool, a larger one to
// the garbage collector.
func (d *Decoder) releaseBuf([]byte) {
	if len(d.buf) == decInitBuf && cap(d.buf) == decInitBuf {
		bufPool.Put((*[decInitBuf]byte)(d.buf))
	}
	d.buf = nil
}

// Decoder states.
const (
	decStateNew = iota // Header not read yet
	decStream          // header read: first-level elements follow
	decDone            // closing tag read (or the header was an empty element)
)

// Decoder reads an XMPP stream's XML: the optional XML declaration, the
// stream header, each first-level element, and the closing stream tag.
//
// It implements the restricted XML of RFC 6120 §11 over XML 1.0 (Fifth
// Edition) and Namespaces in XML 1.0: it checks well-formedness and
// namespace well-formedness itself, byte by byte, and stops at the first
// violation with a *DecodeError carrying the stream error condition to
// send (§4.9.3):
//
//   - restricted-xml (§11.1): a comment, a processing instruction other
//     than the XML declaration, a document type declaration, an entity
//     reference other than the five predefined ones (§4.6 of XML 1.0);
//   - not-well-formed (§11.3): malformed markup, mismatched tags,
//     duplicate attributes (XML 1.0 §3.1, Namespaces §6.3), undeclared or
//     reserved prefixes (Namespaces §3, §5), bytes that are not UTF-8 or
//     characters outside the Char production (XML 1.0 §2.2), "]]>" in
//     character data, '<' in an attribute value, a byte order mark (a
//     U+FEFF is a character, §11.6, and none may precede the stream);
//   - unsupported-encoding (§11.6): an XML declaration naming an encoding
//     other than UTF-8, or a stream in UTF-16 or UTF-32;
//   - invalid-namespace (§4.8.1, §11.2.1): a header that is not
//     {http://etherx.jabber.org/streams}stream;
//   - unsupported-stanza-type (§4.9.3.24): a first-level element in the
//     header's content namespace other than message, presence and iq;
//   - bad-format (§4.9.3.1): non-whitespace character data between
//     first-level elements, where §11.7 allows only whitespace, or a
//     <stream:error/> that streamerror.Parse cannot read;
//   - policy-violation (§4.9.3.14): a limit of Limits exceeded.
//
// CDATA sections and character references are allowed. The result,
// offsets included, does not depend on how the input is split across Read
// calls. The Decoder buffers at most MaxStanzaSize bytes plus one read
// buffer, whatever the peer sends (whitespace between elements is dropped
// as it is read), never panics, and takes time linear in the input.
//
// Each first-level element is scanned in place in the read buffer and then
// built with a single allocation holding the typed value, its first
// extensions and every byte of its strings and Raw elements (a larger
// element takes one more). A Raw is namespace-complete: the declarations
// it inherits from the stanza or the stream header (the stream: prefix,
// jabber:client as the default namespace, or xmlns="" for no namespace)
// are added to its start tag.
//
// When its reader is an IdleReader, a Decoder holds no read buffer while
// it waits for input between elements: an idle stream costs the Decoder
// a few hundred bytes rather than the buffer's 8 KiB.
//
// A Decoder is used by one goroutine at a time and starts none. Values it
// returns do not alias its buffers and stay valid after later calls.
type Decoder struct {
	r   io.Reader
	lim Limits

	// When r is an IdleReader: idle is r, and getBuf and putBuf, bound once,
	// are the buffer callbacks handed to its ReadIdle.
	idle   IdleReader
	getBuf func() []byte
	putBuf func([]byte)

	buf  []byte // read buffer; buf[pos:end] is unread
	pos  int    // scan position
	end  int    // end of the data read
	es   int    // start of what must be kept: the element being scanned
	vend int    // end of what may be scanned: min(end, es+MaxStanzaSize)
	off  int64  // stream offset of buf[0]
	rerr error  // the reader's error, returned once buffered data is used
	err  error  // sticky error
	st   int    // decStateNew, decStream, decDone

	// Stream header state, kept across first-level elements.
	hdrName  []byte     // qualified name of the opening tag, to match the close
	hdrStore []byte     // prefix and URI bytes of the header's namespace bindings
	hdrNS    string     // the content namespace (Header.NS)
	nHdrNS   int        // number of header bindings at the bottom of ns
	er       decErrRefs // the stanza error being built, when there is one

	// Per-element scratch, reused.
	toks    []decTok
	attrs   []decAttr
	ns      []decBinding
	open    []decOpen
	scratch []byte // unescaped namespace URIs
	out     []byte // the typed value's bytes, copied once into its backing
	exts    []decRawRef
	texts   [3][]decTextRef // bodies, subjects; statuses use [0]
	inj     []decBinding    // prefixes injected into the current Raw
	kind    int             // kind of the element being decoded (decKMessage…)
}

// NewDecoder returns a Decoder reading from r with the given limits (nil
// for defaults). It does no I/O.
func NewDecoder(r io.Reader, lim *Limits) *Decoder {
	d := &Decoder{}
	d.setReader(r)
	if lim != nil {
		d.lim = *lim
	}
	if d.lim.MaxStanzaSize <= 0 {
		d.lim.MaxStanzaSize = DefaultMaxStanzaSize
	}
	if d.lim.MaxStanzaSize > 1<<30 {
		d.lim.MaxStanzaSize = 1 << 30
	}
	if d.lim.MaxDepth <= 0 {
		d.lim.MaxDepth = DefaultMaxDepth
	}
	if d.lim.MaxDepth > 1<<20 {
		d.lim.MaxDepth = 1 << 20
	}
	if d.lim.MaxAttrs <= 0 {
		d.lim.MaxAttrs = DefaultMaxAttrs
	}
	return d
}

// Reset discards all state and reads a new stream, header first, from r
// (RFC 6120 §4.3.3 stream restart). Buffered bytes of the old stream are
// dropped; offsets count from zero again. The limits are kept.
func (d *Decoder) Reset(r io.Reader) {
	*d = Decoder{
		lim:      d.lim,
		getBuf:   d.getBuf,
		putBuf:   d.putBuf,
		buf:      d.buf,
		hdrName:  d.hdrName[:0],
		hdrStore: d.hdrStore[:0],
		toks:     d.toks[:0],
		attrs:    d.attrs[:0],
		ns:       d.ns[:0],
		open:     d.open[:0],
		scratch:  d.scratch[:0],
		out:      d.out[:0],
		exts:     d.exts[:0],
	}
	d.setReader(r)
}

// Buffered returns how many bytes the Decoder has read from its reader
// and not yet consumed: the start of the next element, whitespace, or
// more elements. When it is zero, the next call of Next reads first, and
// a caller may wait for input (without a buffer, see IdleReader) before
// calling it.
func (d *Decoder) Buffered() int { return d.end - d.pos }

// InputOffset returns the stream offset just after the last byte the
// Decoder consumed: the end of the element last returned.
func (d *Decoder) InputOffset() int64 { return d.off + int64(d.pos) }

// Header reads the optional XML declaration (RFC 6120 §11.5) and the
// stream's opening tag (§4.7). The tag must be
// {http://etherx.jabber.org/streams}stream, with any prefix (§4.8.1),
// else the error carries invalid-namespace (and the Header is returned
// too, for the answer of RFC 6120 §4.9.1.2). It returns io.EOF when the
// reader ends before sending any byte. Header is called once per stream,
// first; a second call returns an error.
func (d *Decoder) Header() (*Header, error) {
	if d.err != nil {
		return nil, d.err
	}
	if d.st != decStateNew {
		return nil, errors.New("stanza: Header called twice")
	}
	h, err := d.header()
	if err != nil {
		return h, d.fail(err)
	}
	return h, nil
}

// Next returns the next first-level element, skipping whitespace between
// elements (RFC 6120 §11.7): a *Message, *Presence or *IQ for message,
// presence and iq in jabber:client, jabber:server or
// jabber:component:accept; a *streamerror.Error for <stream:error/>; a
// *Raw for anything else (features, SASL, TLS…). It returns io.EOF after
// the closing stream tag, and io.ErrUnexpectedEOF (in a *DecodeError)
// when the reader ends before it.
//
// A stanza's attributes id, to, from, type and xml:lang fill the common
// fields (RFC 6120 §8.1; other attributes are not kept; Lang is the
// stanza's own xml:lang, not the stream's). Its children in the stanza's
// namespace body, subject and thread (message, RFC 6121 §5.2), show,
// status and priority (presence, RFC 6121 §4.7) and error (RFC 6120
// §8.3) fill the typed fields, their character data read as encoding/xml
// reads a string field (direct text; child elements ignored); a second
// thread, show, priority or error, and every other child, goes to
// Extensions in document order. An iq's first child other than error is
// its Payload, the others Extra.
//
// Errors are sticky: after one, every call returns it again. The one
// exception is *BadStanzaError, a stanza-level problem after which the
// stream goes on.
func (d *Decoder) Next() (Element, error) {
	if d.err != nil {
		return nil, d.err
	}
	switch d.st {
	case decStateNew:
		return nil, ErrNoHeader
	case decDone:
		d.err = io.EOF
		return nil, io.EOF
	}
	el, err := d.next()
	if err != nil {
		var bad *BadStanzaError
		if errors.As(err, &bad) {
			d.idleNow()
			return nil, err
		}
		return nil, d.fail(err)
	}
	d.idleNow()
	return el, nil
}

// idleNow lets go of the read buffer, over an IdleReader, when every byte
// read has been consumed: the caller may now wait for the peer before
// calling Next again (see Buffered), and the stream should cost no
// buffer meanwhile. Nothing of the buffer is referenced any more.
func (d *Decoder) idleNow() {
	if d.idle == nil || d.pos != d.end || d.buf == nil {
		return
	}
	d.off += int64(d.end)
	d.pos, d.end, d.es, d.vend = 0, 0, 0, 0
	d.releaseBuf(nil)
}

// fail makes err the sticky error, turning read errors into positioned
// *DecodeErrors (io.EOF in the middle of the stream into
// io.ErrUnexpectedEOF) and returns it.
func (d *Decoder) fail(err error) error {
	var de *DecodeError
	switch {
	case err == io.EOF && d.st == decDone:
	case err == io.EOF && d.st == decStateNew && d.off+int64(d.end) == 0:
	case errors.As(err, &de):
	case err == io.EOF:
		err = &DecodeError{Offset: d.off + int64(d.end), Msg: "unexpected EOF", Err: io.ErrUnexpectedEOF}
	default:
		err = &DecodeError{Offset: d.off + int64(d.end), Err: err}
	}
	d.err = err
	return err
}
