// Command demo is the first thing to run:
//
//	go run ./examples/demo
//
// It starts the example server (package chatserver) in-process on a
// loopback port, logs Juliet and Romeo in (SCRAM-SHA-256, no TLS on
// loopback), lets them exchange the lines of RFC 6121's example
// conversation, has Juliet ping the server (XEP-0199), and then sends the
// server a message that is not well-formed XML, which it answers with the
// not-well-formed stream error and its closing tag (RFC 6120 §4.9.1.1).
// It prints the traffic as a transcript in the notation of the RFCs: "C:"
// for what a client sent, "S:" for what the server sent, SASL secrets
// redacted.
package main

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/xmppkit/xmpp/examples/chatserver"
	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/streamtest"
	"github.com/xmppkit/xmpp/streamerror"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// The lines of the conversation (RFC 6121 §5.1, after Shakespeare).
const (
	julietsLine = "Art thou not Romeo, and a Montague?"
	romeosLine  = "Neither, fair saint, if either thee dislike."
	badXML      = "<message xml:lang='en'><body>Bad XML, no closing body tag!</message>"
)

// run plays the demo and writes its transcript to w.
func run(ctx context.Context, w io.Writer) (err error) {
	out := &syncWriter{w: w}
	accounts, err := chatserver.ParseAccounts("juliet:balcony-pw,romeo:orchard-pw")
	if err != nil {
		return err
	}
	srv, err := chatserver.New(&chatserver.Config{Domain: "example.com", Accounts: accounts})
	if err != nil {
		return err
	}
	addr, stop, err := srv.ServeLoopback()
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(err, stop(sctx))
	}()
	out.comment("the example server listens on %s for example.com", addr)

	out.comment("Romeo logs in and sends his presence")
	romeo, _, err := login(ctx, addr, "romeo@example.com/orchard", "orchard-pw", out)
	if err != nil {
		return err
	}
	defer romeo.Close()
	if err := romeo.Send(ctx, &stanza.Presence{}); err != nil {
		return err
	}
	if _, err := expect[*stanza.Presence](ctx, romeo); err != nil { // his own, back (RFC 6121 §4.2.2)
		return err
	}

	out.comment("Juliet logs in and speaks to Romeo's bare JID")
	juliet, conn, err := login(ctx, addr, "juliet@example.com/balcony", "balcony-pw", out)
	if err != nil {
		return err
	}
	defer juliet.Close()
	err = juliet.Send(ctx, &stanza.Message{ID: "ktx72v49", To: romeo.Bound().Bare(), Type: stanza.MessageChat, Lang: "en", Body: julietsLine})
	if err != nil {
		return err
	}
	m, err := expect[*stanza.Message](ctx, romeo)
	if err != nil {
		return err
	}
	out.comment("Romeo answers her full JID")
	err = romeo.Send(ctx, &stanza.Message{ID: "sl3nx51f", To: m.From, Type: stanza.MessageChat, Lang: "en", Body: romeosLine})
	if err != nil {
		return err
	}
	if _, err := expect[*stanza.Message](ctx, juliet); err != nil {
		return err
	}

	out.comment("Juliet pings the server (XEP-0199)")
	ping := &stanza.IQ{ID: "c2s1", To: juliet.Bound().Domain(), Type: stanza.IQGet, Payload: &stanza.Raw{Name: pingName}}
	if _, err := juliet.SendIQ(ctx, ping); err != nil {
		return err
	}

	out.comment("Juliet sends XML that is not well-formed: the server ends her stream")
	// Written on the connection directly (Send writes only well-formed
	// elements), and shown in the transcript by hand.
	if _, err := io.WriteString(conn, badXML); err != nil {
		return err
	}
	out.rec(conn).Trace(stream.Event{Dir: stream.Out, Time: time.Now(), Data: []byte(badXML)})
	if _, err := juliet.Next(ctx); !errors.Is(err, streamerror.NotWellFormed) {
		return fmt.Errorf("after bad XML: %v, want the not-well-formed stream error", err)
	}
	if _, err := juliet.Next(ctx); err != io.EOF {
		return fmt.Errorf("after the stream error: %v, want the closing tag", err)
	}
	juliet.Close() // the server has gone: nothing to wait for

	out.comment("Romeo closes his stream")
	if err := romeo.Close(); err != nil {
		return err
	}
	return out.flush()
}

var pingName = xml.Name{Space: chatserver.NSPing, Local: "ping"}

// login dials the server and logs in as user, recording the traffic. It
// returns the stream and its connection.
func login(ctx context.Context, addr, user, password string, out *syncWriter) (*stream.Stream, net.Conn, error) {
	j, err := jid.Parse(user)
	if err != nil {
		return nil, nil, err
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	rec := out.newRecorder(conn, j.Localpart())
	st, err := stream.OpenClient(ctx, conn, &stream.ClientConfig{
		JID:      j,
		Password: password,
		TLS:      stream.TLSOff, // loopback: SCRAM needs no TLS to keep the password secret
		Stream:   &stream.Config{Trace: rec.Trace},
	})
	if err != nil {
		return nil, nil, err
	}
	return st, conn, nil
}

// expect reads the next element, which must be a T.
func expect[T stanza.Element](ctx context.Context, st *stream.Stream) (T, error) {
	var zero T
	el, err := st.Next(ctx)
	if err != nil {
		return zero, err
	}
	v, ok := el.(T)
	if !ok {
		return zero, fmt.Errorf("%s: got %T, want %T", st.Bound(), el, zero)
	}
	return v, nil
}

// syncWriter is the transcript: lines from the recorders of both
// streams, and comments, written whole to w one at a time.
type syncWriter struct {
	mu   sync.Mutex
	w    io.Writer
	err  error
	recs map[net.Conn]*streamtest.Recorder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	var n int
	n, s.err = s.w.Write(p)
	return n, s.err
}

// newRecorder returns a Recorder for a client's stream over conn,
// marking its lines with name.
func (s *syncWriter) newRecorder(conn net.Conn, name string) *streamtest.Recorder {
	r := streamtest.NewRecorder(s, streamtest.Initiator, &streamtest.RecordOptions{Prefix: fmt.Sprintf("%-7s", name)})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recs == nil {
		s.recs = map[net.Conn]*streamtest.Recorder{}
	}
	s.recs[conn] = r
	return r
}

func (s *syncWriter) rec(conn net.Conn) *streamtest.Recorder {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recs[conn]
}

func (s *syncWriter) comment(format string, args ...any) {
	fmt.Fprintf(s, "\n# "+format+"\n", args...)
}

// flush writes what the recorders hold back, and returns the first
// error writing the transcript.
func (s *syncWriter) flush() error {
	s.mu.Lock()
	recs := make([]*streamtest.Recorder, 0, len(s.recs))
	for _, r := range s.recs {
		recs = append(recs, r)
	}
	s.mu.Unlock()
	var errs []error
	for _, r := range recs {
		errs = append(errs, r.Flush())
	}
	s.mu.Lock()
	errs = append(errs, s.err)
	s.mu.Unlock()
	return errors.Join(errs...)
}
