package chatserver

import (
	"crypto/tls"

	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/sasl"
)

// streamFeatures returns the stream features the server negotiates, in
// order (RFC 6120 §4.3): STARTTLS (§5) as the TLS policy says, SASL (§6)
// with every mechanism of package sasl over the accounts' stored SCRAM
// keys, and resource binding (§7), which serve replaces per connection
// with one whose Claim registers the session.
func (s *Server) streamFeatures() []stream.Feature {
	cfg := &stream.ServerConfig{
		TLS: stream.TLSOff,
		SASL: &sasl.ServerConfig{
			Lookup:               s.cfg.Accounts.Lookup,
			Enabled:              s.cfg.Mechanisms,
			AllowPlainWithoutTLS: s.cfg.AllowPlainWithoutTLS,
		},
	}
	switch s.cfg.TLS {
	case TLSOptional:
		cfg.TLS = stream.TLSOptional
	case TLSRequired:
		cfg.TLS = stream.TLSRequired
	}
	if s.cfg.TLS != TLSNone {
		cfg.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{*s.cfg.Certificate},
			MinVersion:   tls.VersionTLS12,
		}
	}
	return stream.ServerFeatures(cfg)
}
