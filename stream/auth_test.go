package stream_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/sasl"
	"github.com/xmppkit/xmpp/stream/streamtest"
	"github.com/xmppkit/xmpp/streamerror"
)

// plainAuth is juliet's PLAIN initial response ("\0juliet\0pencil").
var plainAuth = b64("\x00" + testUser + "\x00" + testPassword)

// TestSASLMechanisms runs our client against our server for every
// mechanism, over plaintext, STARTTLS with TLS 1.2 and 1.3, and direct
// TLS, and checks the mechanism used, the channel binding, the bound JID
// on both sides and that no secret reaches either trace.
func TestSASLMechanisms(t *testing.T) {
	t.Parallel()
	mechs := []sasl.Mechanism{sasl.ScramSHA256Plus, sasl.ScramSHA1Plus, sasl.ScramSHA256, sasl.ScramSHA1, sasl.Plain}
	transports := []struct {
		name   string
		tls    bool
		max    uint16 // TLS version
		direct bool
	}{
		{name: "plaintext"},
		{name: "STARTTLS TLS1.2", tls: true, max: tls.VersionTLS12},
		{name: "STARTTLS TLS1.3", tls: true, max: tls.VersionTLS13},
		{name: "direct TLS1.3", tls: true, max: tls.VersionTLS13, direct: true},
	}
	for _, m := range mechs {
		for _, tr := range transports {
			plus := strings.HasSuffix(string(m), "-PLUS")
			if plus && !tr.tls {
				continue // see TestSASLMisuse
			}
			t.Run(string(m)+"/"+tr.name, func(t *testing.T) {
				t.Parallel()
				var ctr, str side
				sc := &stream.ServerConfig{TLS: stream.TLSOff, SASL: &sasl.ServerConfig{Lookup: lookup, AllowPlainWithoutTLS: true}}
				cc := newClient(t, stream.TLSOff, &ctr)
				cc.Mechanisms = []sasl.Mechanism{m}
				cc.AllowPlainWithoutTLS = true
				var wrapC, wrapS func(net.Conn) io.ReadWriter
				switch {
				case tr.direct:
					sc.SASL.Certificate = pki(t).cert.Leaf
					wrapC = func(c net.Conn) io.ReadWriter {
						cfg := clientTLS(t)
						cfg.ServerName = testDomain
						return tls.Client(c, cfg)
					}
					wrapS = func(c net.Conn) io.ReadWriter { return tls.Server(c, serverTLS(t)) }
				case tr.tls:
					sc.TLS, sc.TLSConfig = stream.TLSRequired, serverTLS(t)
					sc.TLSConfig.MaxVersion = tr.max
					cc.TLS = stream.TLSRequired
				}
				c, s := login(t, cc, newServer(sc, &str), wrapC, wrapS)
				if c.err != nil || s.err != nil {
					t.Fatalf("OpenClient: %v; Accept: %v\nclient sent:\n%s", c.err, s.err, ctr.sent())
				}
				if c.s.Bound().String() != "juliet@example.com/AAAAAAAAAAAAAAAA" || s.s.Bound() != c.s.Bound() {
					t.Errorf("bound %q (client), %q (server)", c.s.Bound(), s.s.Bound())
				}
				auth := "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" + string(m) + "'>"
				if m == sasl.Plain {
					auth = "[redacted]"
				} else if plus {
					auth += b64("p=tls-exporter,,")[:20]
				}
				if !strings.Contains(ctr.sent(), auth) {
					t.Errorf("client sent\n%s\nwant %s", ctr.sent(), auth)
				}
				if tr.tls != strings.Contains(ctr.received(), "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/><channel-binding type='tls-server-end-point'/></sasl-channel-binding>") {
					t.Errorf("XEP-0440 announcement: want it iff TLS:\n%s", ctr.received())
				}
				for _, tr := range []string{ctr.sent(), ctr.received(), str.sent(), str.received()} {
					if strings.Contains(tr, plainAuth) || strings.Contains(tr, testPassword) {
						t.Errorf("a trace holds the password:\n%s", tr)
					}
				}
				relay(t, c.s, s.s)
			})
		}
	}
}

// announce is a receiving-entity feature that writes a fixed
// <stream:features/> child while SASL is offered, to announce other
// channel-binding types than the server has (XEP-0440).
type announce struct {
	sasl *stream.SASL
	xml  string
}

func (a *announce) Name() xml.Name {
	return xml.Name{Space: stream.NSSASLChannelBinding, Local: "sasl-channel-binding"}
}

func (a *announce) Advertise(n *stream.Negotiation) (stream.Advert, bool) {
	if _, ok := a.sasl.Advertise(n); !ok || n.Initiating() {
		return stream.Advert{}, false
	}
	return stream.Advert{XML: []byte(a.xml)}, true
}

func (a *announce) Match(stanza.Element) bool { return false }

func (a *announce) Negotiate(context.Context, *stream.Negotiation, stanza.Element) (stream.Result, error) {
	return stream.Result{}, errors.New("announce: not negotiable")
}

// TestSASLChannelBindingTypes checks the client's use of the XEP-0440
// announcement: tls-server-end-point when it is the only type announced
// (the server verifies it with the certificate STARTTLS presented), and
// SCRAM without channel binding, flag "n", when -PLUS is offered with
// only types we do not implement (as ejabberd and Prosody do).
func TestSASLChannelBindingTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		announce string // "" for none
		mech     string
		first    string // client-first prefix
	}{
		{"tls-server-end-point only",
			"<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-server-end-point'/></sasl-channel-binding>",
			"SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,"},
		{"tls-unique only", "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-unique'/></sasl-channel-binding>",
			"SCRAM-SHA-256", "n,,"},
		{"no announcement", "", "SCRAM-SHA-256", "n,,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			auth := &stream.SASL{Server: &sasl.ServerConfig{Lookup: lookup}}
			features := []stream.Feature{&stream.StartTLS{Config: serverTLS(t), Required: true}, auth}
			if tt.announce != "" {
				features = append(features, &announce{sasl: auth, xml: tt.announce})
			}
			features = append(features, &stream.Bind{})
			sc := &stream.Config{Domains: []string{testDomain}, Features: features}
			var ctr side
			c, s := login(t, newClient(t, stream.TLSRequired, &ctr), sc, nil, nil)
			if c.err != nil || s.err != nil {
				t.Fatalf("OpenClient: %v; Accept: %v", c.err, s.err)
			}
			m := regexp.MustCompile(`mechanism='([A-Z0-9-]+)'>([^<]+)<`).FindStringSubmatch(ctr.sent())
			if m == nil {
				t.Fatalf("no <auth/> sent:\n%s", ctr.sent())
			}
			first, _ := base64.StdEncoding.DecodeString(m[2])
			if m[1] != tt.mech || !strings.HasPrefix(string(first), tt.first) {
				t.Errorf("client used %s with %q; want %s with %q", m[1], first, tt.mech, tt.first)
			}
		})
	}
}

// tamperConn rewrites the server signature of SCRAM's <success/> on its
// way out.
type tamperConn struct{ net.Conn }

var successRE = regexp.MustCompile(`(<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>)([^<]+)(</success>)`)

func (c tamperConn) Write(p []byte) (int, error) {
	q := successRE.ReplaceAllFunc(p, func(m []byte) []byte {
		sub := successRE.FindSubmatch(m)
		v, err := base64.StdEncoding.DecodeString(string(sub[2]))
		if err != nil || len(v) < 3 {
			return m
		}
		sig, _ := base64.StdEncoding.DecodeString(string(v[2:]))
		sig[0] ^= 1
		v = append([]byte("v="), base64.StdEncoding.EncodeToString(sig)...)
		return append(append(append([]byte{}, sub[1]...), base64.StdEncoding.EncodeToString(v)...), sub[3]...)
	})
	if _, err := c.Conn.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}

// mitm relays, over direct TLS on both legs, between a client and a
// server, holding a certificate the client trusts: a man in the middle.
// edit, if not nil, rewrites what the server sends.
func mitm(t *testing.T, edit func([]byte) []byte) (client, server io.ReadWriter) {
	a1, b1 := streamtest.Pipe()
	a2, b2 := streamtest.Pipe()
	ccfg := clientTLS(t)
	ccfg.ServerName = testDomain
	front := tls.Server(b1, serverTLS(t))
	back := tls.Client(a2, ccfg.Clone())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		io.Copy(back, front)
		back.Close()
	}()
	go func() {
		defer wg.Done()
		buf := make([]byte, 64<<10)
		for {
			n, err := back.Read(buf)
			if n > 0 {
				p := buf[:n]
				if edit != nil {
					p = edit(p)
				}
				if _, err := front.Write(p); err != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		front.Close()
	}()
	t.Cleanup(func() {
		a1.Close()
		b2.Close()
		wg.Wait()
	})
	return tls.Client(a1, ccfg), tls.Server(b2, serverTLS(t))
}

// TestSASLMisuse covers downgrades and attacks: each must fail.
func TestSASLMisuse(t *testing.T) {
	t.Parallel()
	t.Run("PLAIN only, plaintext", func(t *testing.T) {
		t.Parallel()
		sc := &stream.ServerConfig{TLS: stream.TLSOff, SASL: &sasl.ServerConfig{Lookup: lookup, AllowPlainWithoutTLS: true, Enabled: []sasl.Mechanism{sasl.Plain}}}
		var ctr side
		c, _ := login(t, newClient(t, stream.TLSOff, &ctr), newServer(sc, nil), nil, nil)
		if !errors.Is(c.err, sasl.ErrNoMechanism) {
			t.Fatalf("OpenClient: %v, want ErrNoMechanism", c.err)
		}
		if strings.Contains(ctr.sent(), "<auth") {
			t.Errorf("client sent <auth/>:\n%s", ctr.sent())
		}
		// Allowed explicitly, it works.
		cc := newClient(t, stream.TLSOff, nil)
		cc.AllowPlainWithoutTLS = true
		if c, s := login(t, cc, newServer(sc, nil), nil, nil); c.err != nil || s.err != nil {
			t.Fatalf("with AllowPlainWithoutTLS: OpenClient: %v; Accept: %v", c.err, s.err)
		}
	})
	t.Run("PLUS without TLS", func(t *testing.T) {
		t.Parallel()
		cc := newClient(t, stream.TLSOff, nil)
		cc.Mechanisms = []sasl.Mechanism{sasl.ScramSHA256Plus}
		c, _ := login(t, cc, newServer(&stream.ServerConfig{TLS: stream.TLSOff}, nil), nil, nil)
		if !errors.Is(c.err, sasl.ErrNoMechanism) {
			t.Fatalf("OpenClient: %v, want ErrNoMechanism", c.err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		cc := newClient(t, stream.TLSRequired, nil)
		cc.Password = "pencil2"
		c, _ := login(t, cc, newServer(&stream.ServerConfig{TLSConfig: serverTLS(t)}, nil), nil, nil)
		var f *sasl.Failure
		if !errors.As(c.err, &f) || f.Condition != sasl.NotAuthorized || !errors.Is(c.err, sasl.NotAuthorized) {
			t.Fatalf("OpenClient: %v, want a not-authorized *sasl.Failure", c.err)
		}
	})
	t.Run("tampered server signature", func(t *testing.T) {
		t.Parallel()
		sc := &stream.ServerConfig{TLS: stream.TLSOff}
		c, _ := login(t, newClient(t, stream.TLSOff, nil), newServer(sc, nil), nil,
			func(c net.Conn) io.ReadWriter { return tamperConn{c} })
		if !errors.Is(c.err, sasl.ErrServerSignature) {
			t.Fatalf("OpenClient: %v, want ErrServerSignature", c.err)
		}
	})
	t.Run("man in the middle, tls-exporter", func(t *testing.T) {
		t.Parallel()
		cconn, sconn := mitm(t, nil)
		sc := &stream.ServerConfig{TLSConfig: serverTLS(t)}
		c, _ := login(t, newClient(t, stream.TLSRequired, nil), newServer(sc, nil),
			func(net.Conn) io.ReadWriter { return cconn }, func(net.Conn) io.ReadWriter { return sconn })
		var f *sasl.Failure
		if !errors.As(c.err, &f) || f.Condition != sasl.NotAuthorized || f.Text != "channel binding mismatch" {
			t.Fatalf("OpenClient: %v, want not-authorized: channel binding mismatch", c.err)
		}
	})
	t.Run("man in the middle strips -PLUS", func(t *testing.T) {
		t.Parallel()
		strip := regexp.MustCompile(`<mechanism>[A-Z0-9-]+-PLUS</mechanism>|<sasl-channel-binding .*</sasl-channel-binding>`)
		cconn, sconn := mitm(t, func(p []byte) []byte { return strip.ReplaceAll(p, nil) })
		sc := &stream.ServerConfig{TLSConfig: serverTLS(t)}
		var ctr side
		c, _ := login(t, newClient(t, stream.TLSRequired, &ctr), newServer(sc, nil),
			func(net.Conn) io.ReadWriter { return cconn }, func(net.Conn) io.ReadWriter { return sconn })
		if !errors.Is(c.err, sasl.NotAuthorized) {
			t.Fatalf("OpenClient: %v, want not-authorized", c.err)
		}
		if want := "mechanism='SCRAM-SHA-256'>" + b64("y,,")[:4]; !strings.Contains(ctr.sent(), want) {
			t.Errorf("client did not send the y flag:\n%s", ctr.sent())
		}
	})
}

// Script lines common to the receiving-entity scripts.
const (
	cHeader = `C: <?xml version='1.0'?><stream:stream to='example.com' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`
	sHeader = `S: <stream:stream from='example.com' id='{{any}}' version='1.0' ...>`
	sMechs  = `S: <stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>`
	sBind   = `S: <stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`
	bindReq = `C: <iq id='b' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>
S: <iq id='b' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>juliet@example.com/AAAAAAAAAAAAAAAA</jid></bind></iq>`
	closing = `S: </stream:stream>
C: </stream:stream>`
)

// acceptScript plays the initiating entity's side of script against
// Accept with ServerFeatures(sc), and returns the server's trace and
// Accept's error (see acceptScriptCfg).
func acceptScript(t *testing.T, sc *stream.ServerConfig, script string) (*side, error) {
	t.Helper()
	var str side
	err := acceptScriptCfg(t, newServer(sc, &str), script)
	return &str, err
}

// acceptScriptCfg plays the initiating entity's side of script against
// Accept(cfg); when Accept succeeds the stream is closed at once. It
// returns Accept's error.
func acceptScriptCfg(t *testing.T, cfg *stream.Config, script string) error {
	t.Helper()
	a, b := streamtest.Pipe()
	defer a.Close()
	ch := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		s, err := stream.Accept(ctx, b, cfg)
		if err == nil {
			err = s.Close()
		}
		ch <- err
	}()
	streamtest.Run(t, script, a, streamtest.Initiator)
	a.Close()
	return <-ch
}

// TestSASLReceiver plays clients against our receiving entity and checks
// every byte it answers (RFC 6120 §6.4).
func TestSASLReceiver(t *testing.T) {
	t.Parallel()
	wrong := b64("\x00juliet\x00wrong")
	tests := []struct {
		name   string
		max    int
		script string
		cond   streamerror.Condition // Accept fails with it; "" for success
	}{
		{name: "PLAIN", script: `
C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>` + plainAuth + `</auth>
S: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
` + cHeader + "\n" + sHeader + "\n" + sBind + "\n" + bindReq + "\n" + closing},
		{name: "retry after a wrong password", script: `
C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>` + wrong + `</auth>
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>
C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>` + plainAuth + `</auth>
S: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
` + cHeader + "\n" + sHeader + "\n" + sBind + "\n" + bindReq + "\n" + closing},
		{name: "no initial response", script: `
C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>
S: <challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
C: <response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>` + plainAuth + `</response>
S: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
` + cHeader + "\n" + sHeader + "\n" + sBind + "\n" + bindReq + "\n" + closing},
		{name: "too many attempts", max: 2, cond: streamerror.PolicyViolation, script: `
C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>` + wrong + `</auth>
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>
C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>` + b64("n,,n=juliet,r=abc") + `</auth>
S: <challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{{any}}</challenge>
C: <abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><aborted/></failure>
S: <stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams' ...>too many authentication attempts</text></stream:error>
S: </stream:stream>`},
		{name: "invalid base64", cond: streamerror.NotAuthorized, script: `
C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>!!!</auth>
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><incorrect-encoding/></failure>
C: <message to='romeo@example.com'><body>hi</body></message>
S: <stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
S: </stream:stream>`},
		{name: "unknown mechanism", cond: streamerror.NotAuthorized, script: `
C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='X-UNKNOWN'>` + plainAuth + `</auth>
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><invalid-mechanism/></failure>
C: <presence/>
S: <stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
S: </stream:stream>`},
		{name: "PLUS without TLS", max: 1, cond: streamerror.PolicyViolation, script: `
C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256-PLUS'>` + b64("p=tls-exporter,,n=juliet,r=abc") + `</auth>
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><encryption-required/></failure>
S: <stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>...</stream:error>
S: </stream:stream>`},
		{name: "response out of place", max: 1, cond: streamerror.PolicyViolation, script: `
C: <response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>` + plainAuth + `</response>
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><malformed-request/><text>expected &lt;auth/&gt;</text></failure>
S: <stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>...</stream:error>
S: </stream:stream>`},
		{name: "abort without exchange", max: 1, cond: streamerror.PolicyViolation, script: `
C: <abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><aborted/></failure>
S: <stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>...</stream:error>
S: </stream:stream>`},
		{name: "stanza before authentication", cond: streamerror.NotAuthorized, script: `
C: <message to='romeo@example.com'><body>hi</body></message>
S: <stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
S: </stream:stream>`},
		{name: "stanza instead of a response", cond: streamerror.NotAuthorized, script: `
C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>` + b64("n,,n=juliet,r=abc") + `</auth>
S: <challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{{any}}</challenge>
C: <presence/>
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><malformed-request/>...</failure>
C: <presence/>
S: <stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
S: </stream:stream>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := &stream.ServerConfig{TLS: stream.TLSOff, MaxAuthAttempts: tt.max,
				SASL: &sasl.ServerConfig{Lookup: lookup, AllowPlainWithoutTLS: true}}
			str, err := acceptScript(t, sc, cHeader+"\n"+sHeader+"\n"+sMechs+"\n"+tt.script)
			if tt.cond == "" && err != nil || tt.cond != "" && !errors.Is(err, tt.cond) {
				t.Fatalf("Accept: %v, want %q", err, tt.cond)
			}
			// The server's trace never shows what the client sent
			// during SASL.
			if in := str.received(); strings.Contains(in, plainAuth) || strings.Contains(in, wrong) {
				t.Errorf("the server's trace holds credentials:\n%s", in)
			}
		})
	}
}

// openScript plays the receiving entity's side of script against
// OpenClient(cc), and returns OpenClient's outcome and the client's
// trace.
func openScript(t *testing.T, cc *stream.ClientConfig, script string) (result, *side) {
	t.Helper()
	var ctr side
	if cc == nil {
		cc = newClient(t, stream.TLSOff, nil)
		cc.AllowPlainWithoutTLS = true
		cc.Mechanisms = []sasl.Mechanism{sasl.Plain}
	}
	cc.Stream.Trace = ctr.trace
	a, b := streamtest.Pipe()
	defer b.Close()
	ch := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		s, err := stream.OpenClient(ctx, a, cc)
		if err == nil {
			t.Cleanup(func() { s.Close() })
		}
		ch <- result{s, err}
	}()
	streamtest.Run(t, script, b, streamtest.Receiver)
	return <-ch, &ctr
}

// Script lines common to the initiating-entity scripts.
const (
	iHeader = `C: <?xml version='1.0'?><stream:stream to='example.com' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`
	rHeader = `S: <stream:stream from='example.com' id='abc' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`
	rMechs  = `S: <stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`
	iAuth   = `C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>` + "AGp1bGlldABwZW5jaWw=" + `</auth>`
	iClose  = `C: </stream:stream>
S: </stream:stream>`
)

// TestSASLInitiator plays servers against our initiating entity.
func TestSASLInitiator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
		check  func(t *testing.T, err error)
	}{
		{name: "failure with text", script: `
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text xml:lang='en'>Wrong password</text></failure>
` + iClose, check: func(t *testing.T, err error) {
			var f *sasl.Failure
			if !errors.As(err, &f) || *f != (sasl.Failure{Condition: sasl.NotAuthorized, Text: "Wrong password", Lang: "en"}) {
				t.Errorf("OpenClient: %v, want the failure as sent", err)
			}
		}},
		{name: "failure with an unknown condition", script: `
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><bad-hair-day/></failure>
` + iClose, check: func(t *testing.T, err error) {
			if !errors.Is(err, sasl.NotAuthorized) {
				t.Errorf("OpenClient: %v, want not-authorized", err)
			}
		}},
		{name: "account disabled", script: `
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><account-disabled/></failure>
` + iClose, check: func(t *testing.T, err error) {
			if !errors.Is(err, sasl.AccountDisabled) {
				t.Errorf("OpenClient: %v, want account-disabled", err)
			}
		}},
		{name: "challenge to PLAIN: abort", script: `
S: <challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>` + b64("what?") + `</challenge>
C: <abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><aborted/></failure>
` + iClose, check: func(t *testing.T, err error) {
			if !errors.Is(err, sasl.ErrMalformed) {
				t.Errorf("OpenClient: %v, want ErrMalformed", err)
			}
		}},
		{name: "bad base64 challenge: abort", script: `
S: <challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>%%%</challenge>
C: <abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
S: <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><aborted/></failure>
` + iClose, check: func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "base64") {
				t.Errorf("OpenClient: %v, want a base64 error", err)
			}
		}},
		{name: "unexpected element", script: `
S: <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
C: <stream:error><bad-format xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
C: </stream:stream>`, check: func(t *testing.T, err error) {
			if !errors.Is(err, streamerror.BadFormat) {
				t.Errorf("OpenClient: %v, want bad-format", err)
			}
		}},
		{name: "success, bind, session required", script: `
S: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
` + iHeader + `
` + rHeader + `
S: <stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>
C: <iq id='{{b}}' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>
S: <iq id='{{b}}' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>juliet@example.com/4db06f06</jid></bind></iq>
C: <iq id='{{s}}' type='set'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>
S: <iq id='{{s}}' type='result'/>`, check: func(t *testing.T, err error) {
			if err != nil {
				t.Errorf("OpenClient: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, ctr := openScript(t, nil, iHeader+"\n"+rHeader+"\n"+rMechs+"\n"+iAuth+"\n"+tt.script)
			tt.check(t, r.err)
			if r.err == nil && r.s.Bound().String() != "juliet@example.com/4db06f06" {
				t.Errorf("bound %q", r.s.Bound())
			}
			if !bytes.Contains([]byte(ctr.sent()), []byte("[redacted]")) || strings.Contains(ctr.sent(), plainAuth) {
				t.Errorf("PLAIN not redacted in the client's trace:\n%s", ctr.sent())
			}
		})
	}
}

// fuzzConn is a transport that reads a fixed input and discards what is
// written.
type fuzzConn struct{ r *bytes.Reader }

func (c fuzzConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c fuzzConn) Write(p []byte) (int, error) { return len(p), nil }

// drain reads s to its end and closes it.
func drain(s *stream.Stream) {
	var bad *stanza.BadStanzaError
	for i := 0; i < 1000; i++ {
		if _, err := s.Next(context.Background()); err != nil && !errors.As(err, &bad) {
			break
		}
	}
	s.Close()
}

// FuzzAcceptSASL feeds arbitrary initiating-entity traffic, after a valid
// header, to a receiving entity negotiating SASL, binding and session: it
// must never panic or hang.
func FuzzAcceptSASL(f *testing.F) {
	seeds := []string{
		`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>` + plainAuth + `</auth>` +
			`<?xml version='1.0'?><stream:stream to='example.com' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>` +
			`<iq id='b' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>` +
			`<iq id='s' type='set'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq><presence/></stream:stream>`,
		`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>` + b64("n,,n=juliet,r=abc") + `</auth>` +
			`<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>` + b64("c=biws,r=abcdef,p=AAAA") + `</response>`,
		`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/><response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</response>`,
		`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>!!</auth><abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`,
		`<message><body>x</body></message>`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	header := []byte(`<?xml version='1.0'?><stream:stream to='example.com' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`)
	sc := &stream.ServerConfig{TLS: stream.TLSOff, Session: true,
		SASL: &sasl.ServerConfig{Lookup: lookup, AllowPlainWithoutTLS: true}}
	cfg := newServer(sc, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := append(append([]byte{}, header...), data...)
		s, err := stream.Accept(context.Background(), fuzzConn{bytes.NewReader(in)}, cfg)
		if err != nil {
			return
		}
		drain(s)
	})
}

// FuzzOpenSASL feeds arbitrary receiving-entity traffic to an initiating
// entity negotiating SASL (PLAIN or SCRAM), binding and session: it must
// never panic or hang.
func FuzzOpenSASL(f *testing.F) {
	const (
		h     = `<?xml version='1.0'?><stream:stream from='example.com' id='abc' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`
		mechs = `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms><sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/></sasl-channel-binding></stream:features>`
		plain = `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`
	)
	seeds := []string{
		h + plain + `<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>` + h +
			`<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>` +
			`<iq id='x' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>juliet@example.com/r</jid></bind></iq></stream:stream>`,
		h + mechs + `<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>` + b64("r=abc,s=c2FsdA==,i=4096") + `</challenge><success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>` + b64("v=AAAA") + `</success>`,
		h + plain + `<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text xml:lang='en'>no</text></failure></stream:stream>`,
		h + plain + `<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</challenge><failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><aborted/></failure>`,
		h + `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cc := newClient(t, stream.TLSOff, nil)
		cc.AllowPlainWithoutTLS = true
		cc.JID = jid.MustParse("juliet@example.com/r")
		s, err := stream.OpenClient(context.Background(), fuzzConn{bytes.NewReader(data)}, cc)
		if err != nil {
			return
		}
		drain(s)
	})
}
