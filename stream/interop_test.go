package stream_test

// Interop tests against real servers: Prosody and ejabberd, started on
// loopback by .ci/peers/start, which writes their addresses to an env
// file. They run when XMPPKIT_INTEROP is set (".ci/run" sets it after
// sourcing the env file); then a missing variable fails the test, never
// skips it. Without the switch they skip.
//
//	bash .ci/peers/start
//	set -a; . /tmp/xmppkit-peers/env; set +a
//	XMPPKIT_INTEROP=1 go test -race -run Interop ./stream/
//	bash .ci/peers/stop
//
// XMPPKIT_TRANSCRIPT_DIR, when set, receives one session's trace per
// server (transcript-prosody.txt, transcript-ejabberd.txt), secrets
// redacted.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/sasl"
	"github.com/xmppkit/xmpp/stream/streamtest"
)

// interopTimeout bounds each login and exchange with a real server.
const interopTimeout = 30 * time.Second

// peerServer names a server's env variables.
type peerServer struct {
	name string // prosody, ejabberd
	env  string // PROSODY, EJABBERD
}

var peerServers = []peerServer{{"prosody", "PROSODY"}, {"ejabberd", "EJABBERD"}}

// interopEnv reads the peers' environment, skipping the test without
// the switch and failing it when the switch is on and a variable is
// missing.
type interopEnv struct {
	t      *testing.T
	domain string
	users  map[string]string // user → password
	roots  *x509.CertPool
}

func newInteropEnv(t *testing.T) *interopEnv {
	t.Helper()
	if os.Getenv("XMPPKIT_INTEROP") == "" {
		t.Skip("interop with Prosody and ejabberd: run `bash .ci/peers/start`, source its env file, and set XMPPKIT_INTEROP=1")
	}
	e := &interopEnv{t: t, users: map[string]string{}}
	e.domain = e.get("XMPPKIT_PEER_DOMAIN")
	for _, up := range strings.Split(e.get("XMPPKIT_PEER_USERS"), ",") {
		u, p, ok := strings.Cut(up, ":")
		if !ok {
			t.Fatalf("XMPPKIT_PEER_USERS: %q is not user:password", up)
		}
		e.users[u] = p
	}
	for _, u := range []string{"alice", "bob"} {
		if e.users[u] == "" {
			t.Fatalf("XMPPKIT_PEER_USERS lacks %s", u)
		}
	}
	ca := e.get("XMPPKIT_PEER_CA")
	pem := []byte(ca)
	if !strings.HasPrefix(ca, "-----BEGIN") {
		var err error
		if pem, err = os.ReadFile(ca); err != nil {
			t.Fatalf("XMPPKIT_PEER_CA: %v", err)
		}
	}
	e.roots = x509.NewCertPool()
	if !e.roots.AppendCertsFromPEM(pem) {
		t.Fatal("XMPPKIT_PEER_CA holds no certificate")
	}
	return e
}

// get returns an env variable, failing the test when it is missing.
func (e *interopEnv) get(key string) string {
	e.t.Helper()
	v := os.Getenv(key)
	if v == "" {
		e.t.Fatalf("XMPPKIT_INTEROP is set but %s is missing: did .ci/peers/start run, and its env file get sourced?", key)
	}
	return v
}

// mechs returns the mechanisms the server offers that we implement.
func (e *interopEnv) mechs(s peerServer) []sasl.Mechanism {
	var ours []sasl.Mechanism
	for _, m := range strings.Split(e.get("XMPPKIT_"+s.env+"_MECHS"), ",") {
		switch m := sasl.Mechanism(m); m {
		case sasl.Plain, sasl.ScramSHA1, sasl.ScramSHA256, sasl.ScramSHA1Plus, sasl.ScramSHA256Plus:
			ours = append(ours, m)
		}
	}
	if len(ours) == 0 {
		e.t.Fatalf("%s offers none of our mechanisms", s.name)
	}
	return ours
}

// tracer records a session's traffic as a transcript in the notation of
// streamtest (one line per element, C: for what we sent, S: for what the
// server sent) and keeps what was received, for checks.
type tracer struct {
	mu  sync.Mutex
	buf bytes.Buffer // the transcript
	in  bytes.Buffer // everything received
	rec *streamtest.Recorder
}

func newTracer() *tracer {
	tr := &tracer{}
	tr.rec = streamtest.NewRecorder(lockedWriter{tr}, streamtest.Initiator, nil)
	return tr
}

// lockedWriter writes to the transcript under the tracer's lock.
type lockedWriter struct{ tr *tracer }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.tr.mu.Lock()
	defer w.tr.mu.Unlock()
	return w.tr.buf.Write(p)
}

func (tr *tracer) trace(e stream.Event) {
	if e.Dir == stream.In {
		tr.mu.Lock()
		tr.in.Write(e.Data)
		tr.mu.Unlock()
	}
	tr.rec.Trace(e)
}

func (tr *tracer) String() string {
	tr.rec.Flush()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.buf.String()
}

func (tr *tracer) received() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.in.String()
}

// login dials addr as user and returns the ready stream.
func (e *interopEnv) login(ctx context.Context, addr, user, password string, cfg stream.ClientConfig, tr *tracer) (*stream.Stream, error) {
	cfg.JID = jid.MustParse(user + "@" + e.domain)
	cfg.Password = password
	cfg.TLSConfig = &tls.Config{RootCAs: e.roots}
	cfg.Stream = &stream.Config{}
	if tr != nil {
		cfg.Stream.Trace = tr.trace
	}
	return stream.Dial(ctx, addr, &cfg)
}

// TestInteropLogin logs in to each server with every mechanism it offers
// that we implement, over STARTTLS (required), direct TLS and plaintext
// (where the server allows it), and checks the bound JID.
func TestInteropLogin(t *testing.T) {
	e := newInteropEnv(t)
	for _, srv := range peerServers {
		ports := []struct {
			name string
			addr string
			cfg  stream.ClientConfig
		}{
			{"STARTTLS", e.get("XMPPKIT_" + srv.env + "_ADDR"), stream.ClientConfig{TLS: stream.TLSRequired}},
			{"direct TLS", e.get("XMPPKIT_" + srv.env + "_TLS_ADDR"), stream.ClientConfig{DirectTLS: true}},
			{"optional STARTTLS", e.get("XMPPKIT_" + srv.env + "_PLAIN_ADDR"), stream.ClientConfig{TLS: stream.TLSOptional}},
			{"plaintext", e.get("XMPPKIT_" + srv.env + "_PLAIN_ADDR"), stream.ClientConfig{TLS: stream.TLSOff, AllowPlainWithoutTLS: true}},
		}
		for _, m := range e.mechs(srv) {
			for _, p := range ports {
				t.Run(srv.name+"/"+p.name+"/"+string(m), func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
					defer cancel()
					cfg := p.cfg
					cfg.Mechanisms = []sasl.Mechanism{m}
					cfg.JID = jid.MustParse("alice@" + e.domain + "/login-" + strings.ToLower(string(m)))
					tr := newTracer()
					s, err := e.login(ctx, p.addr, "alice", e.users["alice"], cfg, tr)
					if err != nil {
						t.Fatalf("login: %v\ntranscript:\n%s", err, tr.String())
					}
					if b := s.Bound(); b.Bare().String() != "alice@"+e.domain || b.Resourcepart() == "" {
						t.Errorf("bound %q", b)
					}
					auth := fmt.Sprintf("mechanism='%s'", m)
					if !strings.Contains(tr.String(), auth) && m != sasl.Plain {
						t.Errorf("transcript lacks %s:\n%s", auth, tr.String())
					}
					closeClean(t, s, tr)
					checkRedacted(t, tr.String(), e.users["alice"])
				})
			}
		}
	}
}

// TestInteropChannelBindingOffer logs in with every mechanism allowed,
// over TLS 1.2 and TLS 1.3, and checks the choice: the servers offer
// -PLUS with tls-unique only (ejabberd always, Prosody on TLS 1.2), which
// we do not implement, and announce no XEP-0440 types, so the client must
// take the strongest SCRAM without channel binding, with the GS2 flag "n"
// when -PLUS was offered (it supports none of the server's types) and "y"
// when not (RFC 5802 §6).
func TestInteropChannelBindingOffer(t *testing.T) {
	e := newInteropEnv(t)
	versions := []struct {
		name string
		max  uint16
	}{{"TLS1.2", tls.VersionTLS12}, {"TLS1.3", tls.VersionTLS13}}
	for _, srv := range peerServers {
		for _, v := range versions {
			t.Run(srv.name+"/"+v.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
				defer cancel()
				tr := newTracer()
				cfg := stream.ClientConfig{JID: jid.MustParse("alice@" + e.domain), Password: e.users["alice"]}
				cfg.TLSConfig = &tls.Config{RootCAs: e.roots, MaxVersion: v.max}
				cfg.Stream = &stream.Config{Trace: tr.trace}
				s, err := stream.Dial(ctx, e.get("XMPPKIT_"+srv.env+"_ADDR"), &cfg)
				if err != nil {
					t.Fatalf("login: %v\n%s", err, tr.String())
				}
				closeClean(t, s, tr)
				transcript := tr.String()
				m := authRE.FindStringSubmatch(transcript)
				if m == nil {
					t.Fatalf("no <auth/> in the transcript:\n%s", transcript)
				}
				mech, payload := m[1], m[2]
				first, err := base64.StdEncoding.DecodeString(payload)
				mustI(t, err)
				plusOffered := strings.Contains(transcript, "-PLUS</mechanism>")
				best := "SCRAM-SHA-1"
				if strings.Contains(e.get("XMPPKIT_"+srv.env+"_MECHS"), "SCRAM-SHA-256") {
					best = "SCRAM-SHA-256"
				}
				flag := "y,,"
				if plusOffered {
					flag = "n,,"
				}
				if mech != best || !strings.HasPrefix(string(first), flag) {
					t.Errorf("chose %s with client-first %q; want %s with flag %q (-PLUS offered: %v)", mech, first, best, flag, plusOffered)
				}
				t.Logf("%s: -PLUS offered %v, chose %s, client-first %q", v.name, plusOffered, mech, first)
			})
		}
	}
}

// authRE finds the mechanism and initial response of <auth/>.
var authRE = regexp.MustCompile(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='([A-Z0-9-]+)'>([A-Za-z0-9+/=]+)</auth>`)

// TestInteropWrongPassword checks that a refused login is the typed
// not-authorized failure.
func TestInteropWrongPassword(t *testing.T) {
	e := newInteropEnv(t)
	for _, srv := range peerServers {
		for _, m := range e.mechs(srv) {
			t.Run(srv.name+"/"+string(m), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
				defer cancel()
				tr := newTracer()
				_, err := e.login(ctx, e.get("XMPPKIT_"+srv.env+"_ADDR"), "alice", "wrong-"+e.users["alice"],
					stream.ClientConfig{Mechanisms: []sasl.Mechanism{m}}, tr)
				var f *sasl.Failure
				if !errors.As(err, &f) || f.Condition != sasl.NotAuthorized || !errors.Is(err, sasl.NotAuthorized) {
					t.Fatalf("login with a wrong password: %v, want a *sasl.Failure not-authorized\n%s", err, tr.String())
				}
			})
		}
	}
}

// TestInteropConversation logs alice and bob in, sends a message from
// alice to bob and receives it on bob's stream, pings the server
// (XEP-0199), and closes both streams cleanly.
func TestInteropConversation(t *testing.T) {
	e := newInteropEnv(t)
	for _, srv := range peerServers {
		t.Run(srv.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
			defer cancel()
			addr := e.get("XMPPKIT_" + srv.env + "_ADDR")
			atr, btr := newTracer(), newTracer()
			alice, err := e.login(ctx, addr, "alice", e.users["alice"], stream.ClientConfig{}, atr)
			if err != nil {
				t.Fatalf("alice: %v\n%s", err, atr.String())
			}
			bob, err := e.login(ctx, addr, "bob", e.users["bob"], stream.ClientConfig{}, btr)
			if err != nil {
				t.Fatalf("bob: %v\n%s", err, btr.String())
			}
			// Initial presence (RFC 6121 §4.2), so that both are
			// available resources.
			mustI(t, alice.Send(ctx, &stanza.Presence{}))
			mustI(t, bob.Send(ctx, &stanza.Presence{}))

			msg := &stanza.Message{ID: "m1", To: bob.Bound(), Type: stanza.MessageChat, Body: "Art thou not Romeo, and a Montague?"}
			mustI(t, alice.Send(ctx, msg))
			got := awaitStanza(ctx, t, bob, func(el stanza.Element) bool {
				m, ok := el.(*stanza.Message)
				return ok && m.Body == msg.Body
			}).(*stanza.Message)
			if got.From != alice.Bound() {
				t.Errorf("message from %q, want %q", got.From, alice.Bound())
			}

			ping, err := stanza.NewRaw(struct {
				XMLName xml.Name `xml:"urn:xmpp:ping ping"`
			}{})
			mustI(t, err)
			server := jid.MustParse(e.domain)
			mustI(t, alice.Send(ctx, &stanza.IQ{ID: "ping1", To: server, Type: stanza.IQGet, Payload: ping}))
			res := awaitStanza(ctx, t, alice, func(el stanza.Element) bool {
				iq, ok := el.(*stanza.IQ)
				return ok && iq.ID == "ping1"
			}).(*stanza.IQ)
			if res.Type != stanza.IQResult || (!res.From.IsZero() && res.From != server) {
				t.Errorf("ping answer: type %s from %q", res.Type, res.From)
			}

			closeClean(t, alice, atr)
			closeClean(t, bob, btr)
			checkRedacted(t, atr.String(), e.users["alice"])
			checkRedacted(t, btr.String(), e.users["bob"])
			if dir := os.Getenv("XMPPKIT_TRANSCRIPT_DIR"); dir != "" {
				name := filepath.Join(dir, "transcript-"+srv.name+".txt")
				text := "# " + srv.name + ": alice's stream (C: alice, S: the server)\n" + atr.String() +
					"\n# " + srv.name + ": bob's stream (C: bob, S: the server)\n" + btr.String()
				mustI(t, os.WriteFile(name, []byte(text), 0o644))
				t.Logf("transcript written to %s", name)
			}
		})
	}
}

// awaitStanza reads s until match accepts an element, answering nothing
// (presence, roster pushes and the like are skipped).
func awaitStanza(ctx context.Context, t *testing.T, s *stream.Stream, match func(stanza.Element) bool) stanza.Element {
	t.Helper()
	for {
		el, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if match(el) {
			return el
		}
	}
}

// closeClean closes s and checks that the server's closing tag was seen
// after ours.
func closeClean(t *testing.T, s *stream.Stream, tr *tracer) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// Next returns what Close read while waiting, then io.EOF: the
	// server's closing tag.
	for {
		_, err := s.Next(context.Background())
		if err == nil {
			continue
		}
		if err != io.EOF {
			t.Errorf("Next after Close: %v, want io.EOF (the server's closing tag)", err)
		}
		break
	}
	out := tr.String()
	if !strings.Contains(out, "C: </stream:stream>") {
		t.Errorf("our closing tag is not in the transcript")
	}
	if !strings.HasSuffix(strings.TrimSpace(tr.received()), "</stream:stream>") {
		t.Errorf("the server's closing tag is not the last thing received:\n%s", out)
	}
}

// checkRedacted checks that the password appears nowhere in a
// transcript, neither in clear nor in PLAIN's base64.
func checkRedacted(t *testing.T, transcript, password string) {
	t.Helper()
	for _, secret := range []string{password, b64("\x00alice\x00" + password), b64("\x00bob\x00" + password)} {
		if strings.Contains(transcript, secret) {
			t.Errorf("transcript holds a secret (%q)", secret)
		}
	}
	if !slices.ContainsFunc(strings.Split(transcript, "\n"), func(l string) bool { return strings.HasSuffix(l, "[redacted]") }) {
		t.Errorf("no redacted event in the transcript")
	}
}

// mustI fails the test on err.
func mustI(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// b64 is base64 of s, as SASL elements carry it.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
