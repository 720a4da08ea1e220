package main

import (
	"testing"
	"time"
)

// arrival is one message as a receiver gets it.
type arrival struct {
	receiver, sender int
	seq              uint32
}

// The checker finds every duplicate, loss and reorder it is shown.
func TestChecker(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		quota    []uint32
		sent     []uint32
		arrivals []arrival
		settle   []arrival // bounced: receiver unused
		want     []verdict // per arrival
		lost     int64
		received int64
		dups     int64
		reorders int64
		bogus    int64
	}{
		{
			name:     "all in order",
			quota:    []uint32{3, 2, 0},
			sent:     []uint32{3, 2, 0},
			arrivals: []arrival{{1, 0, 0}, {2, 0, 1}, {1, 0, 2}, {0, 1, 0}, {2, 1, 1}},
			want:     []verdict{verdictFirst, verdictFirst, verdictFirst, verdictFirst, verdictFirst},
			received: 5,
		},
		{
			name:     "duplicate",
			quota:    []uint32{2, 0},
			sent:     []uint32{2, 0},
			arrivals: []arrival{{1, 0, 0}, {1, 0, 1}, {1, 0, 1}, {1, 0, 0}},
			want:     []verdict{verdictFirst, verdictFirst, verdictDuplicate, verdictDuplicate},
			received: 2,
			dups:     2,
		},
		{
			name:     "duplicate at another receiver",
			quota:    []uint32{1, 0, 0},
			sent:     []uint32{1, 0, 0},
			arrivals: []arrival{{1, 0, 0}, {2, 0, 0}},
			want:     []verdict{verdictFirst, verdictDuplicate},
			received: 1,
			dups:     1,
		},
		{
			name:     "lost",
			quota:    []uint32{4, 70},
			sent:     []uint32{4, 70},
			arrivals: []arrival{{1, 0, 0}, {1, 0, 3}, {0, 1, 69}},
			want:     []verdict{verdictFirst, verdictFirst, verdictFirst},
			// 0's 1 and 2 (a gap is a loss, not a reorder), 1's 0…68
			lost:     2 + 69,
			received: 3,
		},
		{
			name:     "not sent is not lost",
			quota:    []uint32{10, 0},
			sent:     []uint32{2, 0},
			arrivals: []arrival{{1, 0, 1}},
			want:     []verdict{verdictFirst},
			lost:     1,
			received: 1,
		},
		{
			name:     "reordered",
			quota:    []uint32{5, 0},
			sent:     []uint32{5, 0},
			arrivals: []arrival{{1, 0, 0}, {1, 0, 2}, {1, 0, 1}, {1, 0, 4}, {1, 0, 3}},
			want:     []verdict{verdictFirst, verdictFirst, verdictReordered, verdictFirst, verdictReordered},
			received: 5,
			reorders: 2,
		},
		{
			name:     "late after a loss",
			quota:    []uint32{3, 0},
			sent:     []uint32{3, 0},
			arrivals: []arrival{{1, 0, 2}, {1, 0, 0}},
			want:     []verdict{verdictFirst, verdictReordered},
			lost:     1,
			received: 2,
			reorders: 1,
		},
		{
			name:  "order is per receiver",
			quota: []uint32{4, 0, 0},
			sent:  []uint32{4, 0, 0},
			// 0 sends 0 and 2 to 1, 1 and 3 to 2: messages to different
			// receivers may arrive in any relative order, to one not.
			arrivals: []arrival{{2, 0, 1}, {1, 0, 2}, {2, 0, 3}, {1, 0, 0}},
			want:     []verdict{verdictFirst, verdictFirst, verdictFirst, verdictReordered},
			received: 4,
			reorders: 1,
		},
		{
			name:     "interleaved senders",
			quota:    []uint32{2, 2, 0},
			sent:     []uint32{2, 2, 0},
			arrivals: []arrival{{2, 1, 0}, {2, 0, 0}, {2, 0, 1}, {2, 1, 1}},
			want:     []verdict{verdictFirst, verdictFirst, verdictFirst, verdictFirst},
			received: 4,
		},
		{
			name:     "bogus",
			quota:    []uint32{2, 0},
			sent:     []uint32{2, 0},
			arrivals: []arrival{{1, 0, 2}, {1, 5, 0}, {1, -1, 0}, {9, 0, 0}, {1, 0, 0}, {1, 0, 1}},
			want:     []verdict{verdictBogus, verdictBogus, verdictBogus, verdictBogus, verdictFirst, verdictFirst},
			received: 2,
			bogus:    4,
		},
		{
			name:     "bounced then arrived",
			quota:    []uint32{3, 0},
			sent:     []uint32{3, 0},
			settle:   []arrival{{0, 0, 1}},
			arrivals: []arrival{{1, 0, 0}, {1, 0, 2}, {1, 0, 1}},
			want:     []verdict{verdictFirst, verdictFirst, verdictDuplicate},
			received: 2,
			dups:     1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newChecker(tt.quota)
			for _, a := range tt.settle {
				if !c.settle(a.sender, a.seq) {
					t.Errorf("settle(%d, %d) = false", a.sender, a.seq)
				}
			}
			for i, a := range tt.arrivals {
				if got := c.receive(a.receiver, a.sender, a.seq, time.Millisecond); got != tt.want[i] {
					t.Errorf("arrival %d %+v: verdict %d, want %d", i, a, got, tt.want[i])
				}
			}
			if got := c.lost(tt.sent); got != tt.lost {
				t.Errorf("lost %d, want %d", got, tt.lost)
			}
			if got := c.received.Load(); got != tt.received {
				t.Errorf("received %d, want %d", got, tt.received)
			}
			if got := c.lat.count(); got != uint64(tt.received) {
				t.Errorf("%d latencies, want one per first arrival: %d", got, tt.received)
			}
			if got := c.duplicates.Load(); got != tt.dups {
				t.Errorf("duplicates %d, want %d", got, tt.dups)
			}
			if got := c.reordered.Load(); got != tt.reorders {
				t.Errorf("reordered %d, want %d", got, tt.reorders)
			}
			if got := c.bogus.Load(); got != tt.bogus {
				t.Errorf("bogus %d, want %d", got, tt.bogus)
			}
		})
	}
}

// settle reports only messages still outstanding, and never panics on
// numbers out of range.
func TestCheckerSettle(t *testing.T) {
	t.Parallel()
	c := newChecker([]uint32{2, 1})
	c.receive(1, 0, 0, 0)
	for _, tt := range []struct {
		sender int
		seq    uint32
		want   bool
	}{
		{0, 0, false}, // arrived
		{0, 1, true},
		{0, 1, false}, // settled already
		{0, 2, false}, // beyond the quota
		{2, 0, false}, // no such sender
		{-1, 0, false},
	} {
		if got := c.settle(tt.sender, tt.seq); got != tt.want {
			t.Errorf("settle(%d, %d) = %v, want %v", tt.sender, tt.seq, got, tt.want)
		}
	}
	if got := c.lost([]uint32{2, 1}); got != 1 {
		t.Errorf("lost %d, want 1 (sender 1's only message)", got)
	}
}

// What a message carries survives the trip through its body and id,
// and anything else is refused.
func TestPayload(t *testing.T) {
	t.Parallel()
	for _, p := range []payload{
		{},
		{sender: 9999, receiver: 0, seq: 1<<32 - 1, sentAt: 1<<62 + 5},
		{sender: maxStreams, receiver: 17, seq: 42, sentAt: time.Minute},
	} {
		body := string(appendBody(nil, p))
		if got, ok := parseBody(body); !ok || got != p {
			t.Errorf("parseBody(%q) = %+v, %v; want %+v", body, got, ok, p)
		}
		id := formatID(p.sender, p.seq)
		if s, q, ok := parseID(id); !ok || s != p.sender || q != p.seq {
			t.Errorf("parseID(%q) = %d, %d, %v", id, s, q, ok)
		}
	}
	for _, body := range []string{
		"", "lt", "lt ", "lt 1 2 3", "lt 1 2 3 4 5", "lt 1 2 3 -4", "lt 1  2 3 4", "LT 1 2 3 4",
		"lt 1048577 2 3 4", "lt 1 2 4294967296 4", "lt 1 2 3 9223372036854775808", "lt +1 2 3 4",
		"hello",
	} {
		if p, ok := parseBody(body); ok {
			t.Errorf("parseBody(%q) = %+v, want refused", body, p)
		}
	}
	for _, id := range []string{"", "lt-", "lt-1", "lt-1-", "lt--1", "lt-1-2-3", "lt-1048577-0", "lt-1-4294967296", "x-1-2"} {
		if s, q, ok := parseID(id); ok {
			t.Errorf("parseID(%q) = %d, %d, want refused", id, s, q)
		}
	}
}

// FuzzParseBody: parsing never panics, and what parses formats back to
// the same text.
func FuzzParseBody(f *testing.F) {
	f.Add("lt 1 2 3 4")
	f.Add("lt 0 0 0 0")
	f.Add("lt 1048576 1 4294967295 9223372036854775807")
	f.Add("lt 1 2 3 04")
	f.Fuzz(func(t *testing.T, body string) {
		p, ok := parseBody(body)
		if !ok {
			return
		}
		if p.sender > maxStreams || p.receiver > maxStreams || p.sentAt < 0 {
			t.Fatalf("parseBody(%q) = %+v: out of range", body, p)
		}
		again, ok := parseBody(string(appendBody(nil, p)))
		if !ok || again != p {
			t.Fatalf("parseBody(%q) = %+v, but its formatting parses as %+v, %v", body, p, again, ok)
		}
	})
}
