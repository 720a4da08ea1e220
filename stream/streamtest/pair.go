package streamtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stream"
)

// Domain is the domain the default configurations of Pair use: the
// initiating entity's 'to' and the receiving entity's only domain.
const Domain = "example.com"

// DefaultTimeout bounds what NewPair and Run wait for: the whole of the
// header exchange and negotiation, the whole of a script.
const DefaultTimeout = 10 * time.Second

// Pair returns two Streams connected to each other over a Pipe: client
// opened with stream.Open and initiator's configuration, server accepted
// with stream.Accept and receiver's. Open and Accept run concurrently
// (Pair runs Accept in a goroutine it starts and waits for), so the
// header exchange and any features configured are negotiated for real.
//
// A nil initiator means &stream.Config{To: Domain}; a nil receiver means
// &stream.Config{Domains: []string{Domain}}. A non-nil Config is used as
// it is.
//
// Give ctx a deadline: it bounds Open and Accept, and is what releases
// Pair if one side waits for something the other never sends. Note one
// case of that: when the receiving entity offers only voluntary features
// (RFC 6120 §4.3.5) and the initiating entity negotiates none of them,
// Accept returns only once the initiator's first stanza arrives, which
// Pair cannot send.
//
// The caller closes the Streams. Each Close waits for the other side's
// closing tag (RFC 6120 §4.4, up to Config.CloseTimeout), so close the
// two at once: go server.Close(); client.Close().
//
// When either side fails, Pair closes the other and returns an error
// wrapping the failures (a *stream.LocalError, a *streamerror.Error, the
// ctx's error…) for errors.Is and errors.As.
func Pair(ctx context.Context, initiator, receiver *stream.Config) (client, server *stream.Stream, err error) {
	if initiator == nil {
		initiator = &stream.Config{To: jid.MustParse(Domain)}
	}
	if receiver == nil {
		receiver = &stream.Config{Domains: []string{Domain}}
	}
	a, b := Pipe()
	type accepted struct {
		s   *stream.Stream
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		s, err := stream.Accept(ctx, b, receiver)
		ch <- accepted{s, err}
	}()
	client, cerr := stream.Open(ctx, a, initiator)
	if cerr != nil {
		// Open has closed its end, which releases Accept.
		a.Close()
	}
	r := <-ch
	server, serr := r.s, r.err
	if serr != nil {
		b.Close()
	}
	switch {
	case cerr != nil && serr != nil:
		return nil, nil, fmt.Errorf("streamtest: pair: %w", errors.Join(
			fmt.Errorf("open: %w", cerr), fmt.Errorf("accept: %w", serr)))
	case cerr != nil:
		server.Close()
		return nil, nil, fmt.Errorf("streamtest: pair: open: %w", cerr)
	case serr != nil:
		client.Close()
		return nil, nil, fmt.Errorf("streamtest: pair: accept: %w", serr)
	}
	return client, server, nil
}

// NewPair is Pair for tests: it bounds the negotiation by DefaultTimeout
// and the test's Context, fails the test with tb.Fatal if Pair fails, and
// registers a Cleanup that closes both Streams at once (each sends its
// closing tag and reads the other's, RFC 6120 §4.4). Call it from the
// goroutine running the test.
func NewPair(tb testing.TB, initiator, receiver *stream.Config) (client, server *stream.Stream) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), DefaultTimeout)
	defer cancel()
	client, server, err := Pair(ctx, initiator, receiver)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		var wg sync.WaitGroup
		wg.Go(func() { server.Close() })
		client.Close()
		wg.Wait()
	})
	return client, server
}
