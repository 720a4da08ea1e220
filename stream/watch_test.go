package stream

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

// A loop of calls under one cancellable ctx registers with it once; a
// call under another ctx moves the registration, and the old ctx ending
// then does not touch the new call's I/O; the stream's end drops it.
func TestCtxWatchReuse(t *testing.T) {
	t.Parallel()
	c, s := pair(t, clientConfig(), serverConfig())
	a, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	relayCtx(t, a, c, s)
	stopA := s.rwait.stop
	relayCtx(t, a, c, s)
	if s.rwait.done != a.Done() {
		t.Fatal("the read side does not watch a")
	}
	// Another ctx: the registration moves; a ending is harmless.
	b, cancelB := context.WithCancel(context.Background())
	defer cancelB()
	got := make(chan error, 1)
	go func() {
		_, err := s.Next(b)
		got <- err
	}()
	waitReading(t, s)
	for {
		s.rwait.mu.Lock()
		moved := s.rwait.done == b.Done()
		s.rwait.mu.Unlock()
		if moved {
			break
		}
		runtime.Gosched()
	}
	cancelA()
	if stopA() {
		t.Fatal("a's registration was still in place")
	}
	must(t, c.Send(ctxT(t), julietMsg))
	must(t, recv(t, got))
	// b ending while a read waits under it interrupts that read.
	go func() {
		_, err := s.Next(b)
		got <- err
	}()
	waitReading(t, s)
	cancelB()
	if err := recv(t, got); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next = %v, want context.Canceled", err)
	}
	// The stream is over; it keeps no registration.
	s.rwait.mu.Lock()
	defer s.rwait.mu.Unlock()
	if s.rwait.stop != nil {
		t.Fatal("registration kept after the read side ended")
	}
}

// relayCtx sends julietMsg from a and reads it on b, both under ctx.
func relayCtx(t *testing.T, ctx context.Context, a, b *Stream) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- a.Send(ctx, julietMsg) }()
	_, err := b.Next(ctx)
	must(t, err)
	must(t, recv(t, errc))
}

// Send and Next under one cancellable ctx allocate nothing for it after
// the first call.
func TestCtxWatchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts do not hold under the race detector")
	}
	c, s := pair(t, clientConfig(), serverConfig())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	relayCtx(t, ctx, c, s)
	errc := make(chan error, 1)
	allocs := testing.AllocsPerRun(100, func() {
		go func() { errc <- c.Send(ctx, julietMsg) }()
		s.Next(ctx)
		<-errc
	})
	// The decoded message, and the goroutine's closure.
	if allocs > 2 {
		t.Fatalf("%v allocations per Send and Next, want at most 2", allocs)
	}
}
