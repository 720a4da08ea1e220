package streamtest

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
	"github.com/xmppkit/xmpp/streamerror"
)

// TestNewPair sends both ways on one goroutine, which Pipe's buffers
// allow, and checks the headers of the default configurations.
func TestNewPair(t *testing.T) {
	t.Parallel()
	var client, server *stream.Stream
	t.Run("pair", func(t *testing.T) {
		client, server = NewPair(t, nil, nil)
		ctx := ctxT(t)
		if !client.Initiating() || server.Initiating() {
			t.Error("roles swapped")
		}
		if client.ID() == "" || client.ID() != server.ID() {
			t.Errorf("stream IDs: client %q, server %q", client.ID(), server.ID())
		}
		if got := server.PeerHeader().To; got != Domain {
			t.Errorf("the initiator's header is to %q, want %q", got, Domain)
		}
		msg := &stanza.Message{To: jid.MustParse("romeo@example.net"), Type: stanza.MessageChat, Body: "Art thou not Romeo, and a Montague?"}
		if err := client.Send(ctx, msg); err != nil {
			t.Fatal(err)
		}
		el, err := server.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := el.(*stanza.Message); !ok || m.Body != msg.Body {
			t.Fatalf("server got %#v", el)
		}
		if err := server.Send(ctx, &stanza.Presence{}); err != nil {
			t.Fatal(err)
		}
		if el, err := client.Next(ctx); err != nil {
			t.Fatal(err)
		} else if _, ok := el.(*stanza.Presence); !ok {
			t.Fatalf("client got %#v", el)
		}
	})
	// The cleanup of the subtest closed both, each with the handshake.
	ctx := ctxT(t)
	if err := client.Send(ctx, &stanza.Presence{}); !errors.Is(err, stream.ErrClosed) {
		t.Errorf("client Send after cleanup = %v, want ErrClosed", err)
	}
	if _, err := server.Next(ctx); err != io.EOF && !errors.Is(err, stream.ErrClosed) {
		t.Errorf("server Next after cleanup = %v", err)
	}
}

// TestPairFailure checks that a failed negotiation fails both sides,
// releases both, and reports both errors.
func TestPairFailure(t *testing.T) {
	t.Parallel()
	start := time.Now()
	client, server, err := Pair(ctxT(t), &stream.Config{To: jid.MustParse("example.org")}, nil)
	if client != nil || server != nil {
		t.Error("Pair returned Streams with an error")
	}
	var le *stream.LocalError
	var se *streamerror.Error
	if !errors.As(err, &le) || !errors.As(err, &se) || !errors.Is(err, streamerror.HostUnknown) {
		t.Fatalf("Pair = %v, want host-unknown from both sides", err)
	}
	if time.Since(start) > testTimeout/2 {
		t.Errorf("Pair took %v to fail", time.Since(start))
	}
	t.Log(err)
}

// TestPairCancelled checks that ctx releases Pair.
func TestPairCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Pair(ctx, nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Pair = %v, want context.Canceled", err)
	}
}

// TestPairTrace checks Configs are used as given: a trace on each side
// sees the other's header.
func TestPairTrace(t *testing.T) {
	t.Parallel()
	var cin, sin []byte
	client, _ := NewPair(t,
		&stream.Config{To: jid.MustParse("example.net"), Trace: func(e stream.Event) {
			if e.Dir == stream.In {
				cin = append(cin, e.Data...)
			}
		}},
		&stream.Config{Domains: []string{"example.net"}, Trace: func(e stream.Event) {
			if e.Dir == stream.In {
				sin = append(sin, e.Data...)
			}
		}})
	if err := Compare("<stream:stream to='example.net' ...>", string(sin)); err != nil {
		t.Error(err)
	}
	if err := Compare("<stream:stream from='example.net' id='"+client.ID()+"' ...>\n<stream:features/>", string(cin)); err != nil {
		t.Error(err)
	}
}
