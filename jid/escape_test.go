package jid

import "testing"

// xep0106Examples is the table of XEP-0106 §5.1 (version 1.1.1), user
// input and the escaped JID sent over the wire.
var xep0106Examples = []struct {
	name          string
	user, escaped string
}{
	{"1 space", "space cadet@example.com", `space\20cadet@example.com`},
	{"2 quotation marks", `call me "ishmael"@example.com`, `call\20me\20\22ishmael\22@example.com`},
	{"3 ampersand", "at&t guy@example.com", `at\26t\20guy@example.com`},
	{"4 apostrophe", "d'artagnan@example.com", `d\27artagnan@example.com`},
	{"5 slash", "/.fanboy@example.com", `\2f.fanboy@example.com`},
	{"6 colons", "::foo::@example.com", `\3a\3afoo\3a\3a@example.com`},
	{"7 angle brackets", "<foo>@example.com", `\3cfoo\3e@example.com`},
	{"8 at sign", "user@host@example.com", `user\40host@example.com`},
	{"9 backslash not before an escape", `c:\net@example.com`, `c\3a\net@example.com`},
	{"10 two backslashes", `c:\\net@example.com`, `c\3a\\net@example.com`},
	{"11 backslash and space", `c:\cool stuff@example.com`, `c\3a\cool\20stuff@example.com`},
	{"12 backslash before an escape", `c:\5commas@example.com`, `c\3a\5c5commas@example.com`},
	// §4.2, the Wireless Village example: both backslashes start escapes.
	{"4.2 wireless village", `\3and\2is\5cool@example.com`, `\5c3and\2is\5c5cool@example.com`},
	// §4.1 rule 7: an escape sequence in the input is itself escaped.
	{"4.1 escape in input", `call me\20@example.com`, `call\20me\5c20@example.com`},
	{"4.1 escaped backslash in input", `a\5cb@example.com`, `a\5c5cb@example.com`},
	{"3.3 gateway example", "tréville@musketeers.lit@smtp.gascon.fr", `tréville\40musketeers.lit@smtp.gascon.fr`},
}

// xep0106Unchanged are strings that neither escaping nor unescaping
// modifies (XEP-0106 §4.3: partial escape sequences and sequences for
// other characters are ignored; case is significant, §3.1).
var xep0106Unchanged = []string{
	`\2plus\2is\4`,
	`foo\bar`,
	`foob\41r`,
	`a\2Fb`,
	`\`,
	`a\`,
	`\5`,
	"juliet",
	"",
}

// splitLocal splits user input or an escaped JID of the table at its last
// '@': the table's localparts contain '@', their domainparts do not.
func splitLocal(s string) (local, domain string) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '@' {
			return s[:i], s[i+1:]
		}
	}
	return "", s
}

func TestEscapeLocal(t *testing.T) {
	t.Parallel()
	for _, tc := range xep0106Examples {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			user, domain := splitLocal(tc.user)
			escaped, _ := splitLocal(tc.escaped)
			if got := EscapeLocal(user); got != escaped {
				t.Errorf("EscapeLocal(%q) = %q, want %q", user, got, escaped)
			}
			if got := UnescapeLocal(escaped); got != user {
				t.Errorf("UnescapeLocal(%q) = %q, want %q", escaped, got, user)
			}
			// The escaped form is a valid JID, unchanged by enforcement.
			j, err := New(EscapeLocal(user), domain, "")
			if err != nil || j.String() != tc.escaped {
				t.Errorf("New(EscapeLocal(%q)) = %q, %v; want %q", user, j, err, tc.escaped)
			}
			if j, err := Parse(tc.escaped); err != nil || j.String() != tc.escaped {
				t.Errorf("Parse(%q) = %q, %v", tc.escaped, j, err)
			}
		})
	}
}

func TestEscapeUnchanged(t *testing.T) {
	t.Parallel()
	for _, s := range xep0106Unchanged {
		if got := EscapeLocal(s); got != s {
			t.Errorf("EscapeLocal(%q) = %q, want it unchanged", s, got)
		}
		if got := UnescapeLocal(s); got != s {
			t.Errorf("UnescapeLocal(%q) = %q, want it unchanged", s, got)
		}
	}
}

// TestEscapeSpaces checks XEP-0106 §4.1 rule 6: \20 never begins or ends
// an escaped localpart, so outer spaces are dropped.
func TestEscapeSpaces(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{" space cadet ", `space\20cadet`},
		{"   ", ""},
		{" \\20 ", `\5c20`},
	}
	for _, tc := range tests {
		if got := EscapeLocal(tc.in); got != tc.want {
			t.Errorf("EscapeLocal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEscapeAllocations(t *testing.T) {
	for _, s := range []string{"juliet", `foo\bar`} {
		if n := testing.AllocsPerRun(100, func() { _ = EscapeLocal(s); _ = UnescapeLocal(s) }); n != 0 {
			t.Errorf("%q: %v allocations, want 0", s, n)
		}
	}
}
