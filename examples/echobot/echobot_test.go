package main

import (
	"context"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/examples/chatserver"
	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
)

// The bot against the example server, over STARTTLS with the server's
// self-signed certificate as the trusted one: a message comes back, a
// ping is answered, another request is refused, and the bot closes its
// stream when told to.
func TestEchoBot(t *testing.T) {
	accounts, err := chatserver.ParseAccounts("alice:secret,bob:secret")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := chatserver.New(&chatserver.Config{Accounts: accounts, TLS: chatserver.TLSRequired})
	if err != nil {
		t.Fatal(err)
	}
	addr, stop, err := srv.ServeLoopback()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	ca := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(ca, srv.CertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	bob, err := stream.Dial(ctxT(t), addr, &stream.ClientConfig{
		JID:       jid.MustParse("bob@localhost"),
		Password:  "secret",
		TLSConfig: mustTLS(t, ca),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	checkEcho(t, bob, options{addr: addr, jid: "alice@localhost/bot", password: "secret", tls: "required", cafile: ca})
}

// checkEcho runs the bot with o, waits until it is online, and checks
// from bob's stream that it echoes and answers pings; then it stops the
// bot.
func checkEcho(t *testing.T, bob *stream.Stream, o options) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	up := make(chan jid.JID, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, o, func(j jid.JID) { up <- j }) }()
	var bot jid.JID
	select {
	case bot = <-up:
	case err := <-done:
		t.Fatalf("the bot ended before it was online: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the bot did not come online within 30 s")
	}

	body := "Art thou not Romeo, and a Montague? " + time.Now().Format(time.RFC3339Nano)
	if err := bob.Send(ctxT(t), &stanza.Message{To: bot.Bare(), Type: stanza.MessageChat, Body: body}); err != nil {
		t.Fatal(err)
	}
	for {
		el, err := bob.Next(ctxT(t))
		if err != nil {
			t.Fatalf("waiting for the echo: %v", err)
		}
		if m, ok := el.(*stanza.Message); ok {
			if m.From != bot || m.Body != body || m.Type != stanza.MessageChat {
				t.Fatalf("got %+v, want the echo from %s", m, bot)
			}
			break
		}
	}
	res, err := bob.SendIQ(ctxT(t), &stanza.IQ{To: bot, Type: stanza.IQGet, Payload: &stanza.Raw{Name: xml.Name{Space: "urn:xmpp:ping", Local: "ping"}}})
	if err != nil || res.Type != stanza.IQResult {
		t.Fatalf("ping the bot: %+v, %v", res, err)
	}
	_, err = bob.SendIQ(ctxT(t), &stanza.IQ{To: bot, Type: stanza.IQGet, Payload: &stanza.Raw{Name: xml.Name{Space: "jabber:iq:version", Local: "query"}}})
	if !errors.Is(err, stanza.ServiceUnavailable) {
		t.Fatalf("version request: %v, want service-unavailable", err)
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the bot ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the bot did not stop within 30 s")
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
