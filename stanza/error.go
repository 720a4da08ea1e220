package stanza

import "github.com/xmppkit/xmpp/jid"

// ErrorType is the 'type' of a stanza error, RFC 6120 §8.3.2.
type ErrorType string

// Stanza error types (RFC 6120 §8.3.2).
const (
	Auth     ErrorType = "auth"
	Cancel   ErrorType = "cancel"
	Continue ErrorType = "continue"
	Modify   ErrorType = "modify"
	Wait     ErrorType = "wait"
)

// Condition is a stanza error condition, RFC 6120 §8.3.3; its value is the
// local name of the condition element in NSStanzaErr.
type Condition string

// The defined stanza error conditions (RFC 6120 §8.3.3.1–§8.3.3.22).
const (
	BadRequest            Condition = "bad-request"
	Conflict              Condition = "conflict"
	FeatureNotImplemented Condition = "feature-not-implemented"
	Forbidden             Condition = "forbidden"
	Gone                  Condition = "gone"
	InternalServerError   Condition = "internal-server-error"
	ItemNotFound          Condition = "item-not-found"
	JIDMalformed          Condition = "jid-malformed"
	NotAcceptable         Condition = "not-acceptable"
	NotAllowed            Condition = "not-allowed"
	NotAuthorized         Condition = "not-authorized"
	PolicyViolation       Condition = "policy-violation"
	RecipientUnavailable  Condition = "recipient-unavailable"
	Redirect              Condition = "redirect"
	RegistrationRequired  Condition = "registration-required"
	RemoteServerNotFound  Condition = "remote-server-not-found"
	RemoteServerTimeout   Condition = "remote-server-timeout"
	ResourceConstraint    Condition = "resource-constraint"
	ServiceUnavailable    Condition = "service-unavailable"
	SubscriptionRequired  Condition = "subscription-required"
	UndefinedCondition    Condition = "undefined-condition"
	UnexpectedRequest     Condition = "unexpected-request"
)

// Error is a stanza error, the <error/> child of a stanza of type error,
// RFC 6120 §8.3. *Error implements error; errors.Is matches on Condition.
type Error struct {
	Type      ErrorType
	Condition Condition
	// By is the entity that returned the error (§8.3.2), if known.
	By jid.JID
	// URI is the text of <gone/> or <redirect/> (§8.3.3.5, §8.3.3.14).
	URI string
	// Text is the optional description and Lang its xml:lang (§8.3.2).
	Text string
	Lang string
	// App is the optional application-specific condition (§8.3.4).
	App *Raw
}
