package stream

import (
	"context"
	"encoding/xml"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
)

// Stream is one XML stream over an io.ReadWriter (RFC 6120 §4): the pair
// of an outbound and an inbound stream between two entities, in either
// role. Open creates one as the initiating entity, Accept as the
// receiving entity; both return once the header exchange and feature
// negotiation (§4.3) are complete and stanzas may flow.
//
// Concurrency: Send, SendKeepalive, Close, CloseWithError and the header
// accessors (Header, PeerHeader, ID, Initiating, Negotiated) may be called
// from any goroutine at any time; Next is called by one goroutine at a
// time. Each Send is written with a single Write under a lock, so
// elements from concurrent senders never interleave on the wire.
//
// The Stream owns the transport from the moment it is handed to Open or
// Accept: it closes it, if it is an io.Closer, when the stream ends (by
// Close, by a stream error sent or received, or when an I/O operation is
// interrupted by its ctx), and when Open or Accept fail. When the peer
// stopped reading (a write failed or timed out, or the stream error
// could not be written), a TCP transport (or the one under a *tls.Conn)
// is closed without lingering (SO_LINGER 0): the bytes the kernel still
// holds for a peer that does not read are dropped at once.
type Stream struct {
	cfg        Config
	initiating bool
	domains    []jid.JID // cfg.Domains parsed (receiving entity)
	fr         framing

	// tmu guards rw against interrupting goroutines while a feature swaps
	// the transport; the goroutine doing I/O reads rw without it.
	tmu     sync.Mutex
	rw      io.ReadWriter
	tOnce   sync.Once
	tErr    error
	tClosed atomic.Bool // the transport has been closed by us
	rwatch  watcher     // interrupts reads
	wwatch  watcher     // interrupts writes

	// Reading. rsem is held by the goroutine reading (Next, Close's drain,
	// negotiation); pending holds elements read but not yet returned by
	// Next: the first stanza read during negotiation, or what Close read
	// while no Next was running.
	rsem    chan struct{}
	waiting atomic.Int32 // Next calls waiting for rsem
	pending []stanza.Element
	rdone   chan struct{} // closed when the read side ends (rerr set)
	mu      sync.Mutex    // guards rerr and cause
	rerr    error         // sticky result of reading: io.EOF, *LocalError, …
	cause   error         // first reason the transport was shut down

	// Writing. wsem is held by the goroutine writing; the fields below it
	// are guarded by it.
	wsem       chan struct{}
	wbox       *[]byte    // the write buffer, while writing (see wbufStart)
	wq         writeQueue // Sends waiting while another writes (wqueue.go)
	headerSent bool       // our header of the current (re)start was written
	wclosed    bool       // our closing tag was written, or writing is over
	werr       error      // returned by every write once wclosed

	// The headers of the current (re)start; fixed once Open or Accept
	// returns.
	local, peer stanza.Header
	peerVer     version // the peer's version attribute, parsed
	peerVerOK   bool    // whether it parsed

	negotiated []xml.Name // features negotiated, in order (set during Open/Accept)
	bound      jid.JID    // the full JID bound by resource binding (set during Open/Accept)

	// abortive is set when a write failed or could not get through: the
	// transport is then closed without lingering (see shutdown).
	abortive atomic.Bool

	closeOnce sync.Once
	closeErr  error
	closing   atomic.Bool // Close or CloseWithError has begun
	peerEnded atomic.Bool // the peer sent its closing tag or a stream error

	redactIn atomic.Bool // trace inbound bytes as redacted (SASL exchanges)

	idle idleState // waiting for input without a buffer (idle_unix.go)

	// in and out are the element hooks (see hooks.go).
	in  []inHook
	out []outHook

	// iq tracks SendIQ's requests (iq.go); rwait and wwait interrupt
	// Next's and Send's I/O when their ctx ends (watch.go).
	iq           iqState
	rwait, wwait ctxWatch
}

// newStream checks cfg and returns a Stream over rw. It does no I/O.
func newStream(rw io.ReadWriter, cfg *Config, initiating bool) (*Stream, error) {
	c, domains, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	s := &Stream{
		cfg:        c,
		initiating: initiating,
		domains:    domains,
		rw:         rw,
		rsem:       make(chan struct{}, 1),
		rdone:      make(chan struct{}),
		wsem:       make(chan struct{}, 1),
	}
	s.fr = newXMLFraming(transportReader{s}, &s.cfg.Limits)
	s.rwatch.init(s, ioRead)
	s.wwatch.init(s, ioWrite)
	return s, nil
}

// Header returns the stream header this side sent (after the last stream
// restart, §4.3.3). The result is a copy.
func (s *Stream) Header() stanza.Header { return cloneHeader(s.local) }

// PeerHeader returns the stream header the peer sent (after the last
// stream restart, §4.3.3): its to, from, id, version and xml:lang as they
// appeared on the wire (§4.7). The result is a copy.
func (s *Stream) PeerHeader() stanza.Header { return cloneHeader(s.peer) }

// Bound returns the full JID bound to the stream by resource binding
// (RFC 6120 §7): the client's address, on either side of the stream. It is
// the zero JID when no binding took place (server-to-server streams,
// components, or before negotiation completes).
func (s *Stream) Bound() jid.JID { return s.bound }

// ID returns the stream ID (RFC 6120 §4.7.3): the 'id' of the receiving
// entity's header, ours after Accept and the peer's after Open. It is
// empty when an RFC 3920-era receiving entity sent none.
func (s *Stream) ID() string {
	if s.initiating {
		return s.peer.ID
	}
	return s.local.ID
}

// Initiating reports whether this side is the initiating entity (the
// Stream came from Open) rather than the receiving entity (Accept).
func (s *Stream) Initiating() bool { return s.initiating }

// Negotiated reports whether the feature named name was negotiated on
// this stream (RFC 6120 §4.3).
func (s *Stream) Negotiated(name xml.Name) bool { return slices.Contains(s.negotiated, name) }

func cloneHeader(h stanza.Header) stanza.Header {
	h.Attr = slices.Clone(h.Attr)
	return h
}

// transportReader reads from the Stream's current transport and reports
// what it read to the trace hook. The Decoder reads through it, so a
// transport swapped by a feature is picked up at the restart.
type transportReader struct{ s *Stream }

func (r transportReader) Read(p []byte) (int, error) {
	n, err := r.s.rw.Read(p)
	if n > 0 && r.s.cfg.Trace != nil {
		r.s.trace(In, p[:n], r.s.redactIn.Load())
	}
	return n, err
}

// ioKind selects what an interrupt breaks.
type ioKind uint8

const (
	ioRead ioKind = 1 << iota
	ioWrite
)

type readDeadliner interface{ SetReadDeadline(time.Time) error }
type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// longAgo is a deadline in the past: setting it fails blocked I/O at once.
var longAgo = time.Unix(1, 0)

// watcher interrupts blocked I/O of one kind on the transport once a
// ctx is done: through SetReadDeadline/SetWriteDeadline when the
// transport has them, else by closing it if it is an io.Closer, else not
// at all. There is one per kind, used by one I/O call at a time (reads
// hold the read lock, writes the write lock, and Open and Accept run
// alone), so its state is reused without allocating.
type watcher struct {
	s    *Stream
	k    ioKind
	wg   sync.WaitGroup // held while an armed interrupt may still run
	fire func()         // w.run, bound once
}

func (w *watcher) init(s *Stream, k ioKind) {
	w.s, w.k, w.fire = s, k, w.run
}

func (w *watcher) run() {
	w.s.interrupt(w.k, longAgo)
	w.wg.Done()
}

// start arms the watcher for ctx; the I/O call passes the result to
// stop once the I/O returns.
func (w *watcher) start(ctx context.Context) (cancel func() bool) {
	if ctx.Done() == nil {
		return nil
	}
	w.wg.Add(1)
	return context.AfterFunc(ctx, w.fire)
}

// stop disarms the watcher and reports whether ctx interrupted the I/O;
// in that case it clears the deadline again, so that I/O that completed
// anyway leaves the transport usable.
func (w *watcher) stop(cancel func() bool) bool {
	if cancel == nil {
		return false
	}
	if cancel() {
		w.wg.Done()
		return false
	}
	w.wg.Wait()
	w.s.interrupt(w.k, time.Time{})
	return true
}

// interrupt sets the deadline t for k on the transport, or, when the
// transport has no deadlines and t is not zero, closes it.
func (s *Stream) interrupt(k ioKind, t time.Time) {
	s.tmu.Lock()
	rw := s.rw
	s.tmu.Unlock()
	rd, okr := rw.(readDeadliner)
	wd, okw := rw.(writeDeadliner)
	if (k&ioRead == 0 || okr) && (k&ioWrite == 0 || okw) {
		if k&ioRead != 0 {
			rd.SetReadDeadline(t)
		}
		if k&ioWrite != 0 {
			wd.SetWriteDeadline(t)
		}
		return
	}
	if !t.IsZero() {
		s.shutdown(nil)
	}
}

// shutdown closes the transport once, if it is an io.Closer, recording
// cause as the reason (the first non-nil cause wins). It returns the
// error of closing.
func (s *Stream) shutdown(cause error) error {
	if cause != nil {
		s.mu.Lock()
		if s.cause == nil {
			s.cause = cause
		}
		s.mu.Unlock()
	}
	s.tOnce.Do(func() {
		s.tClosed.Store(true)
		s.tmu.Lock()
		rw := s.rw
		s.tmu.Unlock()
		sock := any(rw)
		if tc, ok := rw.(interface{ NetConn() net.Conn }); ok {
			sock = tc.NetConn() // a *tls.Conn: the socket under it
		}
		if l, ok := sock.(interface{ SetLinger(int) error }); ok && s.abortive.Load() {
			// What we wrote last did not get through (the peer does
			// not read, or a write was cut short): drop what the
			// kernel still holds instead of keeping the connection,
			// and its buffers, for as long as the peer keeps its
			// window shut.
			l.SetLinger(0)
		}
		if c, ok := rw.(io.Closer); ok {
			s.tErr = c.Close()
		}
	})
	return s.tErr
}

// swap makes rw the transport (a feature such as STARTTLS replaced it).
func (s *Stream) swap(rw io.ReadWriter) {
	s.tmu.Lock()
	s.rw = rw
	s.tmu.Unlock()
	s.resetIdle()
}
