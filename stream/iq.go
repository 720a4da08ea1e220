package stream

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
)

// MaxBacklog is how many elements SendIQ keeps for Next while it reads
// in the stead of a Next or Serve that does not run (see SendIQ). With
// the Decoder's limits it bounds the memory a peer can make the Stream
// hold this way to MaxBacklog × Limits.MaxStanzaSize.
const MaxBacklog = 32

// ErrBacklog is returned by SendIQ when the reply could only be reached
// by reading past MaxBacklog elements that nobody takes (no Next or
// Serve runs, or Serve's handlers are all blocked, or the reader loop is
// the very goroutine waiting in SendIQ): the request is dropped from the
// tracker, and its reply, if it comes, is an ordinary stanza. A reader
// loop that takes from the backlog meanwhile (within 50 ms of it filling
// up) keeps SendIQ waiting instead.
var ErrBacklog = errors.New("stream: send iq: too many elements wait for Next or Serve")

// errNotRequest is returned by SendIQ for an IQ that is not a get or set.
var errNotRequest = fmt.Errorf("stream: send iq: %w", stanza.ErrNotRequest)

// iqState is the Stream's IQ tracking (RFC 6120 §8.2.3): the tracker of
// the requests SendIQ sent, and the generator of their ids.
type iqState struct {
	t      atomic.Pointer[stanza.Tracker]
	mu     sync.Mutex // guards creating t, closed, pumpDone
	closed error      // the stream's end, once known

	// pumpDone is closed when the running pump ends (nil when none).
	pumpDone chan struct{}

	// bl is the backlog: what SendIQ read in Next's stead (read.go).
	blOnce sync.Once
	bl     atomic.Pointer[chan *queued]
	// taken counts the elements Next and Serve took from the backlog:
	// it moves while someone consumes what SendIQ reads.
	taken atomic.Uint64

	idMu  sync.Mutex
	idBlk cipher.Block
	idCtr uint64
	idIn  [aes.BlockSize]byte
	idOut [aes.BlockSize]byte
}

// tracker returns the stream's tracker, creating it on first use. Its
// idea of who answers what comes from resource binding (RFC 6120 §7):
// the initiating entity is the account bound to s.Bound() (else the
// header's Config.From), whose server answers on its behalf (§10.3); the
// receiving entity serves the client bound to s.Bound(), which answers
// requests without 'to' and whose replies without 'from' are its own
// (§8.1.2.1).
func (s *Stream) tracker() *stanza.Tracker {
	if t := s.iq.t.Load(); t != nil {
		return t
	}
	q := &s.iq
	q.mu.Lock()
	defer q.mu.Unlock()
	if t := q.t.Load(); t != nil {
		return t
	}
	var t *stanza.Tracker
	if s.initiating {
		self := s.bound
		if self.IsZero() {
			self = s.cfg.From
		}
		t = stanza.NewTracker(self)
	} else {
		t = stanza.NewTracker(jid.JID{})
		t.SetPeer(s.bound)
	}
	if q.closed != nil {
		t.Close(q.closed)
	}
	q.t.Store(t)
	return t
}

// endIQ releases every waiting SendIQ with err, the stream's end; later
// calls keep the first error.
func (s *Stream) endIQ(err error) {
	q := &s.iq
	q.mu.Lock()
	if q.closed == nil {
		q.closed = err
	}
	t := q.t.Load()
	q.mu.Unlock()
	if t != nil {
		t.Close(err)
	}
}

// deliver offers a result or error IQ to the waiting SendIQ calls and
// reports whether one took it.
func (s *Stream) deliver(iq *stanza.IQ) bool {
	t := s.iq.t.Load()
	return t != nil && t.Deliver(iq)
}

// SendIQ sends the request iq, a get or set (RFC 6120 §8.2.3), and
// waits for its reply: a result, returned with a nil error, or an error,
// returned with its *stanza.Error as the error (errors.Is(err,
// stanza.ItemNotFound) and the like work). If iq.ID is empty, SendIQ
// sets it, in iq, to a fresh id (see below). It may be called from any
// goroutine, including a handler run by Serve.
//
// The reply is the first result or error IQ with the same id from the
// entity the request was sent to (§8.1.2, §10): iq.To, or, when iq.To is
// empty or the account's own bare JID, the account's server, which may
// answer with no 'from', from the bare JID or from its domain. Anything
// else, such as a result with the right id from another address, is not
// the reply (so nobody can answer for the entity asked by guessing the
// id) and goes to Next or Serve as an ordinary stanza. The request is
// registered before it is written, so even an immediate reply is
// recognised. See (*stanza.Tracker) for the rules; a receiving entity
// counts a reply without 'from' as coming from the bound client.
//
// The reply comes through whoever reads the stream: a Next or Serve
// running in another goroutine takes it and never returns it. When none
// is reading, SendIQ reads in its stead, keeping what it reads for Next
// (up to MaxBacklog elements; past that it fails with ErrBacklog, unless
// a Next or Serve is taking them): with
// a ctx that cannot be cancelled (ctx.Done() == nil) it reads in the
// calling goroutine; otherwise it starts a goroutine that reads for every
// SendIQ until it reads an element that is no reply while no SendIQ
// waits, a Next or Serve wants to read, or the stream ends — so that
// SendIQ returns when ctx ends without breaking off a read half-way,
// which would end the stream (a Next waiting for that goroutine's read
// may also return on its ctx without harm). Close waits for it.
//
// SendIQ returns when the reply comes, when ctx is done (the request is
// then forgotten: a late reply is an ordinary stanza), or when the
// stream ends, with an error wrapping the stream's: io.EOF after the
// peer closed its stream, the peer's *streamerror.Error, ErrClosed…
//
// Ids are 22 characters, the URL-safe base64 of a per-stream counter
// encrypted with AES-128 under a key drawn from Config.Rand: unique on
// the stream (a block cipher is a permutation) and unpredictable to
// anyone without the key, even after seeing earlier ids, which makes
// forging a reply harder still for a peer that cannot see our traffic.
func (s *Stream) SendIQ(ctx context.Context, iq *stanza.IQ) (*stanza.IQ, error) {
	if iq == nil || (iq.Type != stanza.IQGet && iq.Type != stanza.IQSet) {
		return nil, errNotRequest
	}
	if iq.ID == "" {
		id, err := s.newIQID()
		if err != nil {
			return nil, err
		}
		iq.ID = id
	}
	c, err := s.tracker().Track(iq)
	if err != nil {
		return nil, fmt.Errorf("stream: send iq: %w", err)
	}
	if err := s.Send(ctx, iq); err != nil {
		c.Cancel()
		return nil, err
	}
	return s.await(ctx, c)
}

// await waits for c's reply, reading in the stead of Next when nobody
// reads (see SendIQ).
func (s *Stream) await(ctx context.Context, c *stanza.Call) (*stanza.IQ, error) {
	mark := s.iq.taken.Load()
	for {
		select {
		case s.rsem <- struct{}{}: // nobody reads: no full select
		default:
			select {
			case <-c.Done():
				return callResult(c)
			case <-ctx.Done():
				if c.Cancel() {
					return nil, fmt.Errorf("stream: send iq: %w", context.Cause(ctx))
				}
				return callResult(c)
			case s.rsem <- struct{}{}:
			}
		}
		// Nobody reads: we hold the read lock.
		select {
		case <-c.Done():
			s.unlockRead()
			return callResult(c)
		default:
		}
		switch {
		case s.waiting.Load() > 0:
			// A Next or Serve wants to read: it will deliver the reply.
			// Runtime order hands it the lock before our next attempt.
			s.unlockRead()
		case len(s.madeBacklog()) == MaxBacklog:
			s.unlockRead()
			if s.consuming(ctx, c, mark) {
				// A Next or Serve loop takes what we read: it
				// will read on, and deliver the reply.
				mark = s.iq.taken.Load()
				continue
			}
			if c.Cancel() {
				return nil, ErrBacklog
			}
			return callResult(c)
		case ctx.Done() == nil:
			s.pump(c)
			s.unlockRead()
		default:
			s.startPump()
		}
	}
}

// backlogGrace is how long a SendIQ facing a full backlog waits for a
// Next or Serve to take from it before it gives up with ErrBacklog.
const backlogGrace = 50 * time.Millisecond

// consuming reports whether a Next or Serve took from the backlog since
// mark, waiting up to backlogGrace for one to; also true once c has its
// reply or ctx is done, for the caller's loop to return. A busy reader
// loop (one that takes elements faster than it is idle) is told from one
// that is stuck — in the very call that waits for this reply, say — by
// this progress, not by a guess.
func (s *Stream) consuming(ctx context.Context, c *stanza.Call, mark uint64) bool {
	if s.iq.taken.Load() != mark {
		return true
	}
	deadline := time.NewTimer(backlogGrace)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-c.Done():
			return true
		case <-ctx.Done():
			return true
		case <-deadline.C:
			return s.iq.taken.Load() != mark
		case <-tick.C:
			if s.iq.taken.Load() != mark {
				return true
			}
		}
	}
}

// callResult returns the outcome of c, whose Done channel is closed.
func callResult(c *stanza.Call) (*stanza.IQ, error) {
	reply, err := c.Result()
	if err == nil {
		return reply, nil
	}
	var se *stanza.Error
	if errors.As(err, &se) {
		return reply, se
	}
	if err == io.EOF {
		return nil, fmt.Errorf("stream: send iq: the peer closed its stream: %w", err)
	}
	return nil, fmt.Errorf("stream: send iq: %w", err)
}

// startPump starts the goroutine that reads for the waiting SendIQ
// calls, handing it the read lock that the caller holds.
func (s *Stream) startPump() {
	done := make(chan struct{})
	s.iq.mu.Lock()
	s.iq.pumpDone = done
	s.iq.mu.Unlock()
	go func() {
		s.pump(nil)
		close(done)
		s.unlockRead()
	}()
}

// waitPump waits for the pump goroutine, if one runs, to end; the
// transport has been closed, which ends its read.
func (s *Stream) waitPump() {
	s.iq.mu.Lock()
	done := s.iq.pumpDone
	s.iq.mu.Unlock()
	if done == nil {
		return
	}
	s.tmu.Lock()
	_, closable := s.rw.(io.Closer)
	s.tmu.Unlock()
	if closable {
		<-done
	}
}

// pump reads in Next's stead, with the read lock held, until own has its
// reply (own nil: until it has read an element that is no reply while
// no SendIQ waits), a Next or Serve waits to read, MaxBacklog elements
// wait for Next, or the read side ends. Replies go to their waiters;
// everything else is kept for Next, in order. Its
// reads are not bound to any caller's ctx (see SendIQ): only the end of
// the stream interrupts them.
func (s *Stream) pump(own *stanza.Call) {
	ctx := context.Background()
	s.hookPending(ctx)
	bl := s.backlog()
	for {
		if own != nil {
			select {
			case <-own.Done():
				return
			default:
			}
		}
		if s.waiting.Load() > 0 || len(bl) == MaxBacklog {
			return
		}
		el, err := s.readFresh(ctx)
		if err != nil {
			if isBadStanza(err) {
				s.keep(&queued{err: err})
				continue
			}
			return // the read side has ended, and with it every call
		}
		consumed, err := s.received(ctx, el)
		switch {
		case err != nil:
			s.keep(&queued{err: err})
		case !consumed:
			s.keep(&queued{el: el})
		}
		if own == nil && !consumed && s.tracker().Len() == 0 {
			return
		}
	}
}

// newIQID returns a fresh IQ id (see SendIQ).
func (s *Stream) newIQID() (string, error) {
	q := &s.iq
	q.idMu.Lock()
	if q.idBlk == nil {
		var key [16]byte
		if _, err := io.ReadFull(s.cfg.Rand, key[:]); err != nil {
			q.idMu.Unlock()
			return "", fmt.Errorf("stream: send iq: id: %w", err)
		}
		blk, err := aes.NewCipher(key[:])
		if err != nil {
			q.idMu.Unlock()
			return "", fmt.Errorf("stream: send iq: id: %w", err)
		}
		q.idBlk = blk
	}
	q.idCtr++
	binary.BigEndian.PutUint64(q.idIn[8:], q.idCtr)
	q.idBlk.Encrypt(q.idOut[:], q.idIn[:])
	var b [22]byte
	base64.RawURLEncoding.Encode(b[:], q.idOut[:])
	q.idMu.Unlock()
	return string(b[:]), nil
}
