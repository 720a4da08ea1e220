// Package sasl implements the SASL mechanisms of an XMPP stream (RFC 6120
// §6, RFC 4422) for both roles: PLAIN (RFC 4616), SCRAM-SHA-1 (RFC 5802),
// SCRAM-SHA-256 (RFC 7677) and their -PLUS variants with channel binding
// (RFC 5802 §6) of type tls-exporter (RFC 9266) or tls-server-end-point
// (RFC 5929 §4).
//
// The package computes SASL messages and nothing else: it does no XML and
// no I/O. Its messages are raw bytes, which the stream layer base64-encodes
// into <auth/>, <challenge/>, <response/> and <success/> (RFC 6120 §6.4),
// and its failures are the conditions of RFC 6120 §6.5, which the stream
// layer writes as <failure/>.
//
// # Client
//
// Select picks the strongest mechanism both sides allow, in the order
// SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS, SCRAM-SHA-256, SCRAM-SHA-1,
// PLAIN; it never picks PLAIN without TLS unless
// ClientConfig.AllowPlainWithoutTLS says so, and reports ErrNoMechanism
// when nothing is acceptable. NewClient does the same and returns the
// Client that runs the exchange: Start for the initial response, Next for
// each challenge, Success for the data of <success/>, where a SCRAM client
// checks the server's signature (ErrServerSignature).
//
// The SCRAM client sends the GS2 flag RFC 5802 §6 asks for: "p=" with a
// -PLUS mechanism, "y" when it could bind to the TLS channel but the
// server offered no -PLUS mechanism (so a server that does offer them
// detects that someone stripped them), "n" otherwise. It prefers
// tls-exporter, then tls-server-end-point, and uses a -PLUS mechanism only
// with a type the server announced with XEP-0440
// (ClientConfig.ServerChannelBindings): deployed servers offer -PLUS with
// tls-unique only (which TLS 1.3 lacks and this package does not
// implement) without announcing it, and against them the client
// authenticates with SCRAM without channel binding and the flag "n",
// which tells the server that the client supports none of its types.
// Stripping the announcement is therefore a downgrade that only the
// integrity of the TLS channel itself (certificate verification) prevents.
//
// # Server
//
// NewServer returns the Server for the mechanism in the client's <auth/>,
// or a *Failure if it is not offered. ServerConfig.Mechanisms is the list
// to advertise: -PLUS mechanisms only over TLS with a channel-binding type
// available, PLAIN only over TLS unless AllowPlainWithoutTLS.
// ServerConfig.ChannelBindings is the list of types to announce with
// XEP-0440. Server.Next consumes each client message and returns the next
// challenge, or done with the data for <success/>, or a *Failure.
//
// The server never needs a plaintext password: ServerConfig.Lookup returns
// the account's Credentials, the salted SCRAM keys (StoredKey, ServerKey,
// salt, iteration count) per hash function that NewCredentials derives
// from a password once. SCRAM runs from them directly, and PLAIN is
// verified by recomputing StoredKey from the password it carries, so one
// store serves every mechanism. Secrets are compared in constant time
// (crypto/subtle). Unknown users get made-up SCRAM parameters and fail
// like a wrong password. The server checks what RFC 5802 requires: the
// nonce prefix, the GS2 header echoed in c=, the channel-binding data
// against its own, the "y" flag when it offers -PLUS (downgrade), and
// the grammar of every message (MalformedRequest, never a panic).
//
// A Server serves one attempt. Bounding the number of attempts on a
// stream (RFC 6120 §6.4.5) is the stream layer's job; DefaultMaxAttempts
// is a default for it.
//
// # Normalization
//
// RFC 5802 §2.2 prepares passwords (and §5.1 usernames) with SASLprep
// (RFC 4013). RFC 7613 obsoleted SASLprep in favour of the PRECIS
// OpaqueString profile (now RFC 8265 §4.2), which is what current servers
// apply and what this package applies to usernames and passwords on both
// sides (golang.org/x/text/secure/precis). Both leave ASCII unchanged, so
// the RFC test vectors and ASCII passwords interoperate everywhere. They
// differ on some non-ASCII text: SASLprep's NFKC folds compatibility
// characters (a ligature such as U+FB01 becomes "fi") that OpaqueString's
// NFC keeps, so such a password set through a SASLprep server may not
// match. OpaqueString also refuses empty strings and control characters.
// Authorization identities are not prepared: they are JIDs, which the
// stream layer parses.
//
// # Channel binding
//
// tls-exporter (RFC 9266 §2) is 32 bytes of exported keying material with
// the label "EXPORTER-Channel-Binding" and a zero-length context; crypto/tls
// provides it for TLS 1.3 and for TLS 1.2 with the Extended Master Secret
// only, as RFC 9266 §3 requires. tls-server-end-point (RFC 5929 §4.1) is
// the hash of the server's leaf certificate with the hash of its signature
// algorithm (SHA-256 for MD5 and SHA-1); the client takes the certificate
// from the ConnectionState, the server from ServerConfig.Certificate.
// tls-unique is not implemented (undefined for TLS 1.3).
//
// # Entry points
//
//   - Select: the strongest acceptable mechanism from the server's list.
//   - NewClient: a Client for the initiating entity.
//   - NewServer: a Server for the receiving entity.
//   - ServerConfig.Mechanisms, ServerConfig.ChannelBindings: what the
//     receiving entity advertises.
//   - NewCredentials, NewSCRAMKeys: stored credentials from a password.
//   - ExporterBinding, EndPointBinding: channel-binding data.
//   - Failure, Condition: RFC 6120 §6.5 failures as Go errors.
package sasl
