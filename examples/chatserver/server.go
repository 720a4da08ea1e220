package chatserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/sasl"
	"github.com/xmppkit/xmpp/streamerror"
)

// TLSPolicy says whether the server offers STARTTLS (RFC 6120 §5) and
// whether it insists on it.
type TLSPolicy string

// The TLS policies, as the -tls flag of examples/server spells them.
const (
	// TLSNone offers no STARTTLS: every stream stays unencrypted.
	TLSNone TLSPolicy = "none"
	// TLSOptional offers STARTTLS as a voluntary feature (§5.3.1).
	TLSOptional TLSPolicy = "optional"
	// TLSRequired offers STARTTLS with <required/> (§5.3.1): nothing
	// else is negotiated before it.
	TLSRequired TLSPolicy = "required"
)

// Defaults of the Config fields.
const (
	DefaultDomain           = "localhost"      // Config.Domain
	DefaultQueueSize        = 256              // Config.QueueSize
	DefaultWriteTimeout     = 10 * time.Second // Config.WriteTimeout
	DefaultHandshakeTimeout = 30 * time.Second // Config.HandshakeTimeout
	DefaultCloseTimeout     = 2 * time.Second  // Config.CloseTimeout
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("chatserver: server closed")

// Config configures a Server. A nil *Config means the zero Config; every
// zero field takes its default.
type Config struct {
	// Domain is the XMPP domain the server serves (RFC 6120 §2.1); its
	// users are localpart@Domain. Empty means DefaultDomain.
	Domain string

	// Accounts are the users who may log in. Nil means none.
	Accounts *Accounts

	// TLS is the STARTTLS policy; empty means TLSNone.
	TLS TLSPolicy
	// Certificate is the certificate STARTTLS presents. When TLS is not
	// TLSNone and Certificate is nil, New generates a self-signed one for
	// Domain (see SelfSigned and Server.CertificatePEM).
	Certificate *tls.Certificate

	// Mechanisms restricts the SASL mechanisms offered
	// (sasl.ServerConfig.Enabled); nil offers every mechanism of package
	// sasl that the stream's state allows.
	Mechanisms []sasl.Mechanism

	// AllowPlainWithoutTLS offers SASL PLAIN on streams that are not
	// encrypted, where it sends passwords in the clear (RFC 6120 §13.8):
	// for loopback demos and protocol-level tests only. The SCRAM
	// mechanisms are offered either way.
	AllowPlainWithoutTLS bool

	// QueueSize bounds the stanzas waiting to be written to one client.
	// A client whose stanzas fill another's queue is not read from until
	// that queue has room again (it cannot send faster than its
	// recipients read, and nothing is dropped); a queue that stays full
	// for WriteTimeout, or grows past four times QueueSize with the
	// stanzas of many senders, means its client does not read: it is
	// disconnected with a policy-violation stream error. Zero means
	// DefaultQueueSize.
	QueueSize int
	// WriteTimeout bounds the writing of what is queued for a client,
	// up to 64 stanzas at a time (written together, see
	// stream.Stream.SendAll); a write that takes longer ends that
	// client's stream. Zero means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// HandshakeTimeout bounds a connection's header exchange and feature
	// negotiation (STARTTLS, SASL, resource binding). Zero means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// CloseTimeout is the streams' stream.Config.CloseTimeout: how long
	// closing waits for the client's closing tag. Zero means
	// DefaultCloseTimeout.
	CloseTimeout time.Duration

	// Limits bound what a client can make the server hold (see
	// stanza.Limits; zero fields take their defaults).
	Limits stanza.Limits

	// Trace, when not nil, is called for each new connection and
	// returns the stream.Config.Trace hook for it (nil for none): to log
	// or record the traffic (SASL secrets arrive redacted).
	Trace func(c net.Conn) func(stream.Event)

	// Log receives a line per connection event; nil discards them.
	Log *slog.Logger
}

// Server is a small XMPP client-to-server service (RFC 6120, RFC 6121)
// for one domain. Serve it on listeners or single connections; Shutdown
// ends it. Its methods may be called concurrently.
type Server struct {
	cfg      Config
	domain   jid.JID
	certPEM  []byte
	features []stream.Feature // shared by every stream (see stream.Feature)

	mu        sync.RWMutex
	closing   bool
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	// sessions routes by bare JID, then resource (RFC 6121 §8.5).
	sessions map[jid.JID]map[string]*session

	wg sync.WaitGroup // every connection goroutine and kill
}

// New checks cfg and returns a Server. With a TLS policy other than
// TLSNone and no Certificate, it generates a self-signed certificate.
func New(cfg *Config) (*Server, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Domain == "" {
		c.Domain = DefaultDomain
	}
	d, err := jid.Parse(c.Domain)
	if err != nil || d != d.Domain() {
		return nil, fmt.Errorf("chatserver: domain %q is not a domain: %w", c.Domain, err)
	}
	if c.Accounts == nil {
		c.Accounts = NewAccounts()
	}
	switch c.TLS {
	case "":
		c.TLS = TLSNone
	case TLSNone, TLSOptional, TLSRequired:
	default:
		return nil, fmt.Errorf("chatserver: TLS policy %q: want none, optional or required", c.TLS)
	}
	s := &Server{
		domain:    d,
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
		sessions:  map[jid.JID]map[string]*session{},
	}
	if c.TLS != TLSNone && c.Certificate == nil {
		cert, pemBytes, err := SelfSigned(d.String())
		if err != nil {
			return nil, err
		}
		c.Certificate, s.certPEM = &cert, pemBytes
	}
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	s.cfg = c
	s.features = s.streamFeatures()
	return s, nil
}

// Domain returns the domain the server serves.
func (s *Server) Domain() jid.JID { return s.domain }

// CertificatePEM returns the self-signed certificate New generated, in
// PEM form, for clients to trust; nil when none was generated.
func (s *Server) CertificatePEM() []byte { return s.certPEM }

// Serve accepts connections on ln and serves each in a goroutine of its
// own, until Shutdown, after which it returns ErrServerClosed, or until
// ln fails. It closes ln when it returns.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.RLock()
			closing := s.closing
			s.mu.RUnlock()
			if closing {
				return ErrServerClosed
			}
			if temporary(err) {
				// Out of file descriptors and the like: back off.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.cfg.Log.Warn("accept", "err", err, "retry in", delay)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("chatserver: accept: %w", err)
		}
		delay = 0
		if !s.track(+1) {
			c.Close()
			return ErrServerClosed
		}
		go func() {
			defer s.wg.Done()
			s.serve(c)
		}()
	}
}

// ServeLoopback serves on a new listener on 127.0.0.1, on a port the
// system picks, for a server run inside another program: a demo, a test,
// a tool. It returns the listener's address and stop, which shuts the
// server down within ctx, waits for Serve to return and reports what went
// wrong in either.
func (s *Server) ServeLoopback() (addr string, stop func(ctx context.Context) error, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("chatserver: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	stop = func(ctx context.Context) error {
		err := s.Shutdown(ctx)
		if serr := <-served; !errors.Is(serr, ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		return err
	}
	return ln.Addr().String(), stop, nil
}

// temporary reports whether an accept error may go away by itself: a
// timeout, or one that says it is temporary (EMFILE, ENFILE…).
func temporary(err error) bool {
	var t interface {
		Timeout() bool
		Temporary() bool
	}
	return errors.As(err, &t) && (t.Timeout() || t.Temporary())
}

// ServeConn serves one connection, a net.Conn of any kind (TCP, TLS for
// XEP-0368 direct TLS, an in-memory pipe), and returns when its stream
// has ended. It closes c.
func (s *Server) ServeConn(c net.Conn) {
	if !s.track(+1) {
		c.Close()
		return
	}
	defer s.wg.Done()
	s.serve(c)
}

// track adds d to the connection goroutines unless the server is
// shutting down, which it reports.
func (s *Server) track(d int) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closing {
		return false
	}
	s.wg.Add(d)
	return true
}

// Shutdown shuts the server down gracefully: it closes the listeners,
// ends every established stream with the system-shutdown stream error
// (RFC 6120 §4.9.3.22), aborts the connections still negotiating, and
// waits for every connection to end, or for ctx (it returns ctx's error
// then, and the connections end within CloseTimeout anyway). Serve
// returns ErrServerClosed, and later connections are refused.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for ln := range s.listeners {
		ln.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	shutdown := &streamerror.Error{Condition: streamerror.SystemShutdown, Text: "the server is shutting down"}
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() { c.end(shutdown) })
	}
	wg.Wait()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("chatserver: shutdown: %w", context.Cause(ctx))
	}
}

// Online returns the full JIDs bound to the account bare, for tests and
// monitoring.
func (s *Server) Online(bare jid.JID) []jid.JID {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []jid.JID
	for _, ss := range s.sessions[bare.Bare()] {
		out = append(out, ss.jid)
	}
	return out
}

// Stats is a snapshot of a Server's load, for monitoring.
type Stats struct {
	// Connections counts the connections being served, from accept to
	// close, negotiating or not.
	Connections int `json:"connections"`
	// Sessions counts the bound sessions (RFC 6120 §7): the streams of
	// logged-in clients.
	Sessions int `json:"sessions"`
}

// Stats returns the server's current Stats.
func (s *Server) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := Stats{Connections: len(s.conns)}
	for _, res := range s.sessions {
		st.Sessions += len(res)
	}
	return st
}
