package streamerror

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse checks that Parse never panics, fails only with its sentinels,
// that whatever it accepts is written by AppendXML and parsed back to the
// same value, and that UnmarshalXML agrees with it.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add([]byte(tt.in))
	}
	for _, tt := range parseErrorTests {
		f.Add([]byte(tt.in))
	}
	for _, c := range allConditions {
		b, _ := (&Error{Condition: c, Host: map[bool]string{true: "h"}[c == SeeOtherHost]}).AppendXML(nil)
		f.Add(declare(b))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		e, err := Parse(in)
		if err != nil {
			if e != nil {
				t.Fatalf("Parse returned %v with error %v", e, err)
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNoCondition) {
				t.Fatalf("Parse error %v wraps no sentinel", err)
			}
			if !strings.HasPrefix(err.Error(), "streamerror: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		checkRewrite(t, e)

		var u Error
		if err := xml.Unmarshal(in, &u); err != nil {
			t.Fatalf("Parse accepted %q, xml.Unmarshal: %v", in, err)
		}
		pe := *e
		pa, ua := canonApp(t, pe.App), canonApp(t, u.App)
		if string(pa) != string(ua) {
			t.Fatalf("App: Parse %s, UnmarshalXML %s; canonical %s and %s", pe.App, u.App, pa, ua)
		}
		if string(canonApp(t, ua)) != string(ua) {
			t.Fatalf("UnmarshalXML's App %s is not canonical", ua)
		}
		pe.App, u.App = nil, nil
		if d := cmp.Diff(&pe, &u); d != "" {
			t.Fatalf("Parse and UnmarshalXML differ (-Parse +UnmarshalXML):\n%s", d)
		}
	})
}

// canonApp returns app as UnmarshalXML rebuilds it.
func canonApp(t *testing.T, app []byte) []byte {
	t.Helper()
	if app == nil {
		return nil
	}
	in := "<error xmlns='" + StreamsNS + "'><bad-format xmlns='" + NS + "'/>" + string(app) + "</error>"
	var e Error
	if err := xml.Unmarshal([]byte(in), &e); err != nil {
		t.Fatalf("App %s is not a namespace-complete element: %v", app, err)
	}
	return e.App
}

// FuzzAppendXML checks that AppendXML either refuses a value with
// ErrInvalid or writes what Parse reads back unchanged.
func FuzzAppendXML(f *testing.F) {
	f.Add("not-well-formed", "Some special application diagnostic information!", "en", "")
	f.Add("see-other-host", "", "", "[2001:41D0:1:A49b::1]:9222")
	f.Add("bad-format", "a&b<c>d'e\"f\t\n\r", "a'\"&<\t\n\r", "")
	f.Add("bad-format", "a\x00b\xff\uFFFE", "", "")
	f.Add("see-other-host", "", "", " x ")
	f.Add("xml-not-well-formed", "", "", "")
	f.Fuzz(func(t *testing.T, cond, text, lang, host string) {
		e := &Error{Condition: Condition(cond), Text: text, Lang: lang, Host: host}
		b, err := e.AppendXML(nil)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("AppendXML error %v does not wrap ErrInvalid", err)
			}
			return
		}
		back, err := Parse(declare(b))
		if err != nil {
			t.Fatalf("Parse(%s): %v", b, err)
		}
		if d := cmp.Diff(e, back); d != "" {
			t.Fatalf("Parse(AppendXML) differs (-wrote +read):\n%s", d)
		}
	})
}
