package stream

import (
	"context"
	"errors"
	"fmt"

	"github.com/xmppkit/xmpp/streamerror"
)

// Close closes the stream (RFC 6120 §4.4): it sends the closing tag
// </stream:stream>, waits up to Config.CloseTimeout for the peer's
// closing tag, then closes the transport if it is an io.Closer.
//
// While Close waits, a goroutine blocked in Next goes on receiving what
// the peer still sends (§4.4 asks that it be processed), then io.EOF,
// which releases Close. While no goroutine is in Next, Close reads in
// its stead: it keeps up to 16 elements for later calls to Next and
// discards the rest. If the peer has already closed its
// stream, or the stream has already ended (a stream error sent or
// received, CloseWithError), Close does not wait. When the wait times
// out, the transport is closed anyway, and Next returns ErrClosed.
//
// Close may be called from any goroutine and is idempotent: later calls
// return the first result. It returns an error only when closing the
// transport failed, or writing the closing tag failed while the peer's
// stream was still open.
func (s *Stream) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.CloseTimeout)
		defer cancel()
		s.closeErr = s.closeCtx(ctx)
	})
	return s.closeErr
}

// closeCtx runs the close handshake within ctx.
func (s *Stream) closeCtx(ctx context.Context) error {
	s.closing.Store(true)
	wrote, err := s.sendEnd(ctx)
	if wrote {
		s.awaitPeer(ctx)
	}
	cerr := s.shutdown(nil)
	s.endRead(s.closedErr())
	s.waitPump()
	if err != nil && !s.peerEnded.Load() {
		// Once the peer has ended its stream it may well have closed
		// the transport already; our closing tag is then a courtesy.
		return err
	}
	if cerr != nil {
		return fmt.Errorf("stream: close: %w", cerr)
	}
	return nil
}

// sendEnd writes our closing tag unless this side's stream is already
// closed. It reports whether it wrote it.
func (s *Stream) sendEnd(ctx context.Context) (bool, error) {
	select {
	case s.wsem <- struct{}{}:
	case <-ctx.Done():
		// A writer is stuck (the peer does not read): give up; closing
		// the transport releases it.
		return false, nil
	}
	defer s.unlockWrite()
	if s.wclosed || s.tClosed.Load() {
		s.closeWrite()
		return false, nil
	}
	err := s.writeLocked(ctx, s.fr.appendEnd(s.wbufStart()), false)
	s.closeWrite()
	return err == nil, err
}

// closeWrite marks this side's stream closed; the write lock is held.
func (s *Stream) closeWrite() {
	s.wclosed = true
	if s.werr == nil {
		s.werr = ErrClosed
	}
	s.wwait.release()
}

// awaitPeer waits, within ctx, for the peer's closing tag: read by the
// goroutine in Next, or, while no Next runs, by awaitPeer itself.
func (s *Stream) awaitPeer(ctx context.Context) {
	for {
		select {
		case <-s.rdone:
			return
		case <-ctx.Done():
			return
		case s.rsem <- struct{}{}:
			handedOver := s.drain(ctx)
			s.unlockRead()
			if !handedOver {
				return
			}
		}
	}
}

// maxDrained is how many elements Close keeps for Next while it reads
// in its stead; beyond that, what the peer sends is discarded.
const maxDrained = 16

// drain reads until the read side ends (the peer's closing tag, an
// error, or ctx) or a Next call is waiting to read, which it reports.
// It keeps the first maxDrained elements for Next (§4.4: data that
// arrives after our closing tag is still to be processed), and
// discards the rest.
func (s *Stream) drain(ctx context.Context) (handedOver bool) {
	s.hookPending(ctx)
	for s.waiting.Load() == 0 {
		el, err := s.readFresh(ctx)
		if err != nil {
			if isBadStanza(err) {
				continue
			}
			return false
		}
		// IQ replies still reach their SendIQ.
		consumed, err := s.received(ctx, el)
		if err == nil && !consumed && len(s.madeBacklog()) < maxDrained {
			s.keep(&queued{el: el})
		}
	}
	return true
}

// CloseWithError ends the stream with the stream error se (RFC 6120
// §4.9): it writes <stream:error/> and the closing tag with one Write,
// then closes the transport, without waiting for the peer's closing tag
// since a stream error is unrecoverable (§4.9.1.1). Later calls to Next
// return a *LocalError carrying se; Send returns ErrClosed.
//
// It returns ErrClosed when this side's stream was already closed (and
// se was not sent), an error wrapping streamerror.ErrInvalid when se
// cannot be written (nothing is done then), or the write error. It may
// be called from any goroutine.
func (s *Stream) CloseWithError(se *streamerror.Error) error {
	if se == nil {
		return errors.New("stream: close: nil stream error")
	}
	if _, err := s.fr.appendElement(nil, se); err != nil {
		return fmt.Errorf("stream: close: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.CloseTimeout)
	defer cancel()
	s.closing.Store(true)
	le := &LocalError{Err: se}
	wrote, err := s.writeError(ctx, se)
	s.shutdown(le)
	s.endRead(le)
	s.waitPump()
	if err != nil {
		return err
	}
	if !wrote {
		return ErrClosed
	}
	return nil
}

// fail ends the stream because the peer violated the protocol: it sends
// se (our header first, if it has not been sent, §4.9.1.2), the closing
// tag, closes the transport, and returns the *LocalError that later
// reads return too. cause is what revealed the violation, if anything.
func (s *Stream) fail(se *streamerror.Error, cause error) error {
	le := &LocalError{Err: se, Cause: cause}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.CloseTimeout)
	defer cancel()
	s.writeError(ctx, se)
	s.endRead(le)
	s.shutdown(le)
	return le
}

// writeError writes, with a single Write (§4.9.1.2: "preferably all at
// the same time"), our header if it was not sent yet, the stream error
// se, and the closing tag, unless this side's stream is already closed.
// It reports whether it wrote.
func (s *Stream) writeError(ctx context.Context, se *streamerror.Error) (bool, error) {
	select {
	case s.wsem <- struct{}{}:
	case <-ctx.Done():
		// A write is stuck: the peer does not read.
		s.abortive.Store(true)
		return false, nil
	}
	defer s.unlockWrite()
	if s.wclosed {
		return false, nil
	}
	b := s.wbufStart()
	var err error
	if !s.headerSent {
		if b, err = s.fr.appendHeader(b, &s.local); err != nil {
			// Our own header cannot fail to encode; if it did, still
			// send the error and the closing tag.
			b = s.wbufStart()
		}
	}
	if b, err = s.fr.appendElement(b, se); err != nil {
		s.closeWrite()
		return false, fmt.Errorf("stream: stream error: %w", err)
	}
	b = s.fr.appendEnd(b)
	err = s.writeLocked(ctx, b, false)
	s.headerSent = true
	s.closeWrite()
	return err == nil, err
}
