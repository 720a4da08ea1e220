package sasl

import "errors"

// NS is the namespace of the SASL elements of RFC 6120 §6.4 (<mechanisms/>,
// <auth/>, <challenge/>, <response/>, <success/>, <failure/>, <abort/>) and
// of the failure conditions of §6.5. This package writes no XML; the
// constant is here for the stream layer that does.
const NS = "urn:ietf:params:xml:ns:xmpp-sasl"

// Sentinel errors. Test with errors.Is.
var (
	// ErrNoMechanism reports that none of the mechanisms the server offers
	// is acceptable to the client: none is implemented or enabled, a -PLUS
	// mechanism was asked for without usable channel binding, or PLAIN
	// would be sent over a stream without TLS while
	// ClientConfig.AllowPlainWithoutTLS is false (RFC 6120 §6.3.3, RFC 4616
	// §6).
	ErrNoMechanism = errors.New("sasl: no acceptable mechanism")
	// ErrServerSignature reports that the server failed to prove that it
	// knows the SCRAM credentials: its server-final message carries a
	// ServerSignature (v=) that does not match, or the server signalled
	// success without sending one (RFC 5802 §3, §5.1 "v"). The exchange
	// must be treated as failed even though the server said <success/>.
	ErrServerSignature = errors.New("sasl: server signature mismatch")
	// ErrMalformed reports a SASL message that does not follow its
	// mechanism's grammar (RFC 4616 §2, RFC 5802 §7), or one that arrives
	// when the exchange expects none. A client returns it (wrapped) for a
	// bad server message; a server's *Failure with MalformedRequest wraps
	// it too.
	ErrMalformed = errors.New("sasl: malformed message")
	// ErrChannelBinding reports that channel-binding data of the requested
	// type cannot be obtained from the TLS connection: no TLS, a handshake
	// that is not complete, tls-exporter on TLS 1.2 without the Extended
	// Master Secret (RFC 9266 §3), or tls-server-end-point for a
	// certificate whose signature algorithm defines no hash (RFC 5929
	// §4.1).
	ErrChannelBinding = errors.New("sasl: channel binding unavailable")
	// ErrUnknownUser may be returned (or wrapped) by ServerConfig.Lookup
	// for a user that does not exist. The server then goes on with made-up
	// SCRAM parameters and fails with NotAuthorized at the end, so that an
	// unknown user looks like a wrong password (RFC 5802 §9).
	ErrUnknownUser = errors.New("sasl: unknown user")
)

// Condition is a SASL failure condition of RFC 6120 §6.5, the name of the
// child element of <failure/> in the NS namespace.
//
// Condition implements error, so a condition can be the target of
// errors.Is: errors.Is(err, sasl.NotAuthorized) reports whether err is, or
// wraps, a *Failure with that condition. fmt therefore prints a Condition
// as its Error string ("sasl: not-authorized"); use string(c) for the wire
// name.
type Condition string

// The SASL failure conditions, RFC 6120 §6.5.1–§6.5.11.
const (
	// Aborted: the initiating entity sent <abort/> (§6.5.1).
	Aborted Condition = "aborted"
	// AccountDisabled: the account is temporarily disabled (§6.5.2).
	AccountDisabled Condition = "account-disabled"
	// CredentialsExpired: the credentials are valid but expired (§6.5.3).
	CredentialsExpired Condition = "credentials-expired"
	// EncryptionRequired: the mechanism may only be used over a
	// confidential stream, typically one with TLS (§6.5.4).
	EncryptionRequired Condition = "encryption-required"
	// IncorrectEncoding: the data was not valid base64 (§6.5.5). This
	// package sees only decoded bytes; the stream layer reports it.
	IncorrectEncoding Condition = "incorrect-encoding"
	// InvalidAuthzid: the authorization identity is malformed or the
	// authenticated identity may not act for it (§6.5.6).
	InvalidAuthzid Condition = "invalid-authzid"
	// InvalidMechanism: the mechanism is not supported or not offered
	// (§6.5.7).
	InvalidMechanism Condition = "invalid-mechanism"
	// MalformedRequest: the request does not follow the mechanism's
	// grammar (§6.5.8).
	MalformedRequest Condition = "malformed-request"
	// MechanismTooWeak: the mechanism is weaker than server policy
	// permits for this entity (§6.5.9).
	MechanismTooWeak Condition = "mechanism-too-weak"
	// NotAuthorized: the credentials are wrong, or the exchange failed for
	// a reason the server does not disclose (§6.5.10).
	NotAuthorized Condition = "not-authorized"
	// TemporaryAuthFailure: a temporary error on the server side; the
	// entity may retry later (§6.5.11).
	TemporaryAuthFailure Condition = "temporary-auth-failure"
)

// Error returns "sasl: " followed by the condition's wire name.
func (c Condition) Error() string { return "sasl: " + string(c) }

// Defined reports whether c is one of the eleven conditions of RFC 6120
// §6.5. A stream layer that reads an undefined condition from the wire may
// treat it as NotAuthorized.
func (c Condition) Defined() bool {
	switch c {
	case Aborted, AccountDisabled, CredentialsExpired, EncryptionRequired,
		IncorrectEncoding, InvalidAuthzid, InvalidMechanism, MalformedRequest,
		MechanismTooWeak, NotAuthorized, TemporaryAuthFailure:
		return true
	}
	return false
}

// Failure is a failed SASL exchange: the content of the <failure/> element
// of RFC 6120 §6.4.5 and §6.5. A Server returns it from NewServer and Next;
// the stream layer sends Condition and Text on the wire. A stream layer
// reading <failure/> as the client can return it too.
//
// *Failure implements error. errors.Is(err, target) reports whether err
// holds a *Failure whose Condition equals the target's, where target is a
// Condition or a *Failure; errors.As(err, &f) gives the whole value.
// A Failure built by this package may wrap a cause (ErrMalformed, a lookup
// error, ErrUnknownUser…) that is reachable with errors.Is and shown by
// Error, but is never meant for the wire.
type Failure struct {
	// Condition is the RFC 6120 §6.5 condition.
	Condition Condition
	// Text is the optional human-readable description (RFC 6120 §6.4.5),
	// to be sent in <text/>. This package sets it only for protocol
	// errors, never for credential checks, so it discloses nothing about
	// an account.
	Text string
	// Lang is the xml:lang of Text, empty for none.
	Lang string

	err error // cause, not sent
}

// Error returns "sasl: " followed by the condition, the text and the
// cause, when present: "sasl: not-authorized: text: cause".
func (f *Failure) Error() string {
	if f == nil {
		return "sasl: <nil>"
	}
	s := "sasl: " + string(f.Condition)
	if f.Text != "" {
		s += ": " + f.Text
	}
	if f.err != nil {
		s += ": " + f.err.Error()
	}
	return s
}

// Unwrap returns the cause of the failure, nil if none.
func (f *Failure) Unwrap() error {
	if f == nil {
		return nil
	}
	return f.err
}

// Is reports whether target is a Condition equal to f.Condition, or a
// non-nil *Failure with the same Condition. Other fields are not compared.
func (f *Failure) Is(target error) bool {
	if f == nil {
		return false
	}
	switch t := target.(type) {
	case Condition:
		return t == f.Condition
	case *Failure:
		return t != nil && t.Condition == f.Condition
	}
	return false
}

// fail returns a *Failure with condition c, wire text and cause err.
func fail(c Condition, text string, err error) *Failure {
	return &Failure{Condition: c, Text: text, err: err}
}

// DefaultMaxAttempts is a default the stream layer may use for the number
// of SASL attempts it allows a client before closing the stream. RFC 6120
// §6.4.5 says the receiving entity SHOULD allow a configurable but
// reasonable number of retries, at least 2 and no more than 5. A Server
// value serves one attempt: make a new one with NewServer for each <auth/>.
const DefaultMaxAttempts = 3
