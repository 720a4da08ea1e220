package streamtest

import (
	"fmt"
	"strings"
)

// Role is one side of an XML stream, as a script names it.
type Role uint8

// The two roles of RFC 6120 §4.1.
const (
	// Initiator is the initiating entity: a client, or the server that
	// opens a server-to-server stream. Scripts mark its lines "C:" (as
	// RFC 6120 §7–§9 and RFC 6121 do) or "I:" (as RFC 6120 §4 does).
	Initiator Role = iota + 1
	// Receiver is the receiving entity: the server. Scripts mark its
	// lines "S:" or "R:".
	Receiver
)

// String returns "C" or "S", the marks the Recorder writes.
func (r Role) String() string {
	switch r {
	case Initiator:
		return "C"
	case Receiver:
		return "S"
	}
	return "role(?)"
}

// Peer returns the other role.
func (r Role) Peer() Role {
	switch r {
	case Initiator:
		return Receiver
	case Receiver:
		return Initiator
	}
	return r
}

// roleOf maps a line's mark to a role.
func roleOf(mark string) (Role, bool) {
	switch mark {
	case "C", "I":
		return Initiator, true
	case "S", "R":
		return Receiver, true
	}
	return 0, false
}

// Entry is one entry of a Script: what one side sends at one point.
type Entry struct {
	// Line is the line number (from 1) of the entry's first line in the
	// text given to Parse.
	Line int
	// Role is the side that sends it.
	Role Role
	// Text is the entry as written: the text after the mark on its first
	// line, then each continuation line after a newline, with the
	// script's common indentation removed and trailing blanks trimmed.
	// Played by its own role, it is the exact bytes written.
	Text string

	lines []int // the script line of each line of Text, when known
}

// Script is a conversation in the notation of the XMPP RFCs' examples,
// read by Parse and played by Play. See the package documentation for
// the notation.
type Script struct {
	// Name, when not empty, prefixes the line numbers in errors
	// ("name:12"), for scripts read from files.
	Name string
	// NS is the content namespace in which the script's expected
	// elements are read until an expected stream header declares
	// another (RFC 6120 §4.8.2). Empty means jabber:client.
	NS string
	// Entries are the entries, in order.
	Entries []Entry
}

// ParseError reports a script that cannot be used: a line Parse does
// not understand, or, from Play and Compare, an expected entry that is
// not XML (an entry played as sent is never parsed).
type ParseError struct {
	// Name is the Script's Name, if any.
	Name string
	// Line is the line number (from 1) of the problem.
	Line int
	// Msg says what is wrong.
	Msg string
	// Err is the underlying error, if any (an *xml.SyntaxError…).
	Err error
}

// Error returns "streamtest: [name:]line N: msg[: err]".
func (e *ParseError) Error() string {
	s := "streamtest: " + where(e.Name, e.Line) + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns Err.
func (e *ParseError) Unwrap() error { return e.Err }

// where formats a script position.
func where(name string, line int) string {
	if name != "" {
		return fmt.Sprintf("%s:%d", name, line)
	}
	return fmt.Sprintf("line %d", line)
}

// Parse reads a script. Each entry starts on a line beginning with a
// mark — "C:" or "I:" for the initiating entity, "S:" or "R:" for the
// receiving entity — followed by XML; indented lines that follow
// continue the entry (the RFCs pretty-print long elements so). Blank
// lines, and lines beginning with '#', are ignored. The indentation
// common to all non-blank lines is removed first, so a script can be an
// indented raw string literal. Parse checks the layout only: whether the
// XML is well-formed is for Play to find out, since a script may send
// malformed XML on purpose.
func Parse(text string) (*Script, error) {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	indent := commonIndent(lines)
	s := &Script{}
	var cur *Entry
	for i, l := range lines {
		n := i + 1
		if l == "" {
			continue
		}
		l = l[len(indent):]
		switch {
		case l[0] == '#':
			continue
		case l[0] == ' ' || l[0] == '\t':
			if cur == nil {
				return nil, &ParseError{Line: n, Msg: "continuation line before the first entry"}
			}
			if cur.Text == "" {
				cur.Text, cur.lines[0] = strings.TrimLeft(l, " \t"), n
			} else {
				cur.Text += "\n" + l
				cur.lines = append(cur.lines, n)
			}
			continue
		}
		mark, rest, ok := strings.Cut(l, ":")
		role, known := roleOf(mark)
		if !ok || !known {
			return nil, &ParseError{Line: n, Msg: fmt.Sprintf("want a line starting with C:, S:, I:, R: or #, a blank or an indented line, got %q", clip(l, 40))}
		}
		if cur != nil && cur.Text == "" {
			return nil, &ParseError{Line: cur.Line, Msg: "empty entry"}
		}
		s.Entries = append(s.Entries, Entry{Line: n, Role: role, Text: strings.TrimLeft(rest, " \t"), lines: []int{n}})
		cur = &s.Entries[len(s.Entries)-1]
	}
	if cur != nil && cur.Text == "" {
		return nil, &ParseError{Line: cur.Line, Msg: "empty entry"}
	}
	return s, nil
}

// MustParse is Parse for scripts known to be valid, such as package-level
// variables in tests: it panics if Parse fails.
func MustParse(text string) *Script {
	s, err := Parse(text)
	if err != nil {
		panic(err)
	}
	return s
}

// commonIndent returns the longest run of leading blanks shared by every
// non-empty line.
func commonIndent(lines []string) string {
	var indent string
	first := true
	for _, l := range lines {
		if l == "" {
			continue
		}
		lead := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			indent, first = lead, false
			continue
		}
		i := 0
		for i < len(indent) && i < len(lead) && indent[i] == lead[i] {
			i++
		}
		indent = indent[:i]
	}
	return indent
}

// clip shortens s to about n bytes for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// String returns the script in its notation, each entry's first line
// after its mark and its continuation lines indented, so that
// Parse(s.String()) gives back the entries Parse made (less their line
// numbers).
func (s *Script) String() string {
	var b strings.Builder
	for _, e := range s.Entries {
		b.WriteString(e.Role.String())
		b.WriteString(": ")
		for i, l := range strings.Split(e.Text, "\n") {
			if i > 0 {
				b.WriteByte('\n')
				if l != "" && l[0] != ' ' && l[0] != '\t' {
					b.WriteString("   ")
				}
			}
			b.WriteString(l)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
