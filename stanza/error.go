package stanza

import (
	"fmt"

	"github.com/xmppkit/xmpp/jid"
)

// ErrorType is the 'type' of a stanza error, RFC 6120 §8.3.2: what the
// sender of the failed stanza may do about it.
type ErrorType string

// Stanza error types (RFC 6120 §8.3.2).
const (
	// Auth: retry after providing credentials.
	Auth ErrorType = "auth"
	// Cancel: do not retry (the error cannot be remedied).
	Cancel ErrorType = "cancel"
	// Continue: proceed (the condition was only a warning).
	Continue ErrorType = "continue"
	// Modify: retry after changing the data sent.
	Modify ErrorType = "modify"
	// Wait: retry after waiting (the error is temporary).
	Wait ErrorType = "wait"
)

// Condition is a stanza error condition, RFC 6120 §8.3.3; its value is the
// local name of the condition element in NSStanzaErr.
//
// Condition implements error, so errors.Is(err, stanza.ItemNotFound)
// reports whether err is, or wraps, an *Error with that condition.
type Condition string

// The defined stanza error conditions (RFC 6120 §8.3.3.1–§8.3.3.22). Each
// comment gives the error type the RFC associates with the condition,
// which is what DefaultType returns.
const (
	// BadRequest: the stanza is malformed or cannot be processed (§8.3.3.1); modify.
	BadRequest Condition = "bad-request"
	// Conflict: a resource or session with the same name exists (§8.3.3.2); cancel.
	Conflict Condition = "conflict"
	// FeatureNotImplemented: the feature is not implemented (§8.3.3.3); cancel.
	FeatureNotImplemented Condition = "feature-not-implemented"
	// Forbidden: the requester lacks the permissions (§8.3.3.4); auth.
	Forbidden Condition = "forbidden"
	// Gone: the recipient is no longer at this address; URI may give the
	// new one (§8.3.3.5); cancel.
	Gone Condition = "gone"
	// InternalServerError: a misconfiguration or internal error (§8.3.3.6); cancel.
	InternalServerError Condition = "internal-server-error"
	// ItemNotFound: the addressed JID or item cannot be found (§8.3.3.7); cancel.
	ItemNotFound Condition = "item-not-found"
	// JIDMalformed: an address violates RFC 7622 (§8.3.3.8); modify.
	JIDMalformed Condition = "jid-malformed"
	// NotAcceptable: the request does not meet the recipient's criteria (§8.3.3.9); modify.
	NotAcceptable Condition = "not-acceptable"
	// NotAllowed: no entity may perform the action (§8.3.3.10); cancel.
	NotAllowed Condition = "not-allowed"
	// NotAuthorized: credentials are missing or wrong (§8.3.3.11); auth.
	NotAuthorized Condition = "not-authorized"
	// PolicyViolation: a local service policy was violated (§8.3.3.12); modify.
	PolicyViolation Condition = "policy-violation"
	// RecipientUnavailable: the recipient is temporarily unavailable (§8.3.3.13); wait.
	RecipientUnavailable Condition = "recipient-unavailable"
	// Redirect: requests go to another entity, given in URI (§8.3.3.14); modify.
	Redirect Condition = "redirect"
	// RegistrationRequired: prior registration is needed (§8.3.3.15); auth.
	RegistrationRequired Condition = "registration-required"
	// RemoteServerNotFound: the remote server does not exist or cannot be
	// resolved (§8.3.3.16); cancel.
	RemoteServerNotFound Condition = "remote-server-not-found"
	// RemoteServerTimeout: the remote server could not be reached in time (§8.3.3.17); wait.
	RemoteServerTimeout Condition = "remote-server-timeout"
	// ResourceConstraint: the recipient is busy or lacks resources (§8.3.3.18); wait.
	ResourceConstraint Condition = "resource-constraint"
	// ServiceUnavailable: the service is not provided (§8.3.3.19); cancel.
	ServiceUnavailable Condition = "service-unavailable"
	// SubscriptionRequired: a prior subscription is needed (§8.3.3.20); auth.
	SubscriptionRequired Condition = "subscription-required"
	// UndefinedCondition: none of the others; used with an
	// application-specific condition (§8.3.3.21); any type, modify here as
	// in the RFC's example.
	UndefinedCondition Condition = "undefined-condition"
	// UnexpectedRequest: the request was not expected now, e.g. out of
	// order (§8.3.3.22); wait (the RFC allows wait or modify).
	UnexpectedRequest Condition = "unexpected-request"
)

// Conditions lists the 22 defined conditions in the order of RFC 6120
// §8.3.3.
var Conditions = [...]Condition{
	BadRequest, Conflict, FeatureNotImplemented, Forbidden, Gone,
	InternalServerError, ItemNotFound, JIDMalformed, NotAcceptable,
	NotAllowed, NotAuthorized, PolicyViolation, RecipientUnavailable,
	Redirect, RegistrationRequired, RemoteServerNotFound,
	RemoteServerTimeout, ResourceConstraint, ServiceUnavailable,
	SubscriptionRequired, UndefinedCondition, UnexpectedRequest,
}

// DefaultType returns the error type RFC 6120 §8.3.3 associates with c
// (where it allows two, the first; for UndefinedCondition, which allows
// any, Modify as in the RFC's example), and Cancel for a condition the RFC
// does not define.
func (c Condition) DefaultType() ErrorType {
	switch c {
	case BadRequest, JIDMalformed, NotAcceptable, PolicyViolation, Redirect, UndefinedCondition:
		return Modify
	case Forbidden, NotAuthorized, RegistrationRequired, SubscriptionRequired:
		return Auth
	case RecipientUnavailable, RemoteServerTimeout, ResourceConstraint, UnexpectedRequest:
		return Wait
	}
	return Cancel
}

// Error returns "stanza: " followed by the condition, so that a Condition
// can be the target of errors.Is.
func (c Condition) Error() string { return "stanza: " + string(c) }

// Error is a stanza error, the <error/> child of a stanza of type error,
// RFC 6120 §8.3. *Error implements error; errors.Is(err, target) matches
// when target is a Condition equal to Condition, or an *Error with the
// same Condition; errors.As(err, &e) gives the whole value.
//
// The wire form written by AppendXML and the Encoder is
//
//	<error by='…' type='…'><condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
//	<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='…'>…</text>app</error>
//
// without the line break; by, the text and the application-specific element
// only when set.
type Error struct {
	// Type is the error type (§8.3.2). When empty, the Encoder writes
	// Condition.DefaultType().
	Type ErrorType
	// Condition is the defined condition (§8.3.3). It must not be empty.
	Condition Condition
	// By is the entity that returned the error (§8.3.2), if known.
	By jid.JID
	// URI is the text of <gone/> or <redirect/> (§8.3.3.5, §8.3.3.14): the
	// address at which the entity can now be reached. It is written only
	// for those two conditions.
	URI string
	// Text is the optional description and Lang its xml:lang (§8.3.2).
	Text string
	Lang string
	// App is the optional application-specific condition (§8.3.4).
	App *Raw
}

// NewError returns an error with condition c, the type RFC 6120 §8.3.3
// associates with it (c.DefaultType()), and the optional descriptive text.
func NewError(c Condition, text string) *Error {
	return &Error{Type: c.DefaultType(), Condition: c, Text: text}
}

// Error returns "stanza: condition (type)" followed by ": text" when the
// error has a text.
func (e *Error) Error() string {
	if e == nil {
		return "stanza: <nil>"
	}
	s := "stanza: " + string(e.Condition)
	if e.Type != "" {
		s += " (" + string(e.Type) + ")"
	}
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

// Is reports whether target is a Condition equal to e.Condition or an
// *Error with the same Condition (RFC 6120 §8.3.3); type, text and the
// other fields are not compared.
func (e *Error) Is(target error) bool {
	if e == nil {
		return false
	}
	switch t := target.(type) {
	case Condition:
		return e.Condition == t
	case *Error:
		return t != nil && e.Condition == t.Condition
	}
	return false
}

// AppendXML appends the <error/> element to dst (see Error for the form).
// It fails, leaving dst as it was, when Condition is not an XML name, when
// a string holds a character XML cannot carry (ErrInvalidChar), or when
// App is not a valid raw element (ErrInvalidRaw).
func (e *Error) AppendXML(dst []byte) ([]byte, error) {
	if e == nil {
		return dst, errNilElement
	}
	if !isName(string(e.Condition)) {
		return dst, fmt.Errorf("%w: stanza error condition %q", ErrInvalidName, e.Condition)
	}
	typ := e.Type
	if typ == "" {
		typ = e.Condition.DefaultType()
	}
	w := xmlWriter{b: dst}
	w.raw("<error")
	w.attrJID("by", e.By)
	w.attr("type", string(typ))
	w.raw("><")
	w.raw(string(e.Condition))
	w.raw(" xmlns='" + NSStanzaErr + "'")
	if e.URI != "" && (e.Condition == Gone || e.Condition == Redirect) {
		w.raw(">")
		w.text(e.URI, string(e.Condition))
		w.raw("</")
		w.raw(string(e.Condition))
		w.raw(">")
	} else {
		w.raw("/>")
	}
	if e.Text != "" {
		w.raw("<text xmlns='" + NSStanzaErr + "'")
		w.attr("xml:lang", e.Lang)
		w.raw(">")
		w.text(e.Text, "error text")
		w.raw("</text>")
	}
	if e.App != nil {
		w.rawElem(e.App)
	}
	w.raw("</error>")
	return w.done(dst)
}
