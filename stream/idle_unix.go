//go:build unix

package stream

import (
	"context"
	"io"
	"net"
	"os"
	"syscall"
)

// idleState is what a Stream keeps to wait for input without a buffer,
// on transports with a file descriptor (TCP, Unix sockets). Only the
// goroutine reading (holding the read lock, or negotiating) uses it.
//
// Two waits use it. ReadIdle (stanza.IdleReader) lets the Decoder read
// into a buffer it takes only once input is there. waitIdle, called by
// Next before it goes down into the Decoder, waits for input at that
// shallow depth when the stream looks idle: a goroutine parked there
// uses so little of its stack that the runtime shrinks it (to 4 KiB
// from 8), which with the buffers let go makes an idle stream cost
// about 10 KiB instead of 23.
type idleState struct {
	checked bool            // rc and nc are set for the current transport
	rc      syscall.RawConn // nil when the transport has none
	nc      net.Conn

	// hint is set when the last read had to wait for input: the stream
	// is idle, and the next Next waits in waitIdle. A stream whose reads
	// find input at once (a busy one) skips that wait and its system
	// call.
	hint bool

	// State of the RawConn.Read under way, and its callbacks, bound once
	// so that a read allocates nothing.
	get            func() []byte
	put            func([]byte)
	b              []byte
	n              int
	err            error
	waited         bool
	peekBuf        [1]byte
	readFn, peekFn func(fd uintptr) bool
}

// rawConn returns the transport's RawConn and net.Conn, or nil when it
// has none (TLS, pipes).
func (s *Stream) rawConn() (syscall.RawConn, net.Conn) {
	st := &s.idle
	if !st.checked {
		st.checked, st.rc, st.nc = true, nil, nil
		if nc, ok := s.rw.(interface {
			net.Conn
			syscall.Conn
		}); ok {
			if rc, err := nc.SyscallConn(); err == nil {
				st.rc, st.nc = rc, nc
			}
		}
		if st.readFn == nil {
			st.readFn, st.peekFn = st.read, st.peek
			st.hint = true // a new stream waits for its peer first
		}
	}
	return st.rc, st.nc
}

// expectIdle marks the stream as likely to wait for its peer: the first
// Next after negotiation waits in waitIdle.
func (s *Stream) expectIdle() { s.idle.hint = true }

// resetIdle forgets the transport, which a feature swapped.
func (s *Stream) resetIdle() { s.idle.checked = false }

// read is the RawConn.Read callback of ReadIdle: it reads into a buffer
// taken for the attempt, and gives it back when there is nothing to read.
func (st *idleState) read(fd uintptr) bool {
	st.b = st.get()
	for {
		st.n, st.err = syscall.Read(int(fd), st.b)
		if st.err != syscall.EINTR {
			break
		}
	}
	if st.err == syscall.EAGAIN {
		st.put(st.b)
		st.b, st.waited = nil, true
		return false // wait until readable
	}
	return true
}

// peek is the RawConn.Read callback of waitIdle: it reports input there
// (or the end of it, or an error), looking without reading; once woken
// by the poller it stops looking (a spurious wake-up only means that
// the read after it waits again).
func (st *idleState) peek(fd uintptr) bool {
	if st.waited {
		return true
	}
	_, _, err := syscall.Recvfrom(int(fd), st.peekBuf[:], syscall.MSG_PEEK)
	if err == syscall.EAGAIN {
		st.waited = true
		return false
	}
	return true
}

// ReadIdle implements stanza.IdleReader, so that a stream waiting for its
// peer holds no read buffer. When the transport is a connection with a
// file descriptor it waits for readability through syscall.RawConn and
// takes the buffer only to read what arrived, as the net package's own
// Read does, with the same system calls; read deadlines (and with them
// the ctx interrupts) apply as they do to Read. Other transports (TLS,
// pipes) are read with Read into the buffer taken at once.
func (r transportReader) ReadIdle(get func() []byte, put func([]byte)) (int, error) {
	s := r.s
	rc, nc := s.rawConn()
	if rc == nil {
		return r.Read(get())
	}
	st := &s.idle
	st.get, st.put, st.b, st.waited = get, put, nil, false
	err := rc.Read(st.readFn)
	b, n, rerr := st.b, st.n, st.err
	st.get, st.put, st.b, st.err = nil, nil, nil, nil
	st.hint = st.waited
	switch {
	case err != nil:
		return 0, err // a deadline, or the connection closed
	case rerr != nil:
		return 0, &net.OpError{Op: "read", Net: nc.LocalAddr().Network(), Source: nc.LocalAddr(), Addr: nc.RemoteAddr(), Err: os.NewSyscallError("read", rerr)}
	case n == 0:
		return 0, io.EOF
	}
	if s.cfg.Trace != nil {
		s.trace(In, b[:n], s.redactIn.Load())
	}
	return n, nil
}

// waitIdle waits, when the stream looks idle and nothing is buffered,
// until the transport has input, so that the Decoder is entered only
// then (see idleState). It returns an error only when ctx interrupted
// the wait, which ends the stream as an interrupted read does; other
// failures are left to the read that follows. The read lock is held.
func (s *Stream) waitIdle(ctx context.Context) error {
	st := &s.idle
	rc, _ := s.rawConn()
	if rc == nil || !st.hint || len(s.pending) > 0 || s.fr.buffered() > 0 ||
		len(s.madeBacklog()) > 0 || ctx.Err() != nil || s.readErr() != nil {
		return nil
	}
	st.waited = false
	armed := s.rwait.start(s, ioRead, ctx)
	err := rc.Read(st.peekFn)
	st.hint = st.waited
	if s.rwait.end(s, ioRead, armed) && err != nil {
		return s.readInterrupted(ctx)
	}
	return nil
}
