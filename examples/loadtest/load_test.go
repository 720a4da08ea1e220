package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/stanza"
)

// What a reader does with each kind of message, without a network:
// arrivals free their sender's window, bounces too, and the rest is
// counted as an error.
func TestLoadMessage(t *testing.T) {
	t.Parallel()
	cfg, err := parseArgs([]string{"-streams", "3", "-messages", "6", "-window", "2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := newLoad(cfg)
	// Sender 0 has its quota of 2 in flight; sender 1 one message.
	l.pending.Store(1 + 3)
	l.windows[0] <- struct{}{}
	l.windows[0] <- struct{}{}
	l.windows[1] <- struct{}{}
	body := func(s, r int, seq uint32) string {
		return string(appendBody(nil, payload{sender: s, receiver: r, seq: seq, sentAt: l.since()}))
	}

	l.message(1, &stanza.Message{Type: stanza.MessageChat, Body: body(0, 1, 0)})
	if len(l.windows[0]) != 1 || l.pending.Load() != 3 || l.chk.received.Load() != 1 {
		t.Errorf("after an arrival: window %d, pending %d, received %d", len(l.windows[0]), l.pending.Load(), l.chk.received.Load())
	}
	if l.lastArrival.Load() == 0 {
		t.Error("last arrival not recorded")
	}
	// Message 1 of sender 0 bounces back to it.
	l.message(0, &stanza.Message{Type: stanza.MessageError, ID: formatID(0, 1),
		Error: stanza.NewError(stanza.ServiceUnavailable, "")})
	if len(l.windows[0]) != 0 || l.pending.Load() != 2 || l.stanzaErrors.Load() != 1 {
		t.Errorf("after a bounce: window %d, pending %d, stanza errors %d", len(l.windows[0]), l.pending.Load(), l.stanzaErrors.Load())
	}
	// A bounce of someone else's message, or of one never sent, frees nothing.
	l.message(2, &stanza.Message{Type: stanza.MessageError, ID: formatID(1, 0)})
	l.message(1, &stanza.Message{Type: stanza.MessageError, ID: "x"})
	if len(l.windows[1]) != 1 || l.pending.Load() != 2 || l.stanzaErrors.Load() != 3 {
		t.Errorf("after foreign bounces: window %d, pending %d, stanza errors %d", len(l.windows[1]), l.pending.Load(), l.stanzaErrors.Load())
	}
	// Sender 1's message, meant for stream 2, reaches stream 0: counted
	// as arrived, and as misrouted.
	l.message(0, &stanza.Message{Type: stanza.MessageChat, Body: body(1, 2, 0)})
	if l.misrouted.Load() != 1 || len(l.windows[1]) != 0 || l.pending.Load() != 1 {
		t.Errorf("misrouted %d, window %d, pending %d", l.misrouted.Load(), len(l.windows[1]), l.pending.Load())
	}
	// Again: a duplicate, which frees nothing.
	l.message(2, &stanza.Message{Type: stanza.MessageChat, Body: body(1, 2, 0)})
	if l.chk.duplicates.Load() != 1 || l.pending.Load() != 1 {
		t.Errorf("duplicates %d, pending %d", l.chk.duplicates.Load(), l.pending.Load())
	}
	l.message(2, &stanza.Message{Type: stanza.MessageChat, Body: "hello"})
	if l.unexpected.Load() != 1 {
		t.Errorf("unexpected %d", l.unexpected.Load())
	}
	select {
	case <-l.allIn:
		t.Fatal("allIn closed while the senders run")
	default:
	}
	l.settledSenders()
	select {
	case <-l.allIn:
	default:
		t.Fatal("allIn not closed once everything is accounted for")
	}
	if got := l.chk.lost([]uint32{2, 1, 0}); got != 0 {
		t.Errorf("lost %d, want 0", got)
	}
	if len(l.errors) != 6 || !strings.Contains(l.errors[0], "bounced: service-unavailable") {
		t.Errorf("errors %q", l.errors)
	}
}

// The limiter spaces slots by 1/rate.
func TestLimiter(t *testing.T) {
	t.Parallel()
	l := newLimiter(1000) // 1 ms apart
	start := time.Now()
	for range 20 {
		if err := l.wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 19*time.Millisecond {
		t.Errorf("20 slots at 1000/s took %v, want at least 19 ms", d)
	}
	l = newLimiter(0.001) // one slot every 1000 s: the second waits
	if err := l.wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := l.wait(ctx); err == nil {
		t.Error("wait with a cancelled ctx: no error")
	}
}
