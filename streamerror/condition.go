package streamerror

// Condition is a stream error condition of RFC 6120 §4.9.3. Its value is
// the local name of the condition element on the wire, in the
// urn:ietf:params:xml:ns:xmpp-streams namespace (NS).
//
// Condition implements error, so a condition can be the target of
// errors.Is: errors.Is(err, streamerror.NotWellFormed) reports whether err
// is, or wraps, an *Error with that condition. Because of that method, fmt
// prints a Condition as its Error string ("streamerror: not-well-formed");
// use string(c) for the bare wire name.
type Condition string

// Error returns "streamerror: " followed by the condition's wire name.
func (c Condition) Error() string { return "streamerror: " + string(c) }

// defined reports whether c is one of the 25 conditions of RFC 6120
// §4.9.3, the only names AppendXML writes.
func (c Condition) defined() bool {
	switch c {
	case BadFormat, BadNamespacePrefix, Conflict, ConnectionTimeout,
		HostGone, HostUnknown, ImproperAddressing, InternalServerError,
		InvalidFrom, InvalidNamespace, InvalidXML, NotAuthorized,
		NotWellFormed, PolicyViolation, RemoteConnectionFailed, Reset,
		ResourceConstraint, RestrictedXML, SeeOtherHost, SystemShutdown,
		UndefinedCondition, UnsupportedEncoding, UnsupportedFeature,
		UnsupportedStanzaType, UnsupportedVersion:
		return true
	}
	return false
}

// xmlNotWellFormed is RFC 3920 §4.7.3's name for NotWellFormed; RFC 6120
// renamed it (RFC 6120 Appendix D). It is read, never written.
const xmlNotWellFormed = "xml-not-well-formed"

// The defined stream error conditions, RFC 6120 §4.9.3.1–§4.9.3.25.
const (
	// BadFormat: the entity sent XML that cannot be processed (§4.9.3.1).
	BadFormat Condition = "bad-format"
	// BadNamespacePrefix: an unsupported namespace prefix, or none where
	// one is required (§4.9.3.2).
	BadNamespacePrefix Condition = "bad-namespace-prefix"
	// Conflict: a new stream conflicts with an existing one (§4.9.3.3).
	Conflict Condition = "conflict"
	// ConnectionTimeout: the peer has not sent traffic for too long (§4.9.3.4).
	ConnectionTimeout Condition = "connection-timeout"
	// HostGone: the 'to' names a host no longer served (§4.9.3.5).
	HostGone Condition = "host-gone"
	// HostUnknown: the 'to' names a host not served (§4.9.3.6).
	HostUnknown Condition = "host-unknown"
	// ImproperAddressing: a stanza lacks a required 'to' or 'from' (§4.9.3.7).
	ImproperAddressing Condition = "improper-addressing"
	// InternalServerError: a misconfiguration or internal failure (§4.9.3.8).
	InternalServerError Condition = "internal-server-error"
	// InvalidFrom: the 'from' does not match an authorized address (§4.9.3.9).
	InvalidFrom Condition = "invalid-from"
	// InvalidNamespace: the stream or content namespace is wrong (§4.9.3.10).
	InvalidNamespace Condition = "invalid-namespace"
	// InvalidXML: the XML fails validation (§4.9.3.11).
	InvalidXML Condition = "invalid-xml"
	// NotAuthorized: data was sent before the stream was authenticated
	// (§4.9.3.12).
	NotAuthorized Condition = "not-authorized"
	// NotWellFormed: the data is not well-formed XML (§4.9.3.13). RFC 3920
	// called it xml-not-well-formed; that name is read as this condition.
	NotWellFormed Condition = "not-well-formed"
	// PolicyViolation: a local policy was violated, such as a size limit
	// (§4.9.3.14).
	PolicyViolation Condition = "policy-violation"
	// RemoteConnectionFailed: the server cannot reach a remote entity
	// needed for authentication or authorization (§4.9.3.15).
	RemoteConnectionFailed Condition = "remote-connection-failed"
	// Reset: the stream must be reset, e.g. after a security change
	// (§4.9.3.16).
	Reset Condition = "reset"
	// ResourceConstraint: the server lacks resources to serve the stream
	// (§4.9.3.17).
	ResourceConstraint Condition = "resource-constraint"
	// RestrictedXML: XML features forbidden by §11.1 were sent: comments,
	// processing instructions, DTDs, entity references (§4.9.3.18).
	RestrictedXML Condition = "restricted-xml"
	// SeeOtherHost: the client should reconnect to another host, named in
	// the element's text (§4.9.3.19).
	SeeOtherHost Condition = "see-other-host"
	// SystemShutdown: the server is being shut down (§4.9.3.20).
	SystemShutdown Condition = "system-shutdown"
	// UndefinedCondition: none of the defined conditions applies; an
	// application-specific element usually says more (§4.9.3.21).
	UndefinedCondition Condition = "undefined-condition"
	// UnsupportedEncoding: an encoding other than UTF-8 was used (§4.9.3.22).
	UnsupportedEncoding Condition = "unsupported-encoding"
	// UnsupportedFeature: a mandatory stream feature is not supported
	// (§4.9.3.23).
	UnsupportedFeature Condition = "unsupported-feature"
	// UnsupportedStanzaType: a first-level element in the content namespace
	// is not understood (§4.9.3.24).
	UnsupportedStanzaType Condition = "unsupported-stanza-type"
	// UnsupportedVersion: the stream's 'version' is not supported (§4.9.3.25).
	UnsupportedVersion Condition = "unsupported-version"
)
