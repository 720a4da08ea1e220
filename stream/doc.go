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
//   - (*Stream).Send writes one, atomically, from any goroutine
//     (concurrent Sends share one Write); SendAll writes several with
//     one; SendKeepalive writes a whitespace keepalive (§4.6.1).
//   - (*Stream).Close runs the close handshake (§4.4); CloseWithError
//     sends a stream error (§4.9) and closes.
//   - (*Stream).SendIQ sends an IQ request and returns its reply (RFC 6120
//     §8.2.3), matched by id and responder.
//   - (*Stream).Serve runs the read loop and hands stanzas to a Handler;
//     Mux routes them by kind, IQ type and payload, and answers what
//     nobody handles (§8.4).
//   - Header, PeerHeader and ID give both sides' header attributes.
//   - Feature, Matcher, Advert, Result and Negotiation are the
//     negotiation mechanism (§4.3) that STARTTLS, SASL and resource
//     binding plug into.
//   - StartTLS, SASL, SASLChannelBinding, Bind and Session are those
//     features (RFC 6120 §5–§7, XEP-0440), each for both roles;
//     ClientFeatures and ServerFeatures assemble them, and TLSPolicy says
//     whether TLS is required, optional or off.
//   - Dial and OpenClient log a client in: TCP or direct TLS, STARTTLS,
//     SASL, resource binding; Bound returns the full JID bound.
//   - Event and Direction are what the trace hook sees.
//   - LocalError, ErrClosed, ErrNotOffered, ErrBacklog and ErrReplied are
//     the errors of our own; a stream error from the peer is a
//     *streamerror.Error.
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
// through hooks (hooks.go) where the IQ tracker diverts replies to
// their waiters before Next returns them, and stream management
// (XEP-0198) can count stanzas. The trace hook reports bytes per Read
// and per Write, and lets features mark secrets (SASL) as redacted.
//
// # Memory
//
// An idle stream holds no read or write buffer: the Decoder hands its
// buffer to a pool once it has consumed what it read, and over a
// connection with a file descriptor (TCP, Unix sockets) the Stream waits
// for input through syscall.RawConn, taking a buffer only when there is
// something to read; Next waits that way before it goes down into the
// Decoder, so that the goroutine parked in it needs little stack, which
// the runtime then shrinks. An idle authenticated stream of
// examples/server costs about 9.5 KiB of heap and stack. Write buffers
// are taken from a pool for each write. TLS streams keep their read
// buffer, and crypto/tls its own.
//
// Next, Send and the rest start no goroutines; the two that do are
// SendIQ and Serve, as described below. Interrupting blocked I/O when a
// ctx ends uses context.AfterFunc, whose function interrupts only the
// call in progress under that ctx; the registration is kept from one
// call to the next while they share a ctx (a Next or Serve loop costs
// no allocation for it), and dropped when the stream ends.
//
// # IQ requests and replies
//
// Each Stream tracks the requests SendIQ sent with a stanza.Tracker,
// keyed by id and expected responder (RFC 6120 §8.1.2, §10): a request
// to X is answered from X; a request with no 'to', or to the account's
// bare JID, by the account's server, with no 'from', the bare JID or the
// domain. The account is the JID resource binding bound (Bound), else
// Config.From. The receiving entity of a client's stream instead counts
// a missing 'to' or 'from' as the bound client's, because the server
// stamps that address on everything the client sends (§8.1.2.1). A
// result or error that matches nothing is not a reply: Next and Serve
// return it as an ordinary stanza. The request is registered before it
// is written. When the stream ends, every waiting SendIQ returns with
// the stream's error: io.EOF, the peer's *streamerror.Error, a
// *LocalError, ErrClosed.
//
// Ids SendIQ fills in are a per-stream counter encrypted with AES-128
// under a key drawn once from Config.Rand: unique on the stream, and
// unpredictable, even to someone who has seen earlier ones, at the
// cost of one block encryption and one 22-byte string per request.
//
// Replies come through whoever reads. Reading belongs to one goroutine
// at a time (the read lock); SendIQ never waits for a reader that may
// never come: when nobody reads, it reads in Next's stead, handing every
// reply to its waiter and keeping everything else, in order, for Next
// or Serve — at most MaxBacklog elements, past which it fails with
// ErrBacklog rather than hold more. A read cannot be broken off
// half-way without ending the stream, so SendIQ reads in the calling
// goroutine only when its ctx cannot be cancelled; otherwise it starts
// one goroutine that reads for all waiting calls until it reads an
// element that is no reply while none waits, until a Next or Serve asks
// for the lock, or until the stream ends. Close waits for it. A Next
// that comes while it reads takes what it read, and may give up on its
// ctx without harm to the stream.
//
// # Serving
//
// Serve runs the read loop in the caller's goroutine and hands what it
// reads to a Handler: IQ requests to ServeIQ, each in a goroutine of its
// own (at most Config.MaxHandlers at once, idle ones kept until Serve
// returns, ServeQueue more waiting), whose answer Serve sends; the rest
// to ServeElement, in arrival order, from one goroutine (ServeQueue read
// ahead). When a queue is full, Serve stops reading until a handler
// takes from it: the transport's backpressure, as a server that handles
// a stream's stanzas in order has; nothing is refused. The loop itself
// never runs user code and never writes, so a handler may Send, and
// SendIQ and wait, without deadlock, and a handler blocked in a write
// does not stop the reading. While Serve waits for a handler, a
// handler's SendIQ reads in its stead, as above; should the reply lie
// beyond MaxBacklog elements that nobody takes (the peer pipelined more
// requests than MaxHandlers + ServeQueue + MaxBacklog before answering
// ours), that SendIQ fails with ErrBacklog rather than the stream hold
// more.
//
// So a stream holds at most 2×ServeQueue + MaxHandlers + MaxBacklog
// stanzas, each within Limits.MaxStanzaSize, and runs at most
// MaxHandlers + 2 goroutines besides the caller's (the handlers, the
// ordered one, SendIQ's reader); Serve's have ended when it returns.
//
// Serve answers on its own what RFC 6120 makes the recipient answer: a
// get or set with no child or more than one, or of a type none of the
// four, with bad-request (§8.2.3); one with an invalid address with the
// error its BadStanzaError carries; and, through Mux, one nobody handles
// with service-unavailable (§8.4). An IQ without an 'id' violates §8.1.3
// ("REQUIRED"), and no answer can be matched to it. We do not end the
// stream for it (invalid-xml, §4.9.3.11, would fit), since one bad
// stanza does not make the stream unusable; a get or set is answered
// bad-request without an id, as deployed servers do, so that its sender
// learns why; a result or error without an id is handed to
// ServeElement like any unmatched one.
package stream
