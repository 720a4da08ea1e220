package sasl_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/xmppkit/xmpp/stream/sasl"
)

// redact hides the random and secret values of a SCRAM message (nonce,
// salt, proof, verifier) so that the example's output is stable.
func redact(msg []byte) string {
	fields := strings.Split(string(msg), ",")
	for i, f := range fields {
		switch {
		case strings.HasPrefix(f, "r="), strings.HasPrefix(f, "s="),
			strings.HasPrefix(f, "p="), strings.HasPrefix(f, "v="):
			fields[i] = f[:2] + "…"
		}
	}
	return strings.Join(fields, ",")
}

// Example runs a complete SCRAM exchange between a client and a server in
// memory, the loop a stream layer runs with <auth/>, <challenge/>,
// <response/> and <success/> around base64 of these messages.
func Example() {
	// The server stores salted keys, derived once from the password.
	creds, err := sasl.NewCredentials("pencil", []byte("a random salt per account"), 4096)
	if err != nil {
		panic(err)
	}
	serverConfig := &sasl.ServerConfig{
		Lookup: func(user string) (*sasl.Credentials, error) {
			if user != "juliet" {
				return nil, sasl.ErrUnknownUser
			}
			return creds, nil
		},
	}
	offered := serverConfig.Mechanisms() // no TLS: no -PLUS, no PLAIN
	fmt.Println("<mechanisms/>", offered)

	client, err := sasl.NewClient(offered, &sasl.ClientConfig{Username: "juliet", Password: "pencil"})
	if err != nil {
		panic(err)
	}
	server, err := sasl.NewServer(client.Mechanism(), serverConfig)
	if err != nil {
		panic(err)
	}

	msg, err := client.Start()
	if err != nil {
		panic(err)
	}
	fmt.Printf("<auth mechanism='%s'/> %s\n", client.Mechanism(), redact(msg))
	for {
		challenge, done, err := server.Next(msg)
		if err != nil {
			fmt.Println("<failure/>", err) // send the *sasl.Failure
			return
		}
		if done {
			fmt.Println("<success/>", redact(challenge))
			if err := client.Success(challenge); err != nil {
				fmt.Println("server not authenticated:", err)
				return
			}
			break
		}
		fmt.Println("<challenge/>", redact(challenge))
		if msg, err = client.Next(challenge); err != nil {
			fmt.Println("<abort/>", err)
			return
		}
		fmt.Println("<response/>", redact(msg))
	}
	fmt.Println("authenticated:", server.Username())
	// Output:
	// <mechanisms/> [SCRAM-SHA-256 SCRAM-SHA-1]
	// <auth mechanism='SCRAM-SHA-256'/> n,,n=juliet,r=…
	// <challenge/> r=…,s=…,i=4096
	// <response/> c=biws,r=…,p=…
	// <success/> v=…
	// authenticated: juliet
}

// ExampleSelect shows the client's choice, and its refusal to send a
// password in the clear.
func ExampleSelect() {
	plaintext := &sasl.ClientConfig{}
	m, err := sasl.Select([]sasl.Mechanism{"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"}, plaintext)
	fmt.Println(m, err)

	_, err = sasl.Select([]sasl.Mechanism{sasl.Plain}, plaintext)
	fmt.Println(errors.Is(err, sasl.ErrNoMechanism))

	m, err = sasl.Select([]sasl.Mechanism{sasl.Plain}, &sasl.ClientConfig{AllowPlainWithoutTLS: true})
	fmt.Println(m, err)
	// Output:
	// SCRAM-SHA-256 <nil>
	// true
	// PLAIN <nil>
}

// ExampleNewCredentials derives the stored keys of RFC 5802 §5's user
// ("pencil", salt QSXCR+Q6sek8bf92, 4096 iterations).
func ExampleNewCredentials() {
	salt, _ := base64.StdEncoding.DecodeString("QSXCR+Q6sek8bf92")
	creds, err := sasl.NewCredentials("pencil", salt, 4096)
	if err != nil {
		panic(err)
	}
	fmt.Println("SHA-1 StoredKey:", base64.StdEncoding.EncodeToString(creds.SHA1.StoredKey))
	fmt.Println("SHA-1 ServerKey:", base64.StdEncoding.EncodeToString(creds.SHA1.ServerKey))
	// Output:
	// SHA-1 StoredKey: 6dlGYMOdZcOPutkcNY8U2g7vK9Y=
	// SHA-1 ServerKey: D+CSWLOshSulAsxiupA+qs2/fTE=
}

// ExampleFailure shows a wrong password reported with the RFC 6120 §6.5
// condition, usable with errors.Is and errors.As.
func ExampleFailure() {
	creds, _ := sasl.NewCredentials("pencil", []byte("salt"), 4096)
	cfg := &sasl.ServerConfig{
		Lookup:               func(string) (*sasl.Credentials, error) { return creds, nil },
		AllowPlainWithoutTLS: true,
	}
	client, _ := sasl.NewClient(cfg.Mechanisms(), &sasl.ClientConfig{
		Username: "juliet", Password: "wrong",
		Enabled: []sasl.Mechanism{sasl.Plain}, AllowPlainWithoutTLS: true,
	})
	server, _ := sasl.NewServer(client.Mechanism(), cfg)
	msg, _ := client.Start()
	_, _, err := server.Next(msg)

	fmt.Println(errors.Is(err, sasl.NotAuthorized))
	var f *sasl.Failure
	if errors.As(err, &f) {
		fmt.Printf("<failure xmlns='%s'><%s/></failure>\n", sasl.NS, string(f.Condition))
	}
	// Output:
	// true
	// <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>
}
