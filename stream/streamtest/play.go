package streamtest

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// MismatchError reports that the peer did not send what the script
// expected: something else (Diff tells what differs), or nothing (Err
// tells why: io.EOF, a read error, the ctx's error, XML that is not
// well-formed).
type MismatchError struct {
	// Name is the Script's Name, if any.
	Name string
	// Line is the script line (from 1) of the expected element.
	Line int
	// Want is the expected element as the script writes it.
	Want string
	// Got is what the peer sent instead, as it sent it; empty when Err
	// is set.
	Got string
	// Diff compares the two in canonical form (see the package
	// documentation), line by line: lines only expected are prefixed
	// "- ", lines only received "+ ", common lines "  ". Placeholders
	// that matched show the received value, so only the differences
	// are marked. Empty when Err is set.
	Diff string
	// Err is why nothing matching could be read, if so.
	Err error
}

// Error returns "streamtest: line N: ..." with the expected element, and
// either what was received and the diff, or the read error.
func (e *MismatchError) Error() string {
	var b strings.Builder
	b.WriteString("streamtest: ")
	b.WriteString(where(e.Name, e.Line))
	if e.Err != nil {
		b.WriteString(": expected ")
		b.WriteString(clip(oneLine(e.Want), 200))
		b.WriteString(", but reading failed: ")
		b.WriteString(e.Err.Error())
		return b.String()
	}
	b.WriteString(": received XML does not match\nwant: ")
	b.WriteString(indentLines(e.Want, "      "))
	b.WriteString("\ngot:  ")
	b.WriteString(indentLines(e.Got, "      "))
	b.WriteString("\ndiff (-want +got):\n")
	b.WriteString(e.Diff)
	return strings.TrimSuffix(b.String(), "\n")
}

// Unwrap returns Err.
func (e *MismatchError) Unwrap() error { return e.Err }

func indentLines(s, indent string) string { return strings.ReplaceAll(s, "\n", "\n"+indent) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// step is one entry of a compiled script: bytes to send, or items to
// expect.
type step struct {
	entry *Entry
	want  []*item
}

// entryLine maps a line of an entry's text (from 1) to a script line.
func entryLine(e *Entry, line int) int {
	if line >= 1 && line <= len(e.lines) {
		return e.lines[line-1]
	}
	return e.Line + line - 1
}

// compile reads the entries role does not send as expected XML, and
// checks the placeholders of those it sends.
func (s *Script) compile(role Role) ([]step, error) {
	if role != Initiator && role != Receiver {
		return nil, fmt.Errorf("streamtest: play: invalid role %d", role)
	}
	context := defaultContext(s.NS)
	seen := map[string]bool{} // captures an expected entry binds
	steps := make([]step, 0, len(s.Entries))
	for i := range s.Entries {
		e := &s.Entries[i]
		if e.Role != Initiator && e.Role != Receiver {
			return nil, &ParseError{Name: s.Name, Line: e.Line, Msg: fmt.Sprintf("invalid role %d", e.Role)}
		}
		if e.Role == role {
			for _, m := range placeholder.FindAllStringSubmatch(e.Text, -1) {
				switch name := m[1]; {
				case name == anyName:
					return nil, &ParseError{Name: s.Name, Line: e.Line, Msg: "{{any}} in an entry this side sends"}
				case !seen[name]:
					return nil, &ParseError{Name: s.Name, Line: e.Line, Msg: fmt.Sprintf("{{%s}} sent before an expected entry captures it", name)}
				}
			}
			steps = append(steps, step{entry: e})
			continue
		}
		items, top, err := parseExpected(e.Text, context)
		if err != nil {
			line := e.Line
			if pl, ok := lineOf(err); ok {
				line = entryLine(e, pl)
			}
			return nil, &ParseError{Name: s.Name, Line: line, Msg: "expected entry is not XML", Err: err}
		}
		context = top
		for _, it := range items {
			it.line = entryLine(e, it.line)
		}
		for _, m := range placeholder.FindAllStringSubmatch(e.Text, -1) {
			seen[m[1]] = true
		}
		steps = append(steps, step{entry: e, want: items})
	}
	return steps, nil
}

// parseExpected reads the items of expected text in context, and returns
// the context that follows (changed by a stream header).
func parseExpected(text string, context []nsBind) ([]*item, []nsBind, error) {
	r := newItemReader(strings.NewReader(markEllipses(text)), context, true)
	var items []*item
	for {
		it, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				err = errors.New("an element is not closed")
			}
			return nil, nil, err
		}
		it.raw = unmarkEllipses(it.raw)
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, nil, errors.New("no XML")
	}
	return items, r.top, nil
}

// lineOf returns the line of a syntax error.
func lineOf(err error) (int, bool) {
	var xe *xml.SyntaxError
	if errors.As(err, &xe) {
		return xe.Line, true
	}
	return 0, false
}

// Play plays the entries of role from the script against the peer at
// the other end of rw, and checks that the peer sends what the other
// role's entries say, in that order. Entries of role are written as
// they are, one Write each, so a script can send malformed XML on
// purpose; a {{name}} in them is replaced by the value captured under
// that name (escaped for XML). Entries of the other role are read as XML
// and matched as the package documentation describes; the first
// difference stops Play with a *MismatchError. Play returns nil when the
// script ends, without reading further.
//
// Before any I/O Play checks the script: an expected entry that is not
// XML, or a sent entry using {{any}} or a capture no earlier expected
// entry makes, is a *ParseError.
//
// ctx bounds Play. When rw has SetDeadline (a net.Conn), Play sets the
// deadline to ctx's and to the past when ctx is cancelled, and clears it
// on return; otherwise, if rw is an io.Closer, Play closes it when ctx
// is done; an rw with neither cannot be interrupted. What the peer sends
// is read with limits (1 MiB per element, nesting 256 deep, 16384
// elements and texts in one), so no peer can make Play hang past ctx or
// hold more than that. Play may read ahead of what it matches: bytes the
// peer sent after the last expected element may be consumed.
func (s *Script) Play(ctx context.Context, rw io.ReadWriter, role Role) error {
	steps, err := s.compile(role)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("streamtest: play: %w", context.Cause(ctx))
	}
	defer interruptOn(ctx, rw)()
	rd := newItemReader(rw, defaultContext(s.NS), false)
	m := newMatcher()
	for _, st := range steps {
		if st.want == nil {
			b := placeholder.ReplaceAllStringFunc(st.entry.Text, func(p string) string {
				return escapeAttr(m.caps[p[2:len(p)-2]])
			})
			if _, err := io.WriteString(rw, b); err != nil {
				return fmt.Errorf("streamtest: %s: write: %w", where(s.Name, st.entry.Line), ioErr(ctx, err))
			}
			continue
		}
		for _, want := range st.want {
			got, err := rd.next()
			if err != nil {
				return &MismatchError{Name: s.Name, Line: want.line, Want: want.raw, Err: ioErr(ctx, err)}
			}
			if !m.item(want, got) {
				return m.mismatch(s.Name, want, got)
			}
		}
	}
	return nil
}

// mismatch builds the error for want not matching got.
func (m *matcher) mismatch(name string, want, got *item) *MismatchError {
	// Both relative to the same default namespace, so that a difference
	// of namespace shows.
	w, g := render(m.resolve(want, got), want.ns), render(got, want.ns)
	diff := lineDiff(w, g)
	if w == g {
		diff += "(no difference in canonical form: a {{capture}} or an ellipsis did not match)\n"
	}
	return &MismatchError{Name: name, Line: want.line, Want: want.raw, Got: got.raw, Diff: diff}
}

// ioErr prefers the ctx's error to the transport's when the ctx is why
// the transport failed.
func ioErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", context.Cause(ctx), err)
	}
	if d, ok := ctx.Deadline(); ok && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(d) {
		return fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
	}
	return err
}

// aLongTimeAgo is a deadline in the past: it fails blocked I/O at once.
var aLongTimeAgo = time.Unix(1, 0)

// interruptOn makes ctx interrupt I/O on rw, and returns the function
// that undoes it.
func interruptOn(ctx context.Context, rw io.ReadWriter) (undo func()) {
	type deadliner interface{ SetDeadline(time.Time) error }
	if d, ok := rw.(deadliner); ok {
		if t, ok := ctx.Deadline(); ok {
			d.SetDeadline(t)
		}
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			d.SetDeadline(aLongTimeAgo)
			close(fired)
		})
		return func() {
			if !stop() {
				<-fired
			}
			d.SetDeadline(time.Time{})
		}
	}
	if c, ok := rw.(io.Closer); ok {
		stop := context.AfterFunc(ctx, func() { c.Close() })
		return func() { stop() }
	}
	return func() {}
}

// Run parses script and plays role's side of it against rw (see Play),
// within DefaultTimeout and the test's Context, and fails the test with
// tb.Fatal, showing the mismatch and its diff, if the peer does not
// follow the script. Call it from the goroutine running the test; from
// another goroutine, use Play and report its error.
func Run(tb testing.TB, script string, rw io.ReadWriter, role Role) {
	tb.Helper()
	s, err := Parse(script)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tb.Context(), DefaultTimeout)
	defer cancel()
	if err := s.Play(ctx, rw, role); err != nil {
		tb.Fatal(err)
	}
}

// Compare compares XML with what a script's expected entry would
// accept: want may hold several top-level items (a stream header,
// elements, </stream:stream>) and the placeholders of the package
// documentation, and is read with the stream prefix and jabber:client
// declared; got is read in the same context. It returns nil when got
// matches, a *MismatchError (Line counted in want) when it does not, a
// *ParseError when want is not XML.
func Compare(want, got string) error {
	ws, _, err := parseExpected(want, defaultContext(""))
	if err != nil {
		line := 1
		if l, ok := lineOf(err); ok {
			line = l
		}
		return &ParseError{Line: line, Msg: "want is not XML", Err: err}
	}
	rd := newItemReader(strings.NewReader(got), defaultContext(""), false)
	m := newMatcher()
	for _, w := range ws {
		g, err := rd.next()
		if err != nil {
			return &MismatchError{Line: w.line, Want: w.raw, Err: err}
		}
		if !m.item(w, g) {
			return m.mismatch("", w, g)
		}
	}
	if g, err := rd.next(); err != io.EOF {
		if err != nil {
			return &MismatchError{Line: ws[len(ws)-1].line, Want: "(nothing more)", Err: err}
		}
		return &MismatchError{Line: ws[len(ws)-1].line, Want: "(nothing more)", Got: g.raw,
			Diff: lineDiff("", render(g, g.ns))}
	}
	return nil
}
