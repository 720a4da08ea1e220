package stream

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// NSBind is the namespace of resource binding (RFC 6120 §7).
const NSBind = "urn:ietf:params:xml:ns:xmpp-bind"

// NSSession is the namespace of session establishment (RFC 3921 §3), which
// RFC 6121 removed and servers still advertise, as optional, for old
// clients.
const NSSession = "urn:ietf:params:xml:ns:xmpp-session"

// DefaultBindAttempts is the default of Bind.MaxAttempts.
const DefaultBindAttempts = 5

// resourceBytes is the randomness of a generated resourcepart: 96 bits,
// above the 64 that make a resource hard to guess (RFC 6120 §7.6.1 asks
// for a unique one; §13.10 for unpredictability).
const resourceBytes = 12

var (
	bindName    = xml.Name{Space: NSBind, Local: "bind"}
	sessionName = xml.Name{Space: NSSession, Local: "session"}
)

// Bind is resource binding (RFC 6120 §7) for both roles: the initiating
// entity asks, with an IQ set, for the resource in Resource or for one the
// server chooses (§7.6); the receiving entity binds a resource to the
// identity authentication established (Negotiation.Authenticated) and
// answers with the full JID (§7.6.1). Either side's Stream reports that
// JID afterwards ((*Stream).Bound). Binding completes without a restart.
//
// The receiving entity offers it, mandatory-to-negotiate, once an identity
// is authenticated. A request it cannot grant is answered with an IQ
// error, and the client may try again, up to MaxAttempts requests: an
// invalid resourcepart with bad-request (§7.7.2.1), whatever Claim refuses
// with Claim's stanza error (conflict, §7.7.2.2; not-allowed;
// resource-constraint, §7.6.2.1).
type Bind struct {
	// Resource (initiating entity) is the resourcepart to ask for; empty
	// lets the server generate one (§7.6). The server may assign another
	// (§7.7.2.2).
	Resource string

	// Claim (receiving entity), when not nil, is called with the full
	// JID about to be bound — the resource the client asked for, or one
	// generated with 96 random bits (Config.Rand) — and returns the full
	// JID to bind: the same (after ending an older session with it,
	// §7.7.2.2 case 1), another of the same bare JID (case 2), or an
	// error. A *stanza.Error (conflict for case 3, not-allowed,
	// resource-constraint…) is sent to the client, which may try again;
	// any other error ends the stream. A server keeps its registry of
	// bound resources behind Claim. nil binds every valid request as it
	// is.
	Claim func(ctx context.Context, full jid.JID) (jid.JID, error)

	// MaxAttempts (receiving entity) bounds the binding requests a
	// client may send; 0 means DefaultBindAttempts. Beyond it the stream
	// is closed with policy-violation.
	MaxAttempts int
}

// Name returns {urn:ietf:params:xml:ns:xmpp-bind}bind.
func (f *Bind) Name() xml.Name { return bindName }

// Advertise reports that the initiating entity insists on binding, and
// that the receiving entity offers it, mandatory-to-negotiate, once an
// identity is authenticated. The initiating entity negotiates features in
// the order of Config.Features: list Bind after SASL.
func (f *Bind) Advertise(n *Negotiation) (Advert, bool) {
	if n.Initiating() {
		return Advert{Required: true}, true
	}
	if n.Authenticated().IsZero() {
		return Advert{}, false
	}
	return Advert{XML: []byte("<bind xmlns='" + NSBind + "'/>"), Required: true}, true
}

// Negotiate runs the binding exchange (§7.6) in the role of
// n.Initiating().
func (f *Bind) Negotiate(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error) {
	if n.Initiating() {
		return Result{}, f.initiate(ctx, n)
	}
	return Result{}, f.receive(ctx, n, start)
}

func (f *Bind) initiate(ctx context.Context, n *Negotiation) error {
	payload := []byte("<bind xmlns='" + NSBind + "'/>")
	if f.Resource != "" {
		payload = []byte("<bind xmlns='" + NSBind + "'><resource>")
		payload = appendEscaped(payload, f.Resource)
		payload = append(payload, "</resource></bind>"...)
	}
	iq, err := request(ctx, n, &stanza.Raw{Name: bindName, XML: payload})
	if err != nil {
		return err
	}
	if iq.Type == stanza.IQError {
		return fmt.Errorf("stream: bind: %w", iqError(iq))
	}
	var v struct {
		JID string `xml:"urn:ietf:params:xml:ns:xmpp-bind jid"`
	}
	if iq.Payload == nil || iq.Payload.Name != bindName || iq.Payload.Decode(&v) != nil {
		return unexpected(n, iq, "a <bind/> result")
	}
	j, err := jid.Parse(strings.TrimSpace(v.JID))
	if err != nil || j.Resourcepart() == "" {
		return n.s.fail(&streamerror.Error{Condition: streamerror.BadFormat},
			fmt.Errorf("stream: bind: the server bound %q, not a full JID", v.JID))
	}
	n.SetBound(j)
	return nil
}

func (f *Bind) receive(ctx context.Context, n *Negotiation, start stanza.Element) error {
	limit := f.MaxAttempts
	if limit <= 0 {
		limit = DefaultBindAttempts
	}
	el := start
	for attempt := 1; ; attempt++ {
		iq, ok := el.(*stanza.IQ)
		if !ok || iq.Payload == nil || iq.Payload.Name != bindName {
			// §4.3.2: nothing else until bound.
			return n.s.fail(&streamerror.Error{Condition: streamerror.NotAuthorized},
				errors.New("stream: bind: the client went on without binding a resource"))
		}
		if iq.Type == stanza.IQResult || iq.Type == stanza.IQError {
			// Not a request, and never to be answered (§8.2.3,
			// §8.3.1): an attempt that does not bind.
			if attempt >= limit {
				return n.s.fail(&streamerror.Error{Condition: streamerror.PolicyViolation, Text: "too many binding attempts"},
					fmt.Errorf("stream: bind: %d failed attempts", attempt))
			}
			var err error
			if el, err = n.Next(ctx); err != nil {
				return err
			}
			continue
		}
		full, serr, err := f.bind(ctx, n, iq)
		if err != nil {
			return err
		}
		if serr == nil {
			p := []byte("<bind xmlns='" + NSBind + "'><jid>")
			p = appendEscaped(p, full.String())
			p = append(p, "</jid></bind>"...)
			if err := n.Send(ctx, iq.ResultReply(&stanza.Raw{Name: bindName, XML: p})); err != nil {
				return err
			}
			n.SetBound(full)
			return nil
		}
		if err := n.Send(ctx, iq.ErrorReply(serr)); err != nil {
			return err
		}
		if attempt >= limit {
			return n.s.fail(&streamerror.Error{Condition: streamerror.PolicyViolation, Text: "too many binding attempts"},
				fmt.Errorf("stream: bind: %d failed attempts", attempt))
		}
		var err2 error
		if el, err2 = n.Next(ctx); err2 != nil {
			return err2
		}
	}
}

// bind decides one request: the full JID, or the stanza error to answer
// with, or an error that ends the stream.
func (f *Bind) bind(ctx context.Context, n *Negotiation, iq *stanza.IQ) (jid.JID, *stanza.Error, error) {
	if iq.Type != stanza.IQSet || len(iq.Extra) > 0 {
		return jid.JID{}, stanza.NewError(stanza.BadRequest, ""), nil
	}
	var v struct {
		Resource *string `xml:"urn:ietf:params:xml:ns:xmpp-bind resource"`
	}
	if err := iq.Payload.Decode(&v); err != nil {
		return jid.JID{}, stanza.NewError(stanza.BadRequest, ""), nil
	}
	res := ""
	if v.Resource != nil {
		if res = *v.Resource; res == "" {
			// An empty <resource/>: not a resourcepart (§7.7.2.1).
			return jid.JID{}, stanza.NewError(stanza.BadRequest, ""), nil
		}
	} else {
		b := make([]byte, resourceBytes)
		if _, err := io.ReadFull(n.s.cfg.Rand, b); err != nil {
			return jid.JID{}, nil, fmt.Errorf("stream: bind: generating a resource: %w", err)
		}
		res = base64.RawURLEncoding.EncodeToString(b)
	}
	authn := n.Authenticated()
	full, err := jid.New(authn.Localpart(), authn.Domainpart(), res)
	if err != nil {
		return jid.JID{}, stanza.NewError(stanza.BadRequest, "invalid resourcepart"), nil
	}
	if f.Claim == nil {
		return full, nil, nil
	}
	got, err := f.Claim(ctx, full)
	var serr *stanza.Error
	switch {
	case errors.As(err, &serr):
		return jid.JID{}, serr, nil
	case err != nil:
		return jid.JID{}, nil, fmt.Errorf("stream: bind: %w", err)
	case got.Resourcepart() == "" || got.Bare() != full.Bare():
		return jid.JID{}, nil, fmt.Errorf("stream: bind: Claim returned %q for %q", got, full)
	}
	return got, nil, nil
}

// Session is session establishment (RFC 3921 §3) for both roles, which
// RFC 6121 dropped and servers keep for old clients. The receiving entity
// offers it once an identity is authenticated, as optional
// (<session><optional/></session>), and answers a request with an empty
// result. The initiating entity sends the request only when the server
// advertises it without <optional/>; list it after Bind.
//
// Offered by the receiving entity, it is a voluntary feature: Accept then
// returns only once the client's first stanza shows that negotiation is
// over (see Accept).
type Session struct{}

// Name returns {urn:ietf:params:xml:ns:xmpp-session}session.
func (f *Session) Name() xml.Name { return sessionName }

// Advertise reports that the feature applies: voluntary for both roles,
// offered by the receiving entity once an identity is authenticated.
func (f *Session) Advertise(n *Negotiation) (Advert, bool) {
	if n.Initiating() {
		return Advert{}, true
	}
	if n.Authenticated().IsZero() {
		return Advert{}, false
	}
	return Advert{XML: []byte("<session xmlns='" + NSSession + "'><optional/></session>")}, true
}

// Negotiate sends the session request and awaits the result (initiating
// entity; nothing when the advertisement says <optional/>), or answers one
// (receiving entity).
func (f *Session) Negotiate(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error) {
	if n.Initiating() {
		if r, ok := start.(*stanza.Raw); ok && hasChild(r, "optional") {
			return Result{}, nil
		}
		iq, err := request(ctx, n, &stanza.Raw{Name: sessionName})
		if err != nil {
			return Result{}, err
		}
		if iq.Type == stanza.IQError {
			return Result{}, fmt.Errorf("stream: session: %w", iqError(iq))
		}
		return Result{}, nil
	}
	iq, ok := start.(*stanza.IQ)
	if !ok {
		return Result{}, unexpected(n, start, "a session request")
	}
	if iq.Type == stanza.IQResult || iq.Type == stanza.IQError {
		return Result{}, nil // never answered (RFC 6120 §8.2.3, §8.3.1)
	}
	reply := iq.ResultReply(nil)
	if iq.Type != stanza.IQSet {
		reply = iq.ErrorReply(stanza.NewError(stanza.BadRequest, ""))
	}
	return Result{}, n.Send(ctx, reply)
}

// request sends an IQ set with payload during negotiation and returns the
// answer: the next element, which must be the result or error of the
// request (RFC 6120 §8.2.3).
func request(ctx context.Context, n *Negotiation, payload *stanza.Raw) (*stanza.IQ, error) {
	b := make([]byte, 9)
	if _, err := io.ReadFull(n.s.cfg.Rand, b); err != nil {
		return nil, fmt.Errorf("stream: %s: %w", payload.Name.Local, err)
	}
	id := payload.Name.Local + "-" + base64.RawURLEncoding.EncodeToString(b)
	if err := n.Send(ctx, &stanza.IQ{ID: id, Type: stanza.IQSet, Payload: payload}); err != nil {
		return nil, err
	}
	el, err := n.Next(ctx)
	if err != nil {
		return nil, err
	}
	iq, ok := el.(*stanza.IQ)
	if !ok || iq.ID != id || (iq.Type != stanza.IQResult && iq.Type != stanza.IQError) {
		return nil, unexpected(n, el, "the answer to IQ "+id)
	}
	return iq, nil
}

// iqError returns the stanza error of an IQ of type error.
func iqError(iq *stanza.IQ) error {
	if iq.Error != nil {
		return iq.Error
	}
	return stanza.NewError(stanza.UndefinedCondition, "")
}
