package stream

import (
	"context"
	"testing"
)

// benchSendNext sends b.N messages from one Stream and reads them on the
// other, over a net.Pipe, with ctx for every call.
func benchSendNext(b *testing.B, ctx context.Context) {
	c, s := pair(b, clientConfig(), serverConfig())
	b.SetBytes(int64(len(julietLine)))
	b.ReportAllocs()
	b.ResetTimer()
	errc := make(chan error, 1)
	go func() {
		for range b.N {
			if err := c.Send(ctx, julietMsg); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for range b.N {
		if _, err := s.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
}

func BenchmarkSendNext(b *testing.B) { benchSendNext(b, context.Background()) }

// With a cancellable ctx, each call arranges for its I/O to be
// interrupted (context.AfterFunc).
func BenchmarkSendNextCancellable(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	benchSendNext(b, ctx)
}

// The header exchange of Open and Accept.
func BenchmarkOpenAccept(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		pair(b, clientConfig(), serverConfig())
	}
}
