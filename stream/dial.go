package stream

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stream/sasl"
)

// DefaultClientPort is the port Dial uses when the address is empty: the
// IANA port of xmpp-client (RFC 6120 §3.2.2, fallback without SRV).
const DefaultClientPort = "5222"

// TLSPolicy says whether a side insists on TLS (RFC 6120 §5), for
// ClientConfig and ServerConfig.
type TLSPolicy uint8

// The TLS policies.
const (
	// TLSRequired makes STARTTLS mandatory-to-negotiate (§5.3.1): a
	// client fails (ErrNotOffered) against a server that does not offer
	// it, a server announces it with <required/> and offers SASL only
	// after it. A stream that starts over TLS (direct TLS, XEP-0368)
	// satisfies it. It is the zero value.
	TLSRequired TLSPolicy = iota
	// TLSOptional negotiates STARTTLS when both sides can; otherwise the
	// stream goes on unencrypted (SCRAM still works; PLAIN only if
	// allowed).
	TLSOptional
	// TLSOff never negotiates STARTTLS. For tests and trusted links, or
	// for direct TLS where the transport already is a TLS connection.
	TLSOff
)

// String returns "required", "optional" or "off".
func (p TLSPolicy) String() string {
	switch p {
	case TLSRequired:
		return "required"
	case TLSOptional:
		return "optional"
	case TLSOff:
		return "off"
	}
	return fmt.Sprintf("TLSPolicy(%d)", uint8(p))
}

// ClientConfig is what a client brings to Dial, OpenClient and
// ClientFeatures: its account and its policies.
type ClientConfig struct {
	// JID is the account: localpart@domain, with the resource to ask
	// for, if any (empty lets the server choose one, RFC 6120 §7.6). The
	// localpart is the SASL username (§6.3.7), the domain the stream's
	// 'to' (§4.7.2) and the name the server's certificate must match.
	JID jid.JID
	// Password is the account's password.
	Password string

	// TLS is the STARTTLS policy; the zero value requires TLS.
	TLS TLSPolicy
	// DirectTLS makes Dial open the TLS connection right away (XEP-0368)
	// instead of negotiating STARTTLS.
	DirectTLS bool
	// TLSConfig is the TLS configuration for STARTTLS and direct TLS;
	// nil means the defaults. An empty ServerName means the JID's
	// domain; nil RootCAs the system's roots.
	TLSConfig *tls.Config

	// Mechanisms restricts the SASL mechanisms the client may use
	// (sasl.ClientConfig.Enabled); nil allows every one the sasl package
	// implements, the strongest both sides allow being chosen.
	Mechanisms []sasl.Mechanism
	// AllowPlainWithoutTLS lets PLAIN send the password over a stream
	// without TLS (RFC 4616 §6). Off by default.
	AllowPlainWithoutTLS bool

	// Stream holds the other stream settings (Lang, Limits, Trace,
	// CloseTimeout, Rand); nil means the defaults. Its To, From and
	// Features are replaced: To is the JID's domain, From its bare JID
	// when the stream starts over TLS (RFC 6120 §4.7.1 advises against
	// naming the account before the stream is encrypted), and Features
	// are ClientFeatures.
	Stream *Config

	// Dialer dials the TCP connection for Dial; nil means a zero
	// net.Dialer. ctx bounds the dial in any case.
	Dialer *net.Dialer
}

// ClientFeatures returns the features of a client, in the order they are
// negotiated: StartTLS (unless cfg.TLS is TLSOff; Required with
// TLSRequired), SASL with the account's credentials, Bind with the JID's
// resource, and Session (sent only if the server requires it). Each is
// usable on its own; this is the usual set.
func ClientFeatures(cfg *ClientConfig) []Feature {
	if cfg == nil {
		cfg = &ClientConfig{}
	}
	var fs []Feature
	if cfg.TLS != TLSOff {
		fs = append(fs, &StartTLS{Config: clientTLSConfig(cfg), Required: cfg.TLS == TLSRequired})
	}
	return append(fs,
		&SASL{Client: &sasl.ClientConfig{
			Username:             cfg.JID.Localpart(),
			Password:             cfg.Password,
			Enabled:              cfg.Mechanisms,
			AllowPlainWithoutTLS: cfg.AllowPlainWithoutTLS,
		}},
		&Bind{Resource: cfg.JID.Resourcepart()},
		&Session{},
	)
}

// clientTLSConfig returns cfg.TLSConfig with ServerName defaulting to the
// JID's domain.
func clientTLSConfig(cfg *ClientConfig) *tls.Config {
	c := &tls.Config{}
	if cfg.TLSConfig != nil {
		c = cfg.TLSConfig.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = cfg.JID.Domainpart()
	}
	return c
}

// Dial connects a client to its server and returns a Stream ready for
// stanzas, its resource bound (RFC 6120 §7; (*Stream).Bound gives the full
// JID): it dials TCP to addr — empty means the JID's domain at
// DefaultClientPort; Dial does no SRV lookup (§3.2) — or TLS there with
// cfg.DirectTLS (XEP-0368), then runs OpenClient. ctx bounds all of it.
func Dial(ctx context.Context, addr string, cfg *ClientConfig) (*Stream, error) {
	if cfg == nil || cfg.JID.IsZero() {
		return nil, errors.New("stream: dial: ClientConfig.JID is required")
	}
	if addr == "" {
		addr = net.JoinHostPort(cfg.JID.Domainpart(), DefaultClientPort)
	}
	d := cfg.Dialer
	if d == nil {
		d = &net.Dialer{}
	}
	var conn net.Conn
	var err error
	if cfg.DirectTLS {
		conn, err = (&tls.Dialer{NetDialer: d, Config: clientTLSConfig(cfg)}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("stream: dial: %w", err)
	}
	return OpenClient(ctx, conn, cfg)
}

// OpenClient opens a client's stream over rw, an established transport
// (a *tls.Conn for direct TLS), and negotiates ClientFeatures: STARTTLS
// as cfg.TLS says, SASL with the JID's localpart and the password, and
// resource binding. It returns when stanzas may flow; Open describes the
// errors, among which a *sasl.Failure for a refused login
// (errors.Is(err, sasl.NotAuthorized) for a wrong password). rw is closed
// when OpenClient fails.
func OpenClient(ctx context.Context, rw io.ReadWriter, cfg *ClientConfig) (*Stream, error) {
	if cfg == nil || cfg.JID.IsZero() {
		if c, ok := rw.(io.Closer); ok {
			c.Close()
		}
		return nil, errors.New("stream: open client: ClientConfig.JID is required")
	}
	var sc Config
	if cfg.Stream != nil {
		sc = *cfg.Stream
	}
	sc.To = cfg.JID.Domain()
	sc.From = jid.JID{}
	if _, ok := rw.(connectionStater); ok {
		sc.From = cfg.JID.Bare()
	}
	sc.Features = ClientFeatures(cfg)
	return Open(ctx, rw, &sc)
}

// ServerConfig is what a server brings to ServerFeatures: its
// certificate, its accounts and its policies.
type ServerConfig struct {
	// TLS is the STARTTLS policy; the zero value requires TLS, and SASL
	// is then offered only on encrypted streams.
	TLS TLSPolicy
	// TLSConfig holds the server's certificate for STARTTLS (see
	// StartTLS.Config). It is needed unless TLS is TLSOff.
	TLSConfig *tls.Config

	// SASL holds the credential lookup and the mechanisms (see
	// SASL.Server). Required.
	SASL *sasl.ServerConfig
	// MaxAuthAttempts is SASL.MaxAttempts: 0 means
	// sasl.DefaultMaxAttempts.
	MaxAuthAttempts int

	// Claim is Bind.Claim: how the server's registry of sessions grants a
	// resource. nil grants every valid one.
	Claim func(ctx context.Context, full jid.JID) (jid.JID, error)

	// Session also offers RFC 3921 session establishment, as optional,
	// for clients that predate RFC 6121. Accept then waits for the
	// client's first stanza (see Session).
	Session bool
}

// ServerFeatures returns the features of a server, in the order they are
// advertised: StartTLS (unless cfg.TLS is TLSOff), SASL and its XEP-0440
// announcement (SASLChannelBinding), Bind, and Session if cfg.Session.
// Pass them as Config.Features to Accept.
func ServerFeatures(cfg *ServerConfig) []Feature {
	if cfg == nil {
		cfg = &ServerConfig{}
	}
	var fs []Feature
	if cfg.TLS != TLSOff {
		fs = append(fs, &StartTLS{Config: cfg.TLSConfig, Required: cfg.TLS == TLSRequired})
	}
	auth := &SASL{Server: cfg.SASL, MaxAttempts: cfg.MaxAuthAttempts, RequireTLS: cfg.TLS == TLSRequired}
	fs = append(fs, auth, &SASLChannelBinding{SASL: auth}, &Bind{Claim: cfg.Claim})
	if cfg.Session {
		fs = append(fs, &Session{})
	}
	return fs
}
