package stream

import (
	"context"
	"io"

	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// Accept accepts an XML stream over rw as the receiving entity (RFC 6120
// §4.2–§4.3): it reads and checks the initiating entity's header,
// answers with its own (a fresh stream ID of 128 random bits, from the
// domain asked for, to the initiator's 'from'), sends
// <stream:features/> with the configured features that apply (empty
// when there are none, after which stanzas flow at once), and
// negotiates them, restarting the stream when one asks for it (§4.3.3).
// It returns when stanzas may flow. When only voluntary features are
// left, it cannot know that until the initiating entity's next element
// shows whether it negotiates one or sends its first stanza (§4.3.5), so
// it waits for that element, which the first Next then returns.
//
// A header that breaks the rules of §4.7–§4.8 is answered, as §4.9.1.2
// requires, with our header, the stream error, and the closing tag, in
// one Write; then rw is closed and Accept returns a *LocalError carrying
// that stream error. The conditions: invalid-namespace (stream or
// content namespace), unsupported-version (a major version above 1, or
// an unparsable one), host-unknown ('to' missing or not in
// Config.Domains), invalid-from ('from' not a JID), and whatever the
// Decoder reports for XML that is not well-formed (§11).
//
// An initiating entity without 'version' predates XMPP 1.0 (§4.7.5): it
// gets a header without 'version' and no features, unless a required
// feature must be announced, which fails the stream with
// unsupported-version.
//
// ctx bounds the whole exchange as for Open, so a peer that never sends
// its header cannot hold Accept past ctx's deadline; give it one. When
// the deadline passes while Accept waits for the peer, the peer gets our
// header (if not sent yet), connection-timeout (§4.9.3.4) and the
// closing tag; a ctx cancelled otherwise ends the stream without a
// word. On failure rw is closed, as for Open.
func Accept(ctx context.Context, rw io.ReadWriter, cfg *Config) (*Stream, error) {
	s, err := newStream(rw, cfg, false)
	if err != nil {
		return nil, err
	}
	if err := s.handshake(ctx, s.acceptStream); err != nil {
		return nil, err
	}
	return s, nil
}

// acceptStream is the receiving entity's side of §4.2–§4.3.
func (s *Stream) acceptStream(ctx context.Context, n *Negotiation) error {
	for {
		id, err := s.newID()
		if err != nil {
			return s.fail(&streamerror.Error{Condition: streamerror.InternalServerError}, err)
		}
		// The header to answer with even if the peer's cannot be read
		// (§4.9.1.2).
		s.peer, s.peerVer, s.peerVerOK = stanza.Header{}, version{}, true
		s.local = s.responseHeader(nil, id)
		h, err := s.readHeader(ctx)
		if err != nil {
			return err
		}
		s.local = s.responseHeader(h, id)
		if se := s.checkInitial(h); se != nil {
			return s.fail(se, nil)
		}
		offers := s.offers(n)
		announced := s.peerVer.modern()
		var children [][]byte
		if announced {
			for _, o := range offers {
				if !o.adv.Unannounced {
					children = append(children, o.adv.XML)
				}
			}
		} else {
			// §4.7.5: a pre-1.0 peer knows no stream features; only
			// unannounced ones can be negotiated.
			kept := offers[:0]
			for _, o := range offers {
				switch {
				case o.adv.Unannounced:
					kept = append(kept, o)
				case o.adv.Required:
					return s.fail(&streamerror.Error{Condition: streamerror.UnsupportedVersion}, nil)
				}
			}
			offers = kept
		}
		if err := s.writeHeader(ctx, children, announced); err != nil {
			return err
		}
		restart, err := s.acceptRound(ctx, n, offers)
		if err != nil || !restart {
			return err
		}
	}
}

// acceptRound negotiates, in the receiving role, the features offered
// after one stream (re)start. It reports whether the stream restarted.
func (s *Stream) acceptRound(ctx context.Context, n *Negotiation, offers []offer) (bool, error) {
	for {
		var required, open bool
		for _, o := range offers {
			if !o.done {
				open = true
				required = required || o.adv.Required
			}
		}
		if !open {
			return false, nil
		}
		el, err := n.Next(ctx)
		if err != nil {
			return false, err
		}
		var o *offer
		for i := range offers {
			if !offers[i].done && matches(offers[i].f, el) {
				o = &offers[i]
				break
			}
		}
		if o == nil {
			if required {
				// §4.3.2: nothing else before the mandatory features;
				// §4.9.3.12.
				return false, s.fail(&streamerror.Error{Condition: streamerror.NotAuthorized}, nil)
			}
			s.pending = append(s.pending, el)
			return false, nil
		}
		o.done = true
		if restart, err := s.negotiate(ctx, n, o.f, el); err != nil || restart {
			return restart, err
		}
	}
}
