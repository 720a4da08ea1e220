package stream_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/sasl"
	"github.com/xmppkit/xmpp/stream/streamtest"
)

// Fixtures shared by the tests of STARTTLS, SASL, binding and Dial: a
// test PKI, an account store, configurations of both sides, and a login
// over an in-memory pipe.

const (
	testDomain   = "example.com"
	testUser     = "juliet"
	testPassword = "pencil"
	testTimeout  = 10 * time.Second
)

// testPKI is a CA and a certificate for testDomain it signed (ECDSA
// P-256 with SHA-256, so tls-server-end-point hashes with SHA-256), and
// a certificate for testDomain that another CA signed.
type testPKI struct {
	roots   *x509.CertPool
	cert    tls.Certificate
	untrust tls.Certificate
}

var pkiOnce = sync.OnceValues(func() (*testPKI, error) {
	roots := x509.NewCertPool()
	ca, caKey, err := newCA()
	if err != nil {
		return nil, err
	}
	roots.AddCert(ca)
	cert, err := newLeaf(ca, caKey)
	if err != nil {
		return nil, err
	}
	other, otherKey, err := newCA()
	if err != nil {
		return nil, err
	}
	untrust, err := newLeaf(other, otherKey)
	if err != nil {
		return nil, err
	}
	return &testPKI{roots: roots, cert: cert, untrust: untrust}, nil
})

func pki(t testing.TB) *testPKI {
	t.Helper()
	p, err := pkiOnce()
	if err != nil {
		t.Fatalf("test PKI: %v", err)
	}
	return p
}

func newCA() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "xmppkit test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	return ca, key, err
}

func newLeaf(ca *x509.Certificate, caKey *ecdsa.PrivateKey) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: testDomain},
		DNSNames:     []string{testDomain},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// serverTLS is a server TLS configuration with the trusted certificate.
func serverTLS(t testing.TB) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{pki(t).cert}}
}

// clientTLS is a client TLS configuration trusting the test CA.
func clientTLS(t testing.TB) *tls.Config {
	return &tls.Config{RootCAs: pki(t).roots}
}

// credentials are juliet's and romeo's stored keys, derived once.
var credentials = sync.OnceValues(func() (map[string]*sasl.Credentials, error) {
	m := map[string]*sasl.Credentials{}
	for _, u := range []string{"juliet", "romeo"} {
		c, err := sasl.NewCredentials(testPassword, []byte("salt of "+u+" 0123456789"), 4096)
		if err != nil {
			return nil, err
		}
		m[u] = c
	}
	return m, nil
})

// lookup is a sasl.ServerConfig.Lookup over credentials.
func lookup(user string) (*sasl.Credentials, error) {
	m, err := credentials()
	if err != nil {
		return nil, err
	}
	if c, ok := m[user]; ok {
		return c, nil
	}
	return nil, sasl.ErrUnknownUser
}

// mustJID parses s or fails the test.
func mustJID(t testing.TB, s string) jid.JID {
	t.Helper()
	j, err := jid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// zeroRand is a deterministic Config.Rand: all zero bytes.
type zeroRand struct{}

func (zeroRand) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// side is one end of a test session: its configuration and its traffic.
type side struct {
	out, in bytes.Buffer
	mu      sync.Mutex
}

func (s *side) trace(e stream.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Dir == stream.In {
		s.in.Write(e.Data)
	} else {
		s.out.Write(e.Data)
		s.out.WriteByte('\n')
	}
}

// sent and received return the traffic so far.
func (s *side) sent() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

func (s *side) received() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.in.String()
}

// newServer returns the receiving entity's Config with ServerFeatures
// made from sc (its SASL store defaulting to lookup), tracing into tr.
func newServer(sc *stream.ServerConfig, tr *side) *stream.Config {
	if sc.SASL == nil {
		sc.SASL = &sasl.ServerConfig{Lookup: lookup}
	}
	cfg := &stream.Config{Domains: []string{testDomain}, Features: stream.ServerFeatures(sc), Rand: zeroRand{}}
	if tr != nil {
		cfg.Trace = tr.trace
	}
	return cfg
}

// newClient returns juliet's ClientConfig, trusting the test CA, tracing
// into tr.
func newClient(t testing.TB, policy stream.TLSPolicy, tr *side) *stream.ClientConfig {
	cc := &stream.ClientConfig{
		JID:       jid.MustParse(testUser + "@" + testDomain),
		Password:  testPassword,
		TLS:       policy,
		TLSConfig: clientTLS(t),
		Stream:    &stream.Config{},
	}
	if tr != nil {
		cc.Stream.Trace = tr.trace
	}
	return cc
}

// result is the outcome of one side of a login.
type result struct {
	s   *stream.Stream
	err error
}

// login runs OpenClient on one end of a pipe (wrapped by wrapClient, if
// not nil) and Accept on the other (wrapped by wrapServer), at once, and
// returns both outcomes; streams that came up are closed at the end of
// the test.
func login(t testing.TB, cc *stream.ClientConfig, sc *stream.Config, wrapClient, wrapServer func(net.Conn) io.ReadWriter) (c, s result) {
	t.Helper()
	a, b := streamtest.Pipe()
	var ca, cb io.ReadWriter = a, b
	if wrapClient != nil {
		ca = wrapClient(a)
	}
	if wrapServer != nil {
		cb = wrapServer(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ch := make(chan result, 1)
	go func() {
		s, err := stream.Accept(ctx, cb, sc)
		ch <- result{s, err}
	}()
	cs, err := stream.OpenClient(ctx, ca, cc)
	c = result{cs, err}
	s = <-ch
	t.Cleanup(func() {
		a.Close()
		b.Close()
	})
	closeBoth(t, c.s, s.s)
	return c, s
}

// closeBoth closes the streams that are not nil, at once, at the end of
// the test.
func closeBoth(t testing.TB, c, s *stream.Stream) {
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() {
			if s != nil {
				s.Close()
			}
			close(done)
		}()
		if c != nil {
			c.Close()
		}
		<-done
	})
}

// relay checks that a message goes from c to s.
func relay(t testing.TB, c, s *stream.Stream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	msg := &stanza.Message{To: jid.MustParse("romeo@" + testDomain), Type: stanza.MessageChat, Body: "Wherefore art thou?"}
	if err := c.Send(ctx, msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	el, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if m, ok := el.(*stanza.Message); !ok || m.Body != msg.Body {
		t.Fatalf("Next = %#v", el)
	}
}

// TestDial dials our server over loopback TCP: STARTTLS, SCRAM with
// channel binding, binding, a message; and the same with direct TLS.
func TestDial(t *testing.T) {
	t.Parallel()
	for _, direct := range []bool{false, true} {
		t.Run(fmt.Sprintf("direct TLS %v", direct), func(t *testing.T) {
			t.Parallel()
			var ln net.Listener
			var err error
			sc := &stream.ServerConfig{TLSConfig: serverTLS(t)}
			if direct {
				sc.SASL = &sasl.ServerConfig{Lookup: lookup, Certificate: pki(t).cert.Leaf}
				ln, err = tls.Listen("tcp", "127.0.0.1:0", serverTLS(t))
			} else {
				ln, err = net.Listen("tcp", "127.0.0.1:0")
			}
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			var str side
			scfg := newServer(sc, &str)
			ch := make(chan result, 1)
			go func() {
				conn, err := ln.Accept()
				if err != nil {
					ch <- result{nil, err}
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
				defer cancel()
				s, err := stream.Accept(ctx, conn, scfg)
				ch <- result{s, err}
			}()
			var ctr side
			cc := newClient(t, stream.TLSRequired, &ctr)
			cc.JID = jid.MustParse("juliet@example.com/balcony")
			cc.DirectTLS = direct
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			c, err := stream.Dial(ctx, ln.Addr().String(), cc)
			r := <-ch
			closeBoth(t, c, r.s)
			if err != nil || r.err != nil {
				t.Fatalf("Dial: %v; Accept: %v", err, r.err)
			}
			if c.Bound().String() != "juliet@example.com/balcony" || r.s.Bound() != c.Bound() {
				t.Errorf("bound %q (client), %q (server)", c.Bound(), r.s.Bound())
			}
			if !strings.Contains(ctr.sent(), "mechanism='SCRAM-SHA-256-PLUS'>cD10bHMtZXhwb3J0ZXIs") { // "p=tls-exporter,"
				t.Errorf("client did not bind to the channel:\n%s", ctr.sent())
			}
			if got := strings.Contains(ctr.sent(), "<starttls"); got == direct {
				t.Errorf("STARTTLS sent: %v, direct TLS: %v", got, direct)
			}
			relay(t, c, r.s)
		})
	}
}

// TestDialErrors checks Dial's own failures.
func TestDialErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := stream.Dial(ctx, "127.0.0.1:1", nil); err == nil {
		t.Error("Dial without a config succeeded")
	}
	if _, err := stream.Dial(ctx, "127.0.0.1:1", &stream.ClientConfig{}); err == nil {
		t.Error("Dial without a JID succeeded")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	_, err = stream.Dial(ctx, addr, &stream.ClientConfig{JID: jid.MustParse("juliet@example.com")})
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("Dial to a closed port: %v, want a *net.OpError", err)
	}
	a, b := net.Pipe()
	defer b.Close()
	if _, err := stream.OpenClient(ctx, a, nil); err == nil {
		t.Error("OpenClient without a config succeeded")
	}
	if _, err := a.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("OpenClient without a config left the transport open (%v)", err)
	}
}

// ExampleServerFeatures runs a server and a client over an in-memory pipe:
// SCRAM-SHA-256 (no TLS here, to keep the example short; a real server
// sets TLSConfig and leaves TLS at TLSRequired) and resource binding.
func ExampleServerFeatures() {
	// The server stores salted keys, never the password.
	creds, _ := sasl.NewCredentials("pencil", []byte("a random salt, per account"), 4096)
	server := &stream.Config{
		Domains: []string{"example.com"},
		Features: stream.ServerFeatures(&stream.ServerConfig{
			TLS: stream.TLSOff,
			SASL: &sasl.ServerConfig{Lookup: func(user string) (*sasl.Credentials, error) {
				if user == "juliet" {
					return creds, nil
				}
				return nil, sasl.ErrUnknownUser
			}},
		}),
	}
	clientConn, serverConn := streamtest.Pipe()
	ctx := context.Background()
	accepted := make(chan *stream.Stream, 1)
	go func() {
		s, err := stream.Accept(ctx, serverConn, server)
		if err != nil {
			fmt.Println("accept:", err)
		}
		accepted <- s
	}()

	c, err := stream.OpenClient(ctx, clientConn, &stream.ClientConfig{
		JID:      jid.MustParse("juliet@example.com/balcony"),
		Password: "pencil",
		TLS:      stream.TLSOff,
	})
	if err != nil {
		fmt.Println("open:", err)
		return
	}
	s := <-accepted
	fmt.Println("client bound:", c.Bound())
	fmt.Println("server bound:", s.Bound())
	go s.Close()
	fmt.Println("close:", c.Close())
	// Output:
	// client bound: juliet@example.com/balcony
	// server bound: juliet@example.com/balcony
	// close: <nil>
}

// ExampleDial connects a bot to its server: TCP, STARTTLS (required),
// the strongest SASL mechanism both sides offer, resource binding.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := stream.Dial(ctx, "", &stream.ClientConfig{
		JID:      jid.MustParse("bot@example.com"),
		Password: "secret",
	})
	if err != nil {
		var f *sasl.Failure
		if errors.As(err, &f) {
			fmt.Println("login refused:", f.Condition) // e.g. not-authorized
		}
		return
	}
	defer s.Close()
	s.Send(ctx, &stanza.Presence{})
	fmt.Println("online as", s.Bound())
}

// BenchmarkLogin measures a whole client login against our server over an
// in-memory pipe: header exchanges, SASL, binding. SCRAM's cost is mostly
// PBKDF2 with 4096 iterations on the client (the server stores the keys).
func BenchmarkLogin(b *testing.B) {
	cases := []struct {
		name   string
		tls    stream.TLSPolicy
		mech   sasl.Mechanism
		server stream.TLSPolicy
	}{
		{"PLAIN", stream.TLSOff, sasl.Plain, stream.TLSOff},
		{"SCRAM-SHA-256", stream.TLSOff, sasl.ScramSHA256, stream.TLSOff},
		{"STARTTLS+SCRAM-SHA-256-PLUS", stream.TLSRequired, sasl.ScramSHA256Plus, stream.TLSRequired},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			var n countBytes
			sc := newServer(&stream.ServerConfig{TLS: bc.server, TLSConfig: serverTLS(b),
				SASL: &sasl.ServerConfig{Lookup: lookup, AllowPlainWithoutTLS: true}}, nil)
			sc.Trace = n.trace
			cc := newClient(b, bc.tls, nil)
			cc.Mechanisms = []sasl.Mechanism{bc.mech}
			cc.AllowPlainWithoutTLS = true
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				a, c := streamtest.Pipe()
				ch := make(chan result, 1)
				go func() {
					s, err := stream.Accept(ctx, c, sc)
					ch <- result{s, err}
				}()
				_, err := stream.OpenClient(ctx, a, cc)
				r := <-ch
				if err != nil || r.err != nil {
					b.Fatalf("OpenClient: %v; Accept: %v", err, r.err)
				}
				if i == 0 {
					b.SetBytes(n.n)
				}
				a.Close() // ends both streams
				c.Close()
			}
		})
	}
}

// countBytes counts the bytes a Stream reads and writes.
type countBytes struct {
	mu sync.Mutex
	n  int64
}

func (c *countBytes) trace(e stream.Event) {
	c.mu.Lock()
	c.n += int64(len(e.Data))
	c.mu.Unlock()
}
