//go:build unix

package stream

import (
	"io"
	"net"
	"os"
	"syscall"
)

// ReadIdle implements stanza.IdleReader, so that a stream waiting for its
// peer holds no read buffer. When the transport is a connection with a
// file descriptor (TCP, Unix sockets) it waits for readability through
// syscall.RawConn and takes the buffer only to read what arrived, as the
// net package's own Read does, with the same system calls; read
// deadlines (and with them the ctx interrupts) apply as they do to
// Read. Other transports (TLS, pipes) are read with Read into the buffer
// taken at once.
func (r transportReader) ReadIdle(get func() []byte, put func([]byte)) (int, error) {
	nc, ok := r.s.rw.(interface {
		net.Conn
		syscall.Conn
	})
	if !ok {
		return r.Read(get())
	}
	rc, err := nc.SyscallConn()
	if err != nil {
		return r.Read(get())
	}
	var (
		b    []byte
		n    int
		rerr error
	)
	err = rc.Read(func(fd uintptr) bool {
		b = get()
		for {
			n, rerr = syscall.Read(int(fd), b)
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr == syscall.EAGAIN {
			put(b)
			return false // wait until readable
		}
		return true
	})
	if err != nil {
		return 0, err // a deadline, or the connection closed
	}
	switch {
	case rerr != nil:
		return 0, &net.OpError{Op: "read", Net: nc.LocalAddr().Network(), Source: nc.LocalAddr(), Addr: nc.RemoteAddr(), Err: os.NewSyscallError("read", rerr)}
	case n == 0:
		return 0, io.EOF
	}
	if r.s.cfg.Trace != nil {
		r.s.trace(In, b[:n], r.s.redactIn.Load())
	}
	return n, nil
}
