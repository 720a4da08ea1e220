package chatserver_test

import (
	"context"
	"encoding/xml"
	"fmt"

	"github.com/xmppkit/xmpp/examples/chatserver"
	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/stream/streamtest"
)

// A server for example.com, a client over an in-memory connection that
// logs in (SCRAM, no TLS), pings the server, and leaves; then the server
// shuts down.
func Example() {
	accounts, err := chatserver.ParseAccounts("juliet:secret")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := chatserver.New(&chatserver.Config{Domain: "example.com", Accounts: accounts})
	if err != nil {
		fmt.Println(err)
		return
	}
	clientConn, serverConn := streamtest.Pipe() // or net.Listen and srv.Serve
	go srv.ServeConn(serverConn)

	ctx := context.Background()
	st, err := stream.OpenClient(ctx, clientConn, &stream.ClientConfig{
		JID:      jid.MustParse("juliet@example.com/balcony"),
		Password: "secret",
		TLS:      stream.TLSOff,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("bound", st.Bound())
	res, err := st.SendIQ(ctx, &stanza.IQ{
		To:      srv.Domain(),
		Type:    stanza.IQGet,
		Payload: &stanza.Raw{Name: xml.Name{Space: chatserver.NSPing, Local: "ping"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ping:", res.Type, "from", res.From)
	fmt.Println("close:", st.Close())
	fmt.Println("shutdown:", srv.Shutdown(ctx))
	// Output:
	// bound juliet@example.com/balcony
	// ping: result from example.com
	// close: <nil>
	// shutdown: <nil>
}

func ExampleParseAccounts() {
	accounts, err := chatserver.ParseAccounts("Alice:secret,bob:pass:word")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(accounts.Len(), accounts.Exists("alice"), accounts.Exists("bob"))
	_, err = chatserver.ParseAccounts("alice")
	fmt.Println(err)
	// Output:
	// 2 true true
	// chatserver: account "alice": want name:password
}
