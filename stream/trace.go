package stream

import "time"

// Direction says which way traced bytes went.
type Direction uint8

// The directions of traffic.
const (
	// In is traffic read from the peer.
	In Direction = iota + 1
	// Out is traffic written to the peer.
	Out
)

// String returns "in" or "out".
func (d Direction) String() string {
	switch d {
	case In:
		return "in"
	case Out:
		return "out"
	}
	return "direction(?)"
}

// redacted replaces traced bytes that carry secrets.
var redacted = []byte("[redacted]")

// Event is one piece of traffic seen by Config.Trace: the bytes of one
// Read or one Write on the transport, so an inbound element may span
// several events and an event may hold several elements, while each
// outbound event is exactly one unit the Stream wrote (a header, an
// element, a keepalive, the closing tag, or a stream error with what
// must precede and follow it).
//
// Trace is called synchronously by the goroutine doing the I/O, inbound
// and outbound events possibly at the same time from different
// goroutines; it must not block, and must not keep Data, which is only
// valid during the call.
type Event struct {
	// Dir is the direction: In or Out.
	Dir Direction
	// Time is when the Read or Write returned.
	Time time.Time
	// Data holds the bytes read or written; "[redacted]" when Redacted.
	Data []byte
	// Redacted reports that Data was replaced because the traffic
	// carried secrets, such as SASL credentials (RFC 6120 §6): features
	// that exchange secrets mark their traffic
	// (Negotiation.SendSecret, Negotiation.RedactIn), and the trace
	// never sees it.
	Redacted bool
}

// trace reports b to the trace hook, if any.
func (s *Stream) trace(d Direction, b []byte, secret bool) {
	if s.cfg.Trace == nil || len(b) == 0 {
		return
	}
	e := Event{Dir: d, Time: time.Now(), Data: b}
	if secret {
		e.Data, e.Redacted = redacted, true
	}
	s.cfg.Trace(e)
}
