package streamtest

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/xmppkit/xmpp/stream"
)

// RecordOptions configures a Recorder. A nil *RecordOptions means the
// zero RecordOptions.
type RecordOptions struct {
	// Prefix is written at the start of every line, before the mark: a
	// name telling apart several recorders writing to one place.
	Prefix string
}

// Recorder writes the traffic of a Stream as a transcript in the
// notation of Parse: one line per header, first-level element or
// closing tag, marked "C:" or "S:" by who sent it; the XML declaration
// stays with the header it precedes, whitespace between elements is
// left out, an element sent over several lines keeps them, indented as
// continuation lines. Without a Prefix the transcript parses back into a
// Script.
//
// Use its Trace method as stream.Config.Trace. The Stream reports bytes
// per Read and per Write (see stream.Event), so the Recorder splits
// them into elements itself: it writes an element once all of it has
// arrived. What was read of an element that never completes (malformed
// XML the Stream answered with a stream error) is written when this side
// closes its stream, or by Flush. Traffic the Stream redacted (SASL
// secrets, RFC 6120 §6) is written as one "[redacted]" line.
//
// A Recorder may be used by one Stream at a time; its methods may be
// called concurrently. It holds at most 1 MiB of a partial element per
// direction, writing what it holds as a line when that is exceeded.
type Recorder struct {
	mu     sync.Mutex
	w      io.Writer
	role   Role
	prefix string
	in     splitter
	out    splitter
	err    error
}

// NewRecorder returns a Recorder writing to w the traffic of a Stream
// playing role: Initiator for a Stream from stream.Open, whose writes
// are marked "C:" and reads "S:", Receiver for one from stream.Accept.
func NewRecorder(w io.Writer, role Role, opts *RecordOptions) *Recorder {
	r := &Recorder{w: w, role: role}
	if opts != nil {
		r.prefix = opts.Prefix
	}
	return r
}

// Trace records one event; it is a stream.Config.Trace hook. It writes
// the lines the event completes, synchronously, and keeps nothing of
// e.Data beyond what it must buffer.
func (r *Recorder) Trace(e stream.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	from, sp := r.role.Peer(), &r.in
	if e.Dir == stream.Out {
		from, sp = r.role, &r.out
	}
	if e.Redacted {
		r.emit(from, sp.flush())
		if !sp.redacted {
			r.line(from, "[redacted]")
		}
		sp.redacted = true
		return
	}
	sp.redacted = false
	lines, ended := sp.feed(e.Data)
	if e.Dir == stream.Out && ended {
		// Our closing tag: whatever was read of an element that never
		// completed will not complete now (§4.4), and comes first.
		r.emit(r.role.Peer(), r.in.flush())
	}
	r.emit(from, lines)
	if e.Dir == stream.Out {
		// Each write is whole units (stream.Event).
		r.emit(from, sp.flush())
	}
}

// Flush writes what was received of an element that has not completed,
// and returns the first error writing to w, if any.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emit(r.role.Peer(), r.in.flush())
	r.emit(r.role, r.out.flush())
	return r.err
}

func (r *Recorder) emit(from Role, lines []string) {
	for _, l := range lines {
		r.line(from, l)
	}
}

// line writes one entry of the transcript.
func (r *Recorder) line(from Role, text string) {
	if r.err != nil {
		return
	}
	head := r.prefix + from.String() + ": "
	cont := "\n" + strings.Repeat(" ", utf8.RuneCountInString(head))
	lines := strings.Split(strings.ToValidUTF8(text, "\uFFFD"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	// Continuation lines keep their indentation relative to each other.
	indent := len(commonIndent(lines[1:]))
	var b strings.Builder
	b.WriteString(head)
	for i, l := range lines {
		if i > 0 {
			if l == "" {
				continue
			}
			b.WriteString(cont)
			l = l[indent:]
		}
		b.WriteString(l)
	}
	b.WriteByte('\n')
	_, r.err = io.WriteString(r.w, b.String())
}

// maxPending bounds what a splitter holds of one unfinished item.
const maxPending = 1 << 20

// splitter splits XML arriving in pieces into top-level items: a stream
// header with the XML declaration before it, a first-level element, a
// closing tag, or text. It only finds boundaries (tags, quoted values,
// comments, CDATA, depth), not errors.
type splitter struct {
	buf      []byte // pending bytes, from the start of the current item
	pos      int    // buf[:pos] is scanned
	depth    int
	started  bool // a tag of the current item was seen
	redacted bool // the last event was redacted
}

// feed adds p and returns the items it completes, and whether one was
// a closing tag at the top level.
func (sp *splitter) feed(p []byte) (lines []string, ended bool) {
	sp.buf = append(sp.buf, p...)
	for {
		done, end, ok := sp.scan()
		if !ok {
			break
		}
		if done {
			lines = append(lines, sp.take())
			ended = ended || end
		}
	}
	if len(sp.buf) > maxPending {
		lines = append(lines, sp.flush()...)
	}
	return lines, ended
}

// take removes the scanned item from buf and returns it.
func (sp *splitter) take() string {
	s := strings.TrimSpace(string(sp.buf[:sp.pos]))
	sp.buf = sp.buf[:copy(sp.buf, sp.buf[sp.pos:])]
	sp.pos, sp.depth, sp.started = 0, 0, false
	return s
}

// flush returns whatever is pending as an item, and resets.
func (sp *splitter) flush() []string {
	sp.pos = len(sp.buf)
	s := sp.take()
	if s == "" {
		return nil
	}
	return []string{s}
}

// scan scans one construct from pos. It reports ok false when the
// construct is not all there yet; done when it completes an item, and
// end when that item is a top-level closing tag.
func (sp *splitter) scan() (done, end, ok bool) {
	b := sp.buf[sp.pos:]
	if len(b) == 0 {
		return false, false, false
	}
	if b[0] != '<' {
		i := bytes.IndexByte(b, '<')
		if sp.depth == 0 && !sp.started {
			text := b
			if i >= 0 {
				text = b[:i]
			}
			if sp.pos == 0 && len(bytes.TrimSpace(text)) == 0 {
				// Whitespace between items: drop it. (After a comment
				// or declaration the item has begun: keep it.)
				if i < 0 {
					sp.buf = sp.buf[:sp.pos]
					return false, false, false
				}
				sp.buf = append(sp.buf[:sp.pos], b[i:]...)
				return false, false, true
			}
			if i < 0 {
				return false, false, false // text may go on
			}
			sp.pos += i
			return true, false, true // text at the top level
		}
		if i < 0 {
			sp.pos = len(sp.buf)
			return false, false, false
		}
		sp.pos += i
		return false, false, true
	}
	var n int
	switch {
	case bytes.HasPrefix(b, []byte("<!--")):
		n = closeAt(b, "-->", 4)
	case bytes.HasPrefix(b, []byte("<![CDATA[")):
		n = closeAt(b, "]]>", 9)
	case len(b) < 9 && bytes.HasPrefix([]byte("<![CDATA["), b), len(b) < 4 && bytes.HasPrefix([]byte("<!--"), b):
		return false, false, false
	case bytes.HasPrefix(b, []byte("<?")):
		n = closeAt(b, "?>", 2)
		if n > 0 && sp.depth == 0 {
			sp.started = true // the XML declaration goes with the header
		}
	case bytes.HasPrefix(b, []byte("<!")):
		n = closeAt(b, ">", 2)
	default:
		n = tagEnd(b)
		if n < 0 {
			return false, false, false
		}
		sp.pos += n
		tag := b[:n]
		switch {
		case len(tag) > 1 && tag[1] == '/':
			if sp.depth == 0 {
				return true, true, true
			}
			sp.depth--
			return sp.depth == 0, false, true
		case bytes.HasSuffix(tag, []byte("/>")):
			sp.started = true
			return sp.depth == 0, false, true
		case sp.depth == 0 && isStreamTag(tag):
			return true, false, true
		}
		sp.depth++
		sp.started = true
		return false, false, true
	}
	if n < 0 {
		return false, false, false
	}
	sp.pos += n
	return false, false, true
}

// closeAt returns the length of b up to and including the first delim
// at or after from, or -1.
func closeAt(b []byte, delim string, from int) int {
	if from > len(b) {
		return -1
	}
	i := bytes.Index(b[from:], []byte(delim))
	if i < 0 {
		return -1
	}
	return from + i + len(delim)
}

// tagEnd returns the length of the tag b starts with, up to and
// including its '>' (outside quoted values), or -1.
func tagEnd(b []byte) int {
	var quote byte
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '>':
			return i + 1
		}
	}
	return -1
}

// isStreamTag reports whether a start tag opens a stream: its local
// name is "stream" (RFC 6120 §4.2).
func isStreamTag(tag []byte) bool {
	name := tag[1:]
	if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
		name = name[:i]
	}
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	return string(name) == "stream"
}
