package main

// The bot against Prosody, started on loopback by .ci/peers/start, which
// writes its address to an env file. The test runs when XMPPKIT_INTEROP
// is set (.ci/examples-interop sets it after sourcing the env file); then
// a missing variable fails it, never skips it. Without the switch it
// skips.
//
//	bash .ci/peers/start
//	set -a; . /tmp/xmppkit-peers/env; set +a
//	XMPPKIT_INTEROP=1 go test -race -run Interop ./examples/echobot/

import (
	"os"
	"strings"
	"testing"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stream"
)

// TestInteropProsody runs the bot as alice on Prosody (STARTTLS
// required, the peers' test CA), and checks from bob's stream that a
// message to alice's bare JID comes back and a ping is answered.
func TestInteropProsody(t *testing.T) {
	if os.Getenv("XMPPKIT_INTEROP") == "" {
		t.Skip("echobot against Prosody: run `bash .ci/peers/start`, source its env file, and set XMPPKIT_INTEROP=1")
	}
	env := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			t.Fatalf("XMPPKIT_INTEROP is set but %s is not: are the peers up (bash .ci/peers/start) and their env file sourced?", name)
		}
		return v
	}
	addr, ca, domain := env("XMPPKIT_PROSODY_ADDR"), env("XMPPKIT_PEER_CA"), env("XMPPKIT_PEER_DOMAIN")
	users := map[string]string{}
	for up := range strings.SplitSeq(env("XMPPKIT_PEER_USERS"), ",") {
		u, p, _ := strings.Cut(up, ":")
		users[u] = p
	}
	if users["alice"] == "" || users["bob"] == "" {
		t.Fatalf("XMPPKIT_PEER_USERS=%q lacks alice or bob", os.Getenv("XMPPKIT_PEER_USERS"))
	}
	bobJID, err := jid.New("bob", domain, "")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := stream.Dial(ctxT(t), addr, &stream.ClientConfig{JID: bobJID, Password: users["bob"], TLSConfig: mustTLS(t, ca)})
	if err != nil {
		t.Fatalf("bob on Prosody at %s: %v", addr, err)
	}
	defer bob.Close()
	checkEcho(t, bob, options{addr: addr, jid: "alice@" + domain + "/echobot", password: users["alice"], tls: "required", cafile: ca})
}
