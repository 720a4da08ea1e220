// Package stanza is the XML layer of an XMPP stream and its stanza model:
// it reads the stream's XML into typed values and writes them back as
// bytes.
//
// It implements, from RFC 6120: the stream header and closing tag (§4.2,
// §4.4, §4.7, §4.8), the common stanza attributes (§8.1), the message,
// presence and iq semantics needed to model them (§8.2), stanza errors
// (§8.3) and the restricted XML profile XMPP uses (§11: UTF-8 only, no
// comments, processing instructions, DTDs or entity references beyond
// the predefined ones). From RFC 6121: presence children show, status
// and priority (§4.7) and message children subject, body and thread
// (§5.2).
//
// Entry points:
//
//   - Decoder reads a stream: its header, each first-level element as a
//     typed value, and io.EOF at the closing tag, within Limits.
//   - Encoder writes a stream: the header, each element as one Write, the
//     closing tag; AppendElement and AppendHeader build the same bytes in
//     a caller's buffer.
//   - Message, Presence and IQ are the three stanzas, with the common
//     attributes as typed fields and every child the model does not type
//     kept as a Raw.
//   - Error is a stanza error (RFC 6120 §8.3) and a Go error that
//     errors.Is matches by Condition.
//   - Raw is any other element, namespace-complete, decodable with
//     encoding/xml and written back unchanged; ParseRaw and NewRaw build
//     one.
//
// # Wire form
//
// The Encoder writes no whitespace between elements and single-quoted
// attributes in a fixed order (from, id, to, type, xml:lang), escaping
// & < > in text and & < > ' " tab newline carriage-return in attributes,
// and refuses, with ErrInvalidChar and without writing anything, any
// string holding a character XML 1.0 cannot carry or bytes that are not
// UTF-8. The children of each stanza are written in a fixed order, the
// stanza error last; see the AppendXML methods. Output is therefore
// stable, byte for byte, for a given value.
//
// # encoding/xml
//
// Message, Presence, IQ, Error and Raw implement xml.Marshaler and
// xml.Unmarshaler, so they work with xml.Marshal and xml.Unmarshal and as
// fields of other types; Raw.Decode unmarshals an extension payload into
// a user type.
//
// # Concurrency
//
// A Decoder and an Encoder each belong to one goroutine at a time; neither
// starts goroutines. The model types are plain values: share them as you
// would any struct. AppendElement and the AppendXML methods may be called
// concurrently on values that are not being modified.
package stanza
