// Command server is a small XMPP client-to-server service: the example
// server of package chatserver (read its documentation for what it
// does), listening on TCP.
//
//	go run ./examples/server [flags]
//
// Flags:
//
//	-addr 127.0.0.1:5222     where to listen (port 0 picks one; the log says which)
//	-domain localhost        the XMPP domain served
//	-users alice:secret,bob:secret
//	                         accounts, name:password, comma-separated
//	-register-users N        also create the accounts user1 … userN
//	-register-password P     their password (default "secret")
//	-tls none|optional|required
//	                         STARTTLS policy (default optional)
//	-cert FILE -key FILE     the certificate and key for STARTTLS (PEM);
//	                         without them a self-signed one is generated
//	-cert-out FILE           write the generated certificate there (PEM),
//	                         for clients to trust
//	-mechanisms LIST         SASL mechanisms to offer, comma-separated
//	                         (default: all, SCRAM-SHA-256-PLUS … PLAIN)
//	-plain                   offer SASL PLAIN without TLS too
//	-trace                   log every stream's traffic (secrets redacted)
//	-log info|warn|error|debug
//	                         the least level of the log lines written
//	-handshake-timeout 30s   a connection not done negotiating by then gets
//	                         connection-timeout (RFC 6120 §4.9.3.4)
//	-write-timeout 10s       a write to a client that takes longer ends its
//	                         stream
//	-queue 256               stanzas waiting for one client; a client that
//	                         lets more pile up (it does not read) is
//	                         disconnected with policy-violation
//	-max-stanza 262144       the largest stanza accepted, in bytes (larger
//	                         ones: policy-violation)
//	-debug-addr ADDR         serve monitoring over HTTP there (loopback
//	                         only!): /debug/xmppkit (JSON: connections,
//	                         sessions, goroutines, heap, stack, RSS; with
//	                         ?gc=1 after a garbage collection), /debug/vars
//	                         (expvar) and /debug/pprof/
//
// SIGINT or SIGTERM shut it down gracefully: every stream gets the
// system-shutdown stream error (RFC 6120 §4.9.3.22).
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/xmppkit/xmpp/examples/chatserver"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/sasl"
	"github.com/xmppkit/xmpp/stream/streamtest"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log, os.Args[1:]); err != nil {
		log.Error("server", "err", err)
		os.Exit(1)
	}
}

// run parses args, serves until SIGINT or SIGTERM, and shuts down.
func run(log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:5222", "TCP address to listen on")
	domain := fs.String("domain", chatserver.DefaultDomain, "XMPP domain served")
	users := fs.String("users", "alice:secret,bob:secret", "accounts: name:password,...")
	regN := fs.Int("register-users", 0, "also create the accounts user1 … userN")
	regPW := fs.String("register-password", "secret", "password of the -register-users accounts")
	policy := fs.String("tls", string(chatserver.TLSOptional), "STARTTLS policy: none, optional or required")
	certFile := fs.String("cert", "", "certificate for STARTTLS (PEM); default: a self-signed one")
	keyFile := fs.String("key", "", "private key of -cert (PEM)")
	certOut := fs.String("cert-out", "", "write the generated self-signed certificate to this file (PEM)")
	mechs := fs.String("mechanisms", "", "SASL mechanisms to offer, comma-separated (default all)")
	plain := fs.Bool("plain", false, "offer SASL PLAIN on unencrypted streams too")
	trace := fs.Bool("trace", false, "log the traffic of every stream (SASL secrets redacted)")
	level := fs.String("log", "info", "least level logged: debug, info, warn or error")
	handshake := fs.Duration("handshake-timeout", chatserver.DefaultHandshakeTimeout, "time a connection has to finish negotiating")
	writeTimeout := fs.Duration("write-timeout", chatserver.DefaultWriteTimeout, "time one write to a client may take")
	queue := fs.Int("queue", chatserver.DefaultQueueSize, "stanzas that may wait for one client")
	maxStanza := fs.Int("max-stanza", stanza.DefaultMaxStanzaSize, "largest stanza accepted, in bytes")
	debugAddr := fs.String("debug-addr", "", "serve /debug/xmppkit, /debug/vars and /debug/pprof/ over HTTP at this address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("-log: %w", err)
	}
	log = slog.New(leveled{log.Handler(), lv})

	accounts, err := chatserver.ParseAccounts(*users)
	if err != nil {
		return err
	}
	if *regN > 0 {
		if err := accounts.AddNumbered("user", *regN, *regPW); err != nil {
			return err
		}
	}
	var enabled []sasl.Mechanism
	for m := range strings.SplitSeq(*mechs, ",") {
		if m = strings.TrimSpace(m); m != "" {
			enabled = append(enabled, sasl.Mechanism(strings.ToUpper(m)))
		}
	}
	cfg := &chatserver.Config{
		Mechanisms:           enabled,
		Domain:               *domain,
		Accounts:             accounts,
		TLS:                  chatserver.TLSPolicy(*policy),
		AllowPlainWithoutTLS: *plain,
		Log:                  log,
		HandshakeTimeout:     *handshake,
		WriteTimeout:         *writeTimeout,
		QueueSize:            *queue,
		Limits:               stanza.Limits{MaxStanzaSize: *maxStanza},
	}
	if *certFile != "" || *keyFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fmt.Errorf("certificate: %w", err)
		}
		cfg.Certificate = &cert
	}
	if *trace {
		cfg.Trace = func(c net.Conn) func(stream.Event) {
			// One transcript line per element, marked with the client's
			// address: C: what it sent, S: what the server sent.
			prefix := c.RemoteAddr().String() + " "
			return streamtest.NewRecorder(os.Stderr, streamtest.Receiver, &streamtest.RecordOptions{Prefix: prefix}).Trace
		}
	}
	srv, err := chatserver.New(cfg)
	if err != nil {
		return err
	}
	if pem := srv.CertificatePEM(); pem != nil && *certOut != "" {
		if err := os.WriteFile(*certOut, pem, 0o644); err != nil {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "domain", srv.Domain().String(),
		"tls", cfg.TLS, "accounts", accounts.Len())
	if *debugAddr != "" {
		dln, err := net.Listen("tcp", *debugAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("-debug-addr: %w", err)
		}
		defer dln.Close()
		log.Info("debug listening", "addr", dln.Addr().String())
		go serveDebug(dln, srv)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, chatserver.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
