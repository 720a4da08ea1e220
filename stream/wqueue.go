package stream

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/xmppkit/xmpp/stanza"
)

// A sendReq is a Send waiting while another writes: its element, encoded,
// and where it learns the outcome. Requests are pooled, so that a
// contended Send allocates nothing.
type sendReq struct {
	box    *[]byte // a write buffer from wbufs, holding the element
	el     stanza.Element
	secret bool
	done   chan error // receives the outcome, once
}

var sendReqs = sync.Pool{New: func() any { return &sendReq{done: make(chan error, 1)} }}

// writeQueue holds the waiting Sends, in arrival order.
type writeQueue struct {
	mu     sync.Mutex
	reqs   []*sendReq
	taking []*sendReq // the requests being written; the write lock's holder owns it
}

// sendQueued is Send when another goroutine holds the write lock: it
// queues the element, encoded, and either gets the lock itself, then
// writes everything queued with one Write (writeQueued), or learns that
// another did, or gives up when ctx ends before its element was taken.
func (s *Stream) sendQueued(ctx context.Context, v stanza.Element, secret bool) error {
	box := wbufs.Get().(*[]byte)
	b, err := s.fr.appendElement((*box)[:0], v)
	if err != nil {
		wbufs.Put(box)
		return fmt.Errorf("stream: send: %w", err)
	}
	*box = b
	r := sendReqs.Get().(*sendReq)
	r.box, r.el, r.secret = box, v, secret
	s.wq.mu.Lock()
	s.wq.reqs = append(s.wq.reqs, r)
	s.wq.mu.Unlock()

	select {
	case s.wsem <- struct{}{}:
		if ctx.Err() != nil {
			// Won the lock and ctx's end at once: write nothing
			// under a ctx that is over.
			s.unlockWrite()
			err = s.withdraw(ctx, r)
		} else {
			s.writeQueued(ctx)
			s.unlockWrite()
			err = <-r.done
		}
	case err = <-r.done:
	case <-ctx.Done():
		err = s.withdraw(ctx, r)
	}
	if cap(*box) <= maxKeep {
		*box = (*box)[:0]
	} else {
		*box = nil
	}
	wbufs.Put(box)
	r.box, r.el = nil, nil
	sendReqs.Put(r)
	return err
}

// withdraw takes r out of the queue, if it is still there, and returns
// ctx's error; else r is being written, and withdraw waits for the
// outcome.
func (s *Stream) withdraw(ctx context.Context, r *sendReq) error {
	s.wq.mu.Lock()
	i := slices.Index(s.wq.reqs, r)
	if i >= 0 {
		s.wq.reqs = slices.Delete(s.wq.reqs, i, i+1)
	}
	s.wq.mu.Unlock()
	if i >= 0 {
		return fmt.Errorf("stream: send: %w", context.Cause(ctx))
	}
	return <-r.done
}

// writeQueued writes the queued elements, all that are queued when it
// starts, with as few Writes as SendAll would make, and tells each Send
// the outcome; the write lock is held.
func (s *Stream) writeQueued(ctx context.Context) {
	s.wq.mu.Lock()
	taken := append(s.wq.taking[:0], s.wq.reqs...)
	clear(s.wq.reqs)
	s.wq.reqs = s.wq.reqs[:0]
	s.wq.mu.Unlock()
	var ends [maxBatchEls]int
	for i := 0; i < len(taken); {
		if s.wclosed {
			for _, r := range taken[i:] {
				r.done <- s.werr
			}
			break
		}
		b, n, secret := s.wbufStart(), 0, false
		for i+n < len(taken) && n < maxBatchEls && (n == 0 || len(b) < maxBatch) {
			r := taken[i+n]
			b = append(b, *r.box...)
			ends[n] = len(b)
			secret = secret || r.secret
			n++
		}
		err := s.writeUnits(ctx, b, secret, ends[:n])
		for _, r := range taken[i : i+n] {
			if err == nil {
				s.sent(r.el)
			}
			r.done <- err
		}
		i += n
	}
	clear(taken)
	s.wq.taking = taken[:0]
}
