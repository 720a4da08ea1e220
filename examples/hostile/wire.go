package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/sasl"
	"github.com/xmppkit/xmpp/streamerror"
)

// header returns the opening of a client's stream to domain (RFC 6120
// §4.7), XML declaration included.
func header(domain string) string {
	return "<?xml version='1.0'?><stream:stream to='" + domain + "' version='1.0' xml:lang='en'" +
		" xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
}

// dial opens a TCP connection to the server.
func (s *suite) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, s.cfg.slack)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", s.cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("hostile: dial: %w", err)
	}
	return c, nil
}

// login logs a client in as -user with the given resource (made unique
// to this run), with SASL PLAIN and no TLS, over a connection the caller
// keeps to write raw bytes on afterwards.
func (s *suite) login(ctx context.Context, resource string) (net.Conn, *stream.Stream, error) {
	conn, err := s.dial(ctx)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.open(ctx, conn, resource)
	if err != nil {
		return nil, nil, err
	}
	return conn, st, nil
}

// open logs a client in over conn (closed on failure).
func (s *suite) open(ctx context.Context, conn net.Conn, resource string) (*stream.Stream, error) {
	s.mu.Lock()
	s.logins++
	n := s.logins
	s.mu.Unlock()
	me, err := jid.New(s.cfg.user, s.cfg.domain, fmt.Sprintf("hostile-%s-%s-%d", s.token, resource, n))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("hostile: login: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.slack)
	defer cancel()
	st, err := stream.OpenClient(ctx, conn, &stream.ClientConfig{
		JID: me, Password: s.cfg.password,
		TLS: stream.TLSOff, AllowPlainWithoutTLS: true,
		Mechanisms: []sasl.Mechanism{sasl.Plain},
	})
	if err != nil {
		return nil, fmt.Errorf("hostile: login as %s: %w", me, err)
	}
	return st, nil
}

// streamLogin is open over a connection of its own, for clients that
// need no raw access.
func (s *suite) streamLogin(ctx context.Context, resource string) (*stream.Stream, error) {
	_, st, err := s.login(ctx, resource)
	return st, err
}

// ending is what expectEnd saw.
type ending struct {
	at       time.Time // when the stream error was read
	features int       // <stream:features/> read before it
}

// expectEnd reads the end of a stream the server is expected to close
// with the stream error want (RFC 6120 §4.9.1.1): next yields the
// elements that follow (from a stanza.Decoder whose Header has been read,
// or a logged-in Stream's Next); before login (features true) the
// server's <stream:features/> may come first; then must come
// <stream:error/> with want, then the closing tag (io.EOF); after that,
// conn must end (EOF or a reset) within -slack, with not one byte more.
// The caller bounds next's reads (a deadline on conn, a ctx on Next).
func (s *suite) expectEnd(next func() (stanza.Element, error), conn net.Conn, want streamerror.Condition, features bool) (ending, error) {
	var e ending
	w := string(want)
read:
	for {
		el, err := next()
		var se *streamerror.Error
		if err != nil && errors.As(err, &se) && !isLocal(err) {
			el, err = se, nil // a Stream returns the peer's stream error as an error
		}
		if err != nil {
			return e, fmt.Errorf("no <%s/> stream error: %s", w, describeReadErr(err))
		}
		switch v := el.(type) {
		case *streamerror.Error:
			e.at = time.Now()
			if v.Condition != want {
				return e, fmt.Errorf("stream error <%s/>%s, want <%s/>", conditionName(v), textOf(v), w)
			}
		case *stanza.Raw:
			if features && v.Name.Space == streamerror.StreamsNS && v.Name.Local == "features" {
				e.features++
				continue
			}
			return e, fmt.Errorf("unexpected <%s xmlns='%s'/> where <%s/> was due", v.Name.Local, v.Name.Space, w)
		default:
			return e, fmt.Errorf("unexpected %T where <%s/> was due", el, w)
		}
		break read
	}
	if el, err := next(); err != io.EOF {
		if err == nil {
			return e, fmt.Errorf("<%s/> then %T, not the closing tag", w, el)
		}
		return e, fmt.Errorf("<%s/> without the closing tag: %s", w, describeReadErr(err))
	}
	// The server must now close the TCP connection: §4.9.1.1 makes the
	// stream void, and there is nothing more to say on it.
	conn.SetReadDeadline(time.Now().Add(s.cfg.slack))
	var b [512]byte
	n, err := conn.Read(b[:])
	switch {
	case n > 0:
		return e, fmt.Errorf("<%s/>, closing tag, then %d more bytes: %q", w, n, b[:n])
	case err == io.EOF || isReset(err):
		return e, nil
	case isTimeout(err):
		return e, fmt.Errorf("<%s/> and the closing tag, but the connection was still open %s later", w, s.cfg.slack)
	}
	return e, fmt.Errorf("<%s/>, closing tag, then %s", w, describeReadErr(err))
}

// isLocal reports a *stream.LocalError: a violation our side found (in
// what the server sent), not the server's own stream error.
func isLocal(err error) bool {
	var le *stream.LocalError
	return errors.As(err, &le)
}

func conditionName(e *streamerror.Error) string {
	if e.Unknown != "" {
		return e.Unknown
	}
	return string(e.Condition)
}

func textOf(e *streamerror.Error) string {
	if e.Text == "" {
		return ""
	}
	return fmt.Sprintf(" (%q)", e.Text)
}

// describeReadErr says what a read's error means for the suite.
func describeReadErr(err error) string {
	var le *stream.LocalError
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection ended first"
	case isReset(err):
		return "the connection was reset"
	case isTimeout(err):
		return "nothing came in time (timeout)"
	case errors.As(err, &le) && le.Err != nil:
		return fmt.Sprintf("the server's XML was refused by our side with <%s/> (%v)", string(le.Err.Condition), le.Cause)
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// joinFails joins failure reasons.
func joinFails(fails []string) string { return strings.Join(fails, "; ") }
