package main

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream"
)

// ping is one health ping: when it was sent, when its answer came (zero
// while it is under way), and its error.
type ping struct {
	start, end time.Time
	err        error
}

func (p ping) took() time.Duration { return p.end.Sub(p.start) }

// health is the well-behaved client of assertion (b): logged in before the
// cases start, it pings the domain (XEP-0199) one ping after another, with
// -ping-every between them, and records every round trip. Should its stream
// end, ensure logs it in again before the next case.
type health struct {
	cfg    *config
	domain jid.JID

	mu      sync.Mutex
	st      *stream.Stream
	ended   error         // why the current stream ended; nil while it lives
	pings   []ping        // every ping, in order; the last may be under way
	changed chan struct{} // closed (and replaced) when a ping ends or the stream does
	stop    chan struct{} // closed to stop the pinger
	done    sync.WaitGroup
}

func newHealth(cfg *config, domain jid.JID) *health {
	return &health{cfg: cfg, domain: domain, changed: make(chan struct{})}
}

// jid returns the full JID of the health client's stream.
func (h *health) jid() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.st == nil {
		return "(none)"
	}
	return h.st.Bound().String()
}

// ensure logs the health client in if it is not (first call, or its
// stream ended), and starts its pinger.
func (h *health) ensure(ctx context.Context, login func(ctx context.Context, resource string) (*stream.Stream, error)) error {
	h.mu.Lock()
	alive := h.st != nil && h.ended == nil
	h.mu.Unlock()
	if alive {
		return nil
	}
	h.close()
	st, err := login(ctx, "health")
	if err != nil {
		return fmt.Errorf("%w (the health client)", err)
	}
	h.mu.Lock()
	h.st, h.ended, h.stop = st, nil, make(chan struct{})
	stop := h.stop
	h.mu.Unlock()
	h.done.Add(2)
	go h.read(st)
	go h.pinger(st, stop)
	return nil
}

// read takes whatever the server sends the health client (it expects
// nothing but the ping results, which go to SendIQ), until the stream ends.
func (h *health) read(st *stream.Stream) {
	defer h.done.Done()
	for {
		_, err := st.Next(context.Background())
		var bad *stanza.BadStanzaError
		if errors.As(err, &bad) {
			continue
		}
		if err != nil {
			h.mu.Lock()
			if h.st == st && h.ended == nil {
				h.ended = fmt.Errorf("health stream ended: %w", err)
				h.broadcast()
			}
			h.mu.Unlock()
			return
		}
	}
}

// pinger pings until stop or the end of the stream.
func (h *health) pinger(st *stream.Stream, stop chan struct{}) {
	defer h.done.Done()
	timeout := h.cfg.maxPing + h.cfg.slack
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		select {
		case <-stop:
			return
		case <-pause.C:
		}
		h.mu.Lock()
		h.pings = append(h.pings, ping{start: time.Now()})
		i := len(h.pings) - 1
		h.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		_, err := st.SendIQ(ctx, &stanza.IQ{Type: stanza.IQGet, To: h.domain,
			Payload: &stanza.Raw{Name: xml.Name{Space: "urn:xmpp:ping", Local: "ping"}}})
		cancel()
		end := time.Now()
		h.mu.Lock()
		h.pings[i].end, h.pings[i].err = end, err
		if err != nil && h.st == st && h.ended == nil {
			select {
			case <-stop: // closing: not the server's fault
			default:
				h.ended = fmt.Errorf("health ping failed: %w", err)
			}
		}
		h.broadcast()
		failed := h.ended != nil
		h.mu.Unlock()
		if failed {
			return
		}
		pause.Reset(h.cfg.pingEvery)
	}
}

// broadcast wakes the waiters of changed; h.mu is held.
func (h *health) broadcast() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// completedSince counts the pings sent at or after t that have been
// answered.
func (h *health) completedSince(t time.Time) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for i := len(h.pings) - 1; i >= 0 && !h.pings[i].start.Before(t); i-- {
		if p := h.pings[i]; !p.end.IsZero() && p.err == nil {
			n++
		}
	}
	return n
}

// waitAfter waits until a ping sent at or after t has ended, or the
// stream has, or timeout has passed, and reports whether the ping
// succeeded.
func (h *health) waitAfter(ctx context.Context, t time.Time, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		for i := len(h.pings) - 1; i >= 0 && !h.pings[i].start.Before(t); i-- {
			if p := h.pings[i]; !p.end.IsZero() {
				h.mu.Unlock()
				return p.err == nil
			}
		}
		ended, changed := h.ended, h.changed
		h.mu.Unlock()
		if ended != nil {
			return false
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// judge checks assertion (b) over the attack [from, to]: at least one ping
// sent and answered within it (unless cut short: the attack failed, so it
// may have ended too soon for one), none that overlapped it slower than
// -max-ping or failed, and one answered after it (the server is still
// there). It waits for that last one.
func (h *health) judge(ctx context.Context, from, to time.Time, cutShort bool) check {
	after := h.waitAfter(ctx, to, h.cfg.maxPing+h.cfg.slack)
	h.mu.Lock()
	defer h.mu.Unlock()
	var within, overlapping int
	var slowest time.Duration
	var fails []string
	for _, p := range h.pings {
		if p.start.After(to) || (!p.end.IsZero() && p.end.Before(from)) {
			continue
		}
		overlapping++
		switch {
		case p.end.IsZero():
			fails = append(fails, fmt.Sprintf("a ping sent %s into the attack is still unanswered", p.start.Sub(from).Round(time.Millisecond)))
			continue
		case p.err != nil:
			fails = append(fails, fmt.Sprintf("a ping failed after %s: %v", p.took().Round(time.Millisecond), p.err))
			continue
		}
		slowest = max(slowest, p.took())
		if !p.start.Before(from) && !p.end.After(to) {
			within++
		}
	}
	c := check{text: fmt.Sprintf("pings %d max %s", within, slowest.Round(100*time.Microsecond))}
	if slowest > h.cfg.maxPing {
		fails = append(fails, fmt.Sprintf("a ping took %s, more than -max-ping %s", slowest.Round(time.Millisecond), h.cfg.maxPing))
	}
	if within == 0 && cutShort {
		c.text += " (the attack was cut short)"
	} else if within == 0 {
		fails = append(fails, fmt.Sprintf("no ping round trip completed during the attack (%s, %d pings overlapping it)", to.Sub(from).Round(time.Millisecond), overlapping))
	}
	if !after {
		why := "no ping answered after the attack"
		if h.ended != nil {
			why += ": " + h.ended.Error()
		}
		fails = append(fails, why)
	}
	if len(fails) > 0 {
		c.fail = joinFails(fails)
	}
	return c
}

// close stops the pinger and closes the stream.
func (h *health) close() {
	h.mu.Lock()
	st, stop := h.st, h.stop
	h.st, h.stop = nil, nil
	h.mu.Unlock()
	if st == nil {
		return
	}
	close(stop)
	st.Close()
	h.done.Wait()
}
