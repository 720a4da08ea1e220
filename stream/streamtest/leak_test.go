package streamtest

import (
	"context"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stream"
)

// TestNoGoroutineLeak checks that Pair's goroutine ends, NewPair's
// cleanup ends both Streams, and Play leaves nothing behind, whether it
// succeeds, times out or fails. Not parallel: it counts goroutines.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("NewPair and its cleanup", func(t *testing.T) {
		NewPair(t, nil, nil)
	})
	t.Run("Pair failing", func(t *testing.T) {
		if _, _, err := Pair(ctxT(t), &stream.Config{To: jid.MustParse("example.org")}, nil); err == nil {
			t.Fatal("Pair succeeded")
		}
	})
	t.Run("Play timing out", func(t *testing.T) {
		a, b := Pipe()
		defer a.Close()
		defer b.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		defer cancel()
		if err := MustParse("S: <presence/>").Play(ctx, a, Initiator); err == nil {
			t.Fatal("Play succeeded")
		}
	})
	t.Run("Play both roles over net.Pipe", func(t *testing.T) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		s := MustParse(concrete)
		errc := make(chan error, 1)
		go func() { errc <- s.Play(ctxT(t), b, Receiver) }()
		if err := s.Play(ctxT(t), a, Initiator); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Play against a peer that vanishes", func(t *testing.T) {
		a, b := Pipe()
		defer a.Close()
		b.Close()
		if err := MustParse("S: <presence/>").Play(ctxT(t), a, Initiator); err == nil {
			t.Fatal("Play succeeded")
		}
	})
	// Goroutines that have finished their work may take a moment to be
	// gone from the count.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}
