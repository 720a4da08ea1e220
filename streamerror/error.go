package streamerror

import (
	"errors"
)

// NS is the namespace of stream error conditions and their <text/>,
// RFC 6120 §4.9.2.
const NS = "urn:ietf:params:xml:ns:xmpp-streams"

// StreamsNS is the namespace of the stream itself and of its <error/>
// element, RFC 6120 §4.8.1: a stream error is the element
// {http://etherx.jabber.org/streams}error, written with the stream:
// prefix.
const StreamsNS = "http://etherx.jabber.org/streams"

// Sentinel errors, to test with errors.Is. Every error returned by Parse
// wraps ErrMalformed or ErrNoCondition, and so does every error of
// UnmarshalXML except those of the reader under the xml.Decoder; every
// error returned by AppendXML wraps ErrInvalid, as do MarshalXML's own.
var (
	// ErrMalformed reports input that is not one well-formed,
	// namespace-well-formed stream error element: bad XML syntax,
	// truncated input, restricted XML (RFC 6120 §11.1), an unbound
	// prefix, another element than {http://etherx.jabber.org/streams}error,
	// character data or a child element where RFC 6120 §4.9.2 allows none,
	// two condition elements, two application-specific elements, or a
	// see-other-host without an address (§4.9.3.19). When the cause is an
	// encoding/xml syntax error it is wrapped as well (*xml.SyntaxError,
	// with its line), and the message names the byte offset.
	ErrMalformed = errors.New("streamerror: malformed stream error")
	// ErrNoCondition reports a well-formed stream error element without a
	// condition element in the NS namespace, which RFC 6120 §4.9.2
	// requires.
	ErrNoCondition = errors.New("streamerror: no condition")
	// ErrInvalid reports an Error that cannot be written as a valid stream
	// error: a Condition that is not one of RFC 6120 §4.9.3's, a
	// see-other-host without Host or a Host on another condition, a
	// string holding characters XML cannot carry (XML 1.0 §2.2, invalid
	// UTF-8 included), or an App that is not an element.
	ErrInvalid = errors.New("streamerror: invalid stream error")
)

// Error is a stream error, the <stream:error/> element of RFC 6120 §4.9.
// A stream error is unrecoverable: it is followed by the closing stream tag.
//
// *Error implements error. errors.Is(err, target) reports whether err holds
// an *Error whose Condition equals the target's, where target is either a
// Condition or an *Error: errors.Is(err, streamerror.NotWellFormed) and
// errors.Is(err, &streamerror.Error{Condition: streamerror.NotWellFormed})
// both work. errors.As(err, &se) with se *Error gives the whole value.
//
// The zero value is not a valid stream error (it has no Condition).
type Error struct {
	// Condition is the defined condition (§4.9.3). A condition element
	// unknown to this package is read as UndefinedCondition, with its name
	// kept in Unknown.
	Condition Condition
	// Unknown holds the local name of an unrecognised condition element
	// read from the wire (RFC 3920's invalid-id, for instance); it is
	// empty otherwise and never written.
	Unknown string
	// Text is the optional human-readable description (§4.9.2). It is
	// diagnostic only and must not be interpreted programmatically.
	Text string
	// Lang is the xml:lang of Text; empty means none is written. When read,
	// a <text/> without xml:lang takes the xml:lang of the <stream:error/>
	// element, if any.
	Lang string
	// Texts holds every <text/> read from the wire, keyed by xml:lang
	// ("" for none); for a repeated language the first is kept. Text/Lang
	// hold the first <text/>; Texts is nil when there was at most one
	// and is never written.
	Texts map[string]string
	// App is the optional application-specific condition element
	// (§4.9.4), kept as raw, namespace-complete XML: every prefix it uses,
	// the default namespace included, is declared within it. It is written
	// verbatim after the text; AppendXML only checks that it looks like an
	// element (starts with '<', ends with '>'), so a value not produced by
	// Parse must be well-formed and namespace-complete.
	App []byte
	// Host is the alternate host for SeeOtherHost (§4.9.3.19): a domain,
	// IPv4 address or bracketed IPv6 address, with an optional :port.
	// It is required for SeeOtherHost and refused with any other
	// condition. When read, surrounding whitespace is trimmed.
	Host string
}

// New returns a stream error with condition c and human-readable text
// (empty for none), without xml:lang.
func New(c Condition, text string) *Error {
	return &Error{Condition: c, Text: text}
}

// Error returns "streamerror: " followed by the condition, the detail in
// parentheses (the Host of see-other-host, the name of an unknown
// condition) and the text, if any: "streamerror: not-well-formed: text".
func (e *Error) Error() string {
	if e == nil {
		return "streamerror: <nil>"
	}
	s := "streamerror: " + string(e.Condition)
	switch {
	case e.Host != "":
		s += " (" + e.Host + ")"
	case e.Unknown != "":
		s += " (" + e.Unknown + ")"
	}
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

// Is reports whether target is a Condition equal to e.Condition, or a
// non-nil *Error with the same Condition. Other fields are not compared.
// It makes errors.Is match stream errors by condition.
func (e *Error) Is(target error) bool {
	if e == nil {
		return false
	}
	switch t := target.(type) {
	case Condition:
		return t == e.Condition
	case *Error:
		return t != nil && t.Condition == e.Condition
	}
	return false
}
