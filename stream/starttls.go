package stream

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// NSTLS is the namespace of the STARTTLS elements (RFC 6120 §5.4):
// <starttls/>, <proceed/> and <failure/>.
const NSTLS = "urn:ietf:params:xml:ns:xmpp-tls"

// The STARTTLS elements (RFC 6120 §5.4.2).
var (
	startTLSName   = xml.Name{Space: NSTLS, Local: "starttls"}
	proceedName    = xml.Name{Space: NSTLS, Local: "proceed"}
	tlsFailureName = xml.Name{Space: NSTLS, Local: "failure"}
)

// ErrTLSFailure is returned (wrapped) by Open when the receiving entity
// answered <starttls/> with <failure/> (RFC 6120 §5.4.2.2), after which
// it closes the stream; and by Accept when this side had to answer so,
// because StartTLS.Config provides no certificate.
var ErrTLSFailure = errors.New("stream: STARTTLS failed")

// StartTLS is the STARTTLS feature (RFC 6120 §5) for both roles, over
// crypto/tls. The initiating entity sends <starttls/>; on <proceed/> both
// sides run the TLS handshake over the transport, which the TLS connection
// then replaces, and the stream restarts (§5.4.3.3). A stream that already
// runs over TLS — a *tls.Conn handed to Open or Accept, as for direct TLS
// (XEP-0368) — neither offers nor negotiates it.
//
// The receiving entity records the certificate it presented, so that SASL
// can offer tls-server-end-point channel binding (RFC 5929 §4): crypto/tls
// does not report it. It chooses among Config.Certificates as crypto/tls
// does (GetCertificate, a single certificate, the first one the client
// supports); a Config with GetConfigForClient hides the choice, and only
// tls-exporter is offered then.
type StartTLS struct {
	// Config is the TLS configuration. For the initiating entity nil
	// means the defaults (system roots), and an empty ServerName means
	// the domain of our header's 'to' (Config.To), which the server's
	// certificate must match (RFC 6120 §13.7.2). For the receiving
	// entity it must provide a certificate (Certificates,
	// GetCertificate or GetConfigForClient); without one, a client's
	// <starttls/> is answered with <failure/> and the stream closed
	// (§5.4.2.2). Config is not modified.
	Config *tls.Config

	// Required makes TLS mandatory-to-negotiate (§5.3.1): the receiving
	// entity announces <starttls/> with <required/>; the initiating
	// entity refuses to go on without TLS (Open fails with
	// ErrNotOffered when the peer does not offer STARTTLS). List StartTLS
	// first among the features so that nothing is negotiated before it.
	Required bool
}

// Name returns {urn:ietf:params:xml:ns:xmpp-tls}starttls.
func (f *StartTLS) Name() xml.Name { return startTLSName }

// Advertise reports that STARTTLS applies while the stream is not yet
// encrypted and not yet authenticated (TLS comes before SASL, RFC 6120
// §5.3.1, §6.4.1), announced with <required/> when f.Required (§5.4.1).
func (f *StartTLS) Advertise(n *Negotiation) (Advert, bool) {
	if _, ok := n.TLSState(); ok || !n.Authenticated().IsZero() {
		return Advert{}, false
	}
	adv := Advert{Required: f.Required, XML: []byte("<starttls xmlns='" + NSTLS + "'/>")}
	if f.Required {
		adv.XML = []byte("<starttls xmlns='" + NSTLS + "'><required/></starttls>")
	}
	return adv, true
}

// Negotiate runs the STARTTLS exchange (§5.4.2–§5.4.3) and the TLS
// handshake, within ctx, and asks for a restart over the TLS connection.
// A failed handshake closes the transport at once: neither side can
// speak XML on it any more.
func (f *StartTLS) Negotiate(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error) {
	if n.Initiating() {
		return f.initiate(ctx, n)
	}
	return f.receive(ctx, n, start)
}

func (f *StartTLS) initiate(ctx context.Context, n *Negotiation) (Result, error) {
	cfg := &tls.Config{}
	if f.Config != nil {
		cfg = f.Config.Clone()
	}
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		if cfg.ServerName = n.Header().To; cfg.ServerName == "" {
			return Result{}, errors.New("stream: STARTTLS: no server name to verify: set Config.To or tls.Config.ServerName")
		}
	}
	if err := n.Send(ctx, &stanza.Raw{Name: startTLSName}); err != nil {
		return Result{}, err
	}
	el, err := n.Next(ctx)
	if err != nil {
		return Result{}, err
	}
	switch name := elementName(el); name {
	case proceedName:
	case tlsFailureName:
		// §5.4.2.2: the receiving entity closes the stream next.
		return Result{}, fmt.Errorf("%w: the peer answered <failure/>", ErrTLSFailure)
	default:
		return Result{}, unexpected(n, el, "<proceed/> or <failure/>")
	}
	tc := tls.Client(netConn(n.Transport()), cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return Result{}, abandon(n, fmt.Errorf("stream: STARTTLS: handshake: %w", err))
	}
	return Result{Restart: true, Transport: tc}, nil
}

func (f *StartTLS) receive(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error) {
	if elementName(start) != startTLSName {
		return Result{}, unexpected(n, start, "<starttls/>")
	}
	c := f.Config
	if c == nil || len(c.Certificates) == 0 && c.GetCertificate == nil && c.GetConfigForClient == nil {
		// §5.4.2.2: answer <failure/>, then close the stream.
		if err := n.Send(ctx, &stanza.Raw{Name: tlsFailureName}); err != nil {
			return Result{}, err
		}
		return Result{}, fmt.Errorf("%w: no certificate configured", ErrTLSFailure)
	}
	if err := n.Send(ctx, &stanza.Raw{Name: proceedName}); err != nil {
		return Result{}, err
	}
	var chosen *tls.Certificate
	tc := tls.Server(netConn(n.Transport()), recordCertificate(c, &chosen))
	if err := tc.HandshakeContext(ctx); err != nil {
		return Result{}, abandon(n, fmt.Errorf("stream: STARTTLS: handshake: %w", err))
	}
	n.cert = leaf(chosen)
	return Result{Restart: true, Transport: tc}, nil
}

// abandon closes the transport at once, without the close handshake, and
// returns err: for a transport on which no more XML can be exchanged.
func abandon(n *Negotiation, err error) error {
	n.s.shutdown(err)
	return err
}

// elementName returns the expanded name of a *stanza.Raw, else the zero
// Name.
func elementName(el stanza.Element) xml.Name {
	if r, ok := el.(*stanza.Raw); ok {
		return r.Name
	}
	return xml.Name{}
}

// unexpected fails the stream with bad-format (RFC 6120 §4.9.3.1) for an
// element that has no place at this step of a negotiation.
func unexpected(n *Negotiation, el stanza.Element, want string) error {
	got := fmt.Sprintf("%T", el)
	if name := elementName(el); name.Local != "" {
		got = "<" + name.Local + " xmlns='" + name.Space + "'/>"
	}
	return n.s.fail(&streamerror.Error{Condition: streamerror.BadFormat},
		fmt.Errorf("stream: expected %s, got %s", want, got))
}

// recordCertificate returns a copy of cfg whose certificate choice is
// recorded in *chosen; cfg itself when the choice cannot be observed
// (GetConfigForClient).
func recordCertificate(cfg *tls.Config, chosen **tls.Certificate) *tls.Config {
	if cfg.GetConfigForClient != nil {
		return cfg
	}
	get, certs := cfg.GetCertificate, cfg.Certificates
	c := cfg.Clone()
	c.Certificates = nil // so that crypto/tls always asks GetCertificate
	c.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		cert, err := chooseCertificate(get, certs, hello)
		if err == nil {
			*chosen = cert
		}
		return cert, err
	}
	return c
}

// chooseCertificate picks the server certificate the way crypto/tls does
// for a Config with GetCertificate get and Certificates certs (without the
// deprecated NameToCertificate map).
func chooseCertificate(get func(*tls.ClientHelloInfo) (*tls.Certificate, error), certs []tls.Certificate, hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if get != nil && (len(certs) == 0 || hello.ServerName != "") {
		cert, err := get(hello)
		if cert != nil || err != nil {
			return cert, err
		}
	}
	switch len(certs) {
	case 0:
		return nil, errors.New("stream: STARTTLS: no certificate")
	case 1:
		return &certs[0], nil
	}
	for i := range certs {
		if hello.SupportsCertificate(&certs[i]) == nil {
			return &certs[i], nil
		}
	}
	return &certs[0], nil
}

// leaf returns the parsed leaf of cert, nil if there is none.
func leaf(cert *tls.Certificate) *x509.Certificate {
	if cert == nil {
		return nil
	}
	if cert.Leaf != nil {
		return cert.Leaf
	}
	if len(cert.Certificate) == 0 {
		return nil
	}
	l, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil
	}
	return l
}

// netConn returns rw as a net.Conn for crypto/tls: itself if it is one,
// else an adapter (see rwConn).
func netConn(rw io.ReadWriter) net.Conn {
	if c, ok := rw.(net.Conn); ok {
		return c
	}
	return rwConn{rw}
}

// rwConn adapts a transport that is not a net.Conn. Its deadlines are
// passed on when the transport has them; otherwise setting one closes the
// transport (if it is an io.Closer), which is how the Stream interrupts
// I/O on such a transport anyway (see Open), and clearing one does
// nothing.
type rwConn struct{ rw io.ReadWriter }

func (c rwConn) Read(p []byte) (int, error)  { return c.rw.Read(p) }
func (c rwConn) Write(p []byte) (int, error) { return c.rw.Write(p) }

func (c rwConn) Close() error {
	if cl, ok := c.rw.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

func (c rwConn) LocalAddr() net.Addr  { return transportAddr{} }
func (c rwConn) RemoteAddr() net.Addr { return transportAddr{} }

func (c rwConn) SetDeadline(t time.Time) error {
	if d, ok := c.rw.(interface{ SetDeadline(time.Time) error }); ok {
		return d.SetDeadline(t)
	}
	return c.closeFor(t)
}

func (c rwConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.rw.(readDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return c.closeFor(t)
}

func (c rwConn) SetWriteDeadline(t time.Time) error {
	if d, ok := c.rw.(writeDeadliner); ok {
		return d.SetWriteDeadline(t)
	}
	return c.closeFor(t)
}

func (c rwConn) closeFor(t time.Time) error {
	if t.IsZero() {
		return nil
	}
	return c.Close()
}

// transportAddr is the address of a transport that has none.
type transportAddr struct{}

func (transportAddr) Network() string { return "stream" }
func (transportAddr) String() string  { return "stream" }
