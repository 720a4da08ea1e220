package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// errSendStreamError is returned by Send for a *streamerror.Error: a
// stream error must be followed by the closing tag, which
// CloseWithError does.
var errSendStreamError = errors.New("stream: send: a stream error ends the stream: use CloseWithError")

// maxKeep is the largest write buffer kept for later writes.
const maxKeep = 64 << 10

// wbufs holds the write buffers of the Streams between writes, so that
// a Stream that is not writing holds none: boxes (*[]byte) of buffers
// of at most maxKeep bytes.
var wbufs = sync.Pool{New: func() any { return new([]byte) }}

// wbufStart returns an empty write buffer, from the pool unless the
// Stream holds one; the write lock is held.
func (s *Stream) wbufStart() []byte {
	if s.wbox == nil {
		s.wbox = wbufs.Get().(*[]byte)
	}
	return (*s.wbox)[:0]
}

// wbufDone hands the buffer b, written, back to the pool; the write
// lock is held.
func (s *Stream) wbufDone(b []byte) {
	if s.wbox == nil {
		s.wbox = wbufs.Get().(*[]byte)
	}
	if cap(b) <= maxKeep {
		*s.wbox = b[:0]
	} else {
		*s.wbox = nil
	}
	wbufs.Put(s.wbox)
	s.wbox = nil
}

// Send writes one first-level element: a *stanza.Message,
// *stanza.Presence, *stanza.IQ or a *stanza.Raw (any other element, such
// as an extension's nonza). It is safe for concurrent use: the element
// is encoded in full and written with a single Write, under a lock, so
// it is never interleaved with another. An element that cannot be
// encoded (see stanza.AppendElement) fails without writing anything and
// leaves the stream as it was.
//
// If ctx is done before the element is written, Send returns its error
// and writes nothing; if it is done while the Write blocks, the write is
// interrupted (see Open for how), and since the peer may have received
// part of the element the stream is over: the transport is closed.
//
// Concurrent Sends are written together: the elements of the Sends that
// wait while another writes are written, each whole and in the order
// they came, with a single Write by the first of them to get the lock,
// within that Send's ctx. A waiting Send whose ctx ends before its
// element is taken returns ctx's error, its element unwritten.
//
// After this side has closed its stream (Close, CloseWithError, a stream
// error sent) Send returns ErrClosed; after a write failed, that error.
// A *streamerror.Error is refused: use CloseWithError.
func (s *Stream) Send(ctx context.Context, v stanza.Element) error {
	return s.send(ctx, v, false)
}

// send is Send; secret marks v for the trace as carrying secrets. An
// uncontended Send writes at once; one that finds another writing joins
// the write queue (sendQueued).
func (s *Stream) send(ctx context.Context, v stanza.Element, secret bool) error {
	if _, ok := v.(*streamerror.Error); ok {
		return errSendStreamError
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stream: send: %w", context.Cause(ctx))
	}
	select {
	case s.wsem <- struct{}{}:
	default:
		return s.sendQueued(ctx, v, secret)
	}
	defer s.unlockWrite()
	if s.wclosed {
		return s.werr
	}
	b, err := s.fr.appendElement(s.wbufStart(), v)
	if err != nil {
		return fmt.Errorf("stream: send: %w", err)
	}
	if err := s.writeLocked(ctx, b, secret); err != nil {
		return err
	}
	s.sent(v)
	return nil
}

// SendAll's bounds on one Write: past maxBatch bytes or maxBatchEls
// elements, it starts another.
const (
	maxBatch    = 32 << 10
	maxBatchEls = 64
)

// SendAll writes the elements, in order, as Send would write each, but
// together: with one Write for as many as fit in 32 KiB (an element
// larger than that gets a Write of its own), so that a server with
// several stanzas queued for one client saves a system call per stanza.
// The trace still sees one event per element.
//
// An element that cannot be encoded stops the call: the elements before
// it are written, it and those after it are not, and the error wraps the
// encoding error. The other rules are Send's; when a Write fails or ctx
// interrupts it, the stream is over.
func (s *Stream) SendAll(ctx context.Context, els ...stanza.Element) error {
	if err := s.lockWrite(ctx); err != nil {
		return err
	}
	defer s.unlockWrite()
	var ends [maxBatchEls]int // where each element of a Write ends, for the trace
	for i := 0; i < len(els); {
		if s.wclosed {
			return s.werr
		}
		b, n := s.wbufStart(), 0
		var bad error
		for i < len(els) && n < maxBatchEls && (n == 0 || len(b) < maxBatch) {
			if _, ok := els[i].(*streamerror.Error); ok {
				bad = errSendStreamError
				break
			}
			nb, err := s.fr.appendElement(b, els[i])
			if err != nil {
				bad = fmt.Errorf("stream: send: element %d: %w", i, err)
				break
			}
			b = nb
			ends[n] = len(b)
			n++
			i++
		}
		if n > 0 {
			if err := s.writeUnits(ctx, b, false, ends[:n]); err != nil {
				return err
			}
			for _, v := range els[i-n : i] {
				s.sent(v)
			}
		} else {
			s.wbufDone(b)
		}
		if bad != nil {
			return bad
		}
	}
	return nil
}

// SendKeepalive writes a whitespace keepalive, a single space between
// elements (RFC 6120 §4.6.1), under the same rules as Send.
func (s *Stream) SendKeepalive(ctx context.Context) error {
	if err := s.lockWrite(ctx); err != nil {
		return err
	}
	defer s.unlockWrite()
	if s.wclosed {
		return s.werr
	}
	return s.writeLocked(ctx, s.fr.appendKeepalive(s.wbufStart()), false)
}

// lockWrite takes the write lock, unless ctx is done first.
func (s *Stream) lockWrite(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stream: send: %w", context.Cause(ctx))
	}
	select {
	case s.wsem <- struct{}{}: // uncontended: no full select
		return nil
	default:
	}
	select {
	case s.wsem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stream: send: %w", context.Cause(ctx))
	}
}

func (s *Stream) unlockWrite() { <-s.wsem }

// writeLocked writes b, one or more complete units, with one Write; the
// write lock is held. secret marks b for the trace as carrying secrets.
// A failed or interrupted write ends the stream: the transport is closed
// and every later write returns the error.
func (s *Stream) writeLocked(ctx context.Context, b []byte, secret bool) error {
	return s.writeUnits(ctx, b, secret, nil)
}

// writeUnits is writeLocked for b holding several units that end at
// ends, each traced as an event of its own (nil: b is one unit).
func (s *Stream) writeUnits(ctx context.Context, b []byte, secret bool, ends []int) error {
	if s.tClosed.Load() {
		// The transport is gone (the peer vanished, a read was
		// interrupted): nothing can be written.
		s.wclosed, s.werr = true, s.closedErr()
		s.wwait.release()
		return s.werr
	}
	armed := s.wwait.start(s, ioWrite, ctx)
	n, err := s.rw.Write(b)
	if ends == nil {
		s.trace(Out, b[:n], secret)
	} else {
		start := 0
		for _, e := range ends {
			s.trace(Out, b[start:min(e, n)], secret)
			if start = e; start >= n {
				break
			}
		}
	}
	if s.wwait.end(s, ioWrite, armed) && err != nil {
		err = context.Cause(ctx)
	}
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	s.wbufDone(b)
	if err != nil {
		err = fmt.Errorf("stream: write: %w", err)
		s.wclosed, s.werr = true, err
		s.wwait.release()
		s.abortive.Store(true)
		s.shutdown(err)
		return err
	}
	return nil
}
