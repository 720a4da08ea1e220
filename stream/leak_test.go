package stream

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/streamerror"
)

// The Stream starts no goroutines of its own, and those it waits for
// (context.AfterFunc) end with the call: after every kind of ending,
// the goroutine count is back to where it was. Not parallel: it counts.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("exchange and close", func(t *testing.T) {
		c, s := pair(t, clientConfig(), serverConfig())
		relay(t, c, s, julietMsg)
		done := make(chan error, 1)
		go func() { done <- c.Close() }()
		if _, err := s.Next(ctxT(t)); err != io.EOF {
			t.Fatal(err)
		}
		must(t, s.Close())
		must(t, <-done)
	})
	t.Run("bad header", func(t *testing.T) {
		p, conn := newPeer(t)
		p.send("<stream:stream xmlns:stream='urn:wrong'>")
		if _, err := Accept(ctxT(t), conn, serverConfig()); err == nil {
			t.Fatal("Accept succeeded")
		}
		p.expectEOF(t, xmlDecl+"<stream:stream from='example.com' id='"+zeroID+"' version='1.0' xml:lang='en'"+nsDecls+
			streamErr("invalid-namespace")+endTag)
	})
	t.Run("silent peer", func(t *testing.T) {
		_, conn := newPeer(t)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if _, err := Accept(ctx, conn, serverConfig()); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatal(err)
		}
	})
	t.Run("close timeout", func(t *testing.T) {
		p, conn := newPeer(t)
		p.send(clientHeader)
		cfg := serverConfig()
		cfg.CloseTimeout = 10 * time.Millisecond
		s, err := Accept(ctxT(t), conn, cfg)
		must(t, err)
		must(t, s.Close())
	})
	t.Run("next interrupted", func(t *testing.T) {
		c, _ := pair(t, clientConfig(), serverConfig())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if _, err := c.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatal(err)
		}
	})
	t.Run("peer error", func(t *testing.T) {
		c, s := pair(t, clientConfig(), serverConfig())
		errc := make(chan error, 1)
		go func() { errc <- s.CloseWithError(&streamerror.Error{Condition: streamerror.SystemShutdown}) }()
		if _, err := c.Next(ctxT(t)); !errors.Is(err, streamerror.SystemShutdown) {
			t.Fatal(err)
		}
		must(t, <-errc)
		must(t, c.Close())
	})
	settleGoroutines(t, before)
}

// FuzzAccept feeds arbitrary bytes to Accept as the initiating entity's
// stream: Accept and the reads after it never panic, never hang, and
// leave no goroutine behind.
func FuzzAccept(f *testing.F) {
	for _, s := range []string{
		clientHeader,
		clientHeader + julietLine + endTag,
		clientHeader + "<message xml:lang='en'><body>Bad XML, no closing body tag!</message>",
		clientHeader + streamErr("conflict") + endTag,
		clientHeader + "<x xmlns='urn:test'/>" + clientHeader + julietLine,
		clientHeader + "<iq id='1' type='set'><bind xmlns='urn:test:bind'/></iq>" + julietLine,
		xmlDecl + "<stream:stream to='example.com'" + nsDecls + julietLine,
		header("to='example.com' version='2.0'"),
		header("to='example.org' version='1.0'"),
		header("from='@x' to='example.com' version='1.0'"),
		"GET / HTTP/1.1\r\n\r\n",
		"<stream:stream",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		before := runtime.NumGoroutine()
		fuzzAccept(t, in)
		settleGoroutines(t, before)
	})
}

func fuzzAccept(t *testing.T, in []byte) {
	a, b := net.Pipe()
	defer b.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // what Accept writes, drained
		defer wg.Done()
		io.Copy(io.Discard, a)
	}()
	go func() { // the input, then the end of the transport
		defer wg.Done()
		a.Write(in)
		a.Close()
	}()
	defer wg.Wait()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := serverConfig()
	cfg.CloseTimeout = time.Second
	cfg.Features = []Feature{&testFeature{restart: true}, &bindFeature{after: (&testFeature{}).Name()}}
	s, err := Accept(ctx, b, cfg)
	if ctx.Err() != nil {
		t.Fatalf("Accept hung: %v", err)
	}
	if err != nil {
		var le *LocalError
		if errors.As(err, &le) && le.Err.Condition == "" {
			t.Fatalf("LocalError without a condition: %v", err)
		}
		return
	}
	for range len(in) + 1 {
		if _, err := s.Next(ctx); err != nil && !isBadStanza(err) {
			break
		}
	}
	if ctx.Err() != nil {
		t.Fatal("Next hung")
	}
	s.Close()
}
