// Package stream implements XMPP's XML streams, RFC 6120 §4: a Stream is
// one XML stream over an io.ReadWriter, in either role, from the header
// exchange to the closing tag.
//
// Entry points:
//
//   - Open opens a stream as the initiating entity (§4.2): header, the
//     receiver's header, <stream:features/>, feature negotiation.
//   - Accept accepts a stream as the receiving entity: it checks the
//     initiator's header (§4.7–§4.8), answers with its own and a fresh
//     stream ID, advertises and negotiates features.
//   - Config holds the domains served, the addresses and language of the
//     header, the content namespace, the Decoder limits, the features,
//     the trace hook and the close timeout.
//   - (*Stream).Next reads the next first-level element (a
//     *stanza.Message, *stanza.Presence, *stanza.IQ or *stanza.Raw).
//   - (*Stream).Send writes one, atomically, from any goroutine;
//     SendKeepalive writes a whitespace keepalive (§4.6.1).
//   - (*Stream).Close runs the close handshake (§4.4); CloseWithError
//     sends a stream error (§4.9) and closes.
//   - Header, PeerHeader and ID give both sides' header attributes.
//   - Feature, Matcher, Advert, Result and Negotiation are the
//     negotiation mechanism (§4.3) that STARTTLS, SASL and resource
//     binding plug into.
//   - Event and Direction are what the trace hook sees.
//   - LocalError, ErrClosed and ErrNotOffered are the errors of our own;
//     a stream error from the peer is a *streamerror.Error.
//
// # Errors reach the wire
//
// Whenever this side finds the peer in violation — in a header (§4.7–§4.8)
// or in any later element, as the stanza.Decoder reports it (§11, limits)
// — the Stream writes its own header first if it has not yet (§4.9.1.2),
// then <stream:error/> with the condition, then </stream:stream>, all in
// one Write; then it closes the transport and returns a *LocalError
// carrying the *streamerror.Error it sent. It does not wait for the
// peer's closing tag after a stream error: the stream is void
// (§4.9.1.1). The plain Close does wait, a bounded time (§4.4).
//
// # Roles and namespaces
//
// Nothing here assumes client-to-server: the content namespace is
// Config.NS (jabber:client by default, jabber:server for server-to-server,
// jabber:component:accept for components), and the header rules are the
// ones §4.7 states for every stream. Resource binding, dialback and
// component handshakes are features.
//
// # Negotiation
//
// A Feature reports, for the stream's current state, whether it applies,
// whether it is required, and the child it adds to <stream:features/>
// (Advertise); Negotiate then runs it in either role and reports whether
// the stream restarts (§4.3.3), possibly over a new transport. So
// STARTTLS swaps the transport and restarts; SASL restarts on the same
// transport; resource binding completes without restart; and the
// receiving entity advertises, after each restart, exactly the features
// the state calls for (Negotiation.Negotiated tells what is done).
//
// # Design notes
//
// Framing is behind an internal seam (framing.go): the header, elements,
// features, keepalives and closing tag are produced and read there, so
// XMPP over WebSocket (RFC 7395) can replace RFC 6120's one-document
// framing without touching the rest. Inbound and outbound elements pass
// through hooks (hooks.go) where an IQ tracker can divert replies to
// their waiters before Next returns them, and stream management
// (XEP-0198) can count stanzas. The trace hook reports bytes per Read
// and per Write, and lets features mark secrets (SASL) as redacted.
//
// The Stream starts no goroutines. Interrupting blocked I/O when a ctx
// ends uses context.AfterFunc, whose function runs only once the ctx is
// done and is waited for before the interrupted call returns.
package stream
