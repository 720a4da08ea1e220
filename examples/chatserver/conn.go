package chatserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/streamerror"
)

// conn is one connection, from the first byte to its end.
type conn struct {
	nc net.Conn

	mu     sync.Mutex
	cancel context.CancelFunc // aborts the negotiation (set once it began)
	st     *stream.Stream     // set once negotiated
	ending *streamerror.Error // end was called before that

	session *session // set by claim, under the server's mu
}

// end ends the connection with the stream error se: at once if its
// stream is established, else once negotiation ends (which it cuts
// short).
func (c *conn) end(se *streamerror.Error) {
	c.mu.Lock()
	st, cancel := c.st, c.cancel
	if st == nil && c.ending == nil {
		c.ending = se
	}
	c.mu.Unlock()
	if st == nil {
		if cancel != nil {
			cancel()
		}
		return
	}
	st.CloseWithError(se)
}

// established records st as c's stream, and returns the stream error to
// end it with if end was called meanwhile.
func (c *conn) established(st *stream.Stream) *streamerror.Error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st = st
	return c.ending
}

// serve runs one connection: negotiation, the session, the end.
//
// The session runs in a frame of its own, below serve's small one, so
// that the goroutine's stack, while it waits for an idle client, is
// little more than the read path: the runtime then shrinks it to 4 KiB.
func (s *Server) serve(nc net.Conn) {
	c := &conn{nc: nc}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	if ss := s.negotiate(c); ss != nil {
		s.run(ss)
	}
}

// negotiate runs c's header exchange and feature negotiation, within
// HandshakeTimeout, and returns its session ready to run, or nil when the
// stream did not get that far (it is over then).
func (s *Server) negotiate(c *conn) *session {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.HandshakeTimeout)
	defer cancel()
	c.mu.Lock()
	c.cancel = cancel
	if c.ending != nil {
		cancel() // end came first
	}
	c.mu.Unlock()
	nc := c.nc
	log := s.cfg.Log.With("remote", nc.RemoteAddr().String()) // for the negotiation only
	var trace func(stream.Event)
	if s.cfg.Trace != nil {
		trace = s.cfg.Trace(nc)
	}
	// Features are shared by every stream, but for resource binding,
	// whose hook knows the connection.
	features := slices.Clone(s.features)
	for i, f := range features {
		if _, ok := f.(*stream.Bind); ok {
			features[i] = &stream.Bind{Claim: func(_ context.Context, full jid.JID) (jid.JID, error) {
				return s.claim(c, full)
			}}
		}
	}
	st, err := stream.Accept(ctx, nc, &stream.Config{
		Domains:      []string{s.domain.String()},
		Limits:       s.cfg.Limits,
		Features:     features,
		Trace:        trace,
		CloseTimeout: s.cfg.CloseTimeout,
	})
	cancel()
	s.mu.RLock()
	ss := c.session
	s.mu.RUnlock()
	if err != nil {
		log.Info("negotiation failed", "err", err)
		if ss != nil {
			s.logout(ss)
			ss.finish()
		}
		return nil
	}
	if ss == nil || st.Bound() != ss.jid {
		// Bind is mandatory-to-negotiate: this cannot happen.
		st.CloseWithError(&streamerror.Error{Condition: streamerror.InternalServerError})
		log.Error("no session after negotiation", "bound", st.Bound().String())
		if ss != nil {
			s.logout(ss)
			ss.finish()
		}
		return nil
	}
	if se := c.established(st); se != nil {
		st.CloseWithError(se)
		s.logout(ss)
		ss.finish()
		return nil
	}
	c.mu.Lock()
	c.cancel = nil // let the negotiation's ctx go
	c.mu.Unlock()
	return ss
}

// run runs an established session until its stream ends. It logs with
// a logger made for the occasion: one kept for the session's life would
// cost each idle session a few hundred bytes.
func (s *Server) run(ss *session) {
	ss.logger().Info("session started")
	ss.established()
	err := ss.readLoop()
	s.logout(ss)
	ss.finish()
	ss.c.st.Close()
	if err == io.EOF {
		ss.logger().Info("session ended by the client")
	} else {
		ss.logger().Info("session ended", "err", err)
	}
}

// logger returns the server's logger with the session's attributes.
func (ss *session) logger() *slog.Logger {
	return ss.srv.cfg.Log.With("remote", ss.c.nc.RemoteAddr().String(), "jid", ss.jid.String())
}

// readLoop handles what the client sends until its stream ends, and
// returns how it ended: io.EOF for the client's closing tag.
func (ss *session) readLoop() error {
	ctx := context.Background()
	for {
		el, err := ss.c.st.Next(ctx)
		if err != nil {
			var bad *stanza.BadStanzaError
			if errors.As(err, &bad) {
				ss.srv.badStanza(ss, bad)
				ss.throttle()
				continue
			}
			return err
		}
		ss.srv.handle(ss, el)
		ss.throttle()
	}
}
