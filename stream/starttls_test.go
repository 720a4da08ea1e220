package stream_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/streamtest"
	"github.com/xmppkit/xmpp/streamerror"
)

// TestStartTLSPolicies runs every pair of policies (RFC 6120 §5.3.1):
// whether TLS is negotiated, or which side gives up and why.
func TestStartTLSPolicies(t *testing.T) {
	t.Parallel()
	const (
		req = stream.TLSRequired
		opt = stream.TLSOptional
		off = stream.TLSOff
	)
	tests := []struct {
		client, server stream.TLSPolicy
		tls            bool
		clientErr      error // else success
	}{
		{client: req, server: req, tls: true},
		{client: req, server: opt, tls: true},
		{client: opt, server: req, tls: true},
		{client: opt, server: opt, tls: true},
		{client: opt, server: off},
		{client: off, server: opt},
		{client: off, server: off},
		{client: req, server: off, clientErr: stream.ErrNotOffered},
		// The server offers only <starttls/>; the client cannot
		// authenticate without it.
		{client: off, server: req, clientErr: stream.ErrNotOffered},
	}
	for _, tt := range tests {
		t.Run("client "+tt.client.String()+", server "+tt.server.String(), func(t *testing.T) {
			t.Parallel()
			var ctr, str side
			cc := newClient(t, tt.client, &ctr)
			c, s := login(t, cc, newServer(&stream.ServerConfig{TLS: tt.server, TLSConfig: serverTLS(t)}, &str), nil, nil)
			if tt.clientErr != nil {
				if !errors.Is(c.err, tt.clientErr) {
					t.Fatalf("OpenClient: %v, want %v", c.err, tt.clientErr)
				}
				if s.err == nil {
					t.Fatal("Accept succeeded")
				}
				return
			}
			if c.err != nil || s.err != nil {
				t.Fatalf("OpenClient: %v; Accept: %v", c.err, s.err)
			}
			if got := strings.Contains(ctr.received(), "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"); got != tt.tls {
				t.Errorf("TLS negotiated: %v, want %v", got, tt.tls)
			}
			wantAdv := map[stream.TLSPolicy]string{
				req: "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>",
				opt: "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><mechanisms",
				off: "<stream:features><mechanisms",
			}[tt.server]
			if !strings.Contains(str.sent(), wantAdv) {
				t.Errorf("server advertised\n%s\nwant %s", str.sent(), wantAdv)
			}
			relay(t, c.s, s.s)
		})
	}
}

// TestStartTLSFailure: a server without a certificate answers <failure/>
// and closes the stream (§5.4.2.2); the client reports ErrTLSFailure.
func TestStartTLSFailure(t *testing.T) {
	t.Parallel()
	var str side
	c, s := login(t, newClient(t, stream.TLSRequired, nil),
		newServer(&stream.ServerConfig{TLSConfig: &tls.Config{}}, &str), nil, nil)
	if !errors.Is(c.err, stream.ErrTLSFailure) || !errors.Is(s.err, stream.ErrTLSFailure) {
		t.Fatalf("OpenClient: %v; Accept: %v; want ErrTLSFailure", c.err, s.err)
	}
	if want := "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\n</stream:stream>\n"; !strings.HasSuffix(str.sent(), want) {
		t.Errorf("server wrote\n%s\nwant it to end with\n%s", str.sent(), want)
	}
}

// TestStartTLSScript checks the exact exchange of the receiving entity
// up to <proceed/>, then the handshake from a raw TLS client.
func TestStartTLSScript(t *testing.T) {
	t.Parallel()
	a, b := streamtest.Pipe()
	defer a.Close()
	cfg := newServer(&stream.ServerConfig{TLSConfig: serverTLS(t)}, nil)
	ch := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		s, err := stream.Accept(ctx, b, cfg)
		ch <- result{s, err}
	}()
	streamtest.Run(t, `
C: <?xml version='1.0'?><stream:stream to='example.com' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
S: <?xml version='1.0'?><stream:stream from='example.com' id='{{any}}' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
S: <stream:features>
     <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>
   </stream:features>
C: <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
S: <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
`, a, streamtest.Initiator)
	tc := tls.Client(a, &tls.Config{RootCAs: pki(t).roots, ServerName: testDomain})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	// After the restart: SASL only now, with channel binding announced.
	streamtest.Run(t, `
C: <?xml version='1.0'?><stream:stream to='example.com' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
S: <?xml version='1.0'?><stream:stream from='example.com' id='{{any}}' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
S: <stream:features>
     <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>
       <mechanism>SCRAM-SHA-256-PLUS</mechanism>
       <mechanism>SCRAM-SHA-1-PLUS</mechanism>
       <mechanism>SCRAM-SHA-256</mechanism>
       <mechanism>SCRAM-SHA-1</mechanism>
       <mechanism>PLAIN</mechanism>
     </mechanisms>
     <sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>
       <channel-binding type='tls-exporter'/>
       <channel-binding type='tls-server-end-point'/>
     </sasl-channel-binding>
   </stream:features>
C: </stream:stream>
S: </stream:stream>
`, tc, streamtest.Initiator)
	tc.Close()
	if r := <-ch; r.err == nil {
		t.Error("Accept succeeded")
	}
}

// TestStartTLSUntrusted: the client refuses a certificate it cannot
// verify; both sides fail and close the transport without more XML.
func TestStartTLSUntrusted(t *testing.T) {
	t.Parallel()
	sc := &stream.ServerConfig{TLSConfig: &tls.Config{Certificates: []tls.Certificate{pki(t).untrust}}}
	c, s := login(t, newClient(t, stream.TLSRequired, nil), newServer(sc, nil), nil, nil)
	var verr *tls.CertificateVerificationError
	if !errors.As(c.err, &verr) {
		t.Fatalf("OpenClient: %v, want a certificate verification error", c.err)
	}
	if s.err == nil {
		t.Fatal("Accept succeeded")
	}
}

// TestStartTLSServerName: without a domain to verify the certificate
// against, the client refuses to start TLS.
func TestStartTLSServerName(t *testing.T) {
	t.Parallel()
	a, b := streamtest.Pipe()
	defer b.Close()
	played := make(chan error, 1)
	go func() {
		played <- streamtest.MustParse(`
C: <stream:stream version='1.0' ...>
S: <stream:stream from='example.com' id='x' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
S: <stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>
C: </stream:stream>
S: </stream:stream>
`).Play(context.Background(), b, streamtest.Receiver)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := stream.Open(ctx, a, &stream.Config{Features: []stream.Feature{&stream.StartTLS{Required: true}}})
	if err == nil || !strings.Contains(err.Error(), "no server name") {
		t.Fatalf("Open: %v, want no server name", err)
	}
	if err := <-played; err != nil {
		t.Fatal(err)
	}
}

// TestStartTLSUnexpected: an answer to <starttls/> other than <proceed/>
// or <failure/> is a protocol violation (bad-format).
func TestStartTLSUnexpected(t *testing.T) {
	t.Parallel()
	a, b := streamtest.Pipe()
	defer b.Close()
	played := make(chan error, 1)
	go func() {
		played <- streamtest.MustParse(`
C: <stream:stream to='example.com' version='1.0' ...>
S: <stream:stream from='example.com' id='x' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
S: <stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>
C: <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
S: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
`).Play(context.Background(), b, streamtest.Receiver)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := stream.Open(ctx, a, &stream.Config{To: mustJID(t, testDomain), Features: []stream.Feature{&stream.StartTLS{}}})
	var le *stream.LocalError
	if !errors.As(err, &le) || le.Err.Condition != streamerror.BadFormat {
		t.Fatalf("Open: %v, want a bad-format LocalError", err)
	}
	if err := <-played; err != nil {
		t.Fatal(err)
	}
}

// rwTransport is a transport that is no net.Conn: STARTTLS adapts it for
// crypto/tls.
type rwTransport struct {
	io.Reader
	io.Writer
	io.Closer
}

// TestStartTLSNotNetConn runs STARTTLS over transports that are plain
// io.ReadWriteClosers, without addresses or deadlines.
func TestStartTLSNotNetConn(t *testing.T) {
	t.Parallel()
	wrap := func(c net.Conn) io.ReadWriter { return rwTransport{c, c, c} }
	c, s := login(t, newClient(t, stream.TLSRequired, nil), newServer(&stream.ServerConfig{TLSConfig: serverTLS(t)}, nil), wrap, wrap)
	if c.err != nil || s.err != nil {
		t.Fatalf("OpenClient: %v; Accept: %v", c.err, s.err)
	}
	relay(t, c.s, s.s)
}
