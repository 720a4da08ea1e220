package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/streamerror"
)

// The command end to end: it listens, a client logs in over STARTTLS
// trusting the certificate written by -cert-out, and SIGTERM ends the
// client's stream with system-shutdown and the command with success.
func TestRun(t *testing.T) {
	logs := &logBuffer{listening: make(chan string, 1)}
	log := slog.New(slog.NewTextHandler(logs, nil))
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	done := make(chan error, 1)
	go func() {
		done <- run(log, []string{"-addr", "127.0.0.1:0", "-tls", "required", "-cert-out", certFile,
			"-users", "juliet:secret", "-register-users", "3"})
	}()
	var addr string
	select {
	case addr = <-logs.listening:
	case err := <-done:
		t.Fatalf("run returned before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("not listening after 30 s")
	}

	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var clients []*stream.Stream
	for _, user := range []string{"juliet@localhost", "user3@localhost"} {
		st, err := stream.Dial(ctx, addr, &stream.ClientConfig{
			JID: jid.MustParse(user), Password: "secret", TLSConfig: &tls.Config{RootCAs: roots},
		})
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		defer st.Close()
		clients = append(clients, st)
	}

	// signal.NotifyContext is in place once run listens.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, st := range clients {
		if _, err := st.Next(ctx); !errors.Is(err, streamerror.SystemShutdown) {
			t.Errorf("%s: %v, want system-shutdown", st.Bound(), err)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return within 30 s of SIGTERM")
	}
}

func TestRunBadFlags(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, args := range [][]string{
		{"-tls", "sometimes"},
		{"-users", "alice"},
		{"-domain", "not a domain"},
		{"-cert", "/nonexistent.pem", "-key", "/nonexistent.key"},
	} {
		if err := run(log, append([]string{"-addr", "127.0.0.1:0"}, args...)); err == nil {
			t.Errorf("run %q: no error", args)
		}
	}
}

// logBuffer is the log; it reports the address from the "listening"
// record.
type logBuffer struct {
	mu        sync.Mutex
	buf       []byte
	listening chan string
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if m := listeningRE.FindSubmatch(p); m != nil {
		select {
		case l.listening <- string(m[1]):
		default:
		}
	}
	return len(p), nil
}
