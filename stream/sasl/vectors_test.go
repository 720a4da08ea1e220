package sasl

import (
	"encoding/base64"
	"errors"
	"testing"
)

// scramVector is a complete SCRAM exchange from an RFC, quoted byte for
// byte.
type scramVector struct {
	name                     string
	mech                     Mechanism
	clientNonce, serverNonce string // serverNonce is the server's addition
	salt                     string // base64
	clientFirst, serverFirst string
	clientFinal, serverFinal string
}

var scramVectors = []scramVector{
	{
		// RFC 5802 §5.
		name:        "RFC 5802 §5 SCRAM-SHA-1",
		mech:        ScramSHA1,
		clientNonce: "fyko+d2lbbFgONRv9qkxdawL",
		serverNonce: "3rfcNHYJY1ZVvWVs7j",
		salt:        "QSXCR+Q6sek8bf92",
		clientFirst: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
		serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
		clientFinal: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
	},
	{
		// RFC 7677 §3.
		name:        "RFC 7677 §3 SCRAM-SHA-256",
		mech:        ScramSHA256,
		clientNonce: "rOprNGfwEbeRWgbNEkqO",
		serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
		salt:        "W22ZaJ0SNY7soEsUEjb6gQ==",
		clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
		serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		clientFinal: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
	},
}

func vectorClient(t *testing.T, v scramVector) Client {
	t.Helper()
	c, err := NewClient([]Mechanism{v.mech}, &ClientConfig{
		Username: "user",
		Password: "pencil",
		nonce:    v.clientNonce,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestVectorsClient drives our client with the RFC's server messages and
// compares its messages byte for byte, with the server-final message
// delivered in <success/> (RFC 6120 §6.4.6) and, alternatively, as a
// challenge.
func TestVectorsClient(t *testing.T) {
	t.Parallel()
	for _, v := range scramVectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			for _, asChallenge := range []bool{false, true} {
				c := vectorClient(t, v)
				if c.Mechanism() != v.mech {
					t.Fatalf("mechanism %s, want %s", c.Mechanism(), v.mech)
				}
				first, err := c.Start()
				if err != nil {
					t.Fatal(err)
				}
				if string(first) != v.clientFirst {
					t.Fatalf("client-first\n got %q\nwant %q", first, v.clientFirst)
				}
				final, err := c.Next([]byte(v.serverFirst))
				if err != nil {
					t.Fatal(err)
				}
				if string(final) != v.clientFinal {
					t.Fatalf("client-final\n got %q\nwant %q", final, v.clientFinal)
				}
				if asChallenge {
					resp, err := c.Next([]byte(v.serverFinal))
					if err != nil || len(resp) != 0 {
						t.Fatalf("Next(server-final) = %q, %v; want empty, nil", resp, err)
					}
					if err := c.Success(nil); err != nil {
						t.Fatalf("Success(nil) after verified challenge: %v", err)
					}
				} else if err := c.Success([]byte(v.serverFinal)); err != nil {
					t.Fatalf("Success(server-final): %v", err)
				}
			}
		})
	}
}

// TestVectorsServer feeds the RFC's client messages to our server, with
// credentials derived from "pencil" and the RFC's salt, and compares its
// messages byte for byte.
func TestVectorsServer(t *testing.T) {
	t.Parallel()
	for _, v := range scramVectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			salt, err := base64.StdEncoding.DecodeString(v.salt)
			if err != nil {
				t.Fatal(err)
			}
			creds, err := NewCredentials("pencil", salt, 4096)
			if err != nil {
				t.Fatal(err)
			}
			var looked string
			s, err := NewServer(v.mech, &ServerConfig{
				Lookup: func(u string) (*Credentials, error) { looked = u; return creds, nil },
				nonce:  v.serverNonce,
			})
			if err != nil {
				t.Fatal(err)
			}
			first, done, err := s.Next([]byte(v.clientFirst))
			if err != nil || done {
				t.Fatalf("Next(client-first): done %v, %v", done, err)
			}
			if looked != "user" {
				t.Errorf("Lookup(%q), want user", looked)
			}
			if string(first) != v.serverFirst {
				t.Fatalf("server-first\n got %q\nwant %q", first, v.serverFirst)
			}
			final, done, err := s.Next([]byte(v.clientFinal))
			if err != nil || !done {
				t.Fatalf("Next(client-final): done %v, %v", done, err)
			}
			if string(final) != v.serverFinal {
				t.Fatalf("server-final\n got %q\nwant %q", final, v.serverFinal)
			}
			if s.Username() != "user" || s.Authzid() != "" {
				t.Errorf("identity %q/%q, want user/\"\"", s.Username(), s.Authzid())
			}
			if _, _, err := s.Next(nil); !errors.Is(err, MalformedRequest) {
				t.Errorf("Next after done: %v, want malformed-request", err)
			}
		})
	}
}

// TestVectorsNoInitialResponse checks that a server answers an <auth/>
// without initial response with an empty challenge (RFC 6120 §6.4.2) and
// then accepts the client-first message as a response.
func TestVectorsNoInitialResponse(t *testing.T) {
	t.Parallel()
	v := scramVectors[0]
	salt, _ := base64.StdEncoding.DecodeString(v.salt)
	creds, err := NewCredentials("pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(v.mech, &ServerConfig{
		Lookup: func(string) (*Credentials, error) { return creds, nil },
		nonce:  v.serverNonce,
	})
	if err != nil {
		t.Fatal(err)
	}
	ch, done, err := s.Next(nil)
	if err != nil || done || ch == nil || len(ch) != 0 {
		t.Fatalf("Next(nil) = %q, %v, %v; want empty challenge", ch, done, err)
	}
	ch, _, err = s.Next([]byte(v.clientFirst))
	if err != nil || string(ch) != v.serverFirst {
		t.Fatalf("Next(client-first) = %q, %v", ch, err)
	}
}
