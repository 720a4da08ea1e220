package jid

import (
	"errors"
	"math/bits"
	"strings"
)

// JID is an XMPP address, RFC 7622: [localpart@]domainpart[/resourcepart].
//
// A JID is a small comparable value holding the canonical (enforced) string
// form and the positions of its separators. Two JIDs are == exactly when
// they are the same address, so JIDs may be compared with == and used as map
// keys. The zero value is the empty JID: every accessor works on it and
// returns "" (or the empty JID).
type JID struct {
	s  string // canonical form
	lp uint16 // length of the localpart; when > 0, s[lp] is the '@'
	dp uint16 // end of the domainpart: index of the '/' or len(s)
}

// Parse splits s into its parts (RFC 7622 §3.1), enforces the rules of
// each part (§3.2–§3.4) and returns the resulting address in canonical form.
//
// Splitting follows §3.1: the resourcepart starts after the first '/'; the
// localpart ends at the first '@' before that '/'. A separator with nothing
// on one side ("@example.com", "example.com/", "juliet@") is an error. The
// error is always an *Error saying which part is at fault and why.
//
// Input that is already canonical and ASCII (the common case on the wire)
// takes a fast path that skips PRECIS and IDNA processing and does not
// allocate: the returned JID then shares the memory of s.
func Parse(s string) (JID, error) {
	return parseFast(s, true)
}

// MustParse is like Parse but panics if s is not a valid JID. It is meant
// for addresses fixed in programs and tests, not for peer input.
func MustParse(s string) JID {
	j, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return j
}

// New builds a JID from its parts, enforcing each as Parse does. An empty
// localpart or resourcepart means the part is absent; the domainpart is
// required. Unlike Parse, New does not split: a localpart containing '@' or
// '/' is rejected (RFC 7622 §3.3.1), while a resourcepart may contain both.
// Use EscapeLocal to build a localpart from arbitrary text (XEP-0106).
func New(localpart, domainpart, resourcepart string) (JID, error) {
	return build("", localpart, localpart != "", domainpart, resourcepart, resourcepart != "", true)
}

// parse implements Parse; fast=false forces every part through the full
// PRECIS/IDNA enforcement (the tests compare both paths).
func parse(s string, fast bool) (JID, error) {
	if fast {
		return parseFast(s, true)
	}
	return parseParts(s, false)
}

// parseParts is parse without parseCanonical: it splits s and enforces
// each part, or with fast=true checks first whether each is canonical.
func parseParts(s string, fast bool) (JID, error) {
	// RFC 7622 §3.1: first '/', then first '@' before it.
	rest, res, hasRes := s, "", false
	if i := strings.IndexByte(s, '/'); i >= 0 {
		rest, res, hasRes = s[:i], s[i+1:], true
	}
	lp, dp, hasLP := "", rest, false
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		lp, dp, hasLP = rest[:i], rest[i+1:], true
	}
	if fast && (!hasLP || localCanonical(lp)) && domainCanonical(dp) && (!hasRes || resourceCanonical(res)) {
		return JID{s: s, lp: uint16(len(lp)), dp: uint16(len(rest))}, nil
	}
	return build(s, lp, hasLP, dp, res, hasRes, fast)
}

// parseCanonical is the fast path of Parse in one pass over s: it
// succeeds when s splits (RFC 7622 §3.1) into parts that are each already
// canonical ASCII (localCanonical, domainCanonical, resourceCanonical), and
// otherwise reports false without deciding anything. It is parseFast
// without the fall back to parseParts.
func parseCanonical(s string) (JID, bool) {
	j, err := parseFast(s, false)
	return j, err == nil
}

// errNotCanonical is the error of parseFast(s, false) when s is not
// canonical ASCII; it never leaves the package.
var errNotCanonical = errors.New("jid: not canonical")

// parseFast is Parse with full=true: parseCanonical, and parseParts when s
// is not canonical ASCII. With full=false it is parseCanonical, returning
// errNotCanonical instead of calling parseParts. Parse calls it directly so
// that the common case costs one call.
//
// It examines eight bytes at a time (canonical_fast.go) the common shape:
// an optional localpart of a–z, 0–9 and '.', then an NR-LDH domainpart of
// at most 63 octets without hyphens and an optional resourcepart. Input
// shorter than eight bytes, other localpart bytes, hyphens, IP literals
// and longer domainparts go to parseCanonicalBytes, which decides the same
// a byte at a time. FuzzParseCanonical compares the two.
func parseFast(s string, full bool) (JID, error) {
	n := len(s)
	if n < 8 {
		return parseNotFast(s, full, true)
	}
	// The localpart ends at the first '@' before the first '/'. Neither
	// is a byte of an NR-LDH name, and every such byte is a canonical
	// localpart byte: the first stop decides, as in parseCanonicalBytes,
	// unless it is another localpart byte, a hyphen or the '[' of an IP
	// literal.
	//
	// The domainpart is checked as the words go by: odd collects the
	// flags of its empty labels; without them and within maxLabel
	// octets, every label is canonical (labelCanonical). carry is 0x80
	// when the byte before the word is a dot (emptyLabels); a domainpart
	// at the start of s has one before it, as it were.
	var stop, dots, odd uint64
	carry := uint64(0x80)
	p, ds := 0, 0 // the word at s[p:], the start of the domainpart
	for {
		// The next eight bytes; near the end, the bytes left and then
		// zero bytes, which no canonical part holds: a stop at len(s).
		var x uint64
		if p < n-7 {
			x = word(s[p:])
		} else {
			// The last eight bytes, shifted right over those before
			// p; zeros come in at the top. A shift by 64 gives 0.
			x = word(s[n-8:]) >> (8 * uint(p-(n-8)))
		}
		stop, dots = ldWord(x)
		if stop != 0 {
			// The first stop is bit 7 of the byte of x at bit
			// k&56 (k&^7: the flag is bit 7 of its byte).
			k := uint(bits.TrailingZeros64(stop))
			if ds > 0 || byte(x>>(k&56)) != '@' {
				break
			}
			// s[:ds-1] is the localpart (its length is checked
			// below). Go on with the domainpart, with the '@' as the
			// dot before it and the next stop as its end.
			ds = p + int(k>>3) + 1
			at := stop & -stop  // the flag of the '@'
			upToAt := at<<1 - 1 // it and the bits below (all if bit 63)
			stop &^= at
			dots = dots&^upToAt | at
			odd, carry = 0, 0
			if stop != 0 {
				break
			}
		}
		var empty uint64
		empty, carry = emptyLabels(dots, carry)
		odd |= empty
		p += 8
	}
	// The domainpart ends at the first stop, which counts as a dot for
	// emptyLabels; the flags after it mean nothing.
	end := stop & -stop
	empty, _ := emptyLabels(dots&(end-1)|end, carry)
	odd |= empty
	de := p + bits.TrailingZeros64(stop)>>3
	if de < n && s[de] != '/' {
		c := s[de]
		return parseNotFast(s, full, c == '-' || ds == 0 || de == ds && c == '[')
	}
	if de-ds > maxLabel {
		// A label may be too long (maxLabel), or the name (maxDomain).
		return parseNotFast(s, full, true)
	}
	// The resourcepart, if any, is s[de+1:]: 1 to maxPart printable
	// ASCII bytes (resourceCanonical). Two words cover up to 16 bytes:
	// the one at de+1 (at n-8 if de+1 is past it) and the last one.
	// Without a resourcepart (de = n) they hold domainpart bytes, which
	// are printable too.
	r := n - de
	if odd&msb != 0 || ds == 1 || ds > maxPart+1 || r == 1 || r > maxPart+1 {
		// An empty label, or an empty or too long localpart or
		// resourcepart.
		return parseNotFast(s, full, false)
	}
	d := de + 1 - (n - 8)
	q := n - 8 + d&(d>>63) // min(de+1, n-8)
	acc := printWord(word(s[q:])) | printWord(word(s[n-8:]))
	for q += 8; q < n-8; q += 8 {
		acc |= printWord(word(s[q:]))
	}
	if acc&msb != 0 {
		return parseNotFast(s, full, false)
	}
	return JID{s: s, lp: uint16(max(ds-1, 0)), dp: uint16(de)}, nil
}

// parseNotFast ends parseFast(s, full) when its word-at-a-time scan does
// not accept s: with bytes=true s may still be canonical, which
// parseCanonicalBytes decides; otherwise it is not.
func parseNotFast(s string, full, bytes bool) (JID, error) {
	if bytes {
		if j, ok := parseCanonicalBytes(s); ok {
			return j, nil
		}
	}
	if full {
		return parseParts(s, true)
	}
	return JID{}, errNotCanonical
}

// parseCanonicalBytes is parseCanonical a byte at a time, for any input.
func parseCanonicalBytes(s string) (JID, bool) {
	// The localpart, if any, ends at the first '@' before the first '/'.
	// Neither separator is a canonical localpart or domainpart byte, so
	// the first one seen decides.
	// Every canonical domainpart byte but those of an IP literal is a
	// canonical localpart byte too: the first other byte is a separator,
	// or the end of the fast path.
	i := 0
	for i < len(s) && class[s[i]]&cLocal != 0 {
		i++
	}
	lp, ds := 0, 0
	if i < len(s) {
		switch s[i] {
		case '@':
			if i == 0 || i > maxPart {
				return JID{}, false
			}
			lp, ds = i, i+1
		case '/':
		default:
			if s[0] != '[' {
				return JID{}, false
			}
		}
	}
	// The domainpart: NR-LDH labels (domainCanonical) up to '/' or the end.
	if ds < len(s) && s[ds] == '[' {
		de := len(s)
		for k := ds; k < len(s); k++ {
			if s[k] == '/' {
				de = k
				break
			}
		}
		if !ipv6Canonical(s[ds:de]) {
			return JID{}, false
		}
		i = de
	} else {
		start := ds
		for i = ds; i < len(s); i++ {
			c := s[i]
			if class[c]&cLDH != 0 {
				continue
			}
			if c != '.' {
				break
			}
			if !labelCanonical(s[start:i]) {
				return JID{}, false
			}
			start = i + 1
		}
		if !labelCanonical(s[start:i]) || i-ds > maxDomain {
			return JID{}, false
		}
	}
	de := i
	if de < len(s) && (s[de] != '/' || !resourceCanonical(s[de+1:])) {
		return JID{}, false
	}
	return JID{s: s, lp: uint16(lp), dp: uint16(de)}, true
}

// labelCanonical reports whether the DNS label l is canonical for
// domainCanonical: 1–63 octets of LDH (checked by the caller), no hyphen
// at either end, and no hyphens in the third and fourth positions (an
// A-label, or invalid: RFC 5891 §4.2.3.1), which the full path decides.
func labelCanonical(l string) bool {
	n := len(l)
	return n > 0 && n <= maxLabel && l[0] != '-' && l[n-1] != '-' &&
		(n < 4 || l[2] != '-' || l[3] != '-')
}

// build enforces each part and assembles the canonical form, reusing s when
// the canonical form is a prefix of it.
func build(s, lp string, hasLP bool, dp, res string, hasRes, fast bool) (JID, error) {
	var l, d, r string
	var err error
	if hasLP {
		if l, err = enforceLocal(lp, fast); err != nil {
			return JID{}, err
		}
	}
	if d, err = enforceDomain(dp, fast); err != nil {
		return JID{}, err
	}
	if hasRes {
		if r, err = enforceResource(res, fast); err != nil {
			return JID{}, err
		}
	}
	return compose(s, l, d, r, hasRes), nil
}

// compose assembles enforced parts. l and r may be empty (absent); d not.
func compose(s, l, d, r string, hasRes bool) JID {
	n, ds := len(d), 0
	if l != "" {
		ds = len(l) + 1
		n += ds
	}
	de := n
	if hasRes {
		n += 1 + len(r)
	}
	j := JID{lp: uint16(len(l)), dp: uint16(de)}
	if len(s) >= n &&
		(l == "" || s[:len(l)] == l && s[len(l)] == '@') &&
		s[ds:de] == d &&
		(!hasRes || s[de] == '/' && s[de+1:n] == r) {
		j.s = s[:n]
		return j
	}
	if l == "" && !hasRes {
		j.s = d
		return j
	}
	var b strings.Builder
	b.Grow(n)
	if l != "" {
		b.WriteString(l)
		b.WriteByte('@')
	}
	b.WriteString(d)
	if hasRes {
		b.WriteByte('/')
		b.WriteString(r)
	}
	j.s = b.String()
	return j
}

// Localpart returns the localpart, or "" if there is none.
func (j JID) Localpart() string { return j.s[:j.lp] }

// domainStart returns the index of the first byte of the domainpart.
func (j JID) domainStart() int {
	if j.lp == 0 {
		return 0
	}
	return int(j.lp) + 1
}

// Domainpart returns the domainpart: lowercase U-labels, an IPv4 address or
// a bracketed IP literal. It is "" only for the empty JID.
func (j JID) Domainpart() string { return j.s[j.domainStart():j.dp] }

// Resourcepart returns the resourcepart, or "" if there is none.
func (j JID) Resourcepart() string {
	if int(j.dp) >= len(j.s) {
		return ""
	}
	return j.s[j.dp+1:]
}

// String returns the canonical form of j, "" for the empty JID. Parsing it
// gives j back.
func (j JID) String() string { return j.s }

// Bare returns j without its resourcepart: the "bare JID" of RFC 6120 §1.4.
func (j JID) Bare() JID { return JID{s: j.s[:j.dp], lp: j.lp, dp: j.dp} }

// Domain returns the domainpart of j alone, as a JID.
func (j JID) Domain() JID {
	d := j.Domainpart()
	return JID{s: d, dp: uint16(len(d))}
}

// Equal reports whether j and k are the same address; it is the same as
// j == k.
func (j JID) Equal(k JID) bool { return j == k }

// IsZero reports whether j is the empty JID.
func (j JID) IsZero() bool { return j.s == "" }
