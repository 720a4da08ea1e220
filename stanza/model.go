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

// Message types (RFC 6121 §5.2.2). The empty type is read as MessageNormal.
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
// with encoding/xml or written back unchanged.
type Raw struct {
	// Name is the element's expanded name (namespace URI and local name).
	Name xml.Name
	// XML is the element, start tag to end tag.
	XML []byte
}

// Message is a <message/> stanza, RFC 6120 §8.2.1 and RFC 6121 §5.
type Message struct {
	ID   string
	To   jid.JID
	From jid.JID
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
	ID   string
	To   jid.JID
	From jid.JID
	Type PresenceType
	Lang string
	Show Show
	// Status is the status in the stanza's language, or else the first;
	// Statuses follows the rule of Message.Bodies.
	Status   string
	Statuses []Text
	// Priority is the <priority/>, -128…127 (RFC 6121 §4.7.2.3); zero,
	// the default, is not written.
	Priority int8
	Error    *Error
	// Extensions holds every other child element, in document order.
	Extensions []Raw
}

// IQ is an <iq/> stanza, RFC 6120 §8.2.3.
type IQ struct {
	ID   string
	To   jid.JID
	From jid.JID
	Type IQType
	Lang string
	// Payload is the one child element of a get or set, the optional one
	// of a result, or the request echoed in an error.
	Payload *Raw
	// Extra holds child elements beyond the first (other than <error/>).
	// A get or set with any is invalid and answered with bad-request
	// (§8.2.3).
	Extra []Raw
	Error *Error
}
