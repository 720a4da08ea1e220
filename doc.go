// Package xmpp is the root of an embeddable library for XMPP streams
// (RFC 6120): the XML stream between two entities, the stanzas that flow
// over it, and the addresses they carry. It holds no code; the work is done
// by four small packages, each usable on its own:
//
//   - [github.com/xmppkit/xmpp/jid]: addresses, RFC 7622. A JID is a small
//     comparable value, parsed and normalised (PRECIS, IDNA) once.
//   - [github.com/xmppkit/xmpp/streamerror]: the <stream:error/> element
//     and every condition of RFC 6120 §4.9.3, as Go errors.
//   - [github.com/xmppkit/xmpp/stanza]: the stanza model (Message,
//     Presence, IQ, stanza errors of RFC 6120 §8.3) and the XML layer: a
//     strict Decoder for XMPP's restricted XML (RFC 6120 §11) and an Encoder.
//   - [github.com/xmppkit/xmpp/stream]: a Stream over any io.ReadWriter, in
//     either role: header exchange, feature negotiation and restarts, stream
//     errors that reach the wire, and the closing handshake.
//
// Data flows upward on reading and downward on writing:
//
//	io.ReadWriter ─▶ stanza.Decoder ─▶ *stanza.Message, *stanza.Presence,
//	                                    *stanza.IQ, *stanza.Raw, stream errors
//	                                  ─▶ stream.Stream.Next ─▶ your code
//	your code ─▶ stream.Stream.Send ─▶ stanza.Encoder ─▶ io.ReadWriter
//
// Imports point downward only: jid and streamerror are leaves, stanza uses
// both, stream uses all three. The library starts no goroutine behind your
// back, keeps no global state (only sync.Pools of buffers, so that idle
// streams hold none) and has no reconnect policy: it turns bytes
// into XMPP and back, and you compose it into clients, servers, components,
// bots and protocol tests.
package xmpp
