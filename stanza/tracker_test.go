package stanza_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
)

var (
	juliet = jid.MustParse("juliet@example.com/balcony")
	romeo  = jid.MustParse("romeo@example.net/orchard")
)

func req(id string, to jid.JID) *stanza.IQ {
	return &stanza.IQ{ID: id, To: to, Type: stanza.IQGet}
}

func reply(id string, from jid.JID, typ stanza.IQType) *stanza.IQ {
	return &stanza.IQ{ID: id, From: from, Type: typ}
}

func TestTrackerMatching(t *testing.T) {
	t.Parallel()
	self := juliet
	cases := []struct {
		name  string
		to    jid.JID // the request's 'to'
		reply *stanza.IQ
		want  bool
	}{
		{"reply from the addressee", romeo, reply("a", romeo, stanza.IQResult), true},
		{"error reply from the addressee", romeo, reply("a", romeo, stanza.IQError), true},
		{"right id, wrong from", romeo, reply("a", jid.MustParse("mallory@example.net/x"), stanza.IQResult), false},
		{"right id, bare JID of the addressee", romeo, reply("a", romeo.Bare(), stanza.IQResult), false},
		{"right id, no from, request to another", romeo, reply("a", jid.JID{}, stanza.IQResult), false},
		{"right from, wrong id", romeo, reply("b", romeo, stanza.IQResult), false},
		{"a get posing as a reply", romeo, reply("a", romeo, stanza.IQGet), false},
		{"a set posing as a reply", romeo, reply("a", romeo, stanza.IQSet), false},
		{"no to: reply without from", jid.JID{}, reply("a", jid.JID{}, stanza.IQResult), true},
		{"no to: reply from own bare JID", jid.JID{}, reply("a", self.Bare(), stanza.IQResult), true},
		{"no to: reply from own domain", jid.JID{}, reply("a", self.Domain(), stanza.IQResult), true},
		{"no to: reply from own full JID", jid.JID{}, reply("a", self, stanza.IQResult), false},
		{"no to: reply from another domain", jid.JID{}, reply("a", romeo.Domain(), stanza.IQResult), false},
		{"to own bare: reply without from", self.Bare(), reply("a", jid.JID{}, stanza.IQResult), true},
		{"to own bare: reply from bare", self.Bare(), reply("a", self.Bare(), stanza.IQResult), true},
		{"to own bare: reply from domain", self.Bare(), reply("a", self.Domain(), stanza.IQResult), true},
		{"to server: reply from server", self.Domain(), reply("a", self.Domain(), stanza.IQResult), true},
		{"to server: reply without from", self.Domain(), reply("a", jid.JID{}, stanza.IQResult), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := stanza.NewTracker(self)
			c, err := tr.Track(req("a", tc.to))
			if err != nil {
				t.Fatal(err)
			}
			if got := tr.Deliver(tc.reply); got != tc.want {
				t.Fatalf("Deliver = %v, want %v", got, tc.want)
			}
			if tc.want {
				select {
				case <-c.Done():
				default:
					t.Fatal("call not completed")
				}
				if tr.Len() != 0 {
					t.Fatalf("Len = %d after reply", tr.Len())
				}
				// A duplicate reply is no longer a reply.
				if tr.Deliver(tc.reply) {
					t.Fatal("duplicate reply delivered twice")
				}
			} else if tr.Len() != 1 {
				t.Fatalf("Len = %d, want the request still pending", tr.Len())
			}
		})
	}
}

// A server tracking requests to the client bound to its stream
// (SetPeer): no 'to' means that client, and a reply without 'from' is
// the client's (RFC 6120 §8.1.1.1, §8.1.2.1).
func TestTrackerPeer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		to    jid.JID
		reply *stanza.IQ
		want  bool
	}{
		{"no to: reply without from", jid.JID{}, reply("a", jid.JID{}, stanza.IQResult), true},
		{"no to: reply from the client", jid.JID{}, reply("a", juliet, stanza.IQResult), true},
		{"no to: reply from the client's bare JID", jid.JID{}, reply("a", juliet.Bare(), stanza.IQResult), false},
		{"no to: reply from another", jid.JID{}, reply("a", romeo, stanza.IQResult), false},
		{"to the client: reply without from", juliet, reply("a", jid.JID{}, stanza.IQResult), true},
		{"to another: reply without from", romeo, reply("a", jid.JID{}, stanza.IQResult), false},
		{"to another: reply from it", romeo, reply("a", romeo, stanza.IQResult), true},
		{"no to: wrong id", jid.JID{}, reply("b", jid.JID{}, stanza.IQResult), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := stanza.NewTracker(jid.JID{})
			tr.SetPeer(juliet)
			if _, err := tr.Track(req("a", tc.to)); err != nil {
				t.Fatal(err)
			}
			if got := tr.Deliver(tc.reply); got != tc.want {
				t.Fatalf("Deliver = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCallResult(t *testing.T) {
	t.Parallel()
	tr := stanza.NewTracker(juliet)
	c, _ := tr.Track(req("r", romeo))
	if _, err := c.Result(); !errors.Is(err, stanza.ErrPending) {
		t.Fatalf("Result before the reply = %v, want ErrPending", err)
	}
	want := reply("r", romeo, stanza.IQResult)
	tr.Deliver(want)
	if got, err := c.Result(); got != want || err != nil {
		t.Fatalf("Result = %v, %v", got, err)
	}
	// An error reply without <error/> still fails.
	c, _ = tr.Track(req("e", romeo))
	tr.Deliver(reply("e", romeo, stanza.IQError))
	if got, err := c.Result(); got == nil || !errors.Is(err, stanza.UndefinedCondition) {
		t.Fatalf("Result = %v, %v; want the reply and undefined-condition", got, err)
	}
	// Cancelled.
	c, _ = tr.Track(req("c", romeo))
	if !c.Cancel() || c.Cancel() {
		t.Fatal("Cancel did not report once")
	}
	if _, err := c.Result(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Result after Cancel = %v", err)
	}
}

func TestTrackerWait(t *testing.T) {
	t.Parallel()
	tr := stanza.NewTracker(juliet)
	c, err := tr.Track(req("r1", romeo))
	if err != nil {
		t.Fatal(err)
	}
	want := reply("r1", romeo, stanza.IQResult)
	go tr.Deliver(want)
	got, err := c.Wait(context.Background())
	if err != nil || got != want {
		t.Fatalf("Wait = %v, %v", got, err)
	}

	c, _ = tr.Track(req("r2", romeo))
	e := &stanza.Error{Type: stanza.Cancel, Condition: stanza.ItemNotFound}
	tr.Deliver(&stanza.IQ{ID: "r2", From: romeo, Type: stanza.IQError, Error: e})
	got, err = c.Wait(context.Background())
	if got == nil || !errors.Is(err, &stanza.Error{Condition: stanza.ItemNotFound}) {
		t.Fatalf("error reply: Wait = %v, %v", got, err)
	}
}

func TestTrackerRejects(t *testing.T) {
	t.Parallel()
	tr := stanza.NewTracker(juliet)
	for _, iq := range []*stanza.IQ{nil, {Type: stanza.IQGet}, {ID: "x", Type: stanza.IQResult}} {
		if _, err := tr.Track(iq); !errors.Is(err, stanza.ErrNotRequest) {
			t.Errorf("Track(%+v) = %v, want ErrNotRequest", iq, err)
		}
	}
	if _, err := tr.Track(req("d", romeo)); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Track(req("d", romeo)); !errors.Is(err, stanza.ErrDuplicateID) {
		t.Errorf("duplicate Track = %v, want ErrDuplicateID", err)
	}
	// The same id to another responder is another request.
	if _, err := tr.Track(req("d", romeo.Bare())); err != nil {
		t.Errorf("same id, other responder: %v", err)
	}
}

// A reply that arrives after its waiter gave up is an ordinary stanza.
func TestTrackerLateReply(t *testing.T) {
	t.Parallel()
	tr := stanza.NewTracker(juliet)
	c, _ := tr.Track(req("late", romeo))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	if tr.Len() != 0 {
		t.Fatalf("Len = %d after cancel", tr.Len())
	}
	if tr.Deliver(reply("late", romeo, stanza.IQResult)) {
		t.Fatal("late reply taken as a reply")
	}
}

func TestTrackerCloseReleasesAll(t *testing.T) {
	t.Parallel()
	tr := stanza.NewTracker(juliet)
	streamErr := errors.New("stream ended")
	const n = 5000
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, n)
	for i := range n {
		c, err := tr.Track(req(strconv.Itoa(i), romeo))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Wait(ctx)
			errs <- err
		}()
		if i%2 == 0 {
			c.Cancel()
		}
	}
	tr.Close(streamErr)
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, streamErr) && !errors.Is(err, context.Canceled) {
			t.Fatalf("waiter released with %v", err)
		}
	}
	if tr.Len() != 0 {
		t.Fatalf("Len = %d after Close", tr.Len())
	}
	if _, err := tr.Track(req("after", romeo)); !errors.Is(err, streamErr) {
		t.Fatalf("Track after Close = %v", err)
	}
}

func BenchmarkTracker(b *testing.B) {
	tr := stanza.NewTracker(juliet)
	rq := req("bench-id-0001", romeo)
	rp := reply("bench-id-0001", romeo, stanza.IQResult)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(rq.ID)))
	for b.Loop() {
		c, err := tr.Track(rq)
		if err != nil {
			b.Fatal(err)
		}
		tr.Deliver(rp)
		if _, err := c.Wait(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
