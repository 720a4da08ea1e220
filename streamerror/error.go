package streamerror

// NS is the namespace of stream error conditions and their <text/>,
// RFC 6120 §4.9.2.
const NS = "urn:ietf:params:xml:ns:xmpp-streams"

// Error is a stream error, the <stream:error/> element of RFC 6120 §4.9.
// A stream error is unrecoverable: it is followed by the closing stream tag.
//
// *Error implements error; errors.Is(err, target) reports whether target is
// an *Error with the same Condition, so errors.Is(err,
// &streamerror.Error{Condition: streamerror.NotWellFormed}) works, and
// errors.As(err, &se) with se *Error gives the whole value.
type Error struct {
	// Condition is the defined condition (§4.9.3). A condition element
	// unknown to this package is read as UndefinedCondition, with its name
	// kept in Unknown.
	Condition Condition
	// Unknown holds the local name of an unrecognised condition element
	// read from the wire; it is empty otherwise and never written.
	Unknown string
	// Text is the optional human-readable description (§4.9.2).
	Text string
	// Lang is the xml:lang of Text; empty means none is written.
	Lang string
	// Texts holds every <text/> read from the wire, keyed by xml:lang
	// ("" for none). Text/Lang hold the first; Texts is nil when there
	// was at most one and is never written.
	Texts map[string]string
	// App is the optional application-specific condition element
	// (§4.9.4), kept as raw, namespace-complete XML; written verbatim
	// after the text.
	App []byte
	// Host is the alternate host for SeeOtherHost (§4.9.3.19): a domain,
	// IPv4 address or bracketed IPv6 address, with an optional :port.
	Host string
}
