package main

import (
	"sync/atomic"
	"time"
)

// checker verifies that every message arrives exactly once and, between
// each sender and receiver, in the order sent. Messages are numbered per
// sender: sender s sends the sequence numbers 0, 1, … below quota[s],
// each to a receiver of its choice.
//
// Bookkeeping is one bit per message (received or not) and, per
// receiver, the highest sequence number received from each sender that
// sent it anything; latencies go to a fixed-size histogram.
//
// receive for a given receiver must be called by one goroutine at a time
// (the receiver's reader); everything else may be called concurrently.
type checker struct {
	quota []uint32
	// got[s] is sender s's bitset: bit q set once message q arrived (or
	// was settled otherwise, see settle).
	got [][]atomic.Uint64
	// last[r][s] is 1 + the highest sequence number receiver r has got
	// from sender s; owned by r's reader.
	last []map[uint32]uint32

	lat                   histogram
	received              atomic.Int64 // first arrivals
	duplicates, reordered atomic.Int64
	bogus                 atomic.Int64 // sender or sequence number out of range
}

// newChecker returns a checker for len(quota) streams, sender s sending
// at most quota[s] messages.
func newChecker(quota []uint32) *checker {
	c := &checker{
		quota: quota,
		got:   make([][]atomic.Uint64, len(quota)),
		last:  make([]map[uint32]uint32, len(quota)),
	}
	for s, q := range quota {
		c.got[s] = make([]atomic.Uint64, (q+63)/64)
	}
	return c
}

// verdict is what receive found.
type verdict uint8

const (
	verdictFirst     verdict = iota // first arrival, in order
	verdictReordered                // first arrival, but after a later one from the same sender
	verdictDuplicate                // arrived before
	verdictBogus                    // no such message
)

// receive records that receiver got message seq of sender, latency after
// it was sent. A first arrival (in order or not) returns verdictFirst or
// verdictReordered, and only then is the latency recorded.
func (c *checker) receive(receiver, sender int, seq uint32, latency time.Duration) verdict {
	if sender < 0 || sender >= len(c.quota) || seq >= c.quota[sender] ||
		receiver < 0 || receiver >= len(c.last) {
		c.bogus.Add(1)
		return verdictBogus
	}
	w, bit := &c.got[sender][seq/64], uint64(1)<<(seq%64)
	if w.Or(bit)&bit != 0 {
		c.duplicates.Add(1)
		return verdictDuplicate
	}
	c.received.Add(1)
	c.lat.add(latency)
	m := c.last[receiver]
	if m == nil {
		m = make(map[uint32]uint32)
		c.last[receiver] = m
	}
	// Not a duplicate, so last == seq+1 is impossible: last > seq+1
	// means a later message overtook this one.
	if last := m[uint32(sender)]; last > seq {
		c.reordered.Add(1)
		return verdictReordered
	}
	m[uint32(sender)] = seq + 1
	return verdictFirst
}

// settle marks message seq of sender as accounted for without its
// arrival (it bounced with a stanza error): it is not lost, and if it
// arrives later, it counts as a duplicate. It reports whether the
// message was still outstanding.
func (c *checker) settle(sender int, seq uint32) bool {
	if sender < 0 || sender >= len(c.quota) || seq >= c.quota[sender] {
		return false
	}
	w, bit := &c.got[sender][seq/64], uint64(1)<<(seq%64)
	return w.Or(bit)&bit == 0
}

// lost counts the messages that did not arrive (nor were settled) among
// the first sent[s] of each sender s.
func (c *checker) lost(sent []uint32) int64 {
	var n int64
	for s, k := range sent {
		k = min(k, c.quota[s])
		for q := uint32(0); q < k; q++ {
			if c.got[s][q/64].Load()&(1<<(q%64)) == 0 {
				n++
			}
		}
	}
	return n
}
