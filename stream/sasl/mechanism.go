package sasl

import (
	"crypto/sha1"
	"crypto/sha256"
	"hash"
	"slices"
)

// Mechanism is a SASL mechanism name as registered with IANA (RFC 4422
// §3.1) and sent in <mechanism/> and in the mechanism attribute of <auth/>
// (RFC 6120 §6.4.1, §6.4.2).
type Mechanism string

// The mechanisms this package implements, strongest first.
const (
	// ScramSHA256Plus is SCRAM-SHA-256 with channel binding (RFC 7677,
	// RFC 5802 §6).
	ScramSHA256Plus Mechanism = "SCRAM-SHA-256-PLUS"
	// ScramSHA1Plus is SCRAM-SHA-1 with channel binding (RFC 5802 §6).
	ScramSHA1Plus Mechanism = "SCRAM-SHA-1-PLUS"
	// ScramSHA256 is SCRAM with SHA-256 (RFC 7677).
	ScramSHA256 Mechanism = "SCRAM-SHA-256"
	// ScramSHA1 is SCRAM with SHA-1 (RFC 5802).
	ScramSHA1 Mechanism = "SCRAM-SHA-1"
	// Plain is the PLAIN mechanism (RFC 4616): the password in clear, so
	// only over TLS (RFC 4616 §6, RFC 6120 §13.8).
	Plain Mechanism = "PLAIN"
)

// strength lists the implemented mechanisms from strongest to weakest; the
// client picks the first one both sides allow, the server advertises them
// in this order.
var strength = [...]Mechanism{ScramSHA256Plus, ScramSHA1Plus, ScramSHA256, ScramSHA1, Plain}

// scramHash describes the hash function of a SCRAM family (RFC 5802 §2.2:
// H, HMAC and Hi are all built on it).
type scramHash struct {
	new  func() hash.Hash
	size int
}

var (
	hashSHA1   = &scramHash{new: sha1.New, size: sha1.Size}
	hashSHA256 = &scramHash{new: sha256.New, size: sha256.Size}
)

// scramInfo returns the hash of a SCRAM mechanism and whether it uses
// channel binding; h is nil for a mechanism that is not SCRAM.
func (m Mechanism) scramInfo() (h *scramHash, plus bool) {
	switch m {
	case ScramSHA256Plus:
		return hashSHA256, true
	case ScramSHA256:
		return hashSHA256, false
	case ScramSHA1Plus:
		return hashSHA1, true
	case ScramSHA1:
		return hashSHA1, false
	}
	return nil, false
}

// enabled reports whether m is in list, a nil list enabling everything.
func enabled(list []Mechanism, m Mechanism) bool {
	return list == nil || slices.Contains(list, m)
}
