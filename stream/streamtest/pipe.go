package streamtest

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// PipeBuffer is how many bytes each direction of a Pipe holds before a
// Write waits for the peer to Read.
const PipeBuffer = 1 << 20

// Pipe returns the two ends of an in-memory, full-duplex connection. It
// is net.Pipe with one difference: each direction buffers up to
// PipeBuffer bytes, so a Write returns once its bytes are buffered, as on
// a TCP connection, instead of waiting until the peer has read them all.
//
// That difference matters for XMPP tests. Over net.Pipe a Stream's Send
// blocks until the peer's Next reads it, so a test that sends and then
// receives on one goroutine deadlocks, and two Streams closing at once
// both block writing their closing tags (RFC 6120 §4.4) with neither
// reading. Over Pipe both just work.
//
// Otherwise the ends behave as net.Pipe's: Read returns what is buffered,
// or waits; after one end is closed the other reads what is left and
// then io.EOF, and its writes fail with io.ErrClosedPipe; reads and
// writes on a closed end fail with io.ErrClosedPipe; deadlines
// (SetDeadline, SetReadDeadline, SetWriteDeadline) fail blocked and
// later calls with os.ErrDeadlineExceeded, which is a net.Error whose
// Timeout method reports true. All methods may be called concurrently.
func Pipe() (net.Conn, net.Conn) {
	p := &pipe{}
	p.cond.L = &p.mu
	ab, ba := &pipeDir{}, &pipeDir{}
	a := &pipeConn{p: p, rd: ba, wr: ab}
	b := &pipeConn{p: p, rd: ab, wr: ba}
	return a, b
}

// pipe is the state both ends share: one lock and one condition for
// every change (data, space, close, a deadline passing).
type pipe struct {
	mu   sync.Mutex
	cond sync.Cond
}

// wake wakes every waiter, so that they check their deadlines.
func (p *pipe) wake() {
	p.mu.Lock()
	p.cond.Broadcast()
	p.mu.Unlock()
}

// pipeDir is one direction of a Pipe: the bytes written and not yet read.
type pipeDir struct {
	buf     []byte
	r       int  // buf[r:] is unread
	wclosed bool // the writing end was closed: EOF once drained
	rclosed bool // the reading end was closed: writes fail
}

func (d *pipeDir) len() int { return len(d.buf) - d.r }

type pipeConn struct {
	p      *pipe
	rd, wr *pipeDir // guarded by p.mu, as is everything below
	rdl    deadline
	wdl    deadline
	closed bool
}

// deadline is one deadline of an end, with the timer that wakes waiters
// when it passes.
type deadline struct {
	t     time.Time
	timer *time.Timer
}

func (d *deadline) expired() bool { return !d.t.IsZero() && !time.Now().Before(d.t) }

// Read reads from the buffer of bytes the other end wrote.
func (c *pipeConn) Read(b []byte) (int, error) {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	for {
		switch d := c.rd; {
		case c.closed:
			return 0, io.ErrClosedPipe
		case c.rdl.expired():
			return 0, os.ErrDeadlineExceeded
		case len(b) == 0:
			return 0, nil
		case d.len() > 0:
			n := copy(b, d.buf[d.r:])
			d.r += n
			if d.r == len(d.buf) {
				d.buf, d.r = d.buf[:0], 0
			}
			c.p.cond.Broadcast()
			return n, nil
		case d.wclosed:
			return 0, io.EOF
		}
		c.p.cond.Wait()
	}
}

// Write appends b to the buffer the other end reads, waiting for room
// when it is full.
func (c *pipeConn) Write(b []byte) (int, error) {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	n := 0
	for {
		d := c.wr
		switch {
		case c.closed, d.rclosed:
			return n, io.ErrClosedPipe
		case c.wdl.expired():
			return n, os.ErrDeadlineExceeded
		case n == len(b):
			return n, nil
		}
		if room := PipeBuffer - d.len(); room > 0 {
			if d.r > 0 && d.r >= len(d.buf)/2 {
				// Reclaim the space already read.
				d.buf = d.buf[:copy(d.buf, d.buf[d.r:])]
				d.r = 0
			}
			k := min(room, len(b)-n)
			d.buf = append(d.buf, b[n:n+k]...)
			n += k
			c.p.cond.Broadcast()
			if n == len(b) {
				return n, nil
			}
			continue
		}
		c.p.cond.Wait()
	}
}

// Close closes this end: the other end reads what is buffered, then
// io.EOF, and its writes fail. Close is idempotent and returns nil.
func (c *pipeConn) Close() error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	c.wr.wclosed = true
	c.rd.rclosed = true
	c.rd.buf, c.rd.r = nil, 0
	for _, d := range []*deadline{&c.rdl, &c.wdl} {
		if d.timer != nil {
			d.timer.Stop()
			d.timer = nil
		}
	}
	c.p.cond.Broadcast()
	return nil
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// LocalAddr returns an address whose network and string are "pipe".
func (c *pipeConn) LocalAddr() net.Addr { return pipeAddr{} }

// RemoteAddr returns an address whose network and string are "pipe".
func (c *pipeConn) RemoteAddr() net.Addr { return pipeAddr{} }

// SetDeadline sets both the read and the write deadline.
func (c *pipeConn) SetDeadline(t time.Time) error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if c.closed {
		return io.ErrClosedPipe
	}
	c.set(&c.rdl, t)
	c.set(&c.wdl, t)
	return nil
}

// SetReadDeadline sets the read deadline.
func (c *pipeConn) SetReadDeadline(t time.Time) error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if c.closed {
		return io.ErrClosedPipe
	}
	c.set(&c.rdl, t)
	return nil
}

// SetWriteDeadline sets the write deadline.
func (c *pipeConn) SetWriteDeadline(t time.Time) error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if c.closed {
		return io.ErrClosedPipe
	}
	c.set(&c.wdl, t)
	return nil
}

// set sets d to t, with p.mu held, arming a timer that wakes waiters
// when t passes.
func (c *pipeConn) set(d *deadline, t time.Time) {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.t = t
	if !t.IsZero() {
		if wait := time.Until(t); wait > 0 {
			d.timer = time.AfterFunc(wait, c.p.wake)
		}
	}
	c.p.cond.Broadcast()
}
