package stanza

import (
	"encoding/xml"

	"github.com/xmppkit/xmpp/jid"
)

// Namespaces used by the stanza layer (RFC 6120 §4.8, §8.3.2).
const (
	NSClient    = "jabber:client"                        // c2s content namespace
	NSServer    = "jabber:server"                        // s2s content namespace
	NSStream    = "http://etherx.jabber.org/streams"     // the stream namespace
	NSStanzaErr = "urn:ietf:params:xml:ns:xmpp-stanzas"  // stanza error conditions
	NSXML       = "http://www.w3.org/XML/1998/namespace" // the xml: prefix
)

// Element is one first-level element of a stream, as returned by
// Decoder.Next and accepted by Encoder.Encode: one of *Message, *Presence,
// *IQ, *Raw or *streamerror.Error.
type Element any

// MessageType is the 'type' of a message, RFC 6121 §5.2.2.
type MessageType string

// Message types (RFC 6121 §5.2.2). A message without a type is processed
// as normal; the Decoder keeps the empty type and the Encoder writes none,
// so the distinction survives a round trip.
const (
	MessageChat      MessageType = "chat"
	MessageError     MessageType = "error"
	MessageGroupchat MessageType = "groupchat"
	MessageHeadline  MessageType = "headline"
	MessageNormal    MessageType = "normal"
)

// PresenceType is the 'type' of a presence, RFC 6121 §4.7.1. The empty
// type means available.
type PresenceType string

// Presence types (RFC 6121 §4.7.1).
const (
	PresenceAvailable    PresenceType = ""
	PresenceError        PresenceType = "error"
	PresenceProbe        PresenceType = "probe"
	PresenceSubscribe    PresenceType = "subscribe"
	PresenceSubscribed   PresenceType = "subscribed"
	PresenceUnavailable  PresenceType = "unavailable"
	PresenceUnsubscribe  PresenceType = "unsubscribe"
	PresenceUnsubscribed PresenceType = "unsubscribed"
)

// IQType is the 'type' of an iq, RFC 6120 §8.2.3.
type IQType string

// IQ types (RFC 6120 §8.2.3).
const (
	IQGet    IQType = "get"
	IQSet    IQType = "set"
	IQResult IQType = "result"
	IQError  IQType = "error"
)

// Show is the <show/> of a presence, RFC 6121 §4.7.2.1. Empty means
// available with no qualifier.
type Show string

// Show values (RFC 6121 §4.7.2.1).
const (
	ShowAway Show = "away"
	ShowChat Show = "chat"
	ShowDND  Show = "dnd"
	ShowXA   Show = "xa"
)

// Text is a human-readable text in a language: a <body/>, <subject/> or
// <status/> with its xml:lang (empty when the element has none of its own).
type Text struct {
	Lang  string
	Value string
}

// Raw is an element the stanza model does not type: an extension payload,
// <stream:features/>, a SASL or TLS element. XML holds the element's
// bytes, namespace-complete: its start tag declares every namespace prefix
// (and the default namespace) it uses, so it can be decoded on its own
// with encoding/xml (Decode) or written back unchanged (the Encoder writes
// XML verbatim).
//
// ParseRaw and NewRaw build a Raw from bytes or from a value encoding/xml
// can marshal, checking that it is one such element. A Raw with empty XML
// and a Name with a namespace stands for the empty element
// <local xmlns='space'/>, e.g. Raw{Name: xml.Name{Space: "urn:xmpp:ping",
// Local: "ping"}} for an XEP-0199 ping.
type Raw struct {
	// Name is the element's expanded name (namespace URI and local name).
	Name xml.Name
	// XML is the element, start tag to end tag.
	XML []byte
}

// Message is a <message/> stanza, RFC 6120 §8.2.1 and RFC 6121 §5.
type Message struct {
	// ID is the 'id' (RFC 6120 §8.1.3); empty if absent.
	ID string
	// To and From are the addresses (§8.1.1, §8.1.2); zero if absent.
	To   jid.JID
	From jid.JID
	// Type is the 'type' (RFC 6121 §5.2.2); empty if absent, which the
	// RFC reads as normal. It is written as given.
	Type MessageType
	// Lang is the stanza's xml:lang (RFC 6120 §8.1.5); empty if absent.
	Lang string
	// Body is the body in the stanza's language, or else the first body.
	Body string
	// Bodies holds every <body/> when there is more than one or the body
	// carries an xml:lang of its own; it is nil otherwise. When non-nil it
	// is written instead of Body.
	Bodies []Text
	// Subject and Subjects follow the same rule as Body and Bodies.
	Subject  string
	Subjects []Text
	// Thread is the <thread/> (RFC 6121 §5.2.5); ThreadParent its 'parent'.
	Thread       string
	ThreadParent string
	// Error is the stanza error of a message of type error.
	Error *Error
	// Extensions holds every other child element, in document order.
	Extensions []Raw
}

// Presence is a <presence/> stanza, RFC 6120 §8.2.2 and RFC 6121 §4.
type Presence struct {
	// ID, To and From are the common attributes (RFC 6120 §8.1.1–§8.1.3).
	ID   string
	To   jid.JID
	From jid.JID
	// Type is the 'type' (RFC 6121 §4.7.1); empty for available.
	Type PresenceType
	// Lang is the stanza's xml:lang (RFC 6120 §8.1.5); empty if absent.
	Lang string
	// Show is the <show/> (RFC 6121 §4.7.2.1); empty if absent.
	Show Show
	// Status is the status in the stanza's language, or else the first;
	// Statuses follows the rule of Message.Bodies.
	Status   string
	Statuses []Text
	// Priority is the <priority/>, -128…127 (RFC 6121 §4.7.2.3); zero,
	// the default, is not written.
	Priority int8
	// Error is the stanza error of a presence of type error.
	Error *Error
	// Extensions holds every other child element, in document order.
	Extensions []Raw
}

// IQ is an <iq/> stanza, RFC 6120 §8.2.3.
type IQ struct {
	// ID is the 'id', required on every IQ (RFC 6120 §8.1.3).
	ID string
	// To and From are the addresses (§8.1.1, §8.1.2); zero if absent.
	To   jid.JID
	From jid.JID
	// Type is get, set, result or error (§8.2.3).
	Type IQType
	// Lang is the stanza's xml:lang (§8.1.5); empty if absent.
	Lang string
	// Payload is the one child element of a get or set, the optional one
	// of a result, or the request echoed in an error.
	Payload *Raw
	// Extra holds child elements beyond the first (other than <error/>).
	// A get or set with any is invalid and answered with bad-request
	// (§8.2.3).
	Extra []Raw
	// Error is the stanza error of an IQ of type error.
	Error *Error
}

// ResultReply returns the result answering the request iq (RFC 6120
// §8.2.3): the same id, to and from swapped, type result, and payload as
// its child (nil for none).
func (iq *IQ) ResultReply(payload *Raw) *IQ {
	return &IQ{ID: iq.ID, To: iq.From, From: iq.To, Type: IQResult, Payload: payload}
}

// ErrorReply returns the error answering the request iq (RFC 6120 §8.3.1):
// the same id, to and from swapped, type error, and e. The original
// payload, which the RFC allows but does not require, is not included.
func (iq *IQ) ErrorReply(e *Error) *IQ {
	return &IQ{ID: iq.ID, To: iq.From, From: iq.To, Type: IQError, Error: e}
}

// ErrorReply returns the error answering m (RFC 6120 §8.3.1): the same id,
// to and from swapped, type error, and e; the original content is not
// included.
func (m *Message) ErrorReply(e *Error) *Message {
	return &Message{ID: m.ID, To: m.From, From: m.To, Type: MessageError, Error: e}
}

// ErrorReply returns the error answering p (RFC 6120 §8.3.1): the same id,
// to and from swapped, type error, and e; the original content is not
// included.
func (p *Presence) ErrorReply(e *Error) *Presence {
	return &Presence{ID: p.ID, To: p.From, From: p.To, Type: PresenceError, Error: e}
}
