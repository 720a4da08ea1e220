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

// canonicalSeeds returns inputs for comparing parseCanonical with
// parseCanonicalBytes: the tables of the other tests and the benchmarks, and
// cases at the edges of the word-at-a-time code: label and part length
// limits, hyphens at label ends and in the third and fourth positions,
// separators at either end, IP literals, uppercase, non-ASCII bytes whose
// low seven bits are '@', '/' or '.', control bytes, and long parts.
func canonicalSeeds() []string {
	var seeds []string
	for _, tc := range rfcValid {
		seeds = append(seeds, tc.in)
	}
	for _, tc := range rfcInvalid {
		seeds = append(seeds, tc.in)
	}
	for _, tc := range ruleTests {
		if len(tc.in) <= 2*maxPart {
			seeds = append(seeds, tc.in)
		}
	}
	for _, bm := range benchInputs {
		seeds = append(seeds, bm.in)
	}
	seeds = append(seeds, parseCorpus...)
	l63, l64 := strings.Repeat("a", 63), strings.Repeat("b", 64)
	seeds = append(seeds,
		// Label lengths, each label position.
		"juliet@"+l63+".example/balcony", "juliet@"+l64+".example/balcony",
		"juliet@example."+l63, "juliet@example."+l64, l63, l64, l63+"/r", l64+"/r",
		"juliet@a."+l63+".b/r", "juliet@a."+l64+".b/r",
		// Hyphens.
		"-a.example.com", "a-.example.com", "a.-b.com", "a.b-.com", "abcdefg-.com",
		"juliet@-example.com/x", "juliet@example-.com/x", "juliet@example.com-/x",
		"juliet@e-x-a-m-p-l-e.com/x", "juliet@exa--mple.com", "-@example.com",
		"xn--bcher-kva.example", "juliet@xn--abc.example/r", "juliet@ab--c.example/r",
		"juliet@abc--d.example/r", "juliet@example.ab--/r", "juliet@example.xn--", "juliet@example.a--b",
		"juliet@abcdef.ab--cd/r", "juliet@abcdefg.ab--cd/r", "juliet@abcdefgh.ab--cd/r",
		"romeo-montague@example.net", "a-b.c-d@e-f.g-h/i-j", "abcdefg-@example.com", "abcdefgh-@example.com",
		// Separators at the ends.
		"@example.com/balcony", "@@example.com", "/example.com", "juliet@example.com/",
		"juliet@/example.com", "juliet@@example.com", "juliet@example.com@x", "example.com/@",
		"abcdefg@", "abcdefgh@", "abcdefg/", "abcdefgh/", "abcdefgh", "abcdefg.", "abcdefgh.",
		// Dots.
		"juliet@.example.com", "juliet@example..com", "juliet@example.com.", "juliet@example.com./x",
		".@example.com", "a..b@example.com", "..........@x.y", "juliet@........", "........",
		// IP literals.
		"juliet@[2001:db8::1]/balcony", "[::1]/balcony", "[2001:db8::1]", "juliet@[::1",
		"[2001:db8::1]/balcony@x", "juliet@[::1]x/r", "juliet@[192.0.2.1]/r", "a[b@[::1]/r",
		"[abcdefg@example.com", "juliet@ex[ample.com/r", "juliet@example.com/[::1]",
		// Uppercase.
		"Juliet@example.com/balcony", "juliet@Example.com/balcony", "juliet@example.coM",
		"julieT@example.com/balcony", "EXAMPLE.COM/BALCONY", "juliet@example.com/BALCONY",
		// Non-ASCII, some with the low seven bits of a separator or a dot.
		"juliet@exämple.com/balcony", "jüliet@example.com", "juliet@example.com/bälcony",
		"juliet@example.com\xae", "juliet@example\xaecom", "\xc0juliet@example.com",
		"juliet\xc0example.com", "juliet@example.com\xafbalcony", "juliet@example.com/\xff",
		"juliet@\xe1xample.com/r", "juliet@example.\xedom/r",
		// Localpart bytes that are not LDH.
		"juliet_x@example.com/b", "a+b@example.com", "a[b@example.com", "[@example.com",
		"_xmpp.example.com", "abcdefgh_b/c", "a_b/c", "!#$%()*+@example.com", "juliet~@example.com/r",
		"a\"b@example.com", "a:bcdefgh@example.com", "juliet&@example.com", "juliet@exa_mple.com/r",
		// Control bytes and spaces.
		"juliet@example.com/bal\x00cony", "juliet@example.com/\x7f", "juliet@exa\x00mple.com/bal",
		"juliet@example.com\x00", "\x00\x00\x00\x00\x00\x00\x00\x00", "juliet@example.com/ balcony ",
		"juli et@example.com", "juliet@example.com/\x1f", "juliet@example.com/abcdefgh\x1fabcdefgh",
		// Long parts.
		strings.Repeat("a", 1023)+"@example.com/r", strings.Repeat("a", 1024)+"@example.com/r",
		"example.com/"+strings.Repeat("r", 1023), "example.com/"+strings.Repeat("r", 1024),
		// Resourceparts across the words read at de+1 and at len(s)-8.
		"juliet@example.com/abcdefgh", "juliet@example.com/abcdefghi", "juliet@example.com/abcdefghijklmnop",
		"juliet@example.com/abcdefghijklmnopq", "juliet@example.com/abcdefghijklmno\x7f", "juliet@example.com/abcdefgh\x00abcdefgh",
		"juliet@"+dnsName(253)+"/r", "juliet@"+dnsName(254)+"/r", dnsName(253), dnsName(254),
		strings.Repeat("a.", 511)+"a@example.com",
	)
	return seeds
}

// TestParseCanonicalMatchesRef compares parseCanonical with
// parseCanonicalBytes on the seeds, every prefix and suffix of them, and the
// strings made from a full JID by replacing one or two bytes with bytes that
// matter to some test of the word-at-a-time code.
func TestParseCanonicalMatchesRef(t *testing.T) {
	t.Parallel()
	check := func(s string) {
		t.Helper()
		got, ok := parseCanonical(s)
		want, wantOK := parseCanonicalBytes(s)
		if got != want || ok != wantOK {
			t.Fatalf("parseCanonical(%q) = %q %v %v %v, parseCanonicalBytes %q %v %v %v",
				s, got.s, got.lp, got.dp, ok, want.s, want.lp, want.dp, wantOK)
		}
	}
	for _, s := range canonicalSeeds() {
		for i := range len(s) + 1 {
			check(s[:i])
			check(s[i:])
		}
	}
	const base = "abc.defgh@ijk.lmno-p.qr/stuv wx"
	// The bytes at the edges of the ranges tested: `az{09:,-./@AZ[] and
	// the edges of ASCII, and non-ASCII bytes whose low bits are '@' '.'.
	special := []byte("`az{09:,-./@AZ[] _\x00\x1f\x7e\x7f\x80\xae\xc0\xe1\xff")
	b := []byte(base)
	for i := range b {
		for c := range 256 {
			b[i] = byte(c)
			check(string(b))
		}
		for _, c := range special {
			b[i] = c
			for j := i + 1; j < len(b); j++ {
				for _, d := range special {
					b[j] = d
					check(string(b))
				}
				b[j] = base[j]
			}
		}
		b[i] = base[i]
	}
}

// TestParseCorpusFastPath checks that the benchmark corpus is what it
// claims to be: canonical input that the fast path accepts as is.
func TestParseCorpusFastPath(t *testing.T) {
	t.Parallel()
	for _, s := range parseCorpus {
		if j, ok := parseCanonical(s); !ok || j.String() != s {
			t.Errorf("parseCanonical(%q) = %q, %v", s, j, ok)
		}
	}
}

// FuzzParseCanonical compares parseCanonical, which examines eight bytes at
// a time, with parseCanonicalBytes, the same decision a byte at a time (its
// fall-back for the inputs it leaves), on s and on
// its suffixes and prefixes that shift its bytes within the words.
func FuzzParseCanonical(f *testing.F) {
	for _, s := range canonicalSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for k := range 8 {
			for _, x := range []string{s[min(k, len(s)):], s[:max(len(s)-k, 0)]} {
				got, ok := parseCanonical(x)
				want, wantOK := parseCanonicalBytes(x)
				if got != want || ok != wantOK {
					t.Fatalf("parseCanonical(%q) = %q %v %v %v, parseCanonicalBytes %q %v %v %v",
						x, got.s, got.lp, got.dp, ok, want.s, want.lp, want.dp, wantOK)
				}
			}
		}
	})
}
