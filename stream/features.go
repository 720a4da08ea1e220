package stream

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// Feature is a stream feature (RFC 6120 §4.3): something the receiving
// entity advertises in <stream:features/> and the two entities negotiate
// before stanzas flow, such as STARTTLS (§5), SASL (§6) or resource
// binding (§7). One Feature value serves both roles and many streams at
// once, so it keeps no per-stream state in itself.
//
// The receiving entity, after each stream (re)start, calls Advertise on
// every configured feature not yet negotiated, sends <stream:features/>
// with the advertised children, then reads the initiating entity's
// elements: an element that starts a feature's negotiation (see Matcher)
// goes to that feature's Negotiate; any other ends the negotiation and
// is the first element Next returns — unless a feature advertised as
// required is still pending, which fails the stream with not-authorized
// (§4.3.2, §4.9.3.12). It stops waiting once every advertised feature is
// negotiated; with none advertised, stanzas flow at once.
//
// The initiating entity reads <stream:features/> and, in the order of
// Config.Features, calls Negotiate for each feature whose element the
// peer advertised and whose Advertise reports it applies. When one
// needs a restart, the stream restarts and the round begins again. A
// feature that Advertise reports as required but the peer did not offer
// fails Open with ErrNotOffered; an offered feature marked <required/>
// that we do not support fails it with unsupported-feature (§4.9.3.23)
// when nothing else could be negotiated.
//
// A feature is negotiated at most once per Stream.
type Feature interface {
	// Name is the expanded name of the feature's child of
	// <stream:features/>, such as
	// {urn:ietf:params:xml:ns:xmpp-tls}starttls.
	Name() xml.Name

	// Advertise reports whether the feature applies to the stream in its
	// current state (ok), and how: whether it is mandatory-to-negotiate
	// (for the receiving entity: announced as such; for the initiating
	// entity: this side insists on it), the child element the receiving
	// entity writes into <stream:features/>, and whether it is
	// negotiated without being announced at all. n reports the state:
	// what was negotiated so far, the headers, the transport.
	Advertise(n *Negotiation) (adv Advert, ok bool)

	// Negotiate runs the feature's negotiation on n, in the role of
	// n.Initiating(). start is what began it: for the receiving entity,
	// the initiating entity's first element of the negotiation; for the
	// initiating entity, the advertised child of <stream:features/> as a
	// *stanza.Raw (nil for an unannounced feature). Negotiate exchanges
	// elements with n.Send and n.Next, fails the stream with n.Fail when
	// the peer violates the protocol, and reports in Result whether the
	// stream must restart, and over which transport. An error ends the
	// stream: Open or Accept closes it and return the error.
	Negotiate(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error)
}

// Matcher is implemented by a Feature whose negotiation, in the
// receiving role, does not start with an element in the namespace of
// its Name. Without it, a *stanza.Raw in that namespace, or a
// *stanza.IQ whose payload is in it (resource binding, §7.2), starts
// the feature's negotiation.
type Matcher interface {
	// Match reports whether el, received by the receiving entity while
	// the feature is offered, starts its negotiation.
	Match(el stanza.Element) bool
}

// Advert is how a Feature presents itself in the current stream state.
type Advert struct {
	// XML is the child of <stream:features/> announcing the feature,
	// one complete, namespace-complete element such as
	// <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>.
	// Only the receiving entity uses it.
	XML []byte
	// Required marks the feature mandatory-to-negotiate (§4.3.2).
	Required bool
	// Unannounced marks a feature negotiated without appearing in
	// <stream:features/>, as the receiving entity sends none to pre-1.0
	// peers (§4.7.5): a component's handshake (XEP-0114), for one. The
	// initiating entity starts it right after the header exchange, when
	// the peer sends no features; the receiving entity accepts it
	// whenever it applies.
	Unannounced bool
	// Secret (receiving entity) marks a feature whose negotiation brings
	// secrets from the initiating entity, such as SASL credentials
	// (RFC 6120 §6.4.2). The element that starts a negotiation is read
	// before the feature sees it, so while such a feature is offered
	// the trace sees inbound traffic redacted, from the advertisement
	// until the feature turns it off (Negotiation.RedactIn) or the
	// stream restarts.
	Secret bool
}

// Result is the outcome of a successful negotiation.
type Result struct {
	// Restart asks for a stream restart (§4.3.3): both entities send new
	// headers, the receiving entity with a new stream ID, and the
	// receiving entity advertises features anew. TLS (§5.4.3.3) and SASL
	// (§6.4.6) negotiations end with one.
	Restart bool
	// Transport, when not nil, replaces the transport from the restart
	// on, as STARTTLS does with the TLS connection (§5.4.3.3). It
	// requires Restart. The Stream closes the new transport when it
	// ends; closing it is expected to close the old one.
	Transport io.ReadWriter
}

// Negotiation is a Feature's view of the Stream while Open or Accept
// negotiate: the stream's state, and the element exchange. It is valid
// only during the call it is passed to.
type Negotiation struct {
	s *Stream

	features *stanza.Raw       // the last <stream:features/> read (initiating)
	children []*stanza.Raw     // its children, split on first use
	authn    jid.JID           // see SetAuthenticated
	cert     *x509.Certificate // the certificate StartTLS presented (receiving)
}

// Initiating reports whether this side is the initiating entity.
func (n *Negotiation) Initiating() bool { return n.s.initiating }

// Header returns the header this side sent for the current stream.
func (n *Negotiation) Header() stanza.Header { return n.s.Header() }

// PeerHeader returns the header the peer sent for the current stream.
func (n *Negotiation) PeerHeader() stanza.Header { return n.s.PeerHeader() }

// Negotiated reports whether the feature named name has been negotiated
// on this stream.
func (n *Negotiation) Negotiated(name xml.Name) bool { return n.s.Negotiated(name) }

// SetBound records the full JID that resource binding (RFC 6120 §7)
// bound to the stream; (*Stream).Bound returns it afterwards.
func (n *Negotiation) SetBound(j jid.JID) { n.s.bound = j }

// Bound returns the full JID bound so far, or the zero JID.
func (n *Negotiation) Bound() jid.JID { return n.s.bound }

// SetAuthenticated records the identity an authentication feature (SASL,
// RFC 6120 §6) established for the initiating entity: the bare JID of the
// account (§6.3.7, or the authorization identity it may act as, §6.3.8),
// or a domain for a server. The receiving entity's resource binding
// (§7) is offered once it is set, and binds a resource to it.
func (n *Negotiation) SetAuthenticated(j jid.JID) { n.authn = j }

// Authenticated returns the identity set by SetAuthenticated, or the zero
// JID when no authentication has completed on this stream.
func (n *Negotiation) Authenticated() jid.JID { return n.authn }

// Features returns the children of the last <stream:features/> the
// receiving entity sent (initiating entity only; nil otherwise), each a
// namespace-complete *stanza.Raw: for a feature whose negotiation depends
// on a sibling of its own element, as SASL reads XEP-0440's
// <sasl-channel-binding/> beside <mechanisms/>. The slice is shared: do
// not modify it.
func (n *Negotiation) Features() []*stanza.Raw {
	if n.children == nil && n.features != nil {
		c, err := splitFeatures(n.features)
		if err != nil || c == nil {
			c = []*stanza.Raw{}
		}
		n.children = c
	}
	return n.children
}

// connectionStater is a transport that reports a TLS connection's state,
// as *tls.Conn does.
type connectionStater interface {
	ConnectionState() tls.ConnectionState
}

// TLSState returns the state of the TLS connection the stream runs over,
// and whether there is one with a completed handshake: the transport's,
// when it has a ConnectionState() tls.ConnectionState method, as the
// *tls.Conn handed to Open or Accept for direct TLS (XEP-0368) and the one
// STARTTLS installs (RFC 6120 §5) have. SASL uses it for the -PLUS
// mechanisms (channel binding, RFC 5802 §6) and to allow PLAIN.
func (n *Negotiation) TLSState() (*tls.ConnectionState, bool) {
	cs, ok := n.s.rw.(connectionStater)
	if !ok {
		return nil, false
	}
	st := cs.ConnectionState()
	if !st.HandshakeComplete {
		return nil, false
	}
	return &st, true
}

// Transport returns the current transport, for a feature that wraps it
// (STARTTLS hands it to crypto/tls and returns the result in
// Result.Transport). Bytes the Decoder has buffered are not in it; a
// feature that takes over the transport does so only where the protocol
// guarantees the peer sent nothing more (after <proceed/>, §5.4.3.3).
func (n *Negotiation) Transport() io.ReadWriter { return n.s.rw }

// Send writes one element to the peer; see (*Stream).Send.
func (n *Negotiation) Send(ctx context.Context, v stanza.Element) error {
	return n.s.Send(ctx, v)
}

// SendSecret is Send for an element carrying secrets, such as SASL
// credentials (RFC 6120 §6.4.2): the trace sees it redacted.
func (n *Negotiation) SendSecret(ctx context.Context, v stanza.Element) error {
	return n.s.send(ctx, v, true)
}

// RedactIn makes the trace see the traffic read from the peer redacted
// while on is set: for the peer's side of an exchange of secrets. The
// trace sees whole reads, so turn it on before reading the first
// secret element and off after the last.
func (n *Negotiation) RedactIn(on bool) { n.s.redactIn.Store(on) }

// Next reads the peer's next element, without the hooks Next runs after
// negotiation. A stream error from the peer is returned as a
// *streamerror.Error, the peer's closing tag as io.EOF, a violation as
// a *LocalError after the stream error was sent.
func (n *Negotiation) Next(ctx context.Context) (stanza.Element, error) {
	el, err := n.s.readElement(ctx)
	if err != nil {
		return nil, err
	}
	if se, ok := el.(*streamerror.Error); ok {
		return nil, se
	}
	if raw, ok := el.(*stanza.Raw); ok && raw.Name == featuresName && n.s.initiating {
		// Keep the features for Features.
		n.features, n.children = raw, nil
	}
	return el, nil
}

// Fail ends the stream with the stream error se, sent to the peer, and
// returns the *LocalError for Negotiate to return.
func (n *Negotiation) Fail(se *streamerror.Error) error { return n.s.fail(se, nil) }

// offer is a feature as advertised in one round.
type offer struct {
	f    Feature
	adv  Advert
	done bool
}

// offers returns the configured features that apply now, not yet
// negotiated.
func (s *Stream) offers(n *Negotiation) []offer {
	var o []offer
	for _, f := range s.cfg.Features {
		if s.Negotiated(f.Name()) {
			continue
		}
		if adv, ok := f.Advertise(n); ok {
			o = append(o, offer{f: f, adv: adv})
			if adv.Secret && !s.initiating {
				s.redactIn.Store(true)
			}
		}
	}
	return o
}

// matches reports whether el starts f's negotiation (receiving role).
func matches(f Feature, el stanza.Element) bool {
	if m, ok := f.(Matcher); ok {
		return m.Match(el)
	}
	space := f.Name().Space
	switch el := el.(type) {
	case *stanza.Raw:
		return el.Name.Space == space
	case *stanza.IQ:
		return el.Payload != nil && el.Payload.Name.Space == space
	}
	return false
}

// negotiate runs f and records it; it applies a restart's transport.
func (s *Stream) negotiate(ctx context.Context, n *Negotiation, f Feature, start stanza.Element) (restart bool, err error) {
	res, err := f.Negotiate(ctx, n, start)
	if err != nil {
		var le *LocalError
		if errors.As(err, &le) {
			return false, err
		}
		return false, fmt.Errorf("stream: feature %s: %w", f.Name().Local, err)
	}
	if res.Transport != nil && !res.Restart {
		return false, fmt.Errorf("stream: feature %s: a new transport requires a restart", f.Name().Local)
	}
	s.negotiated = append(s.negotiated, f.Name())
	if res.Restart {
		s.restart(res.Transport)
	}
	return res.Restart, nil
}

// restart prepares a stream restart (§4.3.3), over rw if not nil.
func (s *Stream) restart(rw io.ReadWriter) {
	if rw != nil {
		s.swap(rw)
	}
	// A new stream: features that exchange secrets mark them anew.
	s.redactIn.Store(false)
	s.fr.reset(transportReader{s})
	s.headerSent = false
}

// featuresName is the expanded name of <stream:features/> (§4.3.2).
var featuresName = xml.Name{Space: stanza.NSStream, Local: "features"}

// splitFeatures returns the children of a <stream:features/> element,
// each made namespace-complete: the namespace declarations of the
// features element that a child relies on are copied onto it.
func splitFeatures(r *stanza.Raw) ([]*stanza.Raw, error) {
	d := xml.NewDecoder(bytes.NewReader(r.XML))
	var decls []xml.Attr // declarations on <stream:features>
	var out []*stanza.Raw
	depth := 0
	var start int64
	var own map[string]bool // prefixes declared on the current child
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				for _, a := range t.Attr {
					if isDecl(a.Name) {
						decls = append(decls, a)
					}
				}
			case 2:
				start = off
				own = map[string]bool{}
				for _, a := range t.Attr {
					if isDecl(a.Name) {
						own[declPrefix(a.Name)] = true
					}
				}
			}
		case xml.EndElement:
			if depth == 2 {
				child := completeChild(r.XML[start:d.InputOffset()], decls, own)
				c, err := stanza.ParseRaw(child)
				if err != nil {
					return nil, err
				}
				out = append(out, c)
			}
			depth--
		}
	}
}

func isDecl(n xml.Name) bool {
	return n.Space == "xmlns" || (n.Space == "" && n.Local == "xmlns")
}

func declPrefix(n xml.Name) string {
	if n.Space == "xmlns" {
		return n.Local
	}
	return ""
}

// completeChild copies into child's start tag the declarations of decls
// whose prefix it does not declare itself.
func completeChild(child []byte, decls []xml.Attr, own map[string]bool) []byte {
	var add strings.Builder
	for _, a := range decls {
		if own[declPrefix(a.Name)] {
			continue
		}
		add.WriteString(" xmlns")
		if p := declPrefix(a.Name); p != "" {
			add.WriteString(":" + p)
		}
		add.WriteString("='")
		xml.EscapeText(&add, []byte(a.Value))
		add.WriteString("'")
	}
	if add.Len() == 0 {
		return child
	}
	// The start tag's name ends at the first space, '/' or '>'.
	i := bytes.IndexAny(child, " \t\r\n/>")
	out := make([]byte, 0, len(child)+add.Len())
	out = append(out, child[:i]...)
	out = append(out, add.String()...)
	return append(out, child[i:]...)
}

// hasRequired reports whether an advertised feature carries a
// <required/> child, the usual mark of a mandatory-to-negotiate feature
// (§4.3.2, §5.3.1).
func hasRequired(r *stanza.Raw) bool { return hasChild(r, "required") }

// hasChild reports whether r has a child element named local.
func hasChild(r *stanza.Raw, local string) bool {
	d := xml.NewDecoder(bytes.NewReader(r.XML))
	depth := 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 && t.Name.Local == local {
				return true
			}
		case xml.EndElement:
			depth--
		}
	}
}
