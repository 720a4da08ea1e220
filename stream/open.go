package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// Open opens an XML stream over rw as the initiating entity (RFC 6120
// §4.2–§4.3): it sends the XML declaration and its header (to
// Config.To, from Config.From, version 1.0, Config.Lang), reads and
// checks the receiving entity's header, reads <stream:features/>, and
// negotiates the configured features, restarting the stream when one
// asks for it (§4.3.3). It returns when stanzas may flow.
//
// A receiving entity that omits 'version' predates XMPP 1.0 (§4.7.5): it
// sends no features, and Open returns right after the header exchange
// (or fails with ErrNotOffered if a feature we require cannot be had).
//
// ctx bounds the whole exchange. When ctx ends while Open is blocked in
// I/O, the I/O is interrupted: through SetReadDeadline and
// SetWriteDeadline when rw has them (a net.Conn, a *tls.Conn…), else by
// closing rw if it is an io.Closer; an rw with neither cannot be
// interrupted, and Open stays blocked until its I/O returns. The same
// holds for the ctx of Next and Send later. A read interrupted because
// ctx's deadline passed ends the stream with connection-timeout
// (RFC 6120 §4.9.3.4): the error is then a *LocalError for it that also
// matches context.DeadlineExceeded.
//
// When Open fails it has closed rw (if an io.Closer), after sending a
// stream error and the closing tag if the peer was at fault (the error
// is then a *LocalError), or after the close handshake if a feature
// failed; a stream error the peer sent is returned as a
// *streamerror.Error.
func Open(ctx context.Context, rw io.ReadWriter, cfg *Config) (*Stream, error) {
	s, err := newStream(rw, cfg, true)
	if err != nil {
		return nil, err
	}
	if err := s.handshake(ctx, s.openStream); err != nil {
		return nil, err
	}
	return s, nil
}

// handshake runs the header exchange and negotiation of either role, and
// cleans up after a failure.
func (s *Stream) handshake(ctx context.Context, run func(context.Context, *Negotiation) error) error {
	err := run(ctx, &Negotiation{s: s})
	if err == nil && s.tClosed.Load() {
		err = s.closedErr()
	}
	if err == nil {
		// The negotiation's ctx is over for us: keep no registration
		// on it (nor it alive) while the stream lasts.
		s.rwait.release()
		s.wwait.release()
		s.expectIdle()
		return nil
	}
	if errors.Is(err, io.EOF) {
		err = fmt.Errorf("stream: peer closed its stream during negotiation: %w", io.ErrUnexpectedEOF)
	}
	var le *LocalError
	if !errors.As(err, &le) && !s.tClosed.Load() && ctx.Err() == nil {
		// A feature failed, or the peer sent a stream error: close
		// politely, within ctx.
		cctx, cancel := context.WithTimeout(ctx, s.cfg.CloseTimeout)
		s.closeOnce.Do(func() { s.closeErr = s.closeCtx(cctx) })
		cancel()
	}
	s.shutdown(err)
	s.endRead(err)
	return err
}

// openStream is the initiating entity's side of §4.2–§4.3.
func (s *Stream) openStream(ctx context.Context, n *Negotiation) error {
	for {
		s.local = s.initialHeader()
		if err := s.writeHeader(ctx, nil, false); err != nil {
			return err
		}
		h, err := s.readHeader(ctx)
		if err != nil {
			return err
		}
		if se := s.checkResponse(h); se != nil {
			return s.fail(se, nil)
		}
		// §4.3.2: a 1.0 receiving entity sends features first.
		announced := s.peerVer.modern()
		var children []*stanza.Raw
		if announced {
			el, err := n.Next(ctx)
			if err != nil {
				return err
			}
			raw, ok := el.(*stanza.Raw)
			if !ok || raw.Name != featuresName {
				return s.fail(&streamerror.Error{Condition: streamerror.BadFormat},
					fmt.Errorf("stream: expected <stream:features/>, got %T", el))
			}
			if children, err = splitFeatures(raw); err != nil {
				return s.fail(&streamerror.Error{Condition: streamerror.BadFormat},
					fmt.Errorf("stream: features: %w", err))
			}
		}
		restart, err := s.openRound(ctx, n, children, announced)
		if err != nil || !restart {
			return err
		}
	}
}

// openRound negotiates, in the initiating role, the features of one
// <stream:features/> (announced) or of a pre-1.0 peer. It reports
// whether the stream restarted.
func (s *Stream) openRound(ctx context.Context, n *Negotiation, children []*stanza.Raw, announced bool) (bool, error) {
	progressed := false
	for _, f := range s.cfg.Features {
		name := f.Name()
		if s.Negotiated(name) {
			continue
		}
		adv, ok := f.Advertise(n)
		if !ok {
			continue
		}
		var start stanza.Element
		switch {
		case announced && !adv.Unannounced:
			i := slices.IndexFunc(children, func(c *stanza.Raw) bool { return c.Name == name })
			if i < 0 {
				if adv.Required {
					return false, fmt.Errorf("%w: %s", ErrNotOffered, name.Local)
				}
				continue
			}
			start = children[i]
		case !announced && adv.Unannounced:
		case !announced && adv.Required:
			return false, fmt.Errorf("%w: %s (the peer predates XMPP 1.0)", ErrNotOffered, name.Local)
		default:
			continue
		}
		restart, err := s.negotiate(ctx, n, f, start)
		if err != nil {
			return false, err
		}
		progressed = true
		if restart {
			return true, nil
		}
	}
	if !progressed {
		// §4.9.3.23: the peer requires a feature we do not support and
		// offers no other mandatory-to-negotiate one.
		for _, c := range children {
			if hasRequired(c) {
				return false, s.fail(&streamerror.Error{Condition: streamerror.UnsupportedFeature},
					fmt.Errorf("stream: required feature %s not supported", c.Name.Local))
			}
		}
	}
	return false, nil
}
