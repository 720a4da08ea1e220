package stream

import (
	"context"

	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// Element hooks: the seam through which protocol layers above the core
// see every element in and out without owning the read loop. The IQ
// tracker (RFC 6120 §8.2.3: replies routed to the waiting SendIQ) and
// stream management (XEP-0198: counting stanzas, answering <r/>) plug in
// here. Hooks are installed before Open or Accept return and never
// change afterwards, so reading them needs no lock. Inbound hooks run
// under the read lock, by whichever goroutine reads (Next, Serve, the
// reader of SendIQ, Close), once per element and in wire order.

// inHook sees each element Next reads, before Next returns it. It
// returns consumed true to take the element (Next then reads on), or an
// error to fail Next with.
type inHook func(ctx context.Context, el stanza.Element) (consumed bool, err error)

// outHook sees each element Send has written, under the write lock, so
// in wire order.
type outHook func(el stanza.Element)

// received runs the inbound hooks on el, then the IQ tracker's: a
// result or error that answers a pending SendIQ (RFC 6120 §8.2.3) is
// taken and handed to it; a stream error from the peer (§4.9) releases
// every pending SendIQ with it. Whoever reads runs it exactly once per
// element: Next, Serve, or a SendIQ reading in their stead.
func (s *Stream) received(ctx context.Context, el stanza.Element) (bool, error) {
	for _, h := range s.in {
		if consumed, err := h(ctx, el); consumed || err != nil {
			return consumed, err
		}
	}
	switch el := el.(type) {
	case *stanza.IQ:
		if (el.Type == stanza.IQResult || el.Type == stanza.IQError) && s.deliver(el) {
			return true, nil
		}
	case *streamerror.Error:
		s.endIQ(el)
	}
	return false, nil
}

// sent runs the outbound hooks on el.
func (s *Stream) sent(el stanza.Element) {
	for _, h := range s.out {
		h(el)
	}
}
