// Package jid implements XMPP addresses (JIDs) as defined in RFC 7622,
// "Extensible Messaging and Presence Protocol (XMPP): Address Format",
// including verified erratum 4560, and the JID escaping of XEP-0106.
//
// A JID has the form [localpart@]domainpart[/resourcepart]. Parse splits a
// string into these parts (RFC 7622 §3.1) and enforces the rules of each:
//
//   - the localpart (§3.3) with the PRECIS UsernameCaseMapped profile
//     (RFC 8265 §3.3): width mapping, lowercase, NFC, the Bidi rule, then
//     the prohibition of the characters " & ' / : < > @;
//   - the domainpart (§3.2): one trailing dot is stripped; an IPv4 address
//     is kept; an IP literal in brackets (RFC 3986 §3.2.2) is checked, and
//     an IPv6 address is rewritten in its RFC 5952 form so that each
//     address has one JID; any other domainpart is an internationalized
//     domain name, processed with IDNA2008 (RFC 5890–5893) using the UTS #46
//     mapping for lookup (non-transitional, STD3 rules, hyphen, joiner and
//     Bidi checks, DNS lengths) and returned as lowercase U-labels, A-labels
//     being converted; code points that UTS #46 accepts but IDNA2008 does
//     not (RFC 5892: symbols, punctuation, contextual rules of its
//     Appendix A) are rejected;
//   - the resourcepart (§3.4) with the PRECIS OpaqueString profile
//     (RFC 8265 §4.2): non-ASCII spaces become U+0020, NFC, case kept.
//
// Each part must be 1 to 1023 octets long after enforcement; a separator
// with an empty part next to it ("@example.com", "example.com/", "juliet@")
// is an error.
//
// Entry points:
//
//   - Parse enforces a string and returns its JID; input that is already
//     canonical ASCII takes a fast path that does not allocate.
//   - MustParse is Parse for addresses fixed in programs and tests.
//   - New builds a JID from its three parts.
//   - JID is a small comparable value: == compares addresses; its methods
//     return the parts, the bare JID and the domain, and marshal it as
//     text and as an XML attribute (the empty JID as no attribute).
//   - Error, with the sentinels ErrLocalpart, ErrDomainpart,
//     ErrResourcepart, ErrEmptyLocalpart, ErrEmptyDomainpart,
//     ErrEmptyResourcepart and ErrTooLong, says which part is invalid and
//     why.
//   - EscapeLocal and UnescapeLocal implement XEP-0106 JID escaping, for
//     building localparts from text that contains characters localparts
//     cannot hold, and for displaying them.
//
// Parse and New do not unescape: `d\27artagnan` is a localpart of its own,
// and JIDs are compared in their escaped form (XEP-0106 §4.1).
package jid
