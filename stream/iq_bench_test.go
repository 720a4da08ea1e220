package stream

import (
	"context"
	"encoding/xml"
	"sync"
	"testing"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
)

var pingName = xml.Name{Space: "urn:xmpp:ping", Local: "ping"}

// pingMux answers XEP-0199 pings with an empty result.
func pingMux() *Mux {
	m := &Mux{}
	m.HandleIQ(stanza.IQGet, pingName, func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
		return nil, nil
	})
	return m
}

// servePair opens a pair over a net.Pipe and serves h on the server
// side until the test ends.
func servePair(tb testing.TB, h Handler) (c, s *Stream) {
	c, s = pair(tb, clientConfig(), serverConfig())
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), h) }()
	tb.Cleanup(func() {
		cdone := make(chan error, 1)
		go func() { cdone <- c.Close() }()
		<-done
		s.Close()
		<-cdone
	})
	return c, s
}

func benchIQ(b *testing.B, ctx context.Context, par int) {
	c, _ := servePair(b, pingMux())
	to := jid.MustParse("example.com")
	payload := &stanza.Raw{Name: pingName}
	// The bytes of one round trip: the request and its reply.
	id := "AAAAAAAAAAAAAAAAAAAAAA"
	rq, _ := stanza.AppendElement(nil, &stanza.IQ{ID: id, Type: stanza.IQGet, To: to, Payload: payload})
	rp, _ := stanza.AppendElement(nil, &stanza.IQ{ID: id, Type: stanza.IQResult, From: to})
	b.SetBytes(int64(len(rq) + len(rp)))
	b.ReportAllocs()
	b.ResetTimer()
	if par == 1 {
		for range b.N {
			if _, err := c.SendIQ(ctx, &stanza.IQ{Type: stanza.IQGet, To: to, Payload: payload}); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	var wg sync.WaitGroup
	per := b.N / par
	for i := range par {
		n := per
		if i == 0 {
			n += b.N % par
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if _, err := c.SendIQ(ctx, &stanza.IQ{Type: stanza.IQGet, To: to, Payload: payload}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// A sequential ping round trip between two of our Streams over a
// net.Pipe: SendIQ on one side, Serve with a Mux on the other.
func BenchmarkIQRoundTrip(b *testing.B) { benchIQ(b, context.Background(), 1) }

func BenchmarkIQRoundTripCancellable(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	benchIQ(b, ctx, 1)
}

// 64 goroutines send pings at once.
func BenchmarkIQRoundTrip64(b *testing.B) { benchIQ(b, context.Background(), 64) }

func BenchmarkIQRoundTrip64Cancellable(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	benchIQ(b, ctx, 64)
}
