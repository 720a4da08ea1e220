package stream

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// Next reads the next first-level element the peer sent: a
// *stanza.Message, *stanza.Presence or *stanza.IQ for a stanza, a
// *stanza.Raw for any other element. Whitespace keepalives (RFC 6120
// §4.6.1) are skipped, and so are the replies to pending SendIQ calls,
// which go to them. Next is called by one goroutine at a time.
//
// Its errors:
//   - io.EOF, unwrapped, once the peer has closed its stream with
//     </stream:stream> (§4.4). This side may still Send; Close then
//     sends our closing tag and closes the transport at once.
//   - a *streamerror.Error, unwrapped, when the peer sent a stream error
//     (§4.9); the peer closes its stream next, so the following Next
//     returns io.EOF. Call Close.
//   - a *LocalError when the peer violated the protocol (not well-formed
//     XML, a limit exceeded, …): the Stream has already sent the stream
//     error, its closing tag, and closed the transport. errors.Is(err,
//     stanza.ErrLimit) reports a limit (policy-violation, §4.9.3.14).
//   - an error wrapping *stanza.BadStanzaError for a stanza with an
//     invalid 'to', 'from' or value: not fatal; the stream goes on, and
//     the caller may answer with the stanza error it carries.
//   - an error wrapping ctx's error when ctx is done. If ctx ended while
//     Next was blocked reading, the read cannot be resumed part-way: the
//     stream is over and the transport closed (see Open), after a
//     connection-timeout stream error when ctx's deadline passed.
//   - ErrClosed after Close gave up waiting for the peer's closing tag,
//     a *LocalError carrying the stream error after CloseWithError, or
//     an I/O error when the peer vanished (io.ErrUnexpectedEOF when the
//     transport ended without a closing tag).
//
// Every error but BadStanzaError and a ctx done before reading began is
// returned again by later calls.
//
// While a SendIQ reads in Next's stead (see SendIQ), Next takes what it
// read, in order; its ctx may then end without harm to the stream.
func (s *Stream) Next(ctx context.Context) (stanza.Element, error) {
	q, err := s.acquireRead(ctx)
	if err != nil {
		return nil, err
	}
	if q != nil {
		return q.result()
	}
	defer s.unlockRead()
	if err := s.waitIdle(ctx); err != nil {
		return nil, err
	}
	return s.nextLocked(ctx)
}

// acquireRead waits until the caller may read: it returns either an
// element that a SendIQ read in Next's stead, or nil with the read lock
// held; or ctx's error.
func (s *Stream) acquireRead(ctx context.Context) (*queued, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("stream: next: %w", context.Cause(ctx))
	}
	bl := s.madeBacklog()
	select {
	case q := <-bl:
		s.iq.taken.Add(1)
		return q, nil
	default:
	}
	select {
	case s.rsem <- struct{}{}: // uncontended: no full select
		return nil, nil
	default:
	}
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	select {
	case s.rsem <- struct{}{}:
		return nil, nil
	case q := <-bl:
		s.iq.taken.Add(1)
		return q, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("stream: next: %w", context.Cause(ctx))
	}
}

func (s *Stream) unlockRead() { <-s.rsem }

// nextLocked is Next with the read lock held: the next element, those
// read earlier first, through the inbound hooks (which hand IQ replies
// to their SendIQ and take them away).
func (s *Stream) nextLocked(ctx context.Context) (stanza.Element, error) {
	bl := s.madeBacklog() // only the read lock's holder creates it
	for {
		select {
		case q := <-bl:
			s.iq.taken.Add(1)
			return q.result()
		default:
		}
		var el stanza.Element
		if len(s.pending) > 0 {
			el = s.popPending()
		} else {
			var err error
			if el, err = s.readFresh(ctx); err != nil {
				return nil, err
			}
		}
		consumed, err := s.received(ctx, el)
		if err != nil {
			return nil, err
		}
		if se, ok := el.(*streamerror.Error); ok {
			return nil, se
		}
		if !consumed {
			return el, nil
		}
	}
}

// queued is an element that a SendIQ (or Close) read in Next's stead
// and ran through the inbound hooks, or a non-fatal error (a
// BadStanzaError) for Next to return in its place. They wait in the
// backlog, which only the holder of the read lock adds to, and from
// which anyone takes (Next without the lock, so that it never waits for
// a read in progress while what it should return is there).
type queued struct {
	el  stanza.Element
	err error
}

// result is what Next returns for q.
func (q *queued) result() (stanza.Element, error) {
	if q.err != nil {
		return nil, q.err
	}
	if se, ok := q.el.(*streamerror.Error); ok {
		return nil, se
	}
	return q.el, nil
}

// backlog returns the queue of elements read in Next's stead (at most
// MaxBacklog), created on first use.
func (s *Stream) backlog() chan *queued {
	s.iq.blOnce.Do(func() {
		bl := make(chan *queued, MaxBacklog)
		s.iq.bl.Store(&bl)
	})
	return *s.iq.bl.Load()
}

// madeBacklog returns the backlog if it was created, else nil (a channel
// that is never ready, and of length 0): a stream that never needed one
// does not pay for it.
func (s *Stream) madeBacklog() chan *queued {
	if bl := s.iq.bl.Load(); bl != nil {
		return *bl
	}
	return nil
}

// keep adds q to the backlog unless it is full, and reports whether it
// did; the read lock is held.
func (s *Stream) keep(q *queued) bool {
	select {
	case s.backlog() <- q:
		return true
	default:
		return false
	}
}

// hookPending moves the elements read during negotiation (s.pending)
// to the backlog, through the inbound hooks, so that they stay ahead of
// what a SendIQ reads next; the read lock is held.
func (s *Stream) hookPending(ctx context.Context) {
	for len(s.pending) > 0 && len(s.madeBacklog()) < MaxBacklog {
		el := s.popPending()
		consumed, err := s.received(ctx, el)
		switch {
		case err != nil:
			s.keep(&queued{err: err})
		case !consumed:
			s.keep(&queued{el: el})
		}
	}
}

// popPending removes and returns the first element read during
// negotiation.
func (s *Stream) popPending() stanza.Element {
	el := s.pending[0]
	s.pending[0] = nil
	s.pending = s.pending[1:]
	if len(s.pending) == 0 {
		s.pending = nil // let the array go once drained
	}
	return el
}

// readElement returns the next element, pending ones first, with the
// read lock held (or during negotiation). See readFresh.
func (s *Stream) readElement(ctx context.Context) (stanza.Element, error) {
	if len(s.pending) > 0 {
		return s.popPending(), nil
	}
	return s.readFresh(ctx)
}

// readFresh reads one element from the peer, turning failures into the
// stream's end: a violation is answered with its stream error (fail), an
// I/O error or an interrupted read closes the transport. A stream error
// from the peer is returned as an element.
func (s *Stream) readFresh(ctx context.Context) (stanza.Element, error) {
	if err := s.readErr(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("stream: next: %w", context.Cause(ctx))
	}
	armed := s.rwait.start(s, ioRead, ctx)
	el, err := s.fr.next()
	if s.rwait.end(s, ioRead, armed) && err != nil && !isBadStanza(err) {
		return nil, s.readInterrupted(ctx)
	}
	if err != nil {
		return nil, s.readFailed(err)
	}
	if _, ok := el.(*streamerror.Error); ok {
		s.peerEnded.Store(true)
	}
	return el, nil
}

// readInterrupted ends the stream after ctx interrupted a read, and
// returns the error that reads return from then on: connection-timeout
// sent when ctx's deadline passed (see timedOut).
func (s *Stream) readInterrupted(ctx context.Context) error {
	err := fmt.Errorf("stream: read: %w", context.Cause(ctx))
	if s.closing.Load() {
		err = s.closedErr()
	} else if timedOut(ctx) {
		return s.fail(&streamerror.Error{Condition: streamerror.ConnectionTimeout}, err)
	}
	s.endRead(err)
	s.shutdown(err)
	return err
}

// timedOut reports whether ctx ended because its deadline passed: a read
// it interrupted then ends the stream with connection-timeout
// (RFC 6120 §4.9.3.4), the peer having sent nothing usable in time.
// A ctx cancelled otherwise ends it without a word.
func timedOut(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), context.DeadlineExceeded)
}

func isBadStanza(err error) bool {
	var bad *stanza.BadStanzaError
	return errors.As(err, &bad)
}

// readFailed turns an error of the framing into the Stream's result.
func (s *Stream) readFailed(err error) error {
	if isBadStanza(err) {
		return fmt.Errorf("stream: next: %w", err)
	}
	if err == io.EOF {
		s.peerEnded.Store(true)
		s.endRead(io.EOF)
		return io.EOF
	}
	if s.tClosed.Load() {
		// We closed the transport under the reader: Close timed out, a
		// write failed, CloseWithError.
		err = s.closedErr()
		s.endRead(err)
		return err
	}
	var se *streamerror.Error
	if errors.As(err, &se) {
		// Send the condition alone: the Decoder's message is for us.
		return s.fail(&streamerror.Error{Condition: se.Condition}, err)
	}
	err = fmt.Errorf("stream: read: %w", err)
	s.endRead(err)
	s.shutdown(err)
	return err
}

// endRead ends the read side with err, returned by every later read.
// Every SendIQ still waiting is released with err, and the read side
// lets go of the last ctx it watched.
func (s *Stream) endRead(err error) {
	s.mu.Lock()
	first := s.rerr == nil
	if first {
		s.rerr = err
		close(s.rdone)
	}
	s.mu.Unlock()
	if first {
		s.endIQ(err)
		s.rwait.release()
	}
}

// readErr returns the error that ended the read side, or nil.
func (s *Stream) readErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rerr
}

// closedErr is the error of a read that failed because we closed the
// transport: what made us close it, else ErrClosed.
func (s *Stream) closedErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cause != nil {
		return s.cause
	}
	return ErrClosed
}
