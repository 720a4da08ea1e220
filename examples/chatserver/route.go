package chatserver

import (
	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// Routing, RFC 6120 §10 and RFC 6121 §8.5. The rules for a local user's
// JID depend on whether it names an account that exists (§8.5.1), a bare
// JID (§8.5.2) or a full JID (§8.5.3), and, for a bare JID, on the
// account's available resources: those that sent presence and not
// unavailable presence since (RFC 6121 §4.2, "available resources"), as
// opposed to merely connected ones.
//
// Who may call deliver: a session is delivered to only while it is in the
// routing table (under s.mu), or by its own reader goroutine.

// handle processes one stanza the client of ss sent: it stamps its 'from'
// with the session's full JID (RFC 6120 §8.1.2.1: the server MUST, so a
// client cannot forge another's address), then routes it or answers it.
func (s *Server) handle(ss *session, el stanza.Element) {
	switch v := el.(type) {
	case *stanza.Message:
		v.From = ss.jid
		s.message(ss, v)
	case *stanza.Presence:
		v.From = ss.jid
		s.presence(ss, v)
	case *stanza.IQ:
		v.From = ss.jid
		s.iq(ss, v)
	default:
		// RFC 6120 §4.9.3.24: a first-level element the server does not
		// support.
		ss.end(&streamerror.Error{Condition: streamerror.UnsupportedStanzaType})
	}
}

// badStanza answers a stanza whose 'to', 'from' or priority could not be
// read (jid-malformed or bad-request, RFC 6120 §8.3.3.8, RFC 6121
// §4.7.2.3); the stream goes on.
func (s *Server) badStanza(ss *session, bad *stanza.BadStanzaError) {
	// The reply goes to the sender, whatever its 'from' said.
	switch v := bad.Stanza.(type) {
	case *stanza.Message:
		v.From = ss.jid
	case *stanza.Presence:
		v.From = ss.jid
	case *stanza.IQ:
		v.From = ss.jid
	}
	bounce(ss, bad.Stanza, bad.Condition)
}

// bounce answers el, sent by ss's client, with the stanza error c
// (RFC 6120 §8.3), unless el is itself an error (§8.3.1: an error is
// never answered with an error), or an IQ result.
func bounce(ss *session, el stanza.Element, c stanza.Condition) {
	e := stanza.NewError(c, "")
	switch v := el.(type) {
	case *stanza.Message:
		if v.Type != stanza.MessageError {
			ss.deliver(ss, v.ErrorReply(e))
		}
	case *stanza.Presence:
		if v.Type != stanza.PresenceError {
			ss.deliver(ss, v.ErrorReply(e))
		}
	case *stanza.IQ:
		if v.Type == stanza.IQGet || v.Type == stanza.IQSet {
			ss.deliver(ss, v.ErrorReply(e))
		}
	}
}

// target says what a 'to' names, from the server's point of view.
type target uint8

const (
	toRemote target = iota // another domain (RFC 6120 §10.4)
	toServer               // the domain itself, or domain/resource (§10.3)
	toNoUser               // a local account that does not exist (RFC 6121 §8.5.1)
	toBare                 // a local account's bare JID (§8.5.2)
	toFull                 // a local account's full JID (§8.5.3)
)

func (s *Server) classify(to jid.JID) target {
	switch {
	case to.Domain() != s.domain:
		return toRemote
	case to.Localpart() == "":
		return toServer
	case !s.cfg.Accounts.Exists(to.Localpart()):
		return toNoUser
	case to.Resourcepart() == "":
		return toBare
	}
	return toFull
}

// message routes a message (RFC 6121 §8.5, §5).
func (s *Server) message(ss *session, m *stanza.Message) {
	if m.To.IsZero() {
		// RFC 6120 §10.3.1: as if addressed to the sender's bare JID.
		m.To = ss.jid.Bare()
	}
	switch s.classify(m.To) {
	case toRemote:
		// No server-to-server here: the remote domain cannot be reached
		// (RFC 6120 §10.4.3).
		bounce(ss, m, stanza.RemoteServerNotFound)
	case toServer:
		// The server offers no message service: a message to it is
		// handled by being dropped (§10.3.1).
	case toNoUser:
		// RFC 6121 §8.5.1: ignore or service-unavailable.
		bounce(ss, m, stanza.ServiceUnavailable)
	case toBare:
		s.messageToBare(ss, m)
	case toFull:
		s.mu.RLock()
		defer s.mu.RUnlock()
		if r := s.sessions[m.To.Bare()][m.To.Resourcepart()]; r != nil {
			r.deliver(ss, m) // §8.5.3.1
			return
		}
		// §8.5.3.2.1: no such resource. A chat message goes to the bare
		// JID; other messages are answered with service-unavailable;
		// errors are dropped.
		switch m.Type {
		case stanza.MessageChat:
			s.messageToBareLocked(ss, m)
		case stanza.MessageError:
		default:
			bounce(ss, m, stanza.ServiceUnavailable)
		}
	}
}

func (s *Server) messageToBare(ss *session, m *stanza.Message) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.messageToBareLocked(ss, m)
}

// messageToBareLocked delivers a message addressed to (or treated as
// addressed to) a bare JID, RFC 6121 §8.5.2.1.1 and §8.5.2.2.1; s.mu is
// held. Only available resources with a non-negative priority receive
// messages to the bare JID.
func (s *Server) messageToBareLocked(ss *session, m *stanza.Message) {
	var all, best []*session
	top := int8(-128)
	for _, r := range s.sessions[m.To.Bare()] {
		if !r.available || r.priority < 0 {
			continue
		}
		all = append(all, r)
		switch {
		case r.priority > top:
			top, best = r.priority, append(best[:0], r)
		case r.priority == top:
			best = append(best, r)
		}
	}
	switch m.Type {
	case stanza.MessageError:
		// Silently ignored, with or without resources.
	case stanza.MessageGroupchat:
		bounce(ss, m, stanza.ServiceUnavailable)
	case stanza.MessageHeadline:
		// Every non-negative resource; none: ignored.
		for _, r := range all {
			r.deliver(ss, m)
		}
	default: // normal (or no type) and chat
		if len(best) == 0 {
			// §8.5.2.2.1: no offline storage here.
			bounce(ss, m, stanza.ServiceUnavailable)
			return
		}
		// The "most available" resources: those of highest priority.
		for _, r := range best {
			r.deliver(ss, m)
		}
	}
}

// presence handles a presence stanza (RFC 6121 §4, §8.5).
func (s *Server) presence(ss *session, p *stanza.Presence) {
	if p.To.IsZero() {
		switch p.Type {
		case stanza.PresenceAvailable:
			s.available(ss, p)
		case stanza.PresenceUnavailable:
			s.mu.Lock()
			was := ss.available
			ss.available = false
			s.mu.Unlock()
			if was {
				s.unavailable(ss, p, true)
			}
		}
		// Subscription states and probes need a 'to'; errors go nowhere.
		return
	}
	// Directed presence (§4.6): remember who got our availability.
	switch p.Type {
	case stanza.PresenceAvailable:
		if ss.directed == nil {
			ss.directed = map[jid.JID]struct{}{}
		}
		ss.directed[p.To] = struct{}{}
	case stanza.PresenceUnavailable:
		delete(ss.directed, p.To)
	}
	s.routePresence(ss, p)
}

// routePresence routes a presence stanza with a 'to' (RFC 6121 §8.5);
// ss is the sender's session, nil when the server sends on a user's
// behalf.
func (s *Server) routePresence(ss *session, p *stanza.Presence) {
	switch s.classify(p.To) {
	case toRemote:
		if ss != nil {
			bounce(ss, p, stanza.RemoteServerNotFound)
		}
		return
	case toServer, toNoUser:
		// §8.5.1: presence to a non-existent account is ignored; the
		// server handles presence to itself by ignoring it.
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if p.To.Resourcepart() != "" {
		if r := s.sessions[p.To.Bare()][p.To.Resourcepart()]; r != nil {
			r.deliver(ss, p) // §8.5.3.1
			return
		}
		// §8.5.3.2.2: available, unavailable and error presence to a
		// resource that is not there is dropped; subscription states and
		// probes are handled as for the bare JID.
		switch p.Type {
		case stanza.PresenceAvailable, stanza.PresenceUnavailable, stanza.PresenceError:
			return
		}
	}
	switch p.Type {
	case stanza.PresenceProbe:
		// §4.3.2: with no subscription (this server keeps no roster) the
		// probe reveals nothing.
		return
	case stanza.PresenceSubscribe, stanza.PresenceSubscribed,
		stanza.PresenceUnsubscribe, stanza.PresenceUnsubscribed:
		// §3.1.2: subscription stanzas carry the sender's bare JID.
		// Without roster storage they reach only the contact's available
		// resources.
		cp := *p
		cp.From = p.From.Bare()
		cp.To = p.To.Bare()
		p = &cp
	case stanza.PresenceError:
		return
	}
	// §8.5.2.1.2: available and unavailable presence go to every
	// available resource; §8.5.2.2.2: with none, it is ignored.
	for _, r := range s.sessions[p.To.Bare()] {
		if r.available {
			r.deliver(ss, p)
		}
	}
}

// available handles ss's broadcast presence (no 'to'): initial presence
// makes the session available (RFC 6121 §4.2), later presence updates it
// (§4.4). The presence goes to every available resource of the account,
// the sender included (§4.2.2: an entity is implicitly subscribed to its
// own presence); a newly available resource also receives the presence
// of the account's other available resources.
func (s *Server) available(ss *session, p *stanza.Presence) {
	p.To = ss.jid.Bare()
	s.mu.Lock()
	initial := !ss.available
	ss.available, ss.priority, ss.presence = true, p.Priority, p
	s.mu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, r := range s.sessions[ss.jid.Bare()] {
		if !r.available {
			continue
		}
		r.deliver(ss, p)
		if initial && r != ss && r.presence != nil {
			ss.deliver(ss, r.presence)
		}
	}
}

// unavailable tells the account's available resources and those ss sent
// directed presence to that ss is no longer available (RFC 6121 §4.5.2,
// §4.6.3); ss is already marked unavailable. self says whether ss itself
// gets its unavailable presence back (it sent it; it does not when its
// session ended without).
func (s *Server) unavailable(ss *session, p *stanza.Presence, self bool) {
	p.To = ss.jid.Bare()
	s.mu.Lock()
	ss.presence = nil
	s.mu.Unlock()
	s.mu.RLock()
	for _, r := range s.sessions[ss.jid.Bare()] {
		if r.available || (self && r == ss) {
			r.deliver(ss, p)
		}
	}
	s.mu.RUnlock()
	for to := range ss.directed {
		if to.Bare() == ss.jid.Bare() {
			continue // had the broadcast
		}
		s.routePresence(nil, &stanza.Presence{From: ss.jid, To: to, Type: stanza.PresenceUnavailable})
	}
	clear(ss.directed)
}
