package stanza

// Values that repeat on every stream are returned as constants instead of
// being copied into a stanza's backing array. A switch on string(b) does
// not allocate. The interning functions return an index into decInterned
// (0: not interned), so that the values being built hold no pointers and
// are written without write barriers.

// decInterned holds the interned strings; index 0 is none. It has room
// for any uint8 index, so that indexing it needs no bounds check.
var decInterned = [256]string{
	"",
	"chat",                                   // 1
	"error",                                  // 2
	"groupchat",                              // 3
	"headline",                               // 4
	"normal",                                 // 5
	"get",                                    // 6
	"set",                                    // 7
	"result",                                 // 8
	"probe",                                  // 9
	"subscribe",                              // 10
	"subscribed",                             // 11
	"unavailable",                            // 12
	"unsubscribe",                            // 13
	"unsubscribed",                           // 14
	"auth",                                   // 15
	"cancel",                                 // 16
	"continue",                               // 17
	"modify",                                 // 18
	"wait",                                   // 19
	"away",                                   // 20
	"dnd",                                    // 21
	"xa",                                     // 22
	"en",                                     // 23
	"1.0",                                    // 24
	NSClient,                                 // 25
	NSServer,                                 // 26
	NSStream,                                 // 27
	NSStanzaErr,                              // 28
	decNSComponent,                           // 29
	"urn:ietf:params:xml:ns:xmpp-tls",        // 30
	"urn:ietf:params:xml:ns:xmpp-sasl",       // 31
	"urn:ietf:params:xml:ns:xmpp-bind",       // 32
	"urn:ietf:params:xml:ns:xmpp-session",    // 33
	"urn:ietf:params:xml:ns:xmpp-streams",    // 34
	"jabber:iq:roster",                       // 35
	"jabber:iq:version",                      // 36
	"jabber:iq:last",                         // 37
	"jabber:iq:private",                      // 38
	"jabber:x:data",                          // 39
	"jabber:x:oob",                           // 40
	"jabber:x:conference",                    // 41
	"vcard-temp",                             // 42
	"vcard-temp:x:update",                    // 43
	"http://jabber.org/protocol/caps",        // 44
	"http://jabber.org/protocol/chatstates",  // 45
	"http://jabber.org/protocol/disco#info",  // 46
	"http://jabber.org/protocol/disco#items", // 47
	"http://jabber.org/protocol/muc",         // 48
	"http://jabber.org/protocol/muc#user",    // 49
	"http://jabber.org/protocol/nick",        // 50
	"http://jabber.org/protocol/pubsub",      // 51
	"http://jabber.org/protocol/pubsub#event", // 52
	"http://jabber.org/protocol/xhtml-im",     // 53
	"urn:xmpp:ping",                           // 54
	"urn:xmpp:receipts",                       // 55
	"urn:xmpp:delay",                          // 56
	"urn:xmpp:time",                           // 57
	"urn:xmpp:hints",                          // 58
	"urn:xmpp:sid:0",                          // 59
	"urn:xmpp:forward:0",                      // 60
	"urn:xmpp:carbons:2",                      // 61
	"urn:xmpp:mam:2",                          // 62
	"urn:xmpp:sm:3",                           // 63
	"urn:xmpp:chat-markers:0",                 // 64
	"urn:xmpp:message-correct:0",              // 65
	"urn:xmpp:avatar:metadata",                // 66
	"urn:xmpp:idle:1",                         // 67
	"jabber:server:dialback",                  // 68
	"urn:xmpp:features:dialback",              // 69
	"urn:xmpp:features:rosterver",             // 70
	"features",                                // 71
	"starttls",                                // 72
	"proceed",                                 // 73
	"failure",                                 // 74
	"mechanisms",                              // 75
	"challenge",                               // 76
	"response",                                // 77
	"success",                                 // 78
	"abort",                                   // 79
	"bind",                                    // 80
	"session",                                 // 81
	"query",                                   // 82
	"c",                                       // 83
	"x",                                       // 84
	"active",                                  // 85
	"composing",                               // 86
	"paused",                                  // 87
	"inactive",                                // 88
	"gone",                                    // 89
	"request",                                 // 90
	"received",                                // 91
	"ping",                                    // 92
	"delay",                                   // 93
	"html",                                    // 94
	"nick",                                    // 95
	"r",                                       // 96
	"a",                                       // 97
	"enable",                                  // 98
	"enabled",                                 // 99
	"resume",                                  // 100
	"resumed",                                 // 101
	"stanza-id",                               // 102
	"origin-id",                               // 103
	"forwarded",                               // 104
	"item",                                    // 105
	"event",                                   // 106
	"pubsub",                                  // 107
	"vCard",                                   // 108
	"time",                                    // 109
	"text",                                    // 110
	"bad-request",                             // 111
	"conflict",                                // 112
	"feature-not-implemented",                 // 113
	"forbidden",                               // 114
	"internal-server-error",                   // 115
	"item-not-found",                          // 116
	"jid-malformed",                           // 117
	"not-acceptable",                          // 118
	"not-allowed",                             // 119
	"not-authorized",                          // 120
	"policy-violation",                        // 121
	"recipient-unavailable",                   // 122
	"redirect",                                // 123
	"registration-required",                   // 124
	"remote-server-not-found",                 // 125
	"remote-server-timeout",                   // 126
	"resource-constraint",                     // 127
	"service-unavailable",                     // 128
	"subscription-required",                   // 129
	"undefined-condition",                     // 130
	"unexpected-request",                      // 131
}

// decInternValue interns attribute values and short texts: stanza and
// error types, show values, common languages.
func decInternValue(b []byte) uint8 {
	switch string(b) {
	case "chat":
		return 1
	case "error":
		return 2
	case "groupchat":
		return 3
	case "headline":
		return 4
	case "normal":
		return 5
	case "get":
		return 6
	case "set":
		return 7
	case "result":
		return 8
	case "probe":
		return 9
	case "subscribe":
		return 10
	case "subscribed":
		return 11
	case "unavailable":
		return 12
	case "unsubscribe":
		return 13
	case "unsubscribed":
		return 14
	case "auth":
		return 15
	case "cancel":
		return 16
	case "continue":
		return 17
	case "modify":
		return 18
	case "wait":
		return 19
	case "away":
		return 20
	case "dnd":
		return 21
	case "xa":
		return 22
	case "en":
		return 23
	case "1.0":
		return 24
	}
	return 0
}

// decInternNS interns namespace names.
func decInternNS(b []byte) uint8 {
	switch string(b) {
	case NSClient:
		return 25
	case NSServer:
		return 26
	case NSStream:
		return 27
	case NSStanzaErr:
		return 28
	case decNSComponent:
		return 29
	case "urn:ietf:params:xml:ns:xmpp-tls":
		return 30
	case "urn:ietf:params:xml:ns:xmpp-sasl":
		return 31
	case "urn:ietf:params:xml:ns:xmpp-bind":
		return 32
	case "urn:ietf:params:xml:ns:xmpp-session":
		return 33
	case "urn:ietf:params:xml:ns:xmpp-streams":
		return 34
	case "jabber:iq:roster":
		return 35
	case "jabber:iq:version":
		return 36
	case "jabber:iq:last":
		return 37
	case "jabber:iq:private":
		return 38
	case "jabber:x:data":
		return 39
	case "jabber:x:oob":
		return 40
	case "jabber:x:conference":
		return 41
	case "vcard-temp":
		return 42
	case "vcard-temp:x:update":
		return 43
	case "http://jabber.org/protocol/caps":
		return 44
	case "http://jabber.org/protocol/chatstates":
		return 45
	case "http://jabber.org/protocol/disco#info":
		return 46
	case "http://jabber.org/protocol/disco#items":
		return 47
	case "http://jabber.org/protocol/muc":
		return 48
	case "http://jabber.org/protocol/muc#user":
		return 49
	case "http://jabber.org/protocol/nick":
		return 50
	case "http://jabber.org/protocol/pubsub":
		return 51
	case "http://jabber.org/protocol/pubsub#event":
		return 52
	case "http://jabber.org/protocol/xhtml-im":
		return 53
	case "urn:xmpp:ping":
		return 54
	case "urn:xmpp:receipts":
		return 55
	case "urn:xmpp:delay":
		return 56
	case "urn:xmpp:time":
		return 57
	case "urn:xmpp:hints":
		return 58
	case "urn:xmpp:sid:0":
		return 59
	case "urn:xmpp:forward:0":
		return 60
	case "urn:xmpp:carbons:2":
		return 61
	case "urn:xmpp:mam:2":
		return 62
	case "urn:xmpp:sm:3":
		return 63
	case "urn:xmpp:chat-markers:0":
		return 64
	case "urn:xmpp:message-correct:0":
		return 65
	case "urn:xmpp:avatar:metadata":
		return 66
	case "urn:xmpp:idle:1":
		return 67
	case "jabber:server:dialback":
		return 68
	case "urn:xmpp:features:dialback":
		return 69
	case "urn:xmpp:features:rosterver":
		return 70
	}
	return 0
}

// decInternLocal interns element local names: common payloads and the
// stanza error conditions (RFC 6120 §8.3.3).
func decInternLocal(b []byte) uint8 {
	switch string(b) {
	case "features":
		return 71
	case "starttls":
		return 72
	case "proceed":
		return 73
	case "failure":
		return 74
	case "mechanisms":
		return 75
	case "auth":
		return 15
	case "challenge":
		return 76
	case "response":
		return 77
	case "success":
		return 78
	case "abort":
		return 79
	case "bind":
		return 80
	case "session":
		return 81
	case "query":
		return 82
	case "c":
		return 83
	case "x":
		return 84
	case "active":
		return 85
	case "composing":
		return 86
	case "paused":
		return 87
	case "inactive":
		return 88
	case "gone":
		return 89
	case "request":
		return 90
	case "received":
		return 91
	case "ping":
		return 92
	case "delay":
		return 93
	case "html":
		return 94
	case "nick":
		return 95
	case "r":
		return 96
	case "a":
		return 97
	case "enable":
		return 98
	case "enabled":
		return 99
	case "resume":
		return 100
	case "resumed":
		return 101
	case "stanza-id":
		return 102
	case "origin-id":
		return 103
	case "forwarded":
		return 104
	case "result":
		return 8
	case "item":
		return 105
	case "event":
		return 106
	case "pubsub":
		return 107
	case "vCard":
		return 108
	case "time":
		return 109
	case "error":
		return 2
	case "text":
		return 110
	case "bad-request":
		return 111
	case "conflict":
		return 112
	case "feature-not-implemented":
		return 113
	case "forbidden":
		return 114
	case "internal-server-error":
		return 115
	case "item-not-found":
		return 116
	case "jid-malformed":
		return 117
	case "not-acceptable":
		return 118
	case "not-allowed":
		return 119
	case "not-authorized":
		return 120
	case "policy-violation":
		return 121
	case "recipient-unavailable":
		return 122
	case "redirect":
		return 123
	case "registration-required":
		return 124
	case "remote-server-not-found":
		return 125
	case "remote-server-timeout":
		return 126
	case "resource-constraint":
		return 127
	case "service-unavailable":
		return 128
	case "subscription-required":
		return 129
	case "undefined-condition":
		return 130
	case "unexpected-request":
		return 131
	}
	return 0
}
