package jid

// STUB: a naive placeholder so dependent packages compile; the jid helper
// replaces this file with the RFC 7622 implementation. The API is fixed.

import (
	"errors"
	"strings"
)

// JID is an XMPP address, RFC 7622: [localpart@]domainpart[/resourcepart].
// It is a small comparable value holding the canonical form; two JIDs are
// == exactly when they are the same address. The zero value is the empty
// JID.
type JID struct {
	s     string // canonical form
	at    int32  // index of '@' in s, or -1... (stub: see helper)
	slash int32  // index of '/' in s, or len(s)
}

// Parse parses and enforces s (RFC 7622 §3).
func Parse(s string) (JID, error) {
	if s == "" {
		return JID{}, errors.New("jid: empty")
	}
	at, slash := int32(-1), int32(len(s))
	if i := strings.IndexByte(s, '/'); i >= 0 {
		slash = int32(i)
	}
	if i := strings.IndexByte(s[:slash], '@'); i >= 0 {
		at = int32(i)
	}
	return JID{s: s, at: at, slash: slash}, nil
}

// MustParse is Parse that panics on error; for constants in programs and tests.
func MustParse(s string) JID {
	j, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return j
}

// New builds a JID from its parts.
func New(localpart, domainpart, resourcepart string) (JID, error) {
	s := domainpart
	if localpart != "" {
		s = localpart + "@" + s
	}
	if resourcepart != "" {
		s += "/" + resourcepart
	}
	return Parse(s)
}

// Localpart returns the localpart, or "".
func (j JID) Localpart() string {
	if j.at < 0 {
		return ""
	}
	return j.s[:j.at]
}

// Domainpart returns the domainpart.
func (j JID) Domainpart() string { return j.s[j.at+1 : j.slash] }

// Resourcepart returns the resourcepart, or "".
func (j JID) Resourcepart() string {
	if int(j.slash) >= len(j.s) {
		return ""
	}
	return j.s[j.slash+1:]
}

// String returns the canonical form.
func (j JID) String() string { return j.s }

// Bare returns the JID without its resourcepart.
func (j JID) Bare() JID { return JID{s: j.s[:j.slash], at: j.at, slash: j.slash} }

// Domain returns the domainpart alone as a JID.
func (j JID) Domain() JID {
	d := j.Domainpart()
	return JID{s: d, at: -1, slash: int32(len(d))}
}

// Equal reports whether j and k are the same address.
func (j JID) Equal(k JID) bool { return j == k }

// IsZero reports whether j is the empty JID.
func (j JID) IsZero() bool { return j.s == "" }
