package jid

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/secure/precis"
)

const (
	// maxPart is the longest a part may be after enforcement, in octets
	// (RFC 7622 §3.2–§3.4).
	maxPart = 1023
	// maxInput bounds the work done on one part before enforcement. The
	// PRECIS mappings shrink text by at most a factor of three (width
	// folding, Hangul composition), so no part longer than this can
	// become a valid one; for domainparts, whose DNS form is at most 253
	// octets, the bound is generous.
	maxInput = 4 * maxPart
	// maxLabel and maxDomain are the DNS limits (RFC 1035 §2.3.4) on a
	// label and on a domain name without its trailing dot, in A-label form.
	maxLabel  = 63
	maxDomain = 253
)

// prohibitedLocal are the ASCII characters RFC 7622 §3.3.1 forbids in a
// localpart although PRECIS IdentifierClass allows them.
const prohibitedLocal = `"&'/:<>@`

// Character classes for the fast paths.
const (
	cLocal    = 1 << iota // canonical in a localpart: 0x21–0x7E but A–Z and prohibitedLocal
	cResource             // canonical in a resourcepart: 0x20–0x7E
	cLDH                  // canonical in a domain label: a–z, 0–9, '-'
	cDot                  // '.'
)

var class = func() (t [256]uint8) {
	for c := 0x20; c <= 0x7e; c++ {
		t[c] |= cResource
		if c != ' ' && !('A' <= c && c <= 'Z') && !strings.ContainsRune(prohibitedLocal, rune(c)) {
			t[c] |= cLocal
		}
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' {
			t[c] |= cLDH
		}
		if c == '.' {
			t[c] |= cDot
		}
	}
	return t
}()

// asciiLower returns s with A–Z mapped to a–z if every byte of s is an
// ASCII letter or in the class mask, and "" otherwise. It allocates only
// when s has uppercase letters, and is meant for short parts.
func asciiLower(s string, mask uint8) string {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			upper = true
		} else if class[c]&mask == 0 {
			return ""
		}
	}
	if !upper || len(s) > maxInput {
		return ""
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// localCanonical reports whether s is a non-empty localpart that
// UsernameCaseMapped enforcement would leave unchanged and that contains no
// prohibited character: lowercase printable ASCII. PRECIS IdentifierClass
// allows every printable ASCII character but space (RFC 8264 §9.11).
func localCanonical(s string) bool {
	if len(s) == 0 || len(s) > maxPart {
		return false
	}
	for i := 0; i < len(s); i++ {
		if class[s[i]]&cLocal == 0 {
			return false
		}
	}
	return true
}

// resourceCanonical reports whether s is a non-empty resourcepart that
// OpaqueString enforcement would leave unchanged: printable ASCII including
// space, anywhere (FreeformClass allows spaces; RFC 7622 erratum 4560).
func resourceCanonical(s string) bool {
	if len(s) == 0 || len(s) > maxPart {
		return false
	}
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		// Eight bytes at a time: a byte outside 0x20–0x7E has its high
		// bit set in x, x+1 or x-0x20; a carry or borrow between bytes
		// only comes from such a byte.
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		const lo, hi = 0x0101010101010101, 0x8080808080808080
		if (x|(x+lo)|(x-0x20*lo))&hi != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if class[s[i]]&cResource == 0 {
			return false
		}
	}
	return true
}

// domainCanonical reports whether s is a domainpart already in canonical
// form: an NR-LDH name in lowercase (no A-label, no trailing dot, DNS
// lengths respected) or a bracketed IPv6 address in RFC 5952 form.
func domainCanonical(s string) bool {
	if len(s) > 0 && s[0] == '[' {
		return ipv6Canonical(s)
	}
	if len(s) == 0 || len(s) > maxDomain {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			if class[s[i]]&cLDH == 0 {
				return false
			}
			continue
		}
		// s[start:i] is a label.
		n := i - start
		if n == 0 || n > maxLabel || s[start] == '-' || s[i-1] == '-' {
			return false
		}
		// "xn--" labels (A-labels) become U-labels; other labels with
		// hyphens in the third and fourth positions are invalid
		// (RFC 5891 §4.2.3.1). Both are left to the full path.
		if n >= 4 && s[start+2] == '-' && s[start+3] == '-' {
			return false
		}
		start = i + 1
	}
	return true
}

// ipv6Canonical reports whether s is "[addr]" where addr is an IPv6
// address without zone written as RFC 5952 prescribes.
func ipv6Canonical(s string) bool {
	if len(s) < 3 || s[len(s)-1] != ']' {
		return false
	}
	in := s[1 : len(s)-1]
	a, err := netip.ParseAddr(in)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return false
	}
	var buf [64]byte
	return string(a.AppendTo(buf[:0])) == in
}

var (
	errInvalidUTF8 = errors.New("invalid UTF-8")
	errEmptyLabel  = errors.New("empty label")
)

// enforceLocal applies RFC 7622 §3.3.2: the UsernameCaseMapped profile of
// PRECIS (RFC 8265 §3.3), then the prohibition of `"&'/:<>@` (§3.3.1).
func enforceLocal(s string, fast bool) (string, error) {
	if s == "" {
		return "", partError(PartLocal, s, ErrEmptyLocalpart)
	}
	if fast {
		if localCanonical(s) {
			return s, nil
		}
		// For ASCII, UsernameCaseMapped only maps A–Z to a–z.
		if l := asciiLower(s, cLocal); l != "" && localCanonical(l) {
			return l, nil
		}
	}
	if len(s) > maxInput {
		return "", partError(PartLocal, s, ErrTooLong)
	}
	if !utf8.ValidString(s) {
		return "", partError(PartLocal, s, errInvalidUTF8)
	}
	out, err := enforceStable(precis.UsernameCaseMapped, s)
	if err != nil {
		return "", partError(PartLocal, s, err)
	}
	if i := strings.IndexAny(out, prohibitedLocal); i >= 0 {
		return "", partError(PartLocal, s, fmt.Errorf("character %q not allowed (RFC 7622 §3.3.1)", out[i]))
	}
	if len(out) > maxPart {
		return "", partError(PartLocal, s, ErrTooLong)
	}
	return out, nil
}

// enforceResource applies RFC 7622 §3.4.2: the OpaqueString profile of
// PRECIS (RFC 8265 §4.2), which maps non-ASCII spaces to U+0020,
// normalizes to NFC and keeps case.
func enforceResource(s string, fast bool) (string, error) {
	if s == "" {
		return "", partError(PartResource, s, ErrEmptyResourcepart)
	}
	if fast && resourceCanonical(s) {
		return s, nil
	}
	if len(s) > maxInput {
		return "", partError(PartResource, s, ErrTooLong)
	}
	if !utf8.ValidString(s) {
		return "", partError(PartResource, s, errInvalidUTF8)
	}
	out, err := enforceStable(precis.OpaqueString, s)
	if err != nil {
		return "", partError(PartResource, s, err)
	}
	if len(out) > maxPart {
		return "", partError(PartResource, s, ErrTooLong)
	}
	return out, nil
}

// errUnstable reports a string that PRECIS enforcement does not map to a
// fixed point within a few rounds.
var errUnstable = errors.New("enforcement is not idempotent on this string")

// enforceStable applies p until the result no longer changes, so that
// enforcing a canonical part again is a no-op (Parse(j.String()) == j).
// PRECIS profiles are designed to be idempotent; this makes sure of it, at
// the cost of a second pass only when the first one changed something.
func enforceStable(p *precis.Profile, s string) (string, error) {
	out, err := p.String(s)
	if err == nil && out == s {
		return out, nil
	}
	for i := 0; err == nil && i < 4; i++ {
		var again string
		if again, err = p.String(out); err == nil && again == out {
			return out, nil
		}
		out = again
	}
	if err == nil {
		err = errUnstable
	}
	return "", err
}

// lookup is the IDNA2008 profile for domainparts (RFC 7622 §3.2.2): the
// UTS #46 mapping for lookup (case, width and compatibility mappings, as
// RFC 5895 suggests), non-transitional (ß and ς are kept), STD3 ASCII rules
// (letters, digits and hyphens only), hyphen and joiner checks, the Bidi
// rule and the DNS length limits.
var lookup = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.BidiRule(),
	idna.VerifyDNSLength(true),
)

// enforceDomain applies RFC 7622 §3.2: one trailing dot is stripped; an
// IPv4 address is kept; an IP literal in brackets is checked and written in
// canonical form; anything else must be an internationalized domain name,
// which is mapped and validated with IDNA2008 and returned as lowercase
// U-labels (A-labels are converted).
func enforceDomain(s string, fast bool) (string, error) {
	in := s
	// §3.2: "If the domainpart includes a final character considered to be
	// a label separator (dot) by [RFC1034], this character MUST be
	// stripped".
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	if s == "" {
		return "", partError(PartDomain, in, ErrEmptyDomainpart)
	}
	if fast {
		if domainCanonical(s) {
			return s, nil
		}
		// For ASCII, UTS #46 mapping only maps A–Z to a–z.
		if l := asciiLower(s, cLDH|cDot); l != "" && domainCanonical(l) {
			return l, nil
		}
	}
	if len(s) > maxInput {
		return "", partError(PartDomain, in, ErrTooLong)
	}
	if s[0] == '[' {
		out, err := ipLiteral(s)
		if err != nil {
			return "", partError(PartDomain, in, err)
		}
		return out, nil
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
		// IPv4address (RFC 3986 §3.2.2); netip accepts exactly the
		// dotted-decimal form without leading zeros, which is canonical.
		return s, nil
	}
	if !utf8.ValidString(s) {
		return "", partError(PartDomain, in, errInvalidUTF8)
	}
	a, err := lookup.ToASCII(s)
	if err != nil {
		return "", partError(PartDomain, in, domainCause(a, err))
	}
	if strings.HasSuffix(a, ".") {
		// A final U+3002, U+FF0E or U+FF61 is a label separator too:
		// UTS #46 maps it to '.'. Strip it like an ASCII one, but only one
		// final separator in all.
		if len(s) < len(in) {
			return "", partError(PartDomain, in, errEmptyLabel)
		}
		if a = a[:len(a)-1]; a == "" {
			return "", partError(PartDomain, in, ErrEmptyDomainpart)
		}
		if strings.HasSuffix(a, ".") {
			// Two final separators ("0.。"): an empty label remains.
			return "", partError(PartDomain, in, errEmptyLabel)
		}
	}
	u, err := lookup.ToUnicode(a)
	if err != nil {
		return "", partError(PartDomain, in, err)
	}
	if err := idna2008Labels(u); err != nil {
		return "", partError(PartDomain, in, err)
	}
	if len(u) > maxPart {
		return "", partError(PartDomain, in, ErrTooLong)
	}
	return u, nil
}

// errDNSLength reports a domain name beyond the DNS limits.
var errDNSLength = fmt.Errorf("%w: over 63 octets in a label or 253 in all, in A-label form", ErrTooLong)

// domainCause returns the IDNA error err, or errDNSLength when a, the
// (partial) A-label form, breaks a DNS length limit.
func domainCause(a string, err error) error {
	long := len(a) > maxDomain
	for a != "" && !long {
		label := a
		if i := strings.IndexByte(a, '.'); i >= 0 {
			label, a = a[:i], a[i+1:]
		} else {
			a = ""
		}
		long = len(label) > maxLabel
	}
	if long {
		return errDNSLength
	}
	return err
}

// ipLiteral checks an IP-literal (RFC 3986 §3.2.2, referenced by RFC 7622
// §3.2): "[" IPv6address "]" or "[" IPvFuture "]". IPv6 addresses are
// written in the RFC 5952 form so that one address has one JID; zone
// identifiers are not part of the grammar and are rejected. IPvFuture is
// checked against its grammar and lowercased (hosts are case-insensitive,
// RFC 3986 §6.2.2.1).
func ipLiteral(s string) (string, error) {
	if len(s) < 3 || s[len(s)-1] != ']' {
		return "", errors.New("IP literal not closed by ']'")
	}
	in := s[1 : len(s)-1]
	if in[0] == 'v' || in[0] == 'V' {
		if !ipFuture(in) {
			return "", errors.New("malformed IPvFuture literal")
		}
		return strings.ToLower(s), nil
	}
	a, err := netip.ParseAddr(in)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return "", errors.New("malformed IPv6 literal")
	}
	var buf [64]byte
	c := a.AppendTo(buf[:0])
	if string(c) == in {
		return s, nil
	}
	return "[" + string(c) + "]", nil
}

// ipFuture reports whether s matches
// "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ) (RFC 3986 §3.2.2).
func ipFuture(s string) bool {
	i := 1
	for i < len(s) && isHex(s[i]) {
		i++
	}
	if i == 1 || i >= len(s) || s[i] != '.' {
		return false
	}
	i++
	if i == len(s) {
		return false
	}
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
