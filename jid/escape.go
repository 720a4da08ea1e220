package jid

import "strings"

// escapes maps each character that XEP-0106 §3.2 escapes to the two hex
// digits following the backslash.
var escapes = [...]struct {
	c   byte
	hex string
}{
	{' ', "20"}, {'"', "22"}, {'&', "26"}, {'\'', "27"}, {'/', "2f"},
	{':', "3a"}, {'<', "3c"}, {'>', "3e"}, {'@', "40"}, {'\\', "5c"},
}

// escapeHex returns the escape digits for c, or "" if c is not escaped.
// The backslash is escaped only before an escape sequence (see EscapeLocal).
func escapeHex(c byte) string {
	for _, e := range escapes {
		if e.c == c {
			return e.hex
		}
	}
	return ""
}

// unescapeAt reports whether s[i:] starts with one of the ten escape
// sequences of XEP-0106 §3.3 and, if so, returns the character it stands
// for. Case is significant: "\2F" is not an escape sequence.
func unescapeAt(s string, i int) (byte, bool) {
	if i+3 > len(s) || s[i] != '\\' {
		return 0, false
	}
	h := s[i+1 : i+3]
	for _, e := range escapes {
		if e.hex == h {
			return e.c, true
		}
	}
	return 0, false
}

// EscapeLocal applies the JID escaping of XEP-0106 to s, producing a string
// that can serve as a localpart although s contains characters that
// localparts cannot (RFC 7622 §3.3.1): each of space " & ' / : < > @ becomes
// a backslash and two lowercase hex digits (\20, \22, \26, \27, \2f, \3a,
// \3c, \3e, \40).
//
// Following XEP-0106 §4, a backslash is escaped (as \5c) only when it starts
// one of the ten escape sequences, so that unescaping gives s back; any
// other backslash is kept as it is (for example "c:\net" becomes
// "c\3a\net"). Because an escaped localpart must not begin or end with \20
// (§4.1), leading and trailing spaces are removed. Other characters,
// including non-ASCII spaces, are left to PRECIS enforcement.
//
// The result still has to go through New or Parse to become a localpart.
func EscapeLocal(s string) string {
	s = strings.Trim(s, " ")
	// Find the first byte that needs escaping; most names have none.
	i := 0
	for ; i < len(s); i++ {
		if needsEscape(s, i) {
			break
		}
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if needsEscape(s, i) {
			b.WriteByte('\\')
			b.WriteString(escapeHex(c))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// needsEscape reports whether s[i] is escaped by EscapeLocal.
func needsEscape(s string, i int) bool {
	c := s[i]
	if c == '\\' {
		_, ok := unescapeAt(s, i)
		return ok
	}
	return c < 0x80 && escapeHex(c) != ""
}

// UnescapeLocal reverses EscapeLocal for display or for gatewaying to other
// systems (XEP-0106 §3.3): each of the ten escape sequences \20 \22 \26 \27
// \2f \3a \3c \3e \40 \5c becomes the character it stands for. Per §4.1
// and §4.3, nothing else is changed: not partial sequences ("\2plus"), not
// sequences for other characters ("\41"), not uppercase ones ("\2F").
//
// The result is not a valid localpart in general; never send it on the wire
// or compare JIDs by it (§4.1).
func UnescapeLocal(s string) string {
	i := strings.IndexByte(s, '\\')
	for i >= 0 {
		if _, ok := unescapeAt(s, i); ok {
			break
		}
		j := strings.IndexByte(s[i+1:], '\\')
		if j < 0 {
			return s
		}
		i += 1 + j
	}
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		if c, ok := unescapeAt(s, i); ok {
			b.WriteByte(c)
			i += 3
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
