package stream

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// Over TCP the Stream reads through ReadIdle: elements split across
// writes arrive whole, the trace sees every byte, and the peer's closing
// tag ends the stream.
func TestTCPIdleRead(t *testing.T) {
	t.Parallel()
	p, conn := newTCPPeer(t)
	var tr recorder
	cfg := serverConfig()
	cfg.Trace = tr.trace
	p.send(clientHeader)
	s, err := Accept(ctxT(t), conn, cfg)
	must(t, err)
	p.expect(t, serverHeader+noFeature)
	ctx := ctxT(t)
	for i := range 3 {
		half := len(julietLine) / 2
		go func() {
			p.send(julietLine[:half])
			p.send(julietLine[half:])
		}()
		el, err := s.Next(ctx)
		must(t, err)
		if !cmp.Equal(el, stanza.Element(julietMsg)) {
			t.Fatalf("message %d: %v, want Juliet's", i, el)
		}
	}
	p.send(endTag)
	if _, err := s.Next(ctx); err != io.EOF {
		t.Fatalf("Next after the closing tag: %v, want io.EOF", err)
	}
	must(t, s.Close())
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if got, want := tr.in.String(), clientHeader+strings.Repeat(julietLine, 3)+endTag; got != want {
		t.Errorf("traced in %q, want %q", got, want)
	}
}

// A Next waiting on an idle TCP stream is interrupted by its ctx's
// deadline (connection-timeout on the wire), and by Close from another
// goroutine.
func TestTCPIdleInterrupt(t *testing.T) {
	t.Parallel()
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		p, conn := newTCPPeer(t)
		p.send(clientHeader)
		s, err := Accept(ctxT(t), conn, serverConfig())
		must(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := s.Next(ctx); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, streamerror.ConnectionTimeout) {
			t.Fatalf("Next: %v, want DeadlineExceeded and connection-timeout", err)
		}
		p.expectEOF(t, serverHeader+noFeature+timeoutEnd)
	})
	t.Run("close", func(t *testing.T) {
		t.Parallel()
		p, conn := newTCPPeer(t)
		p.send(clientHeader)
		cfg := serverConfig()
		cfg.CloseTimeout = time.Millisecond // the peer never answers our closing tag
		s, err := Accept(ctxT(t), conn, cfg)
		must(t, err)
		done := make(chan error, 1)
		go func() {
			_, err := s.Next(ctxT(t))
			done <- err
		}()
		p.expect(t, serverHeader+noFeature)
		s.Close()
		if err := <-done; err == nil {
			t.Fatal("Next returned no error after Close")
		}
	})
}

// A peer that stops reading: once a write times out, the connection is
// closed without lingering, so the peer finds it reset rather than
// trickling out what the kernel held.
func TestTCPAbortiveClose(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	must(t, err)
	defer peer.Close()
	peer.(*net.TCPConn).SetReadBuffer(4 << 10)
	conn, err := ln.Accept()
	must(t, err)
	_, err = io.WriteString(peer, clientHeader)
	must(t, err)
	s, err := Accept(ctxT(t), conn, serverConfig())
	must(t, err)
	big := &stanza.Message{Body: strings.Repeat("x", 64<<10)}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err := s.Send(ctx, big)
		cancel()
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Send: %v, want DeadlineExceeded", err)
			}
			break
		}
	}
	peer.SetReadDeadline(time.Now().Add(testTimeout))
	_, err = io.Copy(io.Discard, peer)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the peer read until %v, want a reset", err)
	}
}
