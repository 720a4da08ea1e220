package jid

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks, for any input: Parse does not panic; the fast path and
// the full enforcement agree (same JID, or errors about the same part); a
// parsed JID is a fixed point (Parse(j.String()) == j, through both paths,
// so enforcement is idempotent); New rebuilds it from its parts; its
// accessors are consistent with its string form.
func FuzzParse(f *testing.F) {
	for _, tc := range rfcValid {
		f.Add(tc.in)
	}
	for _, tc := range rfcInvalid {
		f.Add(tc.in)
	}
	for _, tc := range ruleTests {
		if len(tc.in) <= 2*maxPart { // big seeds make minimizing slow
			f.Add(tc.in)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, err := Parse(s)
		slow, slowErr := parse(s, false)
		if j != slow || (err == nil) != (slowErr == nil) {
			t.Fatalf("Parse(%q): fast path %q, %v; full path %q, %v", s, j, err, slow, slowErr)
		}
		if err != nil {
			var e, se *Error
			if !errors.As(err, &e) || !errors.As(slowErr, &se) {
				t.Fatalf("Parse(%q): error %v is not an *Error", s, err)
			}
			if e.Part != se.Part {
				t.Fatalf("Parse(%q): fast path blames the %v, full path the %v", s, e.Part, se.Part)
			}
			if !errors.Is(err, partSentinel(e.Part)) || !strings.HasPrefix(err.Error(), "jid: ") {
				t.Fatalf("Parse(%q): malformed error %v", s, err)
			}
			if !j.IsZero() {
				t.Fatalf("Parse(%q): error %v with non-zero JID %q", s, err, j)
			}
			return
		}
		checkInvariants(t, j)
		for _, fast := range []bool{true, false} {
			k, err := parse(j.String(), fast)
			if err != nil || k != j {
				t.Fatalf("Parse(%q) = %q, but parsing that again (fast=%v) gives %q, %v", s, j, fast, k, err)
			}
		}
		k, err := New(j.Localpart(), j.Domainpart(), j.Resourcepart())
		if err != nil || k != j {
			t.Fatalf("New(parts of %q) = %q, %v", j, k, err)
		}
	})
}

// checkInvariants checks that the accessors of a valid JID agree with its
// string form and the length limits.
func checkInvariants(t *testing.T, j JID) {
	t.Helper()
	l, d, r := j.Localpart(), j.Domainpart(), j.Resourcepart()
	want := d
	if l != "" {
		want = l + "@" + want
	}
	if j.dp < uint16(len(j.s)) {
		want += "/" + r
		if r == "" {
			t.Errorf("%q: empty resourcepart after '/'", j)
		}
	}
	if j.String() != want {
		t.Errorf("%q: parts %q, %q, %q do not make up the string", j, l, d, r)
	}
	if d == "" || len(l) > maxPart || len(d) > maxPart || len(r) > maxPart {
		t.Errorf("%q: part empty or too long", j)
	}
	if strings.ContainsAny(l, prohibitedLocal) || strings.ContainsAny(d, "@/") {
		t.Errorf("%q: separator inside a part", j)
	}
	if b := j.Bare(); b.Resourcepart() != "" || b.Localpart() != l || b.Domainpart() != d {
		t.Errorf("%q: Bare() = %q", j, b)
	}
	if dj := j.Domain(); dj.String() != d || dj.Localpart() != "" || dj.Resourcepart() != "" {
		t.Errorf("%q: Domain() = %q", j, dj)
	}
}

// partSentinel returns the sentinel matching errors about p.
func partSentinel(p Part) error {
	switch p {
	case PartLocal:
		return ErrLocalpart
	case PartDomain:
		return ErrDomainpart
	case PartResource:
		return ErrResourcepart
	}
	return nil
}

// FuzzEscape checks that UnescapeLocal undoes EscapeLocal (leading and
// trailing spaces aside, XEP-0106 §4.1) and that escaping leaves none of the
// characters a localpart cannot hold.
func FuzzEscape(f *testing.F) {
	for _, tc := range xep0106Examples {
		f.Add(tc.user)
		f.Add(tc.escaped)
	}
	for _, s := range xep0106Unchanged {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := EscapeLocal(s)
		if got, want := UnescapeLocal(e), strings.Trim(s, " "); got != want {
			t.Fatalf("UnescapeLocal(EscapeLocal(%q)) = %q via %q", s, got, e)
		}
		if strings.ContainsAny(e, ` "&'/:<>@`) {
			t.Fatalf("EscapeLocal(%q) = %q keeps a disallowed character", s, e)
		}
		if strings.HasPrefix(e, `\20`) || strings.HasSuffix(e, `\20`) {
			t.Fatalf("EscapeLocal(%q) = %q begins or ends with \\20", s, e)
		}
		if EscapeLocal(UnescapeLocal(e)) != e {
			t.Fatalf("EscapeLocal(UnescapeLocal(%q)) != itself", e)
		}
	})
}
