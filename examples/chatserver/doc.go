// Package chatserver is example code: a small but real XMPP
// client-to-server service (RFC 6120, RFC 6121) for one domain, built on
// package stream. It is what examples/server runs, what examples/demo
// starts in-process, and what examples/echobot and examples/prototest
// test against; read it as an example of a server built with this
// library, not as a product (it keeps no rosters, no offline messages,
// and no data across restarts).
//
// What it does:
//
//   - Negotiation: STARTTLS with a policy of none, optional or required
//     (RFC 6120 §5), with a given certificate or a self-signed one it
//     generates (SelfSigned); SASL with every mechanism of package
//     stream/sasl (§6) over SCRAM keys derived from the accounts'
//     passwords (Accounts); resource binding (§7), a new session for a
//     full JID replacing the old one, which gets the conflict stream
//     error (§7.7.2.2).
//   - Routing (RFC 6120 §10, RFC 6121 §8.5): every stanza's 'from' is
//     stamped with the sender's full JID (§8.1.2.1); messages to a bare
//     JID go to the available resources of highest non-negative priority
//     (§8.5.2.1.1), headlines to all of them; messages to a full JID to
//     that resource, or, for chat messages to a resource that is gone,
//     as to the bare JID (§8.5.3.2.1); the answer is service-unavailable
//     where RFC 6121 asks for it (no such account, no available
//     resource, a groupchat message to a user) and remote-server-not-found
//     for other domains (there is no server-to-server here).
//   - Presence (RFC 6121 §4): initial and later broadcast presence goes
//     to the account's available resources, the sender included; directed
//     presence reaches its addressee, which learns of the sender's
//     unavailability when its session ends (§4.6.3); subscription
//     requests reach the contact's available resources (no roster is
//     kept, so nothing is stored).
//   - IQ: the server answers XEP-0199 ping, XEP-0030 disco#info (identity
//     server/im; features disco#info, disco#items, ping) and disco#items,
//     and a roster get with an empty roster (RFC 6121 §2.1.3); any other
//     request to the server gets service-unavailable (RFC 6120 §8.4), a
//     get or set without exactly one payload bad-request (§8.2.3).
//
// # Slow clients
//
// Stanzas for a client wait in a bounded queue (Config.QueueSize), which
// a writer goroutine of the stream drains, writing what waits in batches
// (stream.Stream.SendAll), each bounded by Config.WriteTimeout. Whoever
// routes a stanza only queues it. When that fills the queue, the sender's
// own stream is not read from until the queue has room again: a client
// cannot send faster than its recipients read, and nothing is dropped. A
// client that stops reading delays the others at most WriteTimeout: a
// queue that stays full that long, or that passes four times QueueSize
// with the stanzas of many senders, ends its client's session with the
// policy-violation stream error, and a write that times out ends its
// stream (abortively: its socket is reset). The writer runs only while
// stanzas wait, and the queue holds memory only while it holds them, so
// an idle session costs one goroutine (the one reading its stream, on a
// 4 KiB stack) and the Stream itself: about 9.5 KiB in all.
//
// # Shutdown
//
// Shutdown ends every stream with the system-shutdown stream error
// (RFC 6120 §4.9.3.22) and waits for the connections to end.
//
// Entry points:
//
//   - New makes a Server from a Config; Serve serves a net.Listener,
//     ServeConn one connection (a pipe in tests); Shutdown ends it.
//   - Accounts, NewAccounts and ParseAccounts hold the users and their
//     SCRAM keys.
//   - SelfSigned makes a certificate for a domain.
package chatserver
