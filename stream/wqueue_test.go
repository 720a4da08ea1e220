package stream

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/stanza"
)

// Concurrent Sends are written together, each element whole, each
// sender's elements in its order, one trace event per element.
func TestConcurrentSends(t *testing.T) {
	t.Parallel()
	c, s, _, tr := sendAllPair(t)
	const senders, each = 8, 100
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				m := &stanza.Message{ID: fmt.Sprintf("%d-%d", g, i), Body: "x"}
				if err := c.Send(ctxT(t), m); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	next := make([]int, senders)
	for range senders * each {
		el, err := s.Next(ctxT(t))
		must(t, err)
		var g, i int
		if _, err := fmt.Sscanf(el.(*stanza.Message).ID, "%d-%d", &g, &i); err != nil {
			t.Fatal(err)
		}
		if i != next[g] {
			t.Fatalf("sender %d: message %d, want %d", g, i, next[g])
		}
		next[g]++
	}
	wg.Wait()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.n != senders*each {
		t.Errorf("%d trace events, want one per element (%d)", tr.n, senders*each)
	}
}

// A Send waiting behind a blocked write gives up when its ctx ends, its
// element unwritten; the stream goes on.
func TestQueuedSendCtx(t *testing.T) {
	t.Parallel()
	c, s := pair(t, clientConfig(), serverConfig())
	first := &stanza.Message{ID: "first"}
	errc := make(chan error, 1)
	go func() { errc <- c.Send(ctxT(t), first) }() // blocks: nobody reads yet
	for len(c.wsem) == 0 {
		runtime.Gosched() // until the first Send holds the write lock
	}
	ctx, cancel := context.WithTimeout(ctxT(t), 20*time.Millisecond)
	defer cancel()
	if err := c.Send(ctx, &stanza.Message{ID: "dropped"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued Send: %v, want DeadlineExceeded", err)
	}
	last := &stanza.Message{ID: "last"}
	go func() {
		if err := <-errc; err != nil {
			t.Error(err)
		}
		errc <- c.Send(ctxT(t), last)
	}()
	for _, want := range []string{"first", "last"} {
		el, err := s.Next(ctxT(t))
		must(t, err)
		if id := el.(*stanza.Message).ID; id != want {
			t.Fatalf("read %q, want %q", id, want)
		}
	}
	must(t, <-errc)
}

// A contended Send of an element that cannot be encoded fails at once
// and writes nothing.
func TestQueuedSendInvalid(t *testing.T) {
	t.Parallel()
	c, s := pair(t, clientConfig(), serverConfig())
	errc := make(chan error, 1)
	go func() { errc <- c.Send(ctxT(t), &stanza.Message{ID: "first"}) }()
	for len(c.wsem) == 0 {
		runtime.Gosched()
	}
	if err := c.Send(ctxT(t), &stanza.Message{Body: "nul \x00"}); !errors.Is(err, stanza.ErrInvalidChar) {
		t.Fatalf("Send: %v, want stanza.ErrInvalidChar", err)
	}
	el, err := s.Next(ctxT(t))
	must(t, err)
	if id := el.(*stanza.Message).ID; id != "first" {
		t.Fatalf("read %q, want first", id)
	}
	must(t, <-errc)
}
