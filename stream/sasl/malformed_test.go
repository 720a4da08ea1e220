package sasl

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// proof32 is a well-formed but wrong SCRAM-SHA-256 proof.
var proof32 = base64.StdEncoding.EncodeToString(make([]byte, 32))

// serverFirstCases are client-first messages for a SCRAM-SHA-256 server
// without TLS. want is "" when the message is acceptable.
var serverFirstCases = []struct {
	name string
	msg  string
	want Condition
}{
	{"valid", "n,,n=user,r=abc", ""},
	{"valid with extension", "n,,n=user,r=abc,x=1,y=2", ""},
	{"valid y flag", "y,,n=user,r=abc", ""},
	{"valid authzid", "n,a=admin,n=user,r=abc", ""},
	{"no comma", "x", MalformedRequest},
	{"flag only", "n", MalformedRequest},
	{"header not terminated", "n,", MalformedRequest},
	{"empty bare", "n,,", MalformedRequest},
	{"bad flag", "q,,n=user,r=abc", MalformedRequest},
	{"empty cb-name", "p=,,n=user,r=abc", MalformedRequest},
	{"bad cb-name", "p=tls exporter,,n=user,r=abc", MalformedRequest},
	{"p flag on non-PLUS", "p=tls-exporter,,n=user,r=abc", MalformedRequest},
	{"bad authzid field", "n,b=x,n=user,r=abc", MalformedRequest},
	{"empty authzid", "n,a=,n=user,r=abc", MalformedRequest},
	{"bad authzid escape", "n,a=x=2,n=user,r=abc", MalformedRequest},
	{"mandatory extension", "n,,m=ext,n=user,r=abc", MalformedRequest},
	{"empty username", "n,,n=,r=abc", MalformedRequest},
	{"bad username escape", "n,,n=us=er,r=abc", MalformedRequest},
	{"lowercase escape", "n,,n=us=2cer,r=abc", MalformedRequest},
	{"truncated escape", "n,,n=user=2,r=abc", MalformedRequest},
	{"no nonce", "n,,n=user", MalformedRequest},
	{"empty nonce", "n,,n=user,r=", MalformedRequest},
	{"non-printable nonce", "n,,n=user,r=a\x7fb", MalformedRequest},
	{"space in nonce", "n,,n=user,r=a b", MalformedRequest},
	{"wrong order", "n,,r=abc,n=user", MalformedRequest},
	{"bad extension", "n,,n=user,r=abc,x", MalformedRequest},
	{"long extension name", "n,,n=user,r=abc,xx=1", MalformedRequest},
	{"empty extension value", "n,,n=user,r=abc,x=", MalformedRequest},
	{"NUL in extension", "n,,n=user,r=abc,x=\x00", MalformedRequest},
	{"trailing comma", "n,,n=user,r=abc,", MalformedRequest},
	{"invalid UTF-8 username", "n,,n=\xff,r=abc", MalformedRequest},
	{"control in username", "n,,n=us\x01er,r=abc", MalformedRequest},
	{"too long", "n,,n=user,r=" + strings.Repeat("a", maxMessageLen), MalformedRequest},
	{"NUL", "\x00", MalformedRequest},
}

// serverFinalCases are client-final messages answering the server-first
// message of "n,,n=user,r=abc" with server nonce "xyz".
var serverFinalCases = []struct {
	name string
	msg  string
	want Condition
}{
	{"empty", "", MalformedRequest},
	{"no proof", "c=biws,r=abcxyz", MalformedRequest},
	{"empty proof", "c=biws,r=abcxyz,p=", MalformedRequest},
	{"short proof", "c=biws,r=abcxyz,p=AAAA", MalformedRequest},
	{"missing nonce", "c=biws,p=" + proof32, MalformedRequest},
	{"wrong order", "r=abcxyz,c=biws,p=" + proof32, MalformedRequest},
	{"line break in base64", "c=bi\nws,r=abcxyz,p=" + proof32, MalformedRequest},
	{"proof not last", "c=biws,r=abcxyz,p=" + proof32 + ",x=1", MalformedRequest},
	{"bad base64", "c=***,r=abcxyz,p=" + proof32, MalformedRequest},
	{"unpadded base64", "c=biws,r=abcxyz,p=" + strings.TrimRight(base64.StdEncoding.EncodeToString(make([]byte, 31)), "="), MalformedRequest},
	{"bad extension", "c=biws,r=abcxyz,xyz,p=" + proof32, MalformedRequest},
	{"other GS2 header", "c=eSws,r=abcxyz,p=" + proof32, NotAuthorized},
	{"channel data without p", "c=" + base64.StdEncoding.EncodeToString([]byte("n,,x")) + ",r=abcxyz,p=" + proof32, NotAuthorized},
	{"nonce mismatch", "c=biws,r=abcxyQ,p=" + proof32, NotAuthorized},
	{"client nonce only", "c=biws,r=abc,p=" + proof32, NotAuthorized},
	{"wrong proof", "c=biws,r=abcxyz,p=" + proof32, NotAuthorized},
	{"wrong proof with extension", "c=biws,r=abcxyz,x=1,p=" + proof32, NotAuthorized},
}

func newTestServer(t testing.TB, m Mechanism) Server {
	t.Helper()
	s, err := NewServer(m, &ServerConfig{Lookup: lookupUser, nonce: "xyz", AllowPlainWithoutTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestServerMalformedFirst checks the server's answer to each client-first
// message: a challenge, or the RFC 6120 §6.5 condition.
func TestServerMalformedFirst(t *testing.T) {
	t.Parallel()
	for _, tt := range serverFirstCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, ScramSHA256)
			ch, done, err := s.Next([]byte(tt.msg))
			if tt.want == "" {
				if err != nil || done || !strings.HasPrefix(string(ch), "r=abcxyz,s=") {
					t.Fatalf("Next = %q, %v, %v", ch, done, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || done || ch != nil {
				t.Fatalf("Next = %q, %v, %v; want %s", ch, done, err, tt.want)
			}
			if tt.want == MalformedRequest && !errors.Is(err, ErrMalformed) {
				t.Errorf("%v does not wrap ErrMalformed", err)
			}
			if _, _, err := s.Next([]byte("n,,n=user,r=abc")); !errors.Is(err, MalformedRequest) {
				t.Errorf("Next after failure: %v", err)
			}
		})
	}
}

// TestServerMalformedFinal checks the server's answer to each client-final
// message.
func TestServerMalformedFinal(t *testing.T) {
	t.Parallel()
	for _, tt := range serverFinalCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, ScramSHA256)
			if _, _, err := s.Next([]byte("n,,n=user,r=abc")); err != nil {
				t.Fatal(err)
			}
			ch, done, err := s.Next([]byte(tt.msg))
			if !errors.Is(err, tt.want) || done || ch != nil {
				t.Fatalf("Next = %q, %v, %v; want %s", ch, done, err, tt.want)
			}
		})
	}
}

// TestServerEmptyTwice checks that only the first empty message counts as
// an absent initial response.
func TestServerEmptyTwice(t *testing.T) {
	t.Parallel()
	for _, m := range []Mechanism{Plain, ScramSHA1} {
		s := newTestServer(t, m)
		if ch, done, err := s.Next(nil); err != nil || done || ch == nil || len(ch) != 0 {
			t.Fatalf("%s: first Next(nil) = %q, %v, %v", m, ch, done, err)
		}
		if _, _, err := s.Next([]byte{}); !errors.Is(err, MalformedRequest) {
			t.Fatalf("%s: second Next(empty) = %v", m, err)
		}
	}
}

// plainCases are PLAIN messages (RFC 4616 §2) for user/pencil.
var plainCases = []struct {
	name string
	msg  string
	want Condition
}{
	{"valid", "\x00user\x00pencil", ""},
	{"valid authzid", "admin\x00user\x00pencil", InvalidAuthzid}, // no Authorize hook
	{"one NUL", "user\x00pencil", MalformedRequest},
	{"three NULs", "\x00user\x00pencil\x00", MalformedRequest},
	{"empty authcid", "\x00\x00pencil", MalformedRequest},
	{"empty passwd", "\x00user\x00", MalformedRequest},
	{"invalid UTF-8", "\x00us\xffer\x00pencil", MalformedRequest},
	{"control in username", "\x00us\x01er\x00pencil", MalformedRequest},
	{"control in password", "\x00user\x00pen\x01cil", NotAuthorized},
	{"wrong password", "\x00user\x00pencil2", NotAuthorized},
	{"unknown user", "\x00bob\x00pencil", NotAuthorized},
	{"too long", "\x00user\x00" + strings.Repeat("p", maxMessageLen), MalformedRequest},
}

// TestPlainServer checks the PLAIN server's answer to each message.
func TestPlainServer(t *testing.T) {
	t.Parallel()
	for _, tt := range plainCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, Plain)
			ch, done, err := s.Next([]byte(tt.msg))
			if tt.want == "" {
				if err != nil || !done || ch != nil || s.Username() != "user" {
					t.Fatalf("Next = %q, %v, %v (user %q)", ch, done, err, s.Username())
				}
				return
			}
			if !errors.Is(err, tt.want) || done {
				t.Fatalf("Next = %q, %v, %v; want %s", ch, done, err, tt.want)
			}
		})
	}
}

// clientFirstCases are server-first messages for a client whose nonce is
// "cnonce". want is nil when the message is acceptable.
var clientFirstCases = []struct {
	name string
	msg  string
	want error
}{
	{"valid", "r=cnonceX,s=c2FsdA==,i=4096", nil},
	{"valid with extension", "r=cnonceX,s=c2FsdA==,i=4096,x=y", nil},
	{"empty", "", ErrMalformed},
	{"nonce not extended", "r=cnonce,s=c2FsdA==,i=4096", ErrMalformed},
	{"other nonce", "r=otherXY,s=c2FsdA==,i=4096", ErrMalformed},
	{"shorter nonce", "r=cno,s=c2FsdA==,i=4096", ErrMalformed},
	{"non-printable nonce", "r=cnonce\x01,s=c2FsdA==,i=4096", ErrMalformed},
	{"empty salt", "r=cnonceX,s=,i=4096", ErrMalformed},
	{"bad salt", "r=cnonceX,s=***,i=4096", ErrMalformed},
	{"zero count", "r=cnonceX,s=c2FsdA==,i=0", ErrMalformed},
	{"leading zero", "r=cnonceX,s=c2FsdA==,i=04096", ErrMalformed},
	{"negative count", "r=cnonceX,s=c2FsdA==,i=-1", ErrMalformed},
	{"plus sign", "r=cnonceX,s=c2FsdA==,i=+4096", ErrMalformed},
	{"huge count", "r=cnonceX,s=c2FsdA==,i=99999999999", ErrMalformed},
	{"int32 overflow", "r=cnonceX,s=c2FsdA==,i=2147483648", ErrMalformed},
	{"count below minimum", "r=cnonceX,s=c2FsdA==,i=1024", errIterations},
	{"count above maximum", "r=cnonceX,s=c2FsdA==,i=2000000000", errIterations},
	{"mandatory extension", "m=x,r=cnonceX,s=c2FsdA==,i=4096", ErrMalformed},
	{"missing count", "r=cnonceX,s=c2FsdA==", ErrMalformed},
	{"bad extension", "r=cnonceX,s=c2FsdA==,i=4096,x", ErrMalformed},
	{"wrong order", "s=c2FsdA==,r=cnonceX,i=4096", ErrMalformed},
	{"too long", "r=cnonceX,s=c2FsdA==,i=4096,x=" + strings.Repeat("y", maxMessageLen), ErrMalformed},
}

// errIterations stands for the iteration-count range error in the table.
var errIterations = errors.New("iteration count")

// TestClientMalformedServerFirst checks the client's handling of each
// server-first message.
func TestClientMalformedServerFirst(t *testing.T) {
	t.Parallel()
	for _, tt := range clientFirstCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient([]Mechanism{ScramSHA1}, &ClientConfig{Username: "user", Password: "pencil", nonce: "cnonce"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Start(); err != nil {
				t.Fatal(err)
			}
			resp, err := c.Next([]byte(tt.msg))
			switch {
			case tt.want == nil:
				if err != nil || !strings.HasPrefix(string(resp), "c=biws,r=cnonceX,p=") {
					t.Fatalf("Next = %q, %v", resp, err)
				}
				return
			case tt.want == errIterations:
				if err == nil || !strings.Contains(err.Error(), "iteration count") {
					t.Fatalf("Next = %q, %v; want iteration count error", resp, err)
				}
			case !errors.Is(err, tt.want):
				t.Fatalf("Next = %q, %v; want %v", resp, err, tt.want)
			}
			if resp != nil {
				t.Errorf("response %q with error", resp)
			}
			if _, err := c.Next([]byte("r=cnonceX,s=c2FsdA==,i=4096")); err == nil {
				t.Error("Next after failure succeeded")
			}
		})
	}
}

// TestClientOrder checks calls out of order on both client kinds.
func TestClientOrder(t *testing.T) {
	t.Parallel()
	cfg := &ClientConfig{Username: "user", Password: "pencil", AllowPlainWithoutTLS: true}

	c, _ := NewClient([]Mechanism{ScramSHA1}, cfg)
	if err := c.Success([]byte("v=AAAA")); !errors.Is(err, ErrServerSignature) {
		t.Errorf("SCRAM Success before Start: %v", err)
	}
	c, _ = NewClient([]Mechanism{ScramSHA1}, cfg)
	c.Start()
	if _, err := c.Start(); err == nil {
		t.Error("SCRAM Start twice succeeded")
	}
	if err := c.Success(nil); !errors.Is(err, ErrServerSignature) {
		t.Errorf("SCRAM Success after client-first: %v", err)
	}

	p, _ := NewClient([]Mechanism{Plain}, cfg)
	if err := p.Success(nil); err == nil {
		t.Error("PLAIN Success before Start succeeded")
	}
	p, _ = NewClient([]Mechanism{Plain}, cfg)
	msg, err := p.Start()
	if err != nil || string(msg) != "\x00user\x00pencil" {
		t.Fatalf("PLAIN Start = %q, %v", msg, err)
	}
	if _, err := p.Start(); err == nil {
		t.Error("PLAIN Start twice succeeded")
	}
	if err := p.Success([]byte("x")); !errors.Is(err, ErrMalformed) {
		t.Errorf("PLAIN Success with data: %v", err)
	}
	p, _ = NewClient([]Mechanism{Plain}, cfg)
	p.Start()
	if _, err := p.Next(nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("PLAIN Next: %v", err)
	}
	p, _ = NewClient([]Mechanism{Plain}, &ClientConfig{Username: "user", Password: "pencil", Authzid: "admin@example.test", AllowPlainWithoutTLS: true})
	if msg, _ := p.Start(); string(msg) != "admin@example.test\x00user\x00pencil" {
		t.Errorf("PLAIN Start with authzid = %q", msg)
	}
}

// TestServerFinalBeforeVerify checks a server-final message received as a
// challenge twice.
func TestServerFinalTwice(t *testing.T) {
	t.Parallel()
	v := scramVectors[0]
	c := vectorClient(t, v)
	c.Start()
	c.Next([]byte(v.serverFirst))
	if _, err := c.Next([]byte(v.serverFinal)); err != nil {
		t.Fatal(err)
	}
	if err := c.Success([]byte(v.serverFinal)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("second server-final: %v", err)
	}
}

// TestServerPlusFirst checks the GS2 header a -PLUS server accepts, and a
// non-PLUS server that offers -PLUS as well (RFC 5802 §6).
func TestServerPlusFirst(t *testing.T) {
	t.Parallel()
	p := cachedHandshake(t, tls.VersionTLS13)
	tests := []struct {
		name string
		mech Mechanism
		cert bool
		msg  string
		want Condition
	}{
		{"exporter", ScramSHA256Plus, false, "p=tls-exporter,,n=user,r=abc", ""},
		{"end-point", ScramSHA1Plus, true, "p=tls-server-end-point,,n=user,r=abc", ""},
		{"end-point without certificate", ScramSHA1Plus, false, "p=tls-server-end-point,,n=user,r=abc", NotAuthorized},
		{"tls-unique", ScramSHA256Plus, true, "p=tls-unique,,n=user,r=abc", NotAuthorized},
		{"n flag on PLUS", ScramSHA256Plus, true, "n,,n=user,r=abc", MalformedRequest},
		{"y flag on PLUS", ScramSHA256Plus, true, "y,,n=user,r=abc", MalformedRequest},
		{"y flag while PLUS offered", ScramSHA256, true, "y,,n=user,r=abc", NotAuthorized},
		{"n flag while PLUS offered", ScramSHA256, true, "n,,n=user,r=abc", ""},
		{"p flag on non-PLUS", ScramSHA256, true, "p=tls-exporter,,n=user,r=abc", MalformedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := &ServerConfig{Lookup: lookupUser, TLS: p.server, nonce: "xyz"}
			if tt.cert {
				cfg.Certificate = p.leaf
			}
			s, err := NewServer(tt.mech, cfg)
			if err != nil {
				t.Fatal(err)
			}
			ch, _, err := s.Next([]byte(tt.msg))
			if tt.want == "" {
				if err != nil || !strings.HasPrefix(string(ch), "r=abcxyz,") {
					t.Fatalf("Next = %q, %v", ch, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Next = %q, %v; want %s", ch, err, tt.want)
			}
		})
	}
}
