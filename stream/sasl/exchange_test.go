package sasl

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
)

// handshakes caches one TLS 1.2 and one TLS 1.3 connection per test binary.
var handshakes sync.Map // uint16 -> tlsPair

func cachedHandshake(t *testing.T, version uint16) tlsPair {
	t.Helper()
	if p, ok := handshakes.Load(version); ok {
		return p.(tlsPair)
	}
	p := handshake(t, version)
	handshakes.Store(version, p)
	return p
}

// TestExchange runs our client against our server for every mechanism,
// over no TLS, TLS 1.2 and TLS 1.3, and for the -PLUS mechanisms with each
// channel-binding type.
func TestExchange(t *testing.T) {
	t.Parallel()
	tls12 := cachedHandshake(t, tls.VersionTLS12)
	tls13 := cachedHandshake(t, tls.VersionTLS13)
	type transport struct {
		name string
		pair *tlsPair
	}
	transports := []transport{{"plaintext", nil}, {"TLS1.2", &tls12}, {"TLS1.3", &tls13}}
	for _, m := range strength {
		for _, tr := range transports {
			cbs := []ChannelBinding{""}
			if _, plus := m.scramInfo(); plus {
				cbs = channelBindings[:]
			}
			for _, cb := range cbs {
				name := string(m) + "/" + tr.name
				if cb != "" {
					name += "/" + string(cb)
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					ccfg := &ClientConfig{
						Username:             "user",
						Password:             "pencil",
						Enabled:              []Mechanism{m},
						AllowPlainWithoutTLS: true,
					}
					scfg := &ServerConfig{Lookup: lookupUser, AllowPlainWithoutTLS: true}
					if tr.pair != nil {
						ccfg.TLS = tr.pair.client
						scfg.TLS = tr.pair.server
						scfg.Certificate = tr.pair.leaf
					}
					if cb != "" {
						ccfg.ServerChannelBindings = []ChannelBinding{cb}
					}
					offered := scfg.Mechanisms()
					c, err := NewClient(offered, ccfg)
					_, plus := m.scramInfo()
					if plus && tr.pair == nil {
						if !errors.Is(err, ErrNoMechanism) {
							t.Fatalf("NewClient without TLS: %v, want ErrNoMechanism", err)
						}
						if _, err := NewServer(m, scfg); !errors.Is(err, EncryptionRequired) {
							t.Fatalf("NewServer without TLS: %v, want encryption-required", err)
						}
						return
					}
					if err != nil {
						t.Fatalf("NewClient(%q): %v", offered, err)
					}
					if c.Mechanism() != m {
						t.Fatalf("client chose %s, want %s", c.Mechanism(), m)
					}
					s, err := NewServer(c.Mechanism(), scfg)
					if err != nil {
						t.Fatal(err)
					}
					tr, err := exchange(c, s)
					if err != nil {
						t.Fatalf("exchange: %v\n%q", err, tr)
					}
					if s.Username() != "user" || s.Mechanism() != m {
						t.Errorf("Username %q, Mechanism %s", s.Username(), s.Mechanism())
					}
					if cb != "" {
						first := string(tr[0])
						if want := "p=" + string(cb) + ",,"; !strings.HasPrefix(first, want) {
							t.Errorf("client-first %q does not start with %q", first, want)
						}
					}
				})
			}
		}
	}
}

// TestGS2Flag checks the flag the client sends (RFC 5802 §6) in every
// situation, and that our server accepts it or detects the downgrade.
func TestGS2Flag(t *testing.T) {
	t.Parallel()
	p := cachedHandshake(t, tls.VersionTLS13)
	tests := []struct {
		name      string
		clientTLS bool
		serverTLS bool // server state given; it then advertises -PLUS
		offered   []Mechanism
		enabled   []Mechanism
		srvEnable []Mechanism
		announce  bool             // the client got the server's XEP-0440 list
		cbs       []ChannelBinding // else these
		flag      string
		fail      Condition // "" for success
	}{
		{name: "no TLS", offered: []Mechanism{ScramSHA256}, flag: "n,,"},
		{name: "TLS, PLUS offered and announced", clientTLS: true, serverTLS: true, announce: true, flag: "p=tls-exporter,,"},
		{name: "TLS, PLUS offered, no XEP-0440 announcement", clientTLS: true, serverTLS: true, flag: "n,,"},
		{name: "TLS, PLUS offered, only unknown types announced", clientTLS: true, serverTLS: true, cbs: []ChannelBinding{"tls-unique"}, flag: "n,,"},
		{name: "TLS, PLUS disabled by client", clientTLS: true, serverTLS: true, enabled: []Mechanism{ScramSHA256}, flag: "n,,"},
		{name: "TLS, server without PLUS", clientTLS: true, offered: []Mechanism{ScramSHA256}, flag: "y,,"},
		{name: "TLS, PLUS disabled by server", clientTLS: true, serverTLS: true, srvEnable: []Mechanism{ScramSHA256, ScramSHA1}, flag: "y,,"},
		{name: "PLUS stripped by attacker", clientTLS: true, serverTLS: true, offered: []Mechanism{ScramSHA256, ScramSHA1}, flag: "y,,", fail: NotAuthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ccfg := &ClientConfig{Username: "user", Password: "pencil", Enabled: tt.enabled}
			scfg := &ServerConfig{Lookup: lookupUser, Enabled: tt.srvEnable}
			if tt.clientTLS {
				ccfg.TLS = p.client
			}
			if tt.serverTLS {
				scfg.TLS = p.server
			}
			offered := tt.offered
			if offered == nil {
				offered = scfg.Mechanisms()
			}
			ccfg.ServerChannelBindings = tt.cbs
			if tt.announce {
				ccfg.ServerChannelBindings = scfg.ChannelBindings()
			}
			c, err := NewClient(offered, ccfg)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewServer(c.Mechanism(), scfg)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := exchange(c, s)
			if !strings.HasPrefix(string(tr[0]), tt.flag) {
				t.Errorf("client-first %q, want prefix %q", tr[0], tt.flag)
			}
			switch {
			case tt.fail == "" && err != nil:
				t.Fatalf("exchange: %v", err)
			case tt.fail != "" && !errors.Is(err, tt.fail):
				t.Fatalf("exchange: %v, want %s", err, tt.fail)
			}
		})
	}
}

// TestSelect checks mechanism selection, including the refusal of PLAIN
// over plaintext.
func TestSelect(t *testing.T) {
	t.Parallel()
	p := cachedHandshake(t, tls.VersionTLS13)
	all := strength[:]
	tests := []struct {
		name    string
		offered []Mechanism
		tls     bool
		allow   bool
		enabled []Mechanism
		cbs     []ChannelBinding
		want    Mechanism // "" for ErrNoMechanism
	}{
		{name: "all with TLS", offered: all, tls: true, cbs: []ChannelBinding{TLSExporter}, want: ScramSHA256Plus},
		{name: "all with TLS, no XEP-0440 announcement", offered: all, tls: true, want: ScramSHA256},
		{name: "PLUS only with TLS, no XEP-0440 announcement", offered: []Mechanism{ScramSHA256Plus, ScramSHA1Plus}, tls: true},
		{name: "all without TLS", offered: all, want: ScramSHA256},
		{name: "SHA-1 PLUS beats SHA-256", offered: []Mechanism{ScramSHA256, ScramSHA1Plus}, tls: true, cbs: []ChannelBinding{TLSExporter}, want: ScramSHA1Plus},
		{name: "PLAIN only, plaintext", offered: []Mechanism{Plain}},
		{name: "PLAIN only, plaintext, allowed", offered: []Mechanism{Plain}, allow: true, want: Plain},
		{name: "PLAIN only, TLS", offered: []Mechanism{Plain}, tls: true, want: Plain},
		{name: "PLUS only, plaintext", offered: []Mechanism{ScramSHA256Plus, ScramSHA1Plus}},
		{name: "unknown mechanisms", offered: []Mechanism{"DIGEST-MD5", "X-OAUTH2", "EXTERNAL"}, tls: true},
		{name: "nothing offered", offered: nil, tls: true},
		{name: "disabled by client", offered: all, tls: true, enabled: []Mechanism{ScramSHA1}, want: ScramSHA1},
		{name: "server CB types disjoint", offered: all, tls: true, cbs: []ChannelBinding{"tls-unique"}, want: ScramSHA256},
		{name: "server CB end-point only", offered: all, tls: true, cbs: []ChannelBinding{TLSServerEndPoint}, want: ScramSHA256Plus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := &ClientConfig{AllowPlainWithoutTLS: tt.allow, Enabled: tt.enabled, ServerChannelBindings: tt.cbs}
			if tt.tls {
				cfg.TLS = p.client
			}
			got, err := Select(tt.offered, cfg)
			if tt.want == "" {
				if !errors.Is(err, ErrNoMechanism) {
					t.Fatalf("Select = %q, %v; want ErrNoMechanism", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Select = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestServerMechanisms checks what the server advertises.
func TestServerMechanisms(t *testing.T) {
	t.Parallel()
	p := cachedHandshake(t, tls.VersionTLS13)
	tests := []struct {
		name string
		cfg  ServerConfig
		want string
		cbs  string
	}{
		{name: "plaintext", want: "SCRAM-SHA-256 SCRAM-SHA-1"},
		{name: "plaintext, PLAIN allowed", cfg: ServerConfig{AllowPlainWithoutTLS: true}, want: "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN"},
		{name: "TLS", cfg: ServerConfig{TLS: p.server, Certificate: p.leaf}, want: "SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-1 PLAIN", cbs: "tls-exporter tls-server-end-point"},
		{name: "TLS without certificate", cfg: ServerConfig{TLS: p.server}, want: "SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-1 PLAIN", cbs: "tls-exporter"},
		{name: "incomplete handshake", cfg: ServerConfig{TLS: &tls.ConnectionState{}}, want: "SCRAM-SHA-256 SCRAM-SHA-1"},
		{name: "hand-made state", cfg: ServerConfig{TLS: &tls.ConnectionState{HandshakeComplete: true}}, want: "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN"},
		{name: "enabled subset", cfg: ServerConfig{TLS: p.server, Enabled: []Mechanism{ScramSHA256, Plain}}, want: "SCRAM-SHA-256 PLAIN", cbs: "tls-exporter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, m := range tt.cfg.Mechanisms() {
				got = append(got, string(m))
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("Mechanisms = %q, want %q", g, tt.want)
			}
			got = got[:0]
			for _, c := range tt.cfg.ChannelBindings() {
				got = append(got, string(c))
			}
			if g := strings.Join(got, " "); g != tt.cbs {
				t.Errorf("ChannelBindings = %q, want %q", g, tt.cbs)
			}
		})
	}
}

// TestNewServerRefuses checks the failure for a mechanism not offered.
func TestNewServerRefuses(t *testing.T) {
	t.Parallel()
	p := cachedHandshake(t, tls.VersionTLS13)
	tests := []struct {
		name string
		mech Mechanism
		cfg  *ServerConfig
		want Condition
	}{
		{"unknown", "DIGEST-MD5", &ServerConfig{Lookup: lookupUser}, InvalidMechanism},
		{"empty name", "", &ServerConfig{Lookup: lookupUser}, InvalidMechanism},
		{"disabled", ScramSHA1, &ServerConfig{Lookup: lookupUser, Enabled: []Mechanism{ScramSHA256}}, InvalidMechanism},
		{"PLAIN without TLS", Plain, &ServerConfig{Lookup: lookupUser}, EncryptionRequired},
		{"PLUS without TLS", ScramSHA256Plus, &ServerConfig{Lookup: lookupUser}, EncryptionRequired},
		{"PLUS without CB type", ScramSHA1Plus, &ServerConfig{Lookup: lookupUser, TLS: &tls.ConnectionState{HandshakeComplete: true}}, InvalidMechanism},
		{"no Lookup", ScramSHA1, &ServerConfig{TLS: p.server}, TemporaryAuthFailure},
		{"nil config", ScramSHA1, nil, TemporaryAuthFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewServer(tt.mech, tt.cfg)
			var f *Failure
			if !errors.As(err, &f) || f.Condition != tt.want {
				t.Fatalf("NewServer: %v, want %s", err, tt.want)
			}
		})
	}
}

// TestChannelBindingMismatch checks that a client bound to another TLS
// connection (a man in the middle) fails with not-authorized.
func TestChannelBindingMismatch(t *testing.T) {
	t.Parallel()
	a := cachedHandshake(t, tls.VersionTLS13)
	b := handshake(t, tls.VersionTLS13) // another connection, same certificate
	other := handshake(t, tls.VersionTLS12)
	otherCert := *a.leaf
	otherCert.Raw = append([]byte{0}, a.leaf.Raw...) // another certificate
	tests := []struct {
		name    string
		cb      ChannelBinding
		server  *tls.ConnectionState
		srvCert *x509.Certificate
	}{
		{name: "tls-exporter, other connection", cb: TLSExporter, server: b.server, srvCert: a.leaf},
		{name: "tls-exporter, other TLS version", cb: TLSExporter, server: other.server, srvCert: a.leaf},
		{name: "tls-server-end-point, other certificate", cb: TLSServerEndPoint, server: a.server, srvCert: &otherCert},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			scfg := &ServerConfig{Lookup: lookupUser, TLS: tt.server, Certificate: tt.srvCert}
			c, err := NewClient(scfg.Mechanisms(), &ClientConfig{
				Username: "user", Password: "pencil", TLS: a.client,
				ServerChannelBindings: []ChannelBinding{tt.cb},
			})
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewServer(c.Mechanism(), scfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = exchange(c, s)
			var f *Failure
			if !errors.As(err, &f) || f.Condition != NotAuthorized || f.Text != "channel binding mismatch" {
				t.Fatalf("exchange: %v, want not-authorized channel binding mismatch", err)
			}
		})
	}
}

// TestServerSignatureTampered checks that a wrong or missing v= fails the
// client even though the server said <success/>.
func TestServerSignatureTampered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tamper func(serverFinal []byte) []byte
		want   error
	}{
		{"flipped bit", func(b []byte) []byte {
			sig, _ := base64.StdEncoding.DecodeString(string(b[2:]))
			sig[0] ^= 1
			return []byte("v=" + base64.StdEncoding.EncodeToString(sig))
		}, ErrServerSignature},
		{"truncated", func(b []byte) []byte {
			sig, _ := base64.StdEncoding.DecodeString(string(b[2:]))
			return []byte("v=" + base64.StdEncoding.EncodeToString(sig[:len(sig)-1]))
		}, ErrServerSignature},
		{"missing", func([]byte) []byte { return nil }, ErrServerSignature},
		{"not base64", func([]byte) []byte { return []byte("v=!!!") }, ErrMalformed},
		{"server error", func([]byte) []byte { return []byte("e=invalid-proof") }, NotAuthorized},
		{"server error ext", func([]byte) []byte { return []byte("e=no-resources") }, TemporaryAuthFailure},
		{"garbage", func([]byte) []byte { return []byte("x") }, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			scfg := &ServerConfig{Lookup: lookupUser}
			c, err := NewClient(scfg.Mechanisms(), &ClientConfig{Username: "user", Password: "pencil"})
			if err != nil {
				t.Fatal(err)
			}
			s, _ := NewServer(c.Mechanism(), scfg)
			first, _ := c.Start()
			sf, _, err := s.Next(first)
			if err != nil {
				t.Fatal(err)
			}
			cf, err := c.Next(sf)
			if err != nil {
				t.Fatal(err)
			}
			final, done, err := s.Next(cf)
			if err != nil || !done {
				t.Fatal(done, err)
			}
			if err := c.Success(tt.tamper(bytes.Clone(final))); !errors.Is(err, tt.want) {
				t.Fatalf("Success: %v, want %v", err, tt.want)
			}
		})
	}
}

// TestCredentialFailures checks wrong passwords, unknown users and lookup
// outcomes for every mechanism.
func TestCredentialFailures(t *testing.T) {
	t.Parallel()
	p := cachedHandshake(t, tls.VersionTLS13)
	lookupErr := errors.New("database down")
	tests := []struct {
		name     string
		user, pw string
		lookup   func(string) (*Credentials, error)
		want     Condition
		cause    error
	}{
		{name: "wrong password", user: "user", pw: "pencil2", lookup: lookupUser, want: NotAuthorized},
		{name: "unknown user", user: "nobody", pw: "pencil", lookup: lookupUser, want: NotAuthorized, cause: ErrUnknownUser},
		{name: "nil credentials", user: "user", pw: "pencil", lookup: func(string) (*Credentials, error) { return nil, nil }, want: NotAuthorized, cause: ErrUnknownUser},
		{name: "account disabled", user: "user", pw: "pencil", lookup: func(string) (*Credentials, error) {
			return nil, &Failure{Condition: AccountDisabled, Text: "see admin"}
		}, want: AccountDisabled},
		{name: "lookup error", user: "user", pw: "pencil", lookup: func(string) (*Credentials, error) { return nil, lookupErr }, want: TemporaryAuthFailure, cause: lookupErr},
	}
	for _, tt := range tests {
		for _, m := range strength {
			t.Run(tt.name+"/"+string(m), func(t *testing.T) {
				t.Parallel()
				scfg := &ServerConfig{Lookup: tt.lookup, TLS: p.server, Certificate: p.leaf}
				c, err := NewClient(scfg.Mechanisms(), &ClientConfig{
					Username: tt.user, Password: tt.pw, TLS: p.client, Enabled: []Mechanism{m},
					ServerChannelBindings: scfg.ChannelBindings(),
				})
				if err != nil {
					t.Fatal(err)
				}
				s, err := NewServer(c.Mechanism(), scfg)
				if err != nil {
					t.Fatal(err)
				}
				_, err = exchange(c, s)
				if !errors.Is(err, tt.want) {
					t.Fatalf("exchange: %v, want %s", err, tt.want)
				}
				if tt.cause != nil && !errors.Is(err, tt.cause) {
					t.Fatalf("exchange: %v, want cause %v", err, tt.cause)
				}
				var f *Failure
				if errors.As(err, &f) && tt.want == NotAuthorized && f.Text != "" {
					t.Errorf("credential failure discloses %q", f.Text)
				}
				if s.Username() != "" {
					t.Errorf("Username %q after failure", s.Username())
				}
			})
		}
	}
}

// TestMissingKeys checks a store holding only SHA-1 keys: SCRAM-SHA-256
// fails as not-authorized, SCRAM-SHA-1 and PLAIN work.
func TestMissingKeys(t *testing.T) {
	t.Parallel()
	p := cachedHandshake(t, tls.VersionTLS13)
	k1, err := NewSCRAMKeys(ScramSHA1, "pencil", []byte("salt"), 4096)
	if err != nil {
		t.Fatal(err)
	}
	only1 := &Credentials{SHA1: k1}
	broken := &Credentials{SHA256: &SCRAMKeys{Salt: []byte("s"), Iterations: 1, StoredKey: []byte("short")}}
	tests := []struct {
		mech  Mechanism
		creds *Credentials
		want  Condition
	}{
		{ScramSHA256, only1, NotAuthorized},
		{ScramSHA1, only1, ""},
		{ScramSHA1Plus, only1, ""},
		{Plain, only1, ""},
		{ScramSHA256, broken, TemporaryAuthFailure},
		{Plain, broken, NotAuthorized},
	}
	for _, tt := range tests {
		t.Run(string(tt.mech), func(t *testing.T) {
			t.Parallel()
			scfg := &ServerConfig{Lookup: func(string) (*Credentials, error) { return tt.creds, nil }, TLS: p.server}
			c, err := NewClient(scfg.Mechanisms(), &ClientConfig{Username: "user", Password: "pencil", TLS: p.client, Enabled: []Mechanism{tt.mech}, ServerChannelBindings: scfg.ChannelBindings()})
			if err != nil {
				t.Fatal(err)
			}
			s, _ := NewServer(c.Mechanism(), scfg)
			_, err = exchange(c, s)
			if tt.want == "" && err != nil || tt.want != "" && !errors.Is(err, tt.want) {
				t.Fatalf("exchange: %v, want %q", err, tt.want)
			}
		})
	}
}

// TestAuthzid checks the authorization identity on the wire, its escaping,
// and the Authorize hook.
func TestAuthzid(t *testing.T) {
	t.Parallel()
	p := cachedHandshake(t, tls.VersionTLS13)
	deny := &Failure{Condition: InvalidAuthzid, Text: "no"}
	tests := []struct {
		name      string
		authzid   string
		authorize func(user, authzid string) error
		want      Condition
	}{
		{name: "none, no hook", authzid: ""},
		{name: "given, no hook", authzid: "admin@example.test", want: InvalidAuthzid},
		{name: "given, allowed", authzid: "user@example.test", authorize: func(u, a string) error {
			if a != u+"@example.test" {
				return errors.New("other user")
			}
			return nil
		}},
		{name: "escaped, allowed", authzid: "a=b,c@example.test", authorize: func(u, a string) error {
			if a != "a=b,c@example.test" {
				return errors.New("bad unescape " + a)
			}
			return nil
		}},
		{name: "refused", authzid: "admin@example.test", authorize: func(string, string) error { return errors.New("no") }, want: InvalidAuthzid},
		{name: "refused with failure", authzid: "admin@example.test", authorize: func(string, string) error { return deny }, want: InvalidAuthzid},
		{name: "refused account", authzid: "admin@example.test", authorize: func(string, string) error {
			return &Failure{Condition: AccountDisabled}
		}, want: AccountDisabled},
	}
	for _, tt := range tests {
		for _, m := range []Mechanism{Plain, ScramSHA1, ScramSHA256Plus} {
			t.Run(tt.name+"/"+string(m), func(t *testing.T) {
				t.Parallel()
				scfg := &ServerConfig{Lookup: lookupUser, Authorize: tt.authorize, TLS: p.server}
				c, err := NewClient(scfg.Mechanisms(), &ClientConfig{
					Username: "user", Password: "pencil", Authzid: tt.authzid, TLS: p.client, Enabled: []Mechanism{m},
					ServerChannelBindings: scfg.ChannelBindings(),
				})
				if err != nil {
					t.Fatal(err)
				}
				s, _ := NewServer(c.Mechanism(), scfg)
				tr, err := exchange(c, s)
				if tt.want == "" && err != nil || tt.want != "" && !errors.Is(err, tt.want) {
					t.Fatalf("exchange: %v, want %q", err, tt.want)
				}
				if m != Plain && tt.authzid != "" {
					if want := ",a=" + escapeName(tt.authzid) + ","; !strings.Contains(string(tr[0]), want) {
						t.Errorf("client-first %q lacks %q", tr[0], want)
					}
				}
				if tt.want == "" && s.Authzid() != tt.authzid {
					t.Errorf("Authzid %q, want %q", s.Authzid(), tt.authzid)
				}
			})
		}
	}
}

// TestUsernameEscaping checks "=" and "," in usernames (RFC 5802 §5.1 "n")
// and normalization.
func TestUsernameEscaping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, user, wire, looked string
	}{
		{"plain", "juliet", "n=juliet,", "juliet"},
		{"comma and equals", "a,b=c", "n=a=2Cb=3Dc,", "a,b=c"},
		{"only escapes", "=,", "n==3D=2C,", "=,"},
		{"non-ASCII space mapped", "jul\u00a0iet", "n=jul iet,", "jul iet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var looked string
			scfg := &ServerConfig{Lookup: func(u string) (*Credentials, error) { looked = u; return testCreds(), nil }}
			c, err := NewClient(scfg.Mechanisms(), &ClientConfig{Username: tt.user, Password: "pencil"})
			if err != nil {
				t.Fatal(err)
			}
			s, _ := NewServer(c.Mechanism(), scfg)
			tr, err := exchange(c, s)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(tr[0]), tt.wire) {
				t.Errorf("client-first %q lacks %q", tr[0], tt.wire)
			}
			if looked != tt.looked || s.Username() != tt.looked {
				t.Errorf("Lookup(%q), Username %q; want %q", looked, s.Username(), tt.looked)
			}
		})
	}
}

// TestNewClientErrors checks credentials OpaqueString refuses.
func TestNewClientErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  ClientConfig
	}{
		{"empty username", ClientConfig{Password: "x"}},
		{"empty password", ClientConfig{Username: "x"}},
		{"control in password", ClientConfig{Username: "x", Password: "a\x01b"}},
		{"NUL in username", ClientConfig{Username: "a\x00b", Password: "x"}},
		{"NUL in authzid", ClientConfig{Username: "x", Password: "x", Authzid: "a\x00b"}},
		{"invalid UTF-8 authzid", ClientConfig{Username: "x", Password: "x", Authzid: "\xff"}},
	}
	for _, tt := range tests {
		for _, m := range []Mechanism{Plain, ScramSHA1} {
			t.Run(tt.name+"/"+string(m), func(t *testing.T) {
				t.Parallel()
				cfg := tt.cfg
				cfg.AllowPlainWithoutTLS = true
				if _, err := NewClient([]Mechanism{m}, &cfg); err == nil {
					t.Fatal("NewClient succeeded")
				}
			})
		}
	}
}

// TestUnknownUserSalt checks that an unknown user gets a stable salt, as a
// real account would, and that two unknown users get different ones.
func TestUnknownUserSalt(t *testing.T) {
	t.Parallel()
	first := func(user string) string {
		s, err := NewServer(ScramSHA256, &ServerConfig{Lookup: lookupUser, nonce: "xyz"})
		if err != nil {
			t.Fatal(err)
		}
		ch, _, err := s.Next([]byte("n,,n=" + user + ",r=abc"))
		if err != nil {
			t.Fatal(err)
		}
		return string(ch)
	}
	a1, a2, b := first("alice"), first("alice"), first("bob")
	if a1 != a2 || a1 == b {
		t.Fatalf("server-first for unknown users: %q, %q, %q", a1, a2, b)
	}
	if !strings.HasSuffix(a1, ",i=4096") {
		t.Errorf("server-first %q", a1)
	}
}
