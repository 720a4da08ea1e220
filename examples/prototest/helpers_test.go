package prototest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/examples/chatserver"
	"github.com/xmppkit/xmpp/stream/streamtest"
)

// testServer is the example server for example.com with the accounts
// juliet, romeo and nurse (password "secret"), PLAIN allowed without TLS
// so that the scripts stay readable.
type testServer struct{ *chatserver.Server }

func newServer(t *testing.T) testServer {
	t.Helper()
	accounts, err := chatserver.ParseAccounts("juliet:secret,romeo:secret,nurse:secret")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := chatserver.New(&chatserver.Config{
		Domain:               "example.com",
		Accounts:             accounts,
		AllowPlainWithoutTLS: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return testServer{srv}
}

// connect returns the client's end of a new in-memory connection to the
// server, closed at the end of the test.
func (s testServer) connect(t *testing.T) net.Conn {
	client, server := streamtest.Pipe()
	go s.ServeConn(server)
	t.Cleanup(func() { client.Close() })
	return client
}
