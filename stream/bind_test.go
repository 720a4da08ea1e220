package stream_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/sasl"
	"github.com/xmppkit/xmpp/streamerror"
)

// TestBind binds resources between our client and our server (RFC 6120
// §7): asked for, generated, reassigned or refused by the server's Claim.
func TestBind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resource string
		claim    func(context.Context, jid.JID) (jid.JID, error)
		want     string // the bound JID; "" when binding fails
		check    func(t *testing.T, client, server error)
	}{
		{name: "resource asked for", resource: "balcony", want: "juliet@example.com/balcony"},
		{name: "resource generated", want: "juliet@example.com/AAAAAAAAAAAAAAAA"},
		{name: "resource with markup", resource: "<&'>", want: "juliet@example.com/<&'>"},
		{name: "claim keeps", resource: "balcony", want: "juliet@example.com/balcony",
			claim: func(_ context.Context, j jid.JID) (jid.JID, error) { return j, nil }},
		{name: "claim reassigns", resource: "balcony", want: "juliet@example.com/orchard",
			claim: func(_ context.Context, j jid.JID) (jid.JID, error) {
				return jid.New(j.Localpart(), j.Domainpart(), "orchard")
			}},
		{name: "conflict", resource: "balcony",
			claim: func(context.Context, jid.JID) (jid.JID, error) {
				return jid.JID{}, stanza.NewError(stanza.Conflict, "")
			},
			check: func(t *testing.T, client, server error) {
				var se *stanza.Error
				if !errors.As(client, &se) || se.Condition != stanza.Conflict {
					t.Errorf("OpenClient: %v, want a conflict *stanza.Error", client)
				}
			}},
		{name: "claim fails", resource: "balcony",
			claim: func(context.Context, jid.JID) (jid.JID, error) { return jid.JID{}, errors.New("registry down") },
			check: func(t *testing.T, client, server error) {
				if server == nil || !strings.Contains(server.Error(), "registry down") {
					t.Errorf("Accept: %v, want the Claim error", server)
				}
			}},
		{name: "claim returns another account", resource: "balcony",
			claim: func(context.Context, jid.JID) (jid.JID, error) { return jid.MustParse("romeo@example.com/x"), nil },
			check: func(t *testing.T, client, server error) {
				if server == nil {
					t.Error("Accept succeeded")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cc := newClient(t, stream.TLSOff, nil)
			cc.JID = mustJID(t, "juliet@example.com")
			if tt.resource != "" {
				j, err := jid.New("juliet", testDomain, tt.resource)
				if err != nil {
					t.Fatal(err)
				}
				cc.JID = j
			}
			c, s := login(t, cc, newServer(&stream.ServerConfig{TLS: stream.TLSOff, Claim: tt.claim}, nil), nil, nil)
			if tt.want == "" {
				if c.err == nil || s.err == nil {
					t.Fatalf("OpenClient: %v; Accept: %v; want both to fail", c.err, s.err)
				}
				tt.check(t, c.err, s.err)
				return
			}
			if c.err != nil || s.err != nil {
				t.Fatalf("OpenClient: %v; Accept: %v", c.err, s.err)
			}
			if c.s.Bound().String() != tt.want || s.s.Bound().String() != tt.want {
				t.Errorf("bound %q (client), %q (server); want %q", c.s.Bound(), s.s.Bound(), tt.want)
			}
		})
	}
}

// authenticated is the receiving-entity script up to the features after
// SASL: PLAIN succeeds and the stream restarts.
const authenticated = cHeader + "\n" + sHeader + "\n" + sMechs + `
C: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldABwZW5jaWw=</auth>
S: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
` + cHeader + "\n" + sHeader

// TestBindReceiver plays clients against our receiving entity's binding.
func TestBindReceiver(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("r", 1024) // a resourcepart is at most 1023 octets
	tests := []struct {
		name     string
		features []stream.Feature // after SASL; nil: Bind{MaxAttempts: 2}
		script   string
		cond     streamerror.Condition // Accept fails with it; "" for success
	}{
		{name: "get, then set", script: sBind + `
C: <iq id='g' type='get'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>
S: <iq id='g' type='error'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>
C: <iq id='s' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>balcony</resource></bind></iq>
S: <iq id='s' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>juliet@example.com/balcony</jid></bind></iq>
` + closing},
		{name: "empty resource", script: sBind + `
C: <iq id='e' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource/></bind></iq>
S: <iq id='e' type='error'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>
` + bindReq + "\n" + closing},
		{name: "too long a resource", script: sBind + `
C: <iq id='l' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>` + long + `</resource></bind></iq>
S: <iq id='l' type='error'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>invalid resourcepart</text></error></iq>
` + bindReq + "\n" + closing},
		{name: "two payloads", script: sBind + `
C: <iq id='t' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><x xmlns='urn:test'/></iq>
S: <iq id='t' type='error'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>
` + bindReq + "\n" + closing},
		{name: "result not answered", script: sBind + `
C: <iq id='r' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>
` + bindReq + "\n" + closing},
		{name: "too many attempts", cond: streamerror.PolicyViolation, script: sBind + `
C: <iq id='1' type='get'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>
S: <iq id='1' type='error'>...</iq>
C: <iq id='2' type='get'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>
S: <iq id='2' type='error'>...</iq>
S: <stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>...</stream:error>
S: </stream:stream>`},
		{name: "stanza before binding", cond: streamerror.NotAuthorized, script: sBind + `
C: <message to='romeo@example.com'><body>hi</body></message>
S: <stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
S: </stream:stream>`},
		{name: "stanza after a refused request", cond: streamerror.NotAuthorized, script: sBind + `
C: <iq id='g' type='get'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>
S: <iq id='g' type='error'>...</iq>
C: <presence/>
S: <stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
S: </stream:stream>`},
		{name: "session offered and used", features: []stream.Feature{&stream.Bind{}, &stream.Session{}}, script: `
S: <stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>
` + bindReq + `
C: <iq id='s' type='set'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>
S: <iq id='s' type='result'/>
C: <presence/>
` + closing},
		{name: "session offered, not used", features: []stream.Feature{&stream.Bind{}, &stream.Session{}}, script: `
S: <stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>
` + bindReq + `
C: <presence/>
` + closing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := tt.features
			if fs == nil {
				fs = []stream.Feature{&stream.Bind{MaxAttempts: 2}}
			}
			auth := &stream.SASL{Server: &sasl.ServerConfig{Lookup: lookup, AllowPlainWithoutTLS: true}}
			cfg := &stream.Config{Domains: []string{testDomain}, Rand: zeroRand{}, Features: append([]stream.Feature{auth}, fs...)}
			err := acceptScriptCfg(t, cfg, authenticated+"\n"+tt.script)
			if tt.cond == "" && err != nil || tt.cond != "" && !errors.Is(err, tt.cond) {
				t.Fatalf("Accept: %v, want %q", err, tt.cond)
			}
		})
	}
}

// TestBindInitiator plays servers against our initiating entity's
// binding.
func TestBindInitiator(t *testing.T) {
	t.Parallel()
	const success = `
S: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
` + iHeader + "\n" + rHeader + `
S: <stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>
C: <iq id='{{b}}' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>balcony</resource></bind></iq>`
	tests := []struct {
		name   string
		script string
		check  func(t *testing.T, err error)
	}{
		{name: "conflict", script: success + `
S: <iq id='{{b}}' type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>
` + iClose, check: func(t *testing.T, err error) {
			if !errors.Is(err, stanza.Conflict) {
				t.Errorf("OpenClient: %v, want conflict", err)
			}
		}},
		{name: "bare JID bound", script: success + `
S: <iq id='{{b}}' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>juliet@example.com</jid></bind></iq>
C: <stream:error><bad-format xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
C: </stream:stream>`, check: func(t *testing.T, err error) {
			if !errors.Is(err, streamerror.BadFormat) {
				t.Errorf("OpenClient: %v, want bad-format", err)
			}
		}},
		{name: "answer with another id", script: success + `
S: <iq id='other' type='result'/>
C: <stream:error><bad-format xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
C: </stream:stream>`, check: func(t *testing.T, err error) {
			if !errors.Is(err, streamerror.BadFormat) {
				t.Errorf("OpenClient: %v, want bad-format", err)
			}
		}},
		{name: "server assigns another resource", script: success + `
S: <iq id='{{b}}' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>juliet@example.com/4db06f06</jid></bind></iq>`,
			check: func(t *testing.T, err error) {
				if err != nil {
					t.Errorf("OpenClient: %v", err)
				}
			}},
		{name: "no bind offered", script: `
S: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
` + iHeader + "\n" + rHeader + `
S: <stream:features/>
` + iClose, check: func(t *testing.T, err error) {
			if !errors.Is(err, stream.ErrNotOffered) {
				t.Errorf("OpenClient: %v, want ErrNotOffered", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cc := newClient(t, stream.TLSOff, nil)
			cc.JID = mustJID(t, "juliet@example.com/balcony")
			cc.AllowPlainWithoutTLS = true
			cc.Mechanisms = []sasl.Mechanism{sasl.Plain}
			r, _ := openScript(t, cc, iHeader+"\n"+rHeader+"\n"+rMechs+"\n"+iAuth+"\n"+tt.script)
			tt.check(t, r.err)
			if r.err == nil && r.s.Bound().String() != "juliet@example.com/4db06f06" {
				t.Errorf("bound %q", r.s.Bound())
			}
		})
	}
}
