package main

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"
)

// mustTLS returns a TLS configuration that trusts the certificates in
// the PEM file ca.
func mustTLS(t *testing.T, ca string) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", ca)
	}
	return &tls.Config{RootCAs: pool}
}
