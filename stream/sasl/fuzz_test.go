package sasl

import (
	"bytes"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzCreds are cheap credentials for "user"/"pencil" (16 iterations).
func fuzzCreds(tb testing.TB) func(string) (*Credentials, error) {
	tb.Helper()
	c, err := NewCredentials("pencil", []byte("fuzz salt"), 16)
	if err != nil {
		tb.Fatal(err)
	}
	return func(u string) (*Credentials, error) {
		if u == "user" {
			return c, nil
		}
		return nil, ErrUnknownUser
	}
}

// checkFailure fails unless err is a *Failure with a defined condition.
func checkFailure(t *testing.T, err error) {
	t.Helper()
	var f *Failure
	if !errors.As(err, &f) || !f.Condition.Defined() {
		t.Fatalf("error %v is not a *Failure with a defined condition", err)
	}
	if !utf8.ValidString(f.Text) {
		t.Fatalf("failure text %q is not UTF-8", f.Text)
	}
}

// FuzzServerClientFirst feeds arbitrary client-first messages to a SCRAM
// server over TLS (so that "y" and "p=" are live), plain or -PLUS.
func FuzzServerClientFirst(f *testing.F) {
	for _, c := range serverFirstCases {
		f.Add(false, []byte(c.msg))
		f.Add(true, []byte(strings.Replace(c.msg, "n,", "p=tls-exporter,", 1)))
	}
	f.Add(true, []byte("p=tls-server-end-point,,n=user,r=abc"))
	f.Add(true, []byte("p=tls-unique,a=x=3D,n=user,r=abc"))
	p := handshake(f, tls.VersionTLS13)
	cfg := &ServerConfig{Lookup: fuzzCreds(f), TLS: p.server, Certificate: p.leaf, nonce: "xyz"}
	f.Fuzz(func(t *testing.T, plus bool, msg []byte) {
		m := ScramSHA256
		if plus {
			m = ScramSHA256Plus
		}
		s, err := NewServer(m, cfg)
		if err != nil {
			t.Fatal(err)
		}
		ch, done, err := s.Next(msg)
		if done {
			t.Fatal("done after one message")
		}
		if err != nil {
			checkFailure(t, err)
			return
		}
		if len(msg) > 0 && !bytes.HasPrefix(ch, []byte("r=")) {
			t.Fatalf("challenge %q", ch)
		}
	})
}

// FuzzServerClientFinal feeds arbitrary client-final messages to a
// SCRAM-SHA-1 server that has answered "n,,n=user,r=abc".
func FuzzServerClientFinal(f *testing.F) {
	for _, c := range serverFinalCases {
		f.Add([]byte(c.msg))
	}
	f.Add([]byte(scramVectors[0].clientFinal))
	cfg := &ServerConfig{Lookup: fuzzCreds(f), nonce: "xyz"}
	f.Fuzz(func(t *testing.T, msg []byte) {
		s, err := NewServer(ScramSHA1, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Next([]byte("n,,n=user,r=abc")); err != nil {
			t.Fatal(err)
		}
		v, done, err := s.Next(msg)
		if err != nil {
			checkFailure(t, err)
			return
		}
		// Only a correct proof can succeed; guessing one is the bug.
		t.Fatalf("client-final %q accepted: %q, %v", msg, v, done)
	})
}

// FuzzPlain feeds arbitrary PLAIN messages to a PLAIN server.
func FuzzPlain(f *testing.F) {
	for _, c := range plainCases {
		f.Add([]byte(c.msg))
	}
	cfg := &ServerConfig{Lookup: fuzzCreds(f), AllowPlainWithoutTLS: true}
	f.Fuzz(func(t *testing.T, msg []byte) {
		s, err := NewServer(Plain, cfg)
		if err != nil {
			t.Fatal(err)
		}
		ch, done, err := s.Next(msg)
		switch {
		case err != nil:
			checkFailure(t, err)
		case len(msg) == 0:
			if done || ch == nil || len(ch) != 0 {
				t.Fatalf("empty message: %q, %v", ch, done)
			}
		case !done || ch != nil:
			t.Fatalf("Next = %q, %v", ch, done)
		case string(msg) != "\x00user\x00pencil":
			t.Fatalf("accepted %q", msg)
		}
	})
}

// FuzzClientServerFirst feeds arbitrary server-first messages to a SCRAM
// client whose nonce is "cnonce".
func FuzzClientServerFirst(f *testing.F) {
	for _, c := range clientFirstCases {
		f.Add([]byte(c.msg))
	}
	f.Add([]byte("r=cnonceX,s=c2FsdA==,i=16,m=x"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := NewClient([]Mechanism{ScramSHA256}, &ClientConfig{
			Username: "user", Password: "pencil", nonce: "cnonce",
			MinIterations: 1, MaxIterations: 64,
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Start(); err != nil {
			t.Fatal(err)
		}
		resp, err := c.Next(msg)
		if err != nil {
			if resp != nil {
				t.Fatalf("response %q with error", resp)
			}
			return
		}
		if !bytes.HasPrefix(resp, []byte("c=biws,r=cnonce")) {
			t.Fatalf("response %q", resp)
		}
	})
}

// FuzzClientServerFinal feeds arbitrary server-final messages, as the data
// of <success/> and as a challenge, to the RFC 5802 §5 client.
func FuzzClientServerFinal(f *testing.F) {
	v := scramVectors[0]
	f.Add([]byte(v.serverFinal), false)
	f.Add([]byte(v.serverFinal+",x=y"), true)
	f.Add([]byte("e=invalid-proof"), false)
	f.Add([]byte("e=other,x=1"), true)
	f.Add([]byte("v="), false)
	f.Add([]byte(""), true)
	// One client-final computation, replayed through a template client.
	c0, err := NewClient([]Mechanism{v.mech}, &ClientConfig{Username: "user", Password: "pencil", nonce: v.clientNonce})
	if err != nil {
		f.Fatal(err)
	}
	c0.Start()
	if _, err := c0.Next([]byte(v.serverFirst)); err != nil {
		f.Fatal(err)
	}
	tmpl := *c0.(*scramClient)
	f.Fuzz(func(t *testing.T, msg []byte, asChallenge bool) {
		c := tmpl
		var err error
		if asChallenge {
			_, err = c.Next(msg)
		} else {
			err = c.Success(msg)
		}
		ok := string(msg) == v.serverFinal || strings.HasPrefix(string(msg), v.serverFinal+",")
		if err == nil && !ok {
			t.Fatalf("server-final %q accepted", msg)
		}
	})
}

// FuzzSaslname checks that escaping round-trips and that unescaping
// arbitrary input is safe.
func FuzzSaslname(f *testing.F) {
	for _, s := range []string{"user", "a,b=c", "=2C=3D", "=", "==3D", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if u, err := unescapeName(s); err == nil && escapeName(u) != s {
			t.Fatalf("unescape(%q) = %q, which escapes to %q", s, u, escapeName(u))
		}
		if !utf8.ValidString(s) {
			return
		}
		e := escapeName(s)
		if strings.Contains(e, ",") {
			t.Fatalf("escape(%q) = %q contains a comma", s, e)
		}
		if u, err := unescapeName(e); err != nil || u != s {
			t.Fatalf("unescape(escape(%q)) = %q, %v", s, u, err)
		}
	})
}
