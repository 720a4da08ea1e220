package streamtest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/nettest"
)

// TestPipeConformance runs the net.Conn conformance suite of x/net on
// Pipe: data integrity, concurrency, deadlines, close semantics.
func TestPipeConformance(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		c1, c2 = Pipe()
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}

func TestPipe(t *testing.T) {
	t.Parallel()
	t.Run("write then read on one goroutine", func(t *testing.T) {
		t.Parallel()
		a, b := Pipe()
		defer a.Close()
		defer b.Close()
		if _, err := io.WriteString(a, "<presence/>"); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, err := b.Read(buf)
		if err != nil || string(buf[:n]) != "<presence/>" {
			t.Fatalf("Read = %q, %v", buf[:n], err)
		}
	})
	t.Run("close: the peer drains, then EOF; its writes fail", func(t *testing.T) {
		t.Parallel()
		a, b := Pipe()
		io.WriteString(a, "bye")
		a.Close()
		got, err := io.ReadAll(b)
		if err != nil || string(got) != "bye" {
			t.Fatalf("ReadAll = %q, %v", got, err)
		}
		if _, err := b.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("Write after peer closed = %v, want io.ErrClosedPipe", err)
		}
		if _, err := a.Read(make([]byte, 1)); !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("Read on closed end = %v, want io.ErrClosedPipe", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("second Close = %v", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		a, b := Pipe()
		defer a.Close()
		defer b.Close()
		a.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		_, err := a.Read(make([]byte, 1))
		var ne net.Error
		if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("Read past deadline = %v, want a timeout", err)
		}
		a.SetReadDeadline(time.Time{})
		io.WriteString(b, "x")
		if n, err := a.Read(make([]byte, 1)); n != 1 || err != nil {
			t.Fatalf("Read after clearing the deadline = %d, %v", n, err)
		}
	})
	t.Run("a full buffer blocks the writer until read", func(t *testing.T) {
		t.Parallel()
		a, b := Pipe()
		defer a.Close()
		defer b.Close()
		data := bytes.Repeat([]byte("0123456789abcdef"), PipeBuffer/16+100)
		var wg sync.WaitGroup
		wg.Go(func() {
			if n, err := a.Write(data); n != len(data) || err != nil {
				t.Errorf("Write = %d, %v", n, err)
			}
		})
		got := make([]byte, len(data))
		if _, err := io.ReadFull(b, got); err != nil || !bytes.Equal(got, data) {
			t.Errorf("ReadFull: %v, equal %v", err, bytes.Equal(got, data))
		}
		wg.Wait()
	})
	t.Run("a write deadline releases a blocked writer", func(t *testing.T) {
		t.Parallel()
		a, b := Pipe()
		defer a.Close()
		defer b.Close()
		a.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
		n, err := a.Write(make([]byte, PipeBuffer+1))
		if n != PipeBuffer || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Write = %d, %v; want %d, deadline exceeded", n, err, PipeBuffer)
		}
	})
}
