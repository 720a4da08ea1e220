package chatserver

import (
	"encoding/xml"

	"github.com/xmppkit/xmpp/stanza"
)

// Namespaces of the IQ payloads the server answers.
const (
	NSPing       = "urn:xmpp:ping"                                // XEP-0199
	NSDiscoInfo  = "http://jabber.org/protocol/disco#info"        // XEP-0030
	NSDiscoItems = "http://jabber.org/protocol/disco#items"       // XEP-0030
	NSRoster     = "jabber:iq:roster"                             // RFC 6121 §2
	serverName   = "xmppkit chatserver (github.com/xmppkit/xmpp)" // disco identity name
)

var (
	pingName       = xml.Name{Space: NSPing, Local: "ping"}
	discoInfoName  = xml.Name{Space: NSDiscoInfo, Local: "query"}
	discoItemsName = xml.Name{Space: NSDiscoItems, Local: "query"}
	rosterName     = xml.Name{Space: NSRoster, Local: "query"}
)

// ServerFeatures are the features the server's disco#info lists
// (XEP-0030 §3.1), after its identity category 'server', type 'im'.
var ServerFeatures = []string{NSDiscoInfo, NSDiscoItems, NSPing}

// Payloads of the results, built once and shared (never modified).
var (
	serverInfo = mustRaw("<query xmlns='" + NSDiscoInfo + "'>" +
		"<identity category='server' type='im' name='" + serverName + "'/>" +
		features(ServerFeatures) + "</query>")
	accountInfo = mustRaw("<query xmlns='" + NSDiscoInfo + "'>" +
		"<identity category='account' type='registered'/>" +
		features([]string{NSDiscoInfo, NSDiscoItems, NSPing}) + "</query>")
	emptyItems  = &stanza.Raw{Name: discoItemsName}
	emptyRoster = &stanza.Raw{Name: rosterName}
)

func features(vars []string) string {
	var s string
	for _, v := range vars {
		s += "<feature var='" + v + "'/>"
	}
	return s
}

func mustRaw(s string) *stanza.Raw {
	r, err := stanza.ParseRaw([]byte(s))
	if err != nil {
		panic(err)
	}
	return r
}

// iq routes an IQ (RFC 6120 §8.2.3, §10; RFC 6121 §8.5) or answers it.
func (s *Server) iq(ss *session, iq *stanza.IQ) {
	if iq.To.IsZero() || iq.To == ss.jid.Bare() {
		// RFC 6120 §10.3.3, RFC 6121 §8.5.2.1.3: the server answers on
		// the account's behalf (the roster lives here).
		s.serveIQ(ss, iq, true)
		return
	}
	switch s.classify(iq.To) {
	case toRemote:
		bounce(ss, iq, stanza.RemoteServerNotFound)
	case toServer:
		if iq.To.Resourcepart() != "" {
			bounce(ss, iq, stanza.ServiceUnavailable)
			return
		}
		s.serveIQ(ss, iq, false)
	case toNoUser, toBare:
		// §8.5.1, §8.5.2.1.3: handled for the account, which offers
		// nothing to others here.
		bounce(ss, iq, stanza.ServiceUnavailable)
	case toFull:
		s.mu.RLock()
		defer s.mu.RUnlock()
		if r := s.sessions[iq.To.Bare()][iq.To.Resourcepart()]; r != nil {
			r.deliver(ss, iq) // §8.5.3.1
			return
		}
		bounce(ss, iq, stanza.ServiceUnavailable) // §8.5.3.2.3
	}
}

// serveIQ answers an IQ addressed to the server (account false) or to
// the sender's own account (true): XEP-0199 ping, XEP-0030 disco#info and
// disco#items, and, for the account, the roster (RFC 6121 §2.1.3), which
// is always empty here. Everything else is service-unavailable (RFC 6120
// §8.4). A result or error addressed to the server answers nothing it
// sent, and is dropped.
func (s *Server) serveIQ(ss *session, iq *stanza.IQ, account bool) {
	if iq.Type != stanza.IQGet && iq.Type != stanza.IQSet {
		return
	}
	if iq.Payload == nil || len(iq.Extra) > 0 {
		// §8.2.3: a get or set has exactly one payload.
		bounce(ss, iq, stanza.BadRequest)
		return
	}
	get := iq.Type == stanza.IQGet
	switch name := iq.Payload.Name; {
	case name == pingName && get:
		ss.deliver(ss, iq.ResultReply(nil))
	case name == discoInfoName && get:
		if iq.Payload.Attr("node") != "" {
			bounce(ss, iq, stanza.ItemNotFound) // XEP-0030 §3.1: no nodes here
			return
		}
		if account {
			ss.deliver(ss, iq.ResultReply(accountInfo))
		} else {
			ss.deliver(ss, iq.ResultReply(serverInfo))
		}
	case name == discoItemsName && get:
		if iq.Payload.Attr("node") != "" {
			bounce(ss, iq, stanza.ItemNotFound)
			return
		}
		ss.deliver(ss, iq.ResultReply(emptyItems))
	case name == rosterName && account:
		if get {
			ss.deliver(ss, iq.ResultReply(emptyRoster))
			return
		}
		// A roster set: this server stores no roster.
		bounce(ss, iq, stanza.FeatureNotImplemented)
	default:
		bounce(ss, iq, stanza.ServiceUnavailable)
	}
}
