package jid

import (
	"errors"
	"strings"
	"testing"
	"unsafe"
)

// parsed is the expected result of parsing a valid JID.
type parsed struct {
	local, domain, resource string
}

// rfcValid is the first table of RFC 7622 §3.5, "a sample of legal JIDs",
// with example 18 of the second table, which verified erratum 4560 moves
// here (a leading space is allowed by the OpaqueString profile).
var rfcValid = []struct {
	name string
	in   string
	want parsed
}{
	{"1 bare JID", "juliet@example.com", parsed{"juliet", "example.com", ""}},
	{"2 full JID", "juliet@example.com/foo", parsed{"juliet", "example.com", "foo"}},
	{"3 space in resourcepart", "juliet@example.com/foo bar", parsed{"juliet", "example.com", "foo bar"}},
	{"4 at sign in resourcepart", "juliet@example.com/foo@bar", parsed{"juliet", "example.com", "foo@bar"}},
	{"5 XEP-0106 escaped space in localpart", `foo\20bar@example.com`, parsed{`foo\20bar`, "example.com", ""}},
	{"6 another bare JID", "fussball@example.com", parsed{"fussball", "example.com", ""}},
	{"7 sharp s in localpart", "fußball@example.com", parsed{"fußball", "example.com", ""}},
	{"8 greek pi", "π@example.com", parsed{"π", "example.com", ""}},
	{"9 greek capital sigma is case-mapped", "Σ@example.com/foo", parsed{"σ", "example.com", "foo"}},
	{"10 greek small sigma", "σ@example.com/foo", parsed{"σ", "example.com", "foo"}},
	{"11 greek final sigma is kept", "ς@example.com/foo", parsed{"ς", "example.com", "foo"}},
	{"12 chess king in resourcepart", "king@example.com/♚", parsed{"king", "example.com", "♚"}},
	{"13 domainpart", "example.com", parsed{"", "example.com", ""}},
	{"14 domainpart and resourcepart", "example.com/foobar", parsed{"", "example.com", "foobar"}},
	{"15 at sign in resourcepart after domainpart", "a.example.com/b@example.net", parsed{"", "a.example.com", "b@example.net"}},
	{"18 leading space in resourcepart (erratum 4560)", "juliet@example.com/ foo", parsed{"juliet", "example.com", " foo"}},
}

// rfcInvalid is the second table of RFC 7622 §3.5, "a sample of strings
// that violate the JID rules", without example 18 (erratum 4560).
var rfcInvalid = []struct {
	name string
	in   string
	want []error
}{
	{"16 quotation marks in localpart", `"juliet"@example.com`, []error{ErrLocalpart}},
	{"17 space in localpart", "foo bar@example.com", []error{ErrLocalpart}},
	{"19 empty localpart and resourcepart", "@example.com/", []error{ErrLocalpart, ErrEmptyLocalpart}},
	{"20 roman numeral four in localpart", "henryⅣ@example.com", []error{ErrLocalpart}},
	{"21 chess king as localpart", "♚@example.com", []error{ErrLocalpart}},
	{"22 localpart without domainpart", "juliet@", []error{ErrDomainpart, ErrEmptyDomainpart}},
	{"23 resourcepart without domainpart", "/foobar", []error{ErrDomainpart, ErrEmptyDomainpart}},
}

func TestRFC7622Examples(t *testing.T) {
	t.Parallel()
	for _, tc := range rfcValid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got := (parsed{j.Localpart(), j.Domainpart(), j.Resourcepart()}); got != tc.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			checkInvariants(t, j)
		})
	}
	for _, tc := range rfcInvalid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, err := Parse(tc.in)
			checkError(t, tc.in, j, err, tc.want)
		})
	}
}

// TestRFC7622Comparison pins the comparisons the §3.5 examples illustrate.
func TestRFC7622Comparison(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"capital and small sigma", "Σ@example.com/foo", "σ@example.com/foo", true},
		{"small and final sigma", "σ@example.com/foo", "ς@example.com/foo", false},
		{"sharp s is not ss", "fußball@example.com", "fussball@example.com", false},
		{"localpart case", "JULIET@example.com", "juliet@example.com", true},
		{"domainpart case", "juliet@EXAMPLE.com", "juliet@example.com", true},
		{"resourcepart case", "juliet@example.com/Foo", "juliet@example.com/foo", false},
		{"trailing dot", "juliet@example.com.", "juliet@example.com", true},
		{"A-label and U-label", "xn--bcher-kva.example", "bücher.example", true},
		{"IPv6 forms", "[2001:DB8:0:0:0:0:0:1]", "[2001:db8::1]", true},
		{"NFC", "e\u0301@example.com", "\u00e9@example.com", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := MustParse(tc.a), MustParse(tc.b)
			if (a == b) != tc.same || a.Equal(b) != tc.same {
				t.Errorf("%q == %q: %v, want %v", a, b, a == b, tc.same)
			}
		})
	}
}

// ruleTests cover the rules of RFC 7622 §3.1–§3.4. want is the canonical
// form, or "" with errs the errors it must match.
var ruleTests = []struct {
	name string
	in   string
	want string
	errs []error
}{
	// §3.1 splitting.
	{"3.1 empty input", "", "", []error{ErrDomainpart, ErrEmptyDomainpart}},
	{"3.1 only at sign", "@", "", []error{ErrLocalpart, ErrEmptyLocalpart}},
	{"3.1 only slash", "/", "", []error{ErrDomainpart, ErrEmptyDomainpart}},
	{"3.1 at sign and slash", "@/", "", []error{ErrEmptyLocalpart}},
	{"3.1 empty localpart", "@example.com", "", []error{ErrLocalpart, ErrEmptyLocalpart}},
	{"3.1 empty domainpart between separators", "juliet@/balcony", "", []error{ErrEmptyDomainpart}},
	{"3.1 empty resourcepart", "example.com/", "", []error{ErrResourcepart, ErrEmptyResourcepart}},
	{"3.1 empty resourcepart of full JID", "juliet@example.com/", "", []error{ErrEmptyResourcepart}},
	{"3.1 second at sign goes to domainpart", "a@b@example.com", "", []error{ErrDomainpart}},
	{"3.1 second at sign ends input", "a@b@", "", []error{ErrDomainpart}},
	{"3.1 slash before at sign", "example.com/juliet@example.net", "example.com/juliet@example.net", nil},
	{"3.1 slashes in resourcepart", "juliet@example.com/a/b/", "juliet@example.com/a/b/", nil},
	{"3.1 at signs in resourcepart", "juliet@example.com/@@", "juliet@example.com/@@", nil},

	// §3.2 domainpart.
	{"3.2 trailing dot stripped", "example.com.", "example.com", nil},
	{"3.2 trailing dot stripped before resourcepart", "juliet@example.com./balcony", "juliet@example.com/balcony", nil},
	{"3.2 trailing ideographic full stop stripped", "juliet@example.com\u3002", "juliet@example.com", nil},
	{"3.2 only one trailing dot stripped", "example.com..", "", []error{ErrDomainpart}},
	{"3.2 two kinds of trailing dots", "example.com\u3002.", "", []error{ErrDomainpart}},
	{"3.2 only a dot", "juliet@.", "", []error{ErrDomainpart, ErrEmptyDomainpart}},
	{"3.2 leading dot", ".example.com", "", []error{ErrDomainpart}},
	{"3.2 empty label", "a..example", "", []error{ErrDomainpart}},
	{"3.2 two final separators, one ideographic (fuzz regression)", "0.\u3002", "", []error{ErrDomainpart}},
	{"3.2 two ideographic final separators", "example.com\u3002\u3002", "", []error{ErrDomainpart}},
	{"3.2 uppercase mapped", "ExAmPlE.CoM", "example.com", nil},
	{"3.2 fullwidth mapped", "ｅｘａｍｐｌｅ.com", "example.com", nil},
	{"3.2 A-label to U-label", "xn--bcher-kva.example", "bücher.example", nil},
	{"3.2 uppercase A-label", "XN--BCHER-KVA.example", "bücher.example", nil},
	{"3.2 U-label case-mapped", "BÜCHER.example", "bücher.example", nil},
	{"3.2 decomposed U-label normalized", "bu\u0308cher.example", "bücher.example", nil},
	{"3.2 sharp s kept (non-transitional)", "faß.de", "faß.de", nil},
	{"3.2 A-label of sharp s", "xn--fa-hia.de", "faß.de", nil},
	{"3.2 right-to-left label", "שלום.example", "שלום.example", nil},
	{"3.2 bidi rule", "a\u05d0.example", "", []error{ErrDomainpart}},
	{"3.2 bad punycode", "xn--zz.example", "", []error{ErrDomainpart}},
	{"3.2 ASCII A-label", "xn--abc-.example", "", []error{ErrDomainpart}},
	{"3.2 leading hyphen", "-example.com", "", []error{ErrDomainpart}},
	{"3.2 trailing hyphen", "example-.com", "", []error{ErrDomainpart}},
	{"3.2 hyphens in third and fourth position", "ab--cd.example", "", []error{ErrDomainpart}},
	{"3.2 hyphens elsewhere", "abc--d.example", "abc--d.example", nil},
	{"3.2 underscore", "_xmpp.example", "", []error{ErrDomainpart}},
	{"3.2 space", "exa mple.com", "", []error{ErrDomainpart}},
	{"3.2 percent", "a%20b.example", "", []error{ErrDomainpart}},
	{"3.2 port", "example.com:5222", "", []error{ErrDomainpart}},
	{"3.2 emoji (NV8, not IDNA2008)", "\U0001F4A9.example", "", []error{ErrDomainpart}},
	{"3.2 symbol A-label", "xn--ls8h.example", "", []error{ErrDomainpart}},
	{"3.2 middle dot between l (CONTEXTO)", "l·l.cat", "l·l.cat", nil},
	{"3.2 middle dot elsewhere (CONTEXTO)", "a·b.example", "", []error{ErrDomainpart}},
	{"3.2 keraia before greek (CONTEXTO)", "\u0375α.example", "\u0375α.example", nil},
	{"3.2 keraia before latin (CONTEXTO)", "\u0375a.example", "", []error{ErrDomainpart}},
	{"3.2 katakana middle dot with katakana (CONTEXTO)", "カ・a.example", "カ・a.example", nil},
	{"3.2 katakana middle dot alone (CONTEXTO)", "a・b.example", "", []error{ErrDomainpart}},
	{"3.2 mixed arabic-indic digits (CONTEXTO)", "\u0661\u06f2.example", "", []error{ErrDomainpart}},
	{"3.2 zero width joiner (CONTEXTJ)", "a\u200db.example", "", []error{ErrDomainpart}},
	{"3.2 geresh after hebrew (CONTEXTO)", "א׳.example", "א׳.example", nil},
	{"3.2 geresh first (CONTEXTO)", "׳א.example", "", []error{ErrDomainpart}},
	{"3.2 tatweel (RFC 5892 exception)", "بـب.example", "", []error{ErrDomainpart}},
	{"3.2 combining mark for symbols", "a⃐.example", "", []error{ErrDomainpart}},
	{"3.2 old hangul jamo", "\u1100\u1100.example", "", []error{ErrDomainpart}},
	{"3.2 label of 63 octets", strings.Repeat("a", 63) + ".example", strings.Repeat("a", 63) + ".example", nil},
	{"3.2 label of 64 octets", strings.Repeat("a", 64) + ".example", "", []error{ErrDomainpart, ErrTooLong}},
	{"3.2 A-label over 63 octets", strings.Repeat("é", 58) + ".example", "", []error{ErrDomainpart, ErrTooLong}},
	{"3.2 name of 253 octets", dnsName(253), dnsName(253), nil},
	{"3.2 name of 253 octets and a dot", dnsName(253) + ".", dnsName(253), nil},
	{"3.2 name of 254 octets", dnsName(254), "", []error{ErrDomainpart, ErrTooLong}},
	{"3.2 single label", "localhost", "localhost", nil},
	{"3.2 IPv4", "juliet@192.0.2.1/balcony", "juliet@192.0.2.1/balcony", nil},
	{"3.2 IPv4 with trailing dot", "192.0.2.1.", "192.0.2.1", nil},
	{"3.2 not IPv4 but a name", "192.0.2.256", "192.0.2.256", nil},
	{"3.2 IPv6", "juliet@[2001:db8::1]/balcony", "juliet@[2001:db8::1]/balcony", nil},
	{"3.2 IPv6 made canonical", "[2001:DB8:0:0:0:0:0:1]", "[2001:db8::1]", nil},
	{"3.2 IPv6 leading zeros", "[2001:0db8::0001]", "[2001:db8::1]", nil},
	{"3.2 IPv4-mapped IPv6", "[::ffff:192.0.2.1]", "[::ffff:192.0.2.1]", nil},
	{"3.2 IPv6 without brackets", "::1", "", []error{ErrDomainpart}},
	{"3.2 IPv6 with zone", "[fe80::1%25eth0]", "", []error{ErrDomainpart}},
	{"3.2 IPv6 raw zone", "[fe80::1%eth0]", "", []error{ErrDomainpart}},
	{"3.2 IPv4 in brackets", "[192.0.2.1]", "", []error{ErrDomainpart}},
	{"3.2 unclosed bracket", "[::1", "", []error{ErrDomainpart}},
	{"3.2 empty brackets", "[]", "", []error{ErrDomainpart}},
	{"3.2 bracket then port", "[::1]:5222", "", []error{ErrDomainpart}},
	{"3.2 malformed IPv6", "[::gg]", "", []error{ErrDomainpart}},
	{"3.2 IPvFuture lowercased", "[V1.Example:Addr]", "[v1.example:addr]", nil},
	{"3.2 IPvFuture without address", "[v1.]", "", []error{ErrDomainpart}},
	{"3.2 IPvFuture without version", "[v.a]", "", []error{ErrDomainpart}},
	{"3.2 invalid UTF-8", "exa\xffmple.com", "", []error{ErrDomainpart}},

	// §3.3 localpart.
	{"3.3 case mapped", "JULIET@example.com", "juliet@example.com", nil},
	{"3.3 fullwidth mapped", "ｊｕｌｉｅｔ@example.com", "juliet@example.com", nil},
	{"3.3 NFC", "e\u0301@example.com", "\u00e9@example.com", nil},
	{"3.3 printable ASCII allowed", "!#$%()*+,-.;=?[\\]^_`{|}~@example.com", "!#$%()*+,-.;=?[\\]^_`{|}~@example.com", nil},
	{"3.3 ampersand", "a&b@example.com", "", []error{ErrLocalpart}},
	{"3.3 apostrophe", "d'artagnan@example.com", "", []error{ErrLocalpart}},
	{"3.3 colon", "a:b@example.com", "", []error{ErrLocalpart}},
	{"3.3 less than", "a<b@example.com", "", []error{ErrLocalpart}},
	{"3.3 greater than", "a>b@example.com", "", []error{ErrLocalpart}},
	{"3.3 fullwidth at sign maps to a prohibited one", "a＠b@example.com", "", []error{ErrLocalpart}},
	{"3.3 fullwidth quotation mark", "＂a@example.com", "", []error{ErrLocalpart}},
	{"3.3 non-ASCII space", "a\u00a0b@example.com", "", []error{ErrLocalpart}},
	{"3.3 control character", "a\x00b@example.com", "", []error{ErrLocalpart}},
	{"3.3 tab", "a\tb@example.com", "", []error{ErrLocalpart}},
	{"3.3 invalid UTF-8", "\xff@example.com", "", []error{ErrLocalpart}},
	{"3.3 compatibility character", "\ufb00@example.com", "", []error{ErrLocalpart}},
	{"3.3 1023 octets", strings.Repeat("a", 1023) + "@example.com", strings.Repeat("a", 1023) + "@example.com", nil},
	{"3.3 1024 octets", strings.Repeat("a", 1024) + "@example.com", "", []error{ErrLocalpart, ErrTooLong}},
	{"3.3 1023 octets after enforcement", strings.Repeat("Ａ", 1023) + "@example.com", strings.Repeat("a", 1023) + "@example.com", nil},
	{"3.3 1024 octets after enforcement", strings.Repeat("é", 512) + "@example.com", "", []error{ErrLocalpart, ErrTooLong}},
	{"3.3 huge input", strings.Repeat("a", 100000) + "@example.com", "", []error{ErrLocalpart, ErrTooLong}},

	// §3.4 resourcepart.
	{"3.4 case kept", "example.com/Balcony", "example.com/Balcony", nil},
	{"3.4 only a space", "example.com/ ", "example.com/ ", nil},
	{"3.4 trailing space", "example.com/foo ", "example.com/foo ", nil},
	{"3.4 non-ASCII spaces mapped", "example.com/\u00a0x\u3000", "example.com/ x ", nil},
	{"3.4 NFC", "example.com/e\u0301", "example.com/\u00e9", nil},
	{"3.4 compatibility character kept", "example.com/Ⅳ", "example.com/Ⅳ", nil},
	{"3.4 fullwidth kept", "example.com/Ｒ", "example.com/Ｒ", nil},
	{"3.4 control character", "example.com/a\x00", "", []error{ErrResourcepart}},
	{"3.4 tab", "example.com/\t", "", []error{ErrResourcepart}},
	{"3.4 delete", "example.com/\x7f", "", []error{ErrResourcepart}},
	{"3.4 invalid UTF-8", "example.com/\xff", "", []error{ErrResourcepart}},
	{"3.4 1023 octets", "example.com/" + strings.Repeat("€", 341), "example.com/" + strings.Repeat("€", 341), nil},
	{"3.4 1024 octets", "example.com/" + strings.Repeat("a", 1024), "", []error{ErrResourcepart, ErrTooLong}},
	{"3.4 1026 octets", "example.com/" + strings.Repeat("€", 342), "", []error{ErrResourcepart, ErrTooLong}},
}

// dnsName returns a valid domain name of n octets: labels of 63 octets and
// a shorter last one.
func dnsName(n int) string {
	var b strings.Builder
	for n-b.Len() > 64 {
		b.WriteString(strings.Repeat("a", 63) + ".")
	}
	b.WriteString(strings.Repeat("b", n-b.Len()))
	return b.String()
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range ruleTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, fast := range []bool{true, false} {
				j, err := parse(tc.in, fast)
				if tc.errs != nil {
					checkError(t, tc.in, j, err, tc.errs)
					continue
				}
				if err != nil {
					t.Fatalf("Parse(%q) (fast=%v): %v", tc.in, fast, err)
				}
				if j.String() != tc.want {
					t.Errorf("Parse(%q) (fast=%v) = %q, want %q", tc.in, fast, j, tc.want)
				}
				checkInvariants(t, j)
			}
		})
	}
}

// checkError checks that err is an *Error matching every error in want.
func checkError(t *testing.T, in string, j JID, err error, want []error) {
	t.Helper()
	if err == nil {
		t.Fatalf("Parse(%q) = %q, want an error", in, j)
	}
	if !j.IsZero() {
		t.Errorf("Parse(%q) returned %q with error %v", in, j, err)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse(%q): error %v (%T) is not an *Error", in, err, err)
	}
	if !errors.Is(err, partSentinel(e.Part)) {
		t.Errorf("Parse(%q): error %v does not match its part sentinel", in, err)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("Parse(%q): error %v does not match %v", in, err, w)
		}
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "jid: ") || len(msg) > 300 {
		t.Errorf("Parse(%q): bad message %q", in, msg)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		local, domain string
		resource      string
		want          string
		errs          []error
	}{
		{"all parts", "juliet", "example.com", "balcony", "juliet@example.com/balcony", nil},
		{"domainpart only", "", "example.com", "", "example.com", nil},
		{"no localpart", "", "example.com", "foo", "example.com/foo", nil},
		{"no resourcepart", "juliet", "example.com", "", "juliet@example.com", nil},
		{"enforced", "JULIET", "EXAMPLE.com.", "Balcony", "juliet@example.com/Balcony", nil},
		{"separators in resourcepart", "juliet", "example.com", "a/b@c", "juliet@example.com/a/b@c", nil},
		{"escaped localpart", EscapeLocal("d'artagnan"), "musketeers.lit", "", `d\27artagnan@musketeers.lit`, nil},
		{"slash in localpart", "a/b", "example.com", "", "", []error{ErrLocalpart}},
		{"at sign in localpart", "a@b", "example.com", "", "", []error{ErrLocalpart}},
		{"no domainpart", "juliet", "", "balcony", "", []error{ErrDomainpart, ErrEmptyDomainpart}},
		{"slash in domainpart", "", "example.com/foo", "", "", []error{ErrDomainpart}},
		{"at sign in domainpart", "", "juliet@example.com", "", "", []error{ErrDomainpart}},
		{"bad resourcepart", "", "example.com", "\x00", "", []error{ErrResourcepart}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, err := New(tc.local, tc.domain, tc.resource)
			if tc.errs != nil {
				checkError(t, tc.local+"|"+tc.domain+"|"+tc.resource, j, err, tc.errs)
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if j.String() != tc.want {
				t.Errorf("New = %q, want %q", j, tc.want)
			}
			if k := MustParse(tc.want); k != j {
				t.Errorf("New = %#v, Parse = %#v", j, k)
			}
		})
	}
}

func TestZeroValue(t *testing.T) {
	t.Parallel()
	var j JID
	if j.Localpart() != "" || j.Domainpart() != "" || j.Resourcepart() != "" || j.String() != "" {
		t.Errorf("zero JID has non-empty parts")
	}
	if !j.IsZero() || j.Bare() != j || j.Domain() != j || !j.Equal(JID{}) {
		t.Errorf("zero JID is not zero after Bare or Domain")
	}
	if MustParse("example.com").IsZero() {
		t.Errorf("IsZero true for a valid JID")
	}
}

func TestAccessors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in           string
		bare, domain string
	}{
		{"juliet@example.com/balcony", "juliet@example.com", "example.com"},
		{"juliet@example.com", "juliet@example.com", "example.com"},
		{"example.com/balcony", "example.com", "example.com"},
		{"example.com", "example.com", "example.com"},
		{"x@[::1]/y/z", "x@[::1]", "[::1]"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			j := MustParse(tc.in)
			if b := j.Bare(); b != MustParse(tc.bare) {
				t.Errorf("Bare() = %#v, want %#v", b, MustParse(tc.bare))
			}
			if d := j.Domain(); d != MustParse(tc.domain) {
				t.Errorf("Domain() = %#v, want %#v", d, MustParse(tc.domain))
			}
			checkInvariants(t, j)
		})
	}
}

// TestFastPathSharesInput checks that canonical input is kept, not copied,
// and that the fast path allocates nothing.
func TestFastPathSharesInput(t *testing.T) {
	for _, s := range []string{
		"juliet@example.com/balcony",
		"example.com",
		"juliet@[2001:db8::1]/balcony",
		"juliet@example.com./balcony"[:19], // a substring
	} {
		j := MustParse(s)
		if unsafe.StringData(j.String()) != unsafe.StringData(s) {
			t.Errorf("Parse(%q) copied its input", s)
		}
		if n := testing.AllocsPerRun(100, func() { _, _ = Parse(s) }); n != 0 {
			t.Errorf("Parse(%q): %v allocations, want 0", s, n)
		}
	}
	// A trailing dot with no resourcepart: the canonical form is a prefix.
	s := "juliet@example.com."
	if j := MustParse(s); unsafe.StringData(j.String()) != unsafe.StringData(s) {
		t.Errorf("Parse(%q) copied its input", s)
	}
}

func TestMustParsePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("MustParse did not panic")
		}
	}()
	MustParse("@")
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
	}{
		{"@example.com", "jid: empty localpart"},
		{"example.com/", "jid: empty resourcepart"},
		{"", "jid: empty domainpart"},
		{`"juliet"@example.com`, `jid: invalid localpart "\"juliet\"": character '"' not allowed (RFC 7622 §3.3.1)`},
		{strings.Repeat("a", 2000) + "@example.com", `jid: invalid localpart "` + strings.Repeat("a", 64) + `"…: part too long`},
	}
	for _, tc := range tests {
		_, err := Parse(tc.in)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%.20q): error %v, want %s", tc.in, err, tc.want)
		}
	}
	if s := PartResource.String(); s != "resourcepart" {
		t.Errorf("PartResource.String() = %q", s)
	}
}

// TestFastPathMatchesFullPath compares the fast path with full enforcement
// on every string of up to four characters over an alphabet chosen to hit
// each branch of the fast checks.
func TestFastPathMatchesFullPath(t *testing.T) {
	t.Parallel()
	alphabet := []string{"a", "Z", "0", "-", ".", "@", "/", "[", "]", ":", " ", `"`, `\`, "\x00", "é", "\u3002"}
	var walk func(prefix string, depth int)
	walk = func(prefix string, depth int) {
		j, err := Parse(prefix)
		k, err2 := parse(prefix, false)
		if j != k || (err == nil) != (err2 == nil) {
			t.Errorf("%q: fast path %q, %v; full path %q, %v", prefix, j, err, k, err2)
		}
		if depth == 0 {
			return
		}
		for _, c := range alphabet {
			walk(prefix+c, depth-1)
		}
	}
	walk("", 4)
}
