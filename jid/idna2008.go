package jid

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The UTS #46 processing of x/net/idna accepts some code points that
// IDNA2008 does not: those UTS #46 marks "NV8" (symbols and punctuation
// such as emoji) and those that need the CONTEXTO rules, which it does not
// implement. RFC 7622 §3.2 requires IDNA2008, so U-labels are checked once
// more here against the derived properties of RFC 5892 §2–§3 and the
// CONTEXTO rules of RFC 5892 Appendix A.3–A.9.

var errContextO = errors.New("IDNA2008 contextual rule (RFC 5892 Appendix A) not satisfied")

// idna2008Labels checks every label of the U-label form u.
func idna2008Labels(u string) error {
	for u != "" {
		label := u
		if i := strings.IndexByte(u, '.'); i >= 0 {
			label, u = u[:i], u[i+1:]
		} else {
			u = ""
		}
		if err := idna2008Label(label); err != nil {
			return err
		}
	}
	return nil
}

// idna2008Label checks the non-ASCII code points of one U-label; ASCII is
// already limited to letters, digits and hyphens by the STD3 rules.
func idna2008Label(label string) error {
	var arabicIndic, extArabicIndic bool
	for i, r := range label {
		if r < utf8.RuneSelf {
			continue
		}
		switch {
		case r == 0x00DF || r == 0x03C2 || r == 0x06FD || r == 0x06FE || r == 0x0F0B || r == 0x3007:
			// Exceptions, PVALID (RFC 5892 §2.6).
		case r == 0x0640 || r == 0x07FA || r == 0x302E || r == 0x302F ||
			0x3031 <= r && r <= 0x3035 || r == 0x303B:
			// Exceptions, DISALLOWED (RFC 5892 §2.6).
			return disallowed(r)
		case 0x1100 <= r && r <= 0x11FF || 0xA960 <= r && r <= 0xA97F || 0xD7B0 <= r && r <= 0xD7FF:
			// OldHangulJamo (RFC 5892 §2.9).
			return disallowed(r)
		case 0x20D0 <= r && r <= 0x20FF || 0x1D100 <= r && r <= 0x1D24F:
			// IgnorableBlocks (RFC 5892 §2.4).
			return disallowed(r)
		case r == 0x200C || r == 0x200D:
			// CONTEXTJ; x/net/idna checks these (CheckJoiners).
		case r == 0x00B7:
			// A.3 MIDDLE DOT: between two 'l'.
			if i == 0 || label[i-1] != 'l' || i+2 >= len(label) || label[i+2] != 'l' {
				return errContextO
			}
		case r == 0x0375:
			// A.4 GREEK LOWER NUMERAL SIGN: followed by a Greek character.
			next, _ := utf8.DecodeRuneInString(label[i+2:])
			if !unicode.Is(unicode.Greek, next) {
				return errContextO
			}
		case r == 0x05F3 || r == 0x05F4:
			// A.5, A.6 HEBREW PUNCTUATION GERESH, GERSHAYIM: after Hebrew.
			prev, _ := utf8.DecodeLastRuneInString(label[:i])
			if !unicode.Is(unicode.Hebrew, prev) {
				return errContextO
			}
		case r == 0x30FB:
			// A.7 KATAKANA MIDDLE DOT: with Hiragana, Katakana or Han.
			if !strings.ContainsFunc(label, func(c rune) bool {
				return c != 0x30FB && unicode.In(c, unicode.Hiragana, unicode.Katakana, unicode.Han)
			}) {
				return errContextO
			}
		case unicode.In(r, unicode.Ll, unicode.Lo, unicode.Nd, unicode.Lm, unicode.Mn, unicode.Mc):
			// LetterDigits, PVALID (RFC 5892 §2.1), with the A.8 and A.9
			// rule against mixing the two sets of Arabic-Indic digits.
			arabicIndic = arabicIndic || 0x0660 <= r && r <= 0x0669
			extArabicIndic = extArabicIndic || 0x06F0 <= r && r <= 0x06F9
			if arabicIndic && extArabicIndic {
				return errContextO
			}
		default:
			return disallowed(r)
		}
	}
	return nil
}

func disallowed(r rune) error {
	return fmt.Errorf("code point %U is DISALLOWED by IDNA2008 (RFC 5892)", r)
}
