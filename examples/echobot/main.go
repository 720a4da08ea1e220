// Command echobot is a bot that answers every message with its own body,
// and answers pings (XEP-0199); it connects to any XMPP server.
//
//	go run ./examples/echobot -addr 127.0.0.1:5222 -jid alice@localhost -password secret -cafile cert.pem
//
// Flags:
//
//	-addr HOST:PORT   the server (default: the JID's domain, port 5222; no SRV lookup)
//	-jid JID          the bot's account, with a resource if it wants one
//	-password PW      its password
//	-tls POLICY       STARTTLS: required (default), optional or off
//	-cafile FILE      trust the CA or self-signed certificate in FILE (PEM)
//	-insecure         do not verify the server's certificate at all
//	-v                print the traffic (secrets redacted)
//
// The bot itself is the function echo: a dozen lines on top of
// stream.Dial and (*stream.Stream).Serve. SIGINT or SIGTERM close its
// stream gracefully.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/streamtest"
)

// echo is the bot: it announces itself available, then answers each
// chat or normal message that has a body with the same body (unless it
// comes from the bot itself or from no one, which could loop), and each
// ping with a result, until the stream ends. online, if not nil, is
// called once the server has acknowledged its presence (RFC 6121 §4.2.2:
// its own presence comes back), from when messages to its bare JID
// reach it.
func echo(ctx context.Context, s *stream.Stream, online func(jid.JID)) error {
	mux := &stream.Mux{}
	mux.HandleMessage(func(ctx context.Context, s *stream.Stream, m *stanza.Message) {
		chat := m.Type == stanza.MessageChat || m.Type == stanza.MessageNormal || m.Type == ""
		if chat && m.Body != "" && !m.From.IsZero() && m.From != s.Bound() {
			s.Send(ctx, &stanza.Message{To: m.From, Type: m.Type, Thread: m.Thread, Body: m.Body})
		}
	})
	mux.HandleIQ(stanza.IQGet, xml.Name{Space: "urn:xmpp:ping", Local: "ping"},
		func(context.Context, *stream.Stream, *stanza.IQ) (*stanza.Raw, error) { return nil, nil })
	mux.HandlePresence(func(_ context.Context, s *stream.Stream, p *stanza.Presence) {
		if p.From == s.Bound() && p.Type == stanza.PresenceAvailable && online != nil {
			online(s.Bound())
			online = nil
		}
	})
	if err := s.Send(ctx, &stanza.Presence{}); err != nil {
		return err
	}
	return s.Serve(ctx, mux) // other requests: service-unavailable (RFC 6120 §8.4)
}

// options are the command line's.
type options struct {
	addr, jid, password string
	tls                 string // required, optional or off
	cafile              string
	insecure            bool
	trace               io.Writer // the traffic, if not nil
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var o options
	fs := flag.NewFlagSet("echobot", flag.ExitOnError)
	fs.StringVar(&o.addr, "addr", "", "server address host:port (default: the JID's domain, port 5222)")
	fs.StringVar(&o.jid, "jid", "", "the bot's JID")
	fs.StringVar(&o.password, "password", "", "the bot's password")
	fs.StringVar(&o.tls, "tls", "required", "STARTTLS policy: required, optional or off")
	fs.StringVar(&o.cafile, "cafile", "", "PEM file of a CA or self-signed certificate to trust")
	fs.BoolVar(&o.insecure, "insecure", false, "skip verifying the server's certificate")
	verbose := fs.Bool("v", false, "print the traffic (secrets redacted)")
	fs.Parse(os.Args[1:])
	if *verbose {
		o.trace = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, o, func(j jid.JID) { log.Info("online", "jid", j.String()) })
	if err != nil {
		log.Error("echobot", "err", err)
		os.Exit(1)
	}
}

// run connects the bot and runs it until ctx is done, then closes its
// stream gracefully, or until the stream ends.
func run(ctx context.Context, o options, online func(jid.JID)) error {
	cfg, err := clientConfig(o)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	s, err := stream.Dial(dctx, o.addr, cfg)
	cancel()
	if err != nil {
		return err
	}
	// Cancelling Serve's ctx would cut the stream; Close ends it with the
	// closing handshake (RFC 6120 §4.4), after which Serve returns.
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	err = echo(context.WithoutCancel(ctx), s, online)
	if cerr := s.Close(); err == nil && ctx.Err() == nil {
		err = cerr
	}
	return err
}

// clientConfig turns the options into a stream.ClientConfig.
func clientConfig(o options) (*stream.ClientConfig, error) {
	j, err := jid.Parse(o.jid)
	if err != nil || j.Localpart() == "" {
		return nil, fmt.Errorf("-jid %q: want an account, localpart@domain: %w", o.jid, err)
	}
	cfg := &stream.ClientConfig{JID: j, Password: o.password, TLSConfig: &tls.Config{}}
	switch o.tls {
	case "required":
		cfg.TLS = stream.TLSRequired
	case "optional":
		cfg.TLS = stream.TLSOptional
	case "off":
		cfg.TLS = stream.TLSOff
	default:
		return nil, fmt.Errorf("-tls %q: want required, optional or off", o.tls)
	}
	if o.cafile != "" {
		pem, err := os.ReadFile(o.cafile)
		if err != nil {
			return nil, err
		}
		cfg.TLSConfig.RootCAs = x509.NewCertPool()
		if !cfg.TLSConfig.RootCAs.AppendCertsFromPEM(pem) {
			return nil, errors.New("-cafile: no PEM certificate in " + o.cafile)
		}
	}
	cfg.TLSConfig.InsecureSkipVerify = o.insecure
	if o.trace != nil {
		rec := streamtest.NewRecorder(o.trace, streamtest.Initiator, nil)
		cfg.Stream = &stream.Config{Trace: rec.Trace}
	}
	return cfg, nil
}
