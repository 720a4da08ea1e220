package sasl

import (
	"crypto/tls"
	"testing"
)

// benchExchange measures one complete exchange (client and server side,
// construction included) with mechanism m; SetBytes counts the SASL
// messages of one exchange.
func benchExchange(b *testing.B, m Mechanism, tlsVersion uint16) {
	ccfg := &ClientConfig{Username: "user", Password: "pencil", Enabled: []Mechanism{m}}
	scfg := &ServerConfig{Lookup: lookupUser}
	if tlsVersion != 0 {
		p := handshake(b, tlsVersion)
		ccfg.TLS, scfg.TLS, scfg.Certificate = p.client, p.server, p.leaf
	}
	offered := scfg.Mechanisms()
	run := func() int {
		c, err := NewClient(offered, ccfg)
		if err != nil {
			b.Fatal(err)
		}
		s, err := NewServer(c.Mechanism(), scfg)
		if err != nil {
			b.Fatal(err)
		}
		tr, err := exchange(c, s)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, msg := range tr {
			n += len(msg)
		}
		return n
	}
	b.SetBytes(int64(run()))
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
}

// BenchmarkExchangeScramSHA256 is a full SCRAM-SHA-256 exchange with 4096
// iterations; the client's PBKDF2 dominates.
func BenchmarkExchangeScramSHA256(b *testing.B) { benchExchange(b, ScramSHA256, 0) }

// BenchmarkExchangeScramSHA256Plus adds tls-exporter channel binding.
func BenchmarkExchangeScramSHA256Plus(b *testing.B) {
	benchExchange(b, ScramSHA256Plus, tls.VersionTLS13)
}

// BenchmarkExchangeScramSHA1 is a full SCRAM-SHA-1 exchange with 4096
// iterations.
func BenchmarkExchangeScramSHA1(b *testing.B) { benchExchange(b, ScramSHA1, 0) }

// BenchmarkExchangePlain is PLAIN verified against stored SCRAM-SHA-256
// keys: the server's PBKDF2 dominates.
func BenchmarkExchangePlain(b *testing.B) { benchExchange(b, Plain, tls.VersionTLS13) }

// BenchmarkServerSCRAM measures the server side alone (no PBKDF2: it works
// from stored keys), replaying the RFC 7677 §3 client messages.
func BenchmarkServerSCRAM(b *testing.B) {
	v := scramVectors[1]
	creds, err := NewCredentials("pencil", []byte("salt"), 4096)
	if err != nil {
		b.Fatal(err)
	}
	cfg := &ServerConfig{Lookup: func(string) (*Credentials, error) { return creds, nil }, nonce: v.serverNonce}
	b.SetBytes(int64(len(v.clientFirst) + len(v.clientFinal)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := NewServer(ScramSHA256, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Next([]byte(v.clientFirst)); err != nil {
			b.Fatal(err)
		}
		s.Next([]byte(v.clientFinal)) // fails: other salt; the work is the same
	}
}
