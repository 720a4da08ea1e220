package jid

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Part names one of the three parts of a JID (RFC 7622 §3.1).
type Part uint8

// The parts of a JID, in the order they appear in its string form.
const (
	PartLocal    Part = iota + 1 // the localpart, before the '@'
	PartDomain                   // the domainpart
	PartResource                 // the resourcepart, after the '/'
)

// String returns "localpart", "domainpart" or "resourcepart".
func (p Part) String() string {
	switch p {
	case PartLocal:
		return "localpart"
	case PartDomain:
		return "domainpart"
	case PartResource:
		return "resourcepart"
	}
	return "part(" + strconv.Itoa(int(p)) + ")"
}

// Part sentinels: every error returned by Parse and New is an *Error that
// matches (with errors.Is) the sentinel of the part it is about.
var (
	// ErrLocalpart matches every error about a localpart (RFC 7622 §3.3).
	ErrLocalpart = errors.New("jid: invalid localpart")
	// ErrDomainpart matches every error about a domainpart (RFC 7622 §3.2).
	ErrDomainpart = errors.New("jid: invalid domainpart")
	// ErrResourcepart matches every error about a resourcepart (RFC 7622 §3.4).
	ErrResourcepart = errors.New("jid: invalid resourcepart")
)

// Cause sentinels: the reason an *Error carries in its Err field, when the
// reason is one of these. Other reasons are errors from the PRECIS or IDNA
// libraries, or descriptive errors naming the offending character.
var (
	// ErrEmptyLocalpart reports a localpart that is present but empty, as in
	// "@example.com" (RFC 7622 §3.3: "MUST NOT be zero octets in length").
	ErrEmptyLocalpart = errors.New("jid: empty localpart")
	// ErrEmptyDomainpart reports a missing or empty domainpart, as in "",
	// "juliet@", "/foobar" or "." (RFC 7622 §3.2).
	ErrEmptyDomainpart = errors.New("jid: empty domainpart")
	// ErrEmptyResourcepart reports a resourcepart that is present but empty,
	// as in "example.com/" (RFC 7622 §3.4).
	ErrEmptyResourcepart = errors.New("jid: empty resourcepart")
	// ErrTooLong reports a part longer than 1023 octets after enforcement
	// (RFC 7622 §3.2–3.4), a domain name longer than DNS allows (63 octets
	// per label, 253 in all, counted in A-label form; RFC 1035 §2.3.4), or
	// an input part so long (over 4092 octets) that it is refused before
	// any preparation is attempted.
	ErrTooLong = errors.New("jid: part too long")
)

// Error is the error returned by Parse, New and the unmarshalers. It says
// which part of the address is at fault and why. It matches, with
// errors.Is, both the sentinel of its part (ErrLocalpart, ErrDomainpart or
// ErrResourcepart) and its cause Err.
type Error struct {
	Part  Part   // the part at fault
	Input string // that part as it was given, before any preparation
	Err   error  // the reason; see ErrEmptyLocalpart, ErrTooLong…
}

// maxQuoted bounds how much of Input an error message quotes.
const maxQuoted = 64

// Error returns a message such as
// `jid: invalid localpart "henryⅣ": precis: disallowed rune encountered`.
// Long inputs and causes are shortened.
func (e *Error) Error() string {
	switch e.Err {
	case ErrEmptyLocalpart, ErrEmptyDomainpart, ErrEmptyResourcepart:
		return e.Err.Error()
	}
	cause := "invalid"
	if e.Err != nil {
		cause = strings.TrimPrefix(e.Err.Error(), "jid: ")
	}
	return "jid: invalid " + e.Part.String() + " " + quote(e.Input) + ": " + shorten(cause, 3*maxQuoted)
}

// quote quotes at most maxQuoted octets of s.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:cut(s, maxQuoted)]) + "…"
}

// shorten cuts s to at most n octets, at a rune boundary, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:cut(s, n)] + "…"
}

// cut returns the largest rune boundary in s that is at most n.
func cut(s string, n int) int {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// Unwrap returns the sentinel of e.Part and e.Err, so that errors.Is
// matches either.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	switch e.Part {
	case PartLocal:
		errs = append(errs, ErrLocalpart)
	case PartDomain:
		errs = append(errs, ErrDomainpart)
	case PartResource:
		errs = append(errs, ErrResourcepart)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// partError builds an *Error.
func partError(p Part, input string, cause error) error {
	return &Error{Part: p, Input: input, Err: cause}
}
