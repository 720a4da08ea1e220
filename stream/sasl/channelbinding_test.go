package sasl

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"testing"
)

// TestEndPointBinding checks the hash choice of RFC 5929 §4.1.
func TestEndPointBinding(t *testing.T) {
	t.Parallel()
	raw := []byte("certificate DER")
	s256 := sha256.Sum256(raw)
	s384 := sha512.Sum384(raw)
	s512 := sha512.Sum512(raw)
	tests := []struct {
		alg  x509.SignatureAlgorithm
		want []byte // nil: undefined
	}{
		{x509.MD5WithRSA, s256[:]},
		{x509.SHA1WithRSA, s256[:]},
		{x509.ECDSAWithSHA1, s256[:]},
		{x509.DSAWithSHA1, s256[:]},
		{x509.SHA256WithRSA, s256[:]},
		{x509.ECDSAWithSHA256, s256[:]},
		{x509.SHA256WithRSAPSS, s256[:]},
		{x509.SHA384WithRSA, s384[:]},
		{x509.ECDSAWithSHA384, s384[:]},
		{x509.SHA384WithRSAPSS, s384[:]},
		{x509.SHA512WithRSA, s512[:]},
		{x509.ECDSAWithSHA512, s512[:]},
		{x509.SHA512WithRSAPSS, s512[:]},
		{x509.PureEd25519, nil},
		{x509.MD2WithRSA, nil},
		{x509.UnknownSignatureAlgorithm, nil},
	}
	for _, tt := range tests {
		t.Run(tt.alg.String(), func(t *testing.T) {
			t.Parallel()
			got, err := EndPointBinding(&x509.Certificate{Raw: raw, SignatureAlgorithm: tt.alg})
			if tt.want == nil {
				if !errors.Is(err, ErrChannelBinding) {
					t.Fatalf("EndPointBinding = %x, %v; want ErrChannelBinding", got, err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("EndPointBinding = %x, %v; want %x", got, err, tt.want)
			}
		})
	}
	if _, err := EndPointBinding(nil); !errors.Is(err, ErrChannelBinding) {
		t.Errorf("EndPointBinding(nil) = %v", err)
	}
}

// TestExporterBinding checks tls-exporter on real connections of both
// versions, and refusals.
func TestExporterBinding(t *testing.T) {
	t.Parallel()
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			t.Parallel()
			p := cachedHandshake(t, v)
			c, err := ExporterBinding(p.client)
			if err != nil {
				t.Fatal(err)
			}
			s, err := ExporterBinding(p.server)
			if err != nil {
				t.Fatal(err)
			}
			if len(c) != 32 || !bytes.Equal(c, s) {
				t.Fatalf("client %x, server %x", c, s)
			}
			// RFC 8446 §7.5: with TLS 1.3 an empty and an absent context
			// are the same; RFC 5705 §4: with TLS 1.2 they differ, and we
			// use the empty one (RFC 9266 §2).
			absent, err := p.client.ExportKeyingMaterial(exporterLabel, nil, 32)
			if err != nil {
				t.Fatal(err)
			}
			if same := bytes.Equal(absent, c); same != (v == tls.VersionTLS13) {
				t.Errorf("absent context gives the same data: %v", same)
			}
			q := handshake(t, v)
			other, _ := ExporterBinding(q.client)
			if bytes.Equal(other, c) {
				t.Error("two connections share exporter data")
			}
		})
	}
	for name, cs := range map[string]*tls.ConnectionState{
		"nil":        nil,
		"incomplete": {},
		"hand-made":  {HandshakeComplete: true},
	} {
		if b, err := ExporterBinding(cs); !errors.Is(err, ErrChannelBinding) {
			t.Errorf("%s: ExporterBinding = %x, %v", name, b, err)
		}
	}
}

// TestClientBindingEndPoint checks that client and server compute the
// same tls-server-end-point data.
func TestClientBindingEndPoint(t *testing.T) {
	t.Parallel()
	p := cachedHandshake(t, tls.VersionTLS13)
	c, err := clientBinding(p.client, TLSServerEndPoint)
	if err != nil {
		t.Fatal(err)
	}
	s, err := serverBinding(&ServerConfig{TLS: p.server, Certificate: p.leaf}, TLSServerEndPoint)
	if err != nil || !bytes.Equal(c, s) {
		t.Fatalf("client %x, server %x, %v", c, s, err)
	}
	if _, err := clientBinding(p.client, "tls-unique"); !errors.Is(err, ErrChannelBinding) {
		t.Errorf("tls-unique: %v", err)
	}
	if _, err := clientBinding(&tls.ConnectionState{HandshakeComplete: true}, TLSServerEndPoint); !errors.Is(err, ErrChannelBinding) {
		t.Errorf("no peer certificate: %v", err)
	}
}

// TestFailure checks the error behaviour of Failure and Condition.
func TestFailure(t *testing.T) {
	t.Parallel()
	cause := errors.New("db down")
	f := fail(TemporaryAuthFailure, "try later", cause)
	wrapped := fmt.Errorf("stream: auth: %w", f)
	if !errors.Is(wrapped, TemporaryAuthFailure) || errors.Is(wrapped, NotAuthorized) {
		t.Error("errors.Is by Condition")
	}
	if !errors.Is(wrapped, &Failure{Condition: TemporaryAuthFailure}) {
		t.Error("errors.Is by *Failure")
	}
	if !errors.Is(wrapped, cause) {
		t.Error("cause not reachable")
	}
	var got *Failure
	if !errors.As(wrapped, &got) || got.Text != "try later" {
		t.Error("errors.As")
	}
	if s := f.Error(); s != "sasl: temporary-auth-failure: try later: db down" {
		t.Errorf("Error() = %q", s)
	}
	if s := (&Failure{Condition: NotAuthorized}).Error(); s != "sasl: not-authorized" {
		t.Errorf("Error() = %q", s)
	}
	var nilF *Failure
	if nilF.Error() != "sasl: <nil>" || nilF.Unwrap() != nil || nilF.Is(NotAuthorized) {
		t.Error("nil *Failure")
	}
	if NotAuthorized.Error() != "sasl: not-authorized" {
		t.Error("Condition.Error")
	}
	for _, c := range []Condition{Aborted, AccountDisabled, CredentialsExpired, EncryptionRequired,
		IncorrectEncoding, InvalidAuthzid, InvalidMechanism, MalformedRequest,
		MechanismTooWeak, NotAuthorized, TemporaryAuthFailure} {
		if !c.Defined() {
			t.Errorf("%s not defined", string(c))
		}
	}
	if Condition("bad-auth").Defined() || Condition("").Defined() {
		t.Error("undefined condition reported as defined")
	}
}

// TestNewSCRAMKeys checks argument checks of the credential helpers.
func TestNewSCRAMKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mech Mechanism
		pw   string
		salt []byte
		iter int
	}{
		{"not SCRAM", Plain, "pw", []byte("s"), 1},
		{"empty salt", ScramSHA1, "pw", nil, 1},
		{"zero iterations", ScramSHA256, "pw", []byte("s"), 0},
		{"empty password", ScramSHA256, "", []byte("s"), 1},
		{"control in password", ScramSHA256, "p\x7fw", []byte("s"), 1},
	}
	for _, tt := range tests {
		if _, err := NewSCRAMKeys(tt.mech, tt.pw, tt.salt, tt.iter); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	if _, err := NewCredentials("", []byte("s"), 1); err == nil {
		t.Error("NewCredentials with empty password succeeded")
	}
	salt := []byte("salt")
	k, err := NewSCRAMKeys(ScramSHA256Plus, "pw", salt, 2)
	if err != nil {
		t.Fatal(err)
	}
	salt[0] = 'X'
	if string(k.Salt) != "salt" || len(k.StoredKey) != 32 || len(k.ServerKey) != 32 || k.Iterations != 2 {
		t.Errorf("keys %+v", k)
	}
}
