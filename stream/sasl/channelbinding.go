package sasl

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"
)

// ChannelBinding is a channel-binding type name (RFC 5056 §2.1, IANA
// "Channel-Binding Types"), sent as cb-name in the GS2 header of a -PLUS
// mechanism (RFC 5802 §6, §7) and announced by XEP-0440.
type ChannelBinding string

// The channel-binding types this package implements, preferred first.
// tls-unique (RFC 5929 §3) is not implemented: it is undefined for TLS 1.3
// (RFC 9266 §1) and unsafe for TLS 1.2 without the Extended Master Secret.
const (
	// TLSExporter binds to the TLS connection through its keying material
	// exporter (RFC 9266 §2). It needs TLS 1.3, or TLS 1.2 with the
	// Extended Master Secret (RFC 9266 §3, RFC 7627).
	TLSExporter ChannelBinding = "tls-exporter"
	// TLSServerEndPoint binds to the server's certificate (RFC 5929 §4):
	// a hash of its DER encoding. It detects a man in the middle that
	// presents another certificate, with any TLS version.
	TLSServerEndPoint ChannelBinding = "tls-server-end-point"
)

// channelBindings lists the implemented types in order of preference.
var channelBindings = [...]ChannelBinding{TLSExporter, TLSServerEndPoint}

// exporterLabel is the label of RFC 9266 §2.
const exporterLabel = "EXPORTER-Channel-Binding"

// ExporterBinding returns the tls-exporter channel-binding data of a TLS
// connection (RFC 9266 §2): 32 bytes of exported keying material with the
// label "EXPORTER-Channel-Binding" and a zero-length context.
//
// The context is passed as a present, empty value (not nil). With TLS 1.3
// the two are the same (RFC 8446 §7.5); with TLS 1.2 RFC 5705 §4 tells
// them apart, and RFC 9266 §2 specifies the context as a zero-length
// string, which is also what deployed XMPP peers pass.
//
// It fails with ErrChannelBinding when cs is nil, its handshake is not
// complete, or crypto/tls refuses to export (TLS 1.2 without the Extended
// Master Secret, RFC 9266 §3; renegotiation enabled). Running with
// GODEBUG=tlsunsafeekm=1 lifts crypto/tls's refusal, and with it the
// protection RFC 9266 §3 asks for; don't.
func ExporterBinding(cs *tls.ConnectionState) ([]byte, error) {
	if cs == nil || !cs.HandshakeComplete {
		return nil, fmt.Errorf("%w: %s: no completed TLS handshake", ErrChannelBinding, TLSExporter)
	}
	b, err := exportKeyingMaterial(cs)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrChannelBinding, TLSExporter, err)
	}
	return b, nil
}

// errNoExporter reports a ConnectionState that crypto/tls did not make,
// whose exporter is missing.
var errNoExporter = errors.New("no keying material exporter in the connection state")

// exportKeyingMaterial calls cs.ExportKeyingMaterial, turning the panic of
// a hand-made ConnectionState (whose exporter function is nil) into an
// error.
func exportKeyingMaterial(cs *tls.ConnectionState) (b []byte, err error) {
	defer func() {
		if recover() != nil {
			b, err = nil, errNoExporter
		}
	}()
	return cs.ExportKeyingMaterial(exporterLabel, []byte{}, 32)
}

// EndPointBinding returns the tls-server-end-point channel-binding data of
// the server certificate cert (RFC 5929 §4.1): the hash of its DER
// encoding, with the hash function of the certificate's signature
// algorithm, SHA-256 when that is MD5 or SHA-1.
//
// It fails with ErrChannelBinding when cert is nil or its signature
// algorithm uses no single hash function (Ed25519, unknown algorithms),
// for which RFC 5929 §4.1 leaves the binding undefined.
func EndPointBinding(cert *x509.Certificate) ([]byte, error) {
	if cert == nil || len(cert.Raw) == 0 {
		return nil, fmt.Errorf("%w: %s: no certificate", ErrChannelBinding, TLSServerEndPoint)
	}
	var h hash.Hash
	switch cert.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1,
		x509.SHA256WithRSA, x509.DSAWithSHA256, x509.ECDSAWithSHA256, x509.SHA256WithRSAPSS:
		h = sha256.New()
	case x509.SHA384WithRSA, x509.ECDSAWithSHA384, x509.SHA384WithRSAPSS:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.ECDSAWithSHA512, x509.SHA512WithRSAPSS:
		h = sha512.New()
	default:
		return nil, fmt.Errorf("%w: %s: undefined for signature algorithm %v", ErrChannelBinding, TLSServerEndPoint, cert.SignatureAlgorithm)
	}
	h.Write(cert.Raw)
	return h.Sum(nil), nil
}

// clientBinding returns the channel-binding data of type t for the client
// end of the connection cs: the server certificate is the peer's leaf.
func clientBinding(cs *tls.ConnectionState, t ChannelBinding) ([]byte, error) {
	switch t {
	case TLSExporter:
		return ExporterBinding(cs)
	case TLSServerEndPoint:
		if cs == nil || !cs.HandshakeComplete || len(cs.PeerCertificates) == 0 {
			return nil, fmt.Errorf("%w: %s: no server certificate", ErrChannelBinding, t)
		}
		return EndPointBinding(cs.PeerCertificates[0])
	}
	return nil, fmt.Errorf("%w: unsupported type %q", ErrChannelBinding, string(t))
}

// serverBinding returns the channel-binding data of type t for the server
// end of the connection: crypto/tls does not report the server's own
// certificate, so it comes from ServerConfig.Certificate.
func serverBinding(cfg *ServerConfig, t ChannelBinding) ([]byte, error) {
	if !tlsDone(cfg.TLS) {
		return nil, fmt.Errorf("%w: %s: no completed TLS handshake", ErrChannelBinding, t)
	}
	switch t {
	case TLSExporter:
		return ExporterBinding(cfg.TLS)
	case TLSServerEndPoint:
		return EndPointBinding(cfg.Certificate)
	}
	return nil, fmt.Errorf("%w: unsupported type %q", ErrChannelBinding, string(t))
}

// tlsDone reports whether cs describes a completed TLS handshake.
func tlsDone(cs *tls.ConnectionState) bool { return cs != nil && cs.HandshakeComplete }
