package stream

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/streamerror"
)

// The initiating entity's header and the rules it applies to the
// receiving entity's answer (RFC 6120 §4.7–§4.8, §4.3.2).
func TestOpenHeaderRules(t *testing.T) {
	t.Parallel()
	const respNS = " xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
	resp := func(attrs string) string { return xmlDecl + "<stream:stream " + attrs + respNS }
	tests := []struct {
		name string
		in   string // the receiving entity's answer
		// after Open: "" when it fails with a stream error cond, or
		// the bytes we send before EOF
		cond    streamerror.Condition
		peerErr bool   // Open fails with the peer's stream error
		want    string // bytes after our header, up to EOF, on failure
	}{
		{
			name: "valid",
			in:   resp("from='example.com' id='abc' to='juliet@example.com' version='1.0' xml:lang='en'") + noFeature,
		},
		{
			name: "no id, no from (RFC 3920-era)",
			in:   resp("version='1.0'") + noFeature,
		},
		{
			name: "no version: pre-1.0, no features awaited",
			in:   resp("from='example.com' id='abc'"),
		},
		{
			name: "version 0.9",
			in:   resp("id='abc' version='0.9'"),
		},
		{
			name: "higher minor",
			in:   resp("id='abc' version='1.1'") + noFeature,
		},
		{
			name: "no content namespace declared",
			in:   xmlDecl + "<stream:stream id='abc' version='1.0' xmlns:stream='http://etherx.jabber.org/streams'>" + noFeature,
		},
		{
			name: "optional feature we do not know",
			in:   resp("id='abc' version='1.0'") + "<stream:features><y xmlns='urn:other'/></stream:features>",
		},
		{
			name: "major version 2",
			in:   resp("id='abc' version='2.0'"),
			cond: streamerror.UnsupportedVersion,
			want: streamErr("unsupported-version") + endTag,
		},
		{
			name: "malformed version",
			in:   resp("id='abc' version='x'"),
			cond: streamerror.UnsupportedVersion,
			want: streamErr("unsupported-version") + endTag,
		},
		{
			name: "wrong content namespace",
			in:   xmlDecl + "<stream:stream id='abc' version='1.0' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>",
			cond: streamerror.InvalidNamespace,
			want: streamErr("invalid-namespace") + endTag,
		},
		{
			name: "wrong stream namespace",
			in:   xmlDecl + "<stream:stream id='abc' version='1.0' xmlns='jabber:client' xmlns:stream='urn:other'>",
			cond: streamerror.InvalidNamespace,
			want: streamErr("invalid-namespace") + endTag,
		},
		{
			name: "a stanza instead of features",
			in:   resp("id='abc' version='1.0'") + "<message><body>hi</body></message>",
			cond: streamerror.BadFormat,
			want: streamErr("bad-format") + endTag,
		},
		{
			name: "a required feature we do not support",
			in:   resp("id='abc' version='1.0'") + "<stream:features><y xmlns='urn:other'><required/></y></stream:features>",
			cond: streamerror.UnsupportedFeature,
			want: streamErr("unsupported-feature") + endTag,
		},
		{
			name: "not well-formed",
			in:   resp("id='abc' version='1.0'") + "<stream:features><a></b></stream:features>",
			cond: streamerror.NotWellFormed,
			want: streamErr("not-well-formed") + endTag,
		},
		{
			name:    "stream error instead of features",
			in:      resp("id='abc' version='1.0'") + streamErr("host-unknown") + endTag,
			peerErr: true,
			want:    endTag,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, conn := newPeer(t)
			p.send(tt.in)
			s, err := Open(ctxT(t), conn, clientConfig())
			p.expect(t, clientHeader)
			switch {
			case tt.cond != "":
				var le *LocalError
				if !errors.As(err, &le) || le.Err.Condition != tt.cond {
					t.Fatalf("Open error %v, want a *LocalError with %s", err, tt.cond)
				}
				p.expectEOF(t, tt.want)
			case tt.peerErr:
				var se *streamerror.Error
				var le *LocalError
				if !errors.As(err, &se) || errors.As(err, &le) {
					t.Fatalf("Open error %v, want the peer's *streamerror.Error", err)
				}
				p.expectEOF(t, tt.want)
			default:
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				p.send(endTag)
				must(t, s.Close())
				p.expectEOF(t, endTag)
			}
		})
	}
}

// Open's header carries Config.To, Config.From and Config.Lang; the
// zero JIDs leave to and from out.
func TestOpenHeader(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.send(xmlDecl + "<stream:stream id='abc' version='1.0'" + nsDecls + noFeature)
	s, err := Open(ctxT(t), conn, &Config{Lang: "fr"})
	must(t, err)
	p.expect(t, xmlDecl+"<stream:stream version='1.0' xml:lang='fr'"+nsDecls)
	if s.ID() != "abc" {
		t.Errorf("ID() = %q", s.ID())
	}
	p.send(endTag)
	must(t, s.Close())
}

// A receiving entity that never answers cannot hold Open past its ctx,
// and learns why: connection-timeout (RFC 6120 §4.9.3.4).
func TestOpenPeerSilent(t *testing.T) {
	t.Parallel()
	for _, stage := range []string{"header", "features"} {
		t.Run(stage, func(t *testing.T) {
			t.Parallel()
			p, conn := newPeer(t)
			if stage == "features" {
				p.send(xmlDecl + "<stream:stream id='abc' version='1.0'" + nsDecls)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := Open(ctx, conn, clientConfig())
			if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, streamerror.ConnectionTimeout) {
				t.Fatalf("Open: %v, want DeadlineExceeded and connection-timeout", err)
			}
			if d := time.Since(start); d > testTimeout/2 {
				t.Errorf("Open took %v", d)
			}
			p.expectEOF(t, clientHeader+timeoutEnd)
		})
	}
}

// So with Accept: a peer that opens the connection and never sends its
// header gets our header, connection-timeout and the closing tag
// (§4.9.1.1, §4.9.3.4) once ctx's deadline passes.
func TestAcceptPeerSilent(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Accept(ctx, conn, serverConfig())
	var le *LocalError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &le) || le.Err.Condition != streamerror.ConnectionTimeout {
		t.Fatalf("Accept: %v, want a LocalError for connection-timeout caused by DeadlineExceeded", err)
	}
	p.expectEOF(t, xmlDecl+"<stream:stream from='example.com' id='"+zeroID+"' version='1.0' xml:lang='en'"+nsDecls+timeoutEnd)
}

// A ctx cancelled (not timed out) while Accept waits ends the stream
// without a word: the caller, not the peer, gave up.
func TestAcceptCancelled(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := Accept(ctx, conn, serverConfig())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Accept: %v, want Canceled", err)
	}
	p.expectEOF(t, "")
}

// A ctx already done fails at once, without I/O, and closes rw.
func TestOpenCtxDone(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, conn, clientConfig()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open: %v", err)
	}
	p.expectEOF(t, "")
}

// A transport without deadlines is interrupted by closing it.
func TestOpenCtxNoDeadlines(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.send(xmlDecl + "<stream:stream id='abc' version='1.0'" + nsDecls)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Open(ctx, plainConn{conn}, clientConfig())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open: %v, want DeadlineExceeded", err)
	}
	p.expectEOF(t, clientHeader)
}

// plainConn hides the deadline methods of a net.Conn.
type plainConn struct {
	c interface {
		Read([]byte) (int, error)
		Write([]byte) (int, error)
		Close() error
	}
}

func (c plainConn) Read(p []byte) (int, error)  { return c.c.Read(p) }
func (c plainConn) Write(p []byte) (int, error) { return c.c.Write(p) }
func (c plainConn) Close() error                { return c.c.Close() }

// Config.To with a domain JID works both for the header and as the
// receiving entity's domain.
func TestOpenAcceptCanonicalDomain(t *testing.T) {
	t.Parallel()
	ccfg := &Config{To: jid.MustParse("Example.COM")}
	c, s := pair(t, ccfg, serverConfig())
	if got := s.Header().From; got != "example.com" {
		t.Errorf("server from = %q", got)
	}
	if got := c.Header().To; got != jid.MustParse("Example.COM").String() {
		t.Errorf("client to = %q", got)
	}
}
