package stream

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xmppkit/xmpp/stanza"
)

// writeCounter counts the Writes on a connection.
type writeCounter struct {
	net.Conn
	n atomic.Int32
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.n.Add(1)
	return w.Conn.Write(p)
}

// sendAllPair is a connected pair whose client side counts its Writes
// and traces what it writes, both from after negotiation.
func sendAllPair(t *testing.T) (c, s *Stream, wc *writeCounter, tr *recorder) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	wc = &writeCounter{Conn: a}
	tr = &recorder{}
	ccfg := clientConfig()
	ccfg.Trace = tr.trace
	ch := make(chan *Stream, 1)
	go func() {
		s, err := Accept(ctxT(t), b, serverConfig())
		if err != nil {
			t.Error(err)
		}
		ch <- s
	}()
	c, err := Open(ctxT(t), wc, ccfg)
	must(t, err)
	if s = <-ch; s == nil {
		t.FailNow()
	}
	wc.n.Store(0)
	tr.mu.Lock()
	tr.n = 0
	tr.out.Reset()
	tr.mu.Unlock()
	return c, s, wc, tr
}

func chatMessages(n int, body string) []stanza.Element {
	els := make([]stanza.Element, n)
	for i := range els {
		els[i] = &stanza.Message{ID: fmt.Sprint("m", i), Type: stanza.MessageChat, Body: body}
	}
	return els
}

// receive reads n elements from s.
func receive(t *testing.T, s *Stream, n int) []stanza.Element {
	t.Helper()
	var got []stanza.Element
	for range n {
		el, err := s.Next(ctxT(t))
		if err != nil {
			t.Fatalf("Next after %d: %v", len(got), err)
		}
		got = append(got, el)
	}
	return got
}

// SendAll writes the elements in order with one Write per 32 KiB or 64
// elements, and the trace sees each element as an event of its own.
func TestSendAll(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		n      int
		body   string
		writes int32
	}{
		{"three small", 3, "hi", 1},
		{"64 small", 64, "hi", 1},
		{"65 small", 65, "hi", 2},
		{"over 32 KiB", 10, strings.Repeat("x", 5000), 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, s, wc, tr := sendAllPair(t)
			els := chatMessages(tt.n, tt.body)
			errc := make(chan error, 1)
			go func() { errc <- c.SendAll(ctxT(t), els...) }()
			got := receive(t, s, tt.n)
			must(t, <-errc)
			if diff := cmp.Diff(els, got); diff != "" {
				t.Fatalf("received (-sent +got):\n%s", diff)
			}
			if n := wc.n.Load(); n != tt.writes {
				t.Errorf("%d Writes, want %d", n, tt.writes)
			}
			tr.mu.Lock()
			defer tr.mu.Unlock()
			if tr.n != tt.n {
				t.Errorf("%d trace events, want one per element (%d)", tr.n, tt.n)
			}
		})
	}
}

// An element that cannot be encoded stops SendAll: those before it are
// written, it and those after are not.
func TestSendAllBadElement(t *testing.T) {
	t.Parallel()
	c, s, _, _ := sendAllPair(t)
	els := chatMessages(4, "ok")
	els[2] = &stanza.Message{Body: "nul \x00"}
	errc := make(chan error, 1)
	go func() { errc <- c.SendAll(ctxT(t), els...) }()
	got := receive(t, s, 2)
	if err := <-errc; !errors.Is(err, stanza.ErrInvalidChar) {
		t.Fatalf("SendAll: %v, want stanza.ErrInvalidChar", err)
	}
	if diff := cmp.Diff(els[:2], got); diff != "" {
		t.Fatalf("received (-sent +got):\n%s", diff)
	}
	// The stream goes on.
	if el := relay(t, c, s, julietMsg); !cmp.Equal(el, stanza.Element(julietMsg)) {
		t.Errorf("then %v, want Juliet's message", el)
	}
}
