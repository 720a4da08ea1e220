package stream

import (
	"context"
	"sync"
	"time"
)

// ctxWatch interrupts the blocked I/O of one kind (reads or writes) when
// the ctx of the call doing it ends, like watcher, but keeps its
// context.AfterFunc registration from one call to the next while they
// share a ctx (one whose Done channel is the same): a loop of Next or
// Send calls under one cancellable ctx registers once, instead of twice
// allocating per call. The registration is dropped when a call comes
// with another ctx, and when the stream ends (release).
//
// One I/O call of its kind runs at a time (reads hold the read lock,
// writes the write lock), so start and end are never concurrent with
// each other; the registered function may run at any time, and the
// mutex orders it with them: it interrupts only an I/O call in progress
// under its own ctx, and end clears the deadline it set before the call
// returns, so no interrupt outlives its call.
type ctxWatch struct {
	mu     sync.Mutex
	done   <-chan struct{} // Done of the registered ctx; nil when none
	stop   func() bool     // drops the registration
	fired  bool            // the registration's ctx is done
	active bool            // an I/O call under done is in progress
	hit    bool            // that call was interrupted
}

// start arms the watch for an I/O call of kind k under ctx and reports
// whether it did (ctx can be cancelled); the call passes the result to
// end when its I/O returns.
func (w *ctxWatch) start(s *Stream, k ioKind, ctx context.Context) bool {
	d := ctx.Done()
	if d == nil {
		return false
	}
	w.mu.Lock()
	if d != w.done {
		if w.stop != nil {
			w.stop()
		}
		w.done, w.fired = d, false
		w.stop = context.AfterFunc(ctx, func() { w.fire(s, k, d) })
	}
	w.active = true
	if w.fired {
		// ctx ended between the caller's check and now.
		s.interrupt(k, longAgo)
		w.hit = true
	}
	w.mu.Unlock()
	return true
}

// fire runs once the ctx whose Done is d has ended.
func (w *ctxWatch) fire(s *Stream, k ioKind, d <-chan struct{}) {
	w.mu.Lock()
	if d == w.done {
		w.fired = true
		if w.active && !w.hit {
			s.interrupt(k, longAgo)
			w.hit = true
		}
	}
	w.mu.Unlock()
}

// end disarms the watch after the I/O call returned (armed is start's
// result) and reports whether ctx interrupted it; the deadline is then
// cleared, so that I/O that completed anyway leaves the transport
// usable.
func (w *ctxWatch) end(s *Stream, k ioKind, armed bool) bool {
	if !armed {
		return false
	}
	w.mu.Lock()
	hit := w.hit
	w.active, w.hit = false, false
	if hit {
		s.interrupt(k, time.Time{})
	}
	w.mu.Unlock()
	return hit
}

// release drops the registration, so that the stream holds on to no
// ctx (and no ctx to the stream) once it has ended.
func (w *ctxWatch) release() {
	w.mu.Lock()
	if w.stop != nil {
		w.stop()
	}
	w.done, w.stop, w.fired = nil, nil, false
	w.mu.Unlock()
}
