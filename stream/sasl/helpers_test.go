package sasl

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// testCert returns a self-signed ECDSA P-256 certificate (signed with
// ECDSA-SHA256) for "example.test", made once per test binary.
var testCert = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "example.test"},
		DNSNames:              []string{"example.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
})

// tlsPair is both ends of one real TLS connection.
type tlsPair struct {
	client, server *tls.ConnectionState
	leaf           *x509.Certificate
}

// handshake runs a TLS handshake over net.Pipe with the given version
// (tls.VersionTLS12 or tls.VersionTLS13) and returns both connection
// states.
func handshake(t testing.TB, version uint16) tlsPair {
	t.Helper()
	cert, err := testCert()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	srv := tls.Server(c2, &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   version,
		MaxVersion:   version,
	})
	cli := tls.Client(c1, &tls.Config{
		RootCAs:    pool,
		ServerName: "example.test",
		MinVersion: version,
		MaxVersion: version,
	})
	errc := make(chan error, 1)
	go func() { errc <- srv.Handshake() }()
	if err := cli.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	cs, ss := cli.ConnectionState(), srv.ConnectionState()
	if cs.Version != version || ss.Version != version {
		t.Fatalf("negotiated %x/%x, want %x", cs.Version, ss.Version, version)
	}
	return tlsPair{client: &cs, server: &ss, leaf: cert.Leaf}
}

// exchange runs c against s in memory, the way a stream layer would, and
// returns the transcript (client and server messages alternately) and the
// first error. It stops after a bounded number of rounds.
func exchange(c Client, s Server) (transcript [][]byte, err error) {
	msg, err := c.Start()
	if err != nil {
		return nil, err
	}
	for range 8 {
		transcript = append(transcript, msg)
		ch, done, err := s.Next(msg)
		if err != nil {
			return transcript, err
		}
		transcript = append(transcript, ch)
		if done {
			return transcript, c.Success(ch)
		}
		if msg, err = c.Next(ch); err != nil {
			return transcript, err
		}
	}
	return transcript, errors.New("exchange did not end")
}

// testCreds are credentials for "user"/"pencil" with few iterations, so
// that tests and fuzzing stay fast.
var testCreds = sync.OnceValue(func() *Credentials {
	c, err := NewCredentials("pencil", []byte("0123456789abcdef"), 4096)
	if err != nil {
		panic(err)
	}
	return c
})

// lookupUser serves testCreds for "user" and ErrUnknownUser otherwise.
func lookupUser(u string) (*Credentials, error) {
	if u == "user" {
		return testCreds(), nil
	}
	return nil, ErrUnknownUser
}
