package streamtest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var parseTests = []struct {
	name string
	text string
	want []Entry
}{
	{
		name: "one line each",
		text: "C: <presence/>\nS: <presence from='a@b'/>\n",
		want: []Entry{
			{Line: 1, Role: Initiator, Text: "<presence/>"},
			{Line: 2, Role: Receiver, Text: "<presence from='a@b'/>"},
		},
	},
	{
		name: "continuation lines, as the RFCs pretty-print",
		text: "C: <message to='romeo@example.net'>\n     <body>Art thou not Romeo?</body>\n   </message>\nS: </stream:stream>",
		want: []Entry{
			{Line: 1, Role: Initiator, Text: "<message to='romeo@example.net'>\n     <body>Art thou not Romeo?</body>\n   </message>"},
			{Line: 4, Role: Receiver, Text: "</stream:stream>"},
		},
	},
	{
		name: "comments and blank lines are ignored, even inside an entry",
		text: "# the seed\n\nC: <message>\n\n# a note\n     <body>x</body>\n   </message>\n\n",
		want: []Entry{
			{Line: 3, Role: Initiator, Text: "<message>\n     <body>x</body>\n   </message>"},
		},
	},
	{
		name: "common indentation removed (a raw string literal in Go code)",
		text: "\n\t\tC: <a/>\n\t\t   <b/>\n\t\tS: <c/>\n\t",
		want: []Entry{
			{Line: 2, Role: Initiator, Text: "<a/>\n   <b/>"},
			{Line: 4, Role: Receiver, Text: "<c/>"},
		},
	},
	{
		name: "RFC 6120 §4 marks I: and R:",
		text: "I: <?xml version='1.0'?>\nR: <?xml version='1.0'?>",
		want: []Entry{
			{Line: 1, Role: Initiator, Text: "<?xml version='1.0'?>"},
			{Line: 2, Role: Receiver, Text: "<?xml version='1.0'?>"},
		},
	},
	{
		name: "text starting on the next line",
		text: "S:\n   <stream:features/>",
		want: []Entry{{Line: 1, Role: Receiver, Text: "<stream:features/>"}},
	},
	{
		name: "trailing blanks and CRLF trimmed; malformed XML kept as is",
		text: "C: <message xml:lang='en'><body>Bad XML, no closing body tag!</message>  \r\n",
		want: []Entry{{Line: 1, Role: Initiator, Text: "<message xml:lang='en'><body>Bad XML, no closing body tag!</message>"}},
	},
	{name: "empty", text: "", want: nil},
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, s.Entries, cmpopts.IgnoreUnexported(Entry{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Parse(%q) entries (-want +got):\n%s", tt.text, diff)
			}
			// String gives back what Parse reads.
			again, err := Parse(s.String())
			if err != nil {
				t.Fatalf("Parse(String()): %v", err)
			}
			if diff := cmp.Diff(s.Entries, again.Entries, cmpopts.IgnoreUnexported(Entry{}), cmpopts.IgnoreFields(Entry{}, "Line"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Parse(String()) (-first +again):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		text string
		line int
	}{
		{"unknown mark", "C: <a/>\nX: <b/>", 2},
		{"no mark", "<presence/>", 1},
		{"continuation before any entry", "# hi\n  <a/>\nC: <b/>", 2},
		{"empty entry", "C:\nS: <a/>", 1},
		{"empty last entry", "C: <a/>\nS:", 2},
		{"lower-case mark", "c: <a/>", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.text)
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != tt.line {
				t.Fatalf("Parse(%q) = %v, want a *ParseError at line %d", tt.text, err, tt.line)
			}
			t.Log(err)
		})
	}
}

func TestMustParsePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("MustParse of a bad script did not panic")
		}
	}()
	MustParse("nonsense")
}

func TestRole(t *testing.T) {
	t.Parallel()
	if Initiator.String() != "C" || Receiver.String() != "S" || Role(0).String() != "role(?)" {
		t.Errorf("String: %q %q %q", Initiator, Receiver, Role(0))
	}
	if Initiator.Peer() != Receiver || Receiver.Peer() != Initiator {
		t.Error("Peer")
	}
}
