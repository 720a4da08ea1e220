package stream

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/stream/sasl"
	"github.com/xmppkit/xmpp/streamerror"
)

// NSSASLChannelBinding is the namespace of XEP-0440's
// <sasl-channel-binding/>, the stream feature by which a server
// announces the channel-binding types it supports.
const NSSASLChannelBinding = "urn:xmpp:sasl-cb:0"

// The SASL elements (RFC 6120 §6.4).
var (
	mechanismsName = xml.Name{Space: sasl.NS, Local: "mechanisms"}
	cbName         = xml.Name{Space: NSSASLChannelBinding, Local: "sasl-channel-binding"}
	abortName      = xml.Name{Space: sasl.NS, Local: "abort"}
)

// SASL is the SASL authentication feature (RFC 6120 §6, RFC 4422) for
// both roles, with the mechanisms of package sasl: PLAIN, SCRAM-SHA-1,
// SCRAM-SHA-256 and their -PLUS variants. It exchanges <auth/>,
// <challenge/>, <response/>, <success/>, <failure/> and <abort/>, their
// data base64-encoded ("=" for present but empty, §6.4.2), and restarts
// the stream after <success/> (§6.4.6). It keeps no per-stream state, so
// one value serves every stream.
//
// The initiating entity picks the strongest mechanism both sides allow
// (sasl.NewClient): a -PLUS mechanism only over TLS and with a
// channel-binding type the server announced with XEP-0440
// (<sasl-channel-binding/>, which it reads beside <mechanisms/>), PLAIN
// only over TLS unless Client.AllowPlainWithoutTLS. A SCRAM client
// verifies the server's signature: <success/> with a wrong one fails Open
// with sasl.ErrServerSignature. A <failure/> from the server fails Open
// with a *sasl.Failure carrying the §6.5 condition
// (errors.Is(err, sasl.NotAuthorized), errors.As(err, &f)). When the
// client cannot go on (a malformed challenge) it sends <abort/> (§6.4.4)
// and waits for the server's <failure/>.
//
// The receiving entity advertises Server.Mechanisms() for the stream's
// state (TLS, channel-binding types), as mandatory-to-negotiate, and
// answers each failed attempt with <failure/> and its §6.5 condition; the
// client may try again, up to MaxAttempts attempts, after which the
// stream is closed with policy-violation (§6.4.5). On success the
// authenticated identity is the bare JID username@domain, or the
// authorization identity the client asked for when Server.Authorize
// allows it (§6.3.8); resource binding binds a resource to it.
//
// Secrets stay out of the trace (Config.Trace): the initiating entity's
// PLAIN <auth/> and every <response/> it sends, and on the receiving
// side everything read while SASL is offered, are redacted.
type SASL struct {
	// Client is the initiating entity's configuration: the username
	// (the account's localpart), password, mechanisms, and whether PLAIN
	// may go unencrypted. Its TLS and ServerChannelBindings fields are
	// ignored: they are taken from each stream. nil disables the
	// initiating role.
	Client *sasl.ClientConfig

	// Server is the receiving entity's configuration: the credential
	// lookup and the mechanisms. Its TLS field is ignored: it is taken
	// from each stream. Its Certificate, when nil, is the certificate
	// StartTLS presented, for tls-server-end-point. A nil Authorize
	// allows only the authorization identity the username derives to
	// (the bare JID username@domain), as RFC 6120 §6.3.8 describes. nil
	// disables the receiving role.
	Server *sasl.ServerConfig

	// MaxAttempts (receiving entity) is the number of <auth/> a client
	// may send on a stream; 0 means sasl.DefaultMaxAttempts. RFC 6120
	// §6.4.5 asks for at least 2 and at most 5.
	MaxAttempts int

	// RequireTLS (receiving entity) offers SASL only on an encrypted
	// stream (after STARTTLS, or over direct TLS), as a server that
	// makes TLS mandatory-to-negotiate must (§5.3.1): then only
	// <starttls/> is offered first.
	RequireTLS bool
}

// Name returns {urn:ietf:params:xml:ns:xmpp-sasl}mechanisms.
func (f *SASL) Name() xml.Name { return mechanismsName }

// Advertise reports, for the initiating entity, that it insists on SASL
// when Client is set; for the receiving entity, the <mechanisms/> it
// offers on this stream, mandatory-to-negotiate, when Server is set, no
// identity is authenticated yet, and TLS is in place if RequireTLS.
func (f *SASL) Advertise(n *Negotiation) (Advert, bool) {
	if n.Initiating() {
		return Advert{Required: true}, f.Client != nil
	}
	if f.Server == nil || !n.Authenticated().IsZero() {
		return Advert{}, false
	}
	if _, ok := n.TLSState(); f.RequireTLS && !ok {
		return Advert{}, false
	}
	mechs := f.serverConfig(n).Mechanisms()
	if len(mechs) == 0 {
		return Advert{}, false
	}
	b := []byte("<mechanisms xmlns='" + sasl.NS + "'>")
	for _, m := range mechs {
		b = append(b, "<mechanism>"...)
		b = appendEscaped(b, string(m))
		b = append(b, "</mechanism>"...)
	}
	b = append(b, "</mechanisms>"...)
	return Advert{XML: b, Required: true, Secret: true}, true
}

// Negotiate runs the SASL exchange in the role of n.Initiating(); see SASL.
func (f *SASL) Negotiate(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error) {
	if n.Initiating() {
		return f.initiate(ctx, n, start)
	}
	defer n.RedactIn(false)
	return f.receive(ctx, n, start)
}

// serverConfig returns Server completed for the stream n.
func (f *SASL) serverConfig(n *Negotiation) *sasl.ServerConfig {
	c := *f.Server
	c.TLS = nil
	if st, ok := n.TLSState(); ok {
		c.TLS = st
	}
	if c.Certificate == nil {
		c.Certificate = n.cert
	}
	if c.Authorize == nil {
		domain := n.Header().From
		c.Authorize = func(username, authzid string) error {
			want, err := jid.New(username, domain, "")
			if err != nil {
				return &sasl.Failure{Condition: sasl.InvalidAuthzid}
			}
			if got, err := jid.Parse(authzid); err != nil || got != want {
				return &sasl.Failure{Condition: sasl.InvalidAuthzid}
			}
			return nil
		}
	}
	return &c
}

// initiate is the initiating entity's side of §6.4.
func (f *SASL) initiate(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error) {
	raw, ok := start.(*stanza.Raw)
	if !ok {
		return Result{}, errors.New("stream: SASL: no <mechanisms/> advertised")
	}
	var adv struct {
		Mechanisms []string `xml:"urn:ietf:params:xml:ns:xmpp-sasl mechanism"`
	}
	if err := raw.Decode(&adv); err != nil {
		return Result{}, n.s.fail(&streamerror.Error{Condition: streamerror.BadFormat}, fmt.Errorf("stream: SASL: <mechanisms/>: %w", err))
	}
	offered := make([]sasl.Mechanism, 0, len(adv.Mechanisms))
	for _, m := range adv.Mechanisms {
		offered = append(offered, sasl.Mechanism(strings.TrimSpace(m)))
	}
	cfg := *f.Client
	cfg.TLS, cfg.ServerChannelBindings = nil, nil
	if st, ok := n.TLSState(); ok {
		cfg.TLS = st
	}
	for _, c := range n.Features() {
		if c.Name == cbName {
			cfg.ServerChannelBindings = parseChannelBindings(c)
		}
	}
	c, err := sasl.NewClient(offered, &cfg)
	if err != nil {
		return Result{}, fmt.Errorf("stream: SASL: %w", err)
	}
	initial, err := c.Start()
	if err != nil {
		return Result{}, fmt.Errorf("stream: SASL: %w", err)
	}
	auth := saslElement("auth", " mechanism='"+string(c.Mechanism())+"'", initial, true)
	if c.Mechanism() == sasl.Plain {
		err = n.SendSecret(ctx, auth)
	} else {
		err = n.Send(ctx, auth)
	}
	if err != nil {
		return Result{}, err
	}
	for {
		el, err := n.Next(ctx)
		if err != nil {
			return Result{}, err
		}
		raw, ok := el.(*stanza.Raw)
		if !ok || raw.Name.Space != sasl.NS {
			return Result{}, unexpected(n, el, "a SASL element")
		}
		switch raw.Name.Local {
		case "challenge":
			data, _, err := saslData(raw)
			if err != nil {
				return Result{}, f.abort(ctx, n, fmt.Errorf("stream: SASL: challenge: %w", err))
			}
			resp, err := c.Next(data)
			if err != nil {
				return Result{}, f.abort(ctx, n, fmt.Errorf("stream: SASL: %w", err))
			}
			if err := n.SendSecret(ctx, saslElement("response", "", resp, false)); err != nil {
				return Result{}, err
			}
		case "success":
			data, _, err := saslData(raw)
			if err == nil {
				err = c.Success(data)
			}
			if err != nil {
				// The server takes us as authenticated: nothing to
				// abort; the stream is closed.
				return Result{}, fmt.Errorf("stream: SASL: success: %w", err)
			}
			if id, err := jid.New(cfg.Username, n.Header().To, ""); err == nil {
				n.SetAuthenticated(id)
			}
			return Result{Restart: true}, nil
		case "failure":
			return Result{}, parseFailure(raw)
		default:
			return Result{}, unexpected(n, el, "<challenge/>, <success/> or <failure/>")
		}
	}
}

// abort sends <abort/> (§6.4.4), waits for the server's <failure/>, and
// returns cause.
func (f *SASL) abort(ctx context.Context, n *Negotiation, cause error) error {
	if err := n.Send(ctx, &stanza.Raw{Name: abortName}); err != nil {
		return cause
	}
	el, err := n.Next(ctx)
	if err != nil {
		return cause
	}
	if name := elementName(el); name.Space != sasl.NS || name.Local != "failure" {
		return unexpected(n, el, "<failure/> after <abort/>")
	}
	return cause
}

// receive is the receiving entity's side of §6.4. start is the first
// element in the SASL namespace.
func (f *SASL) receive(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error) {
	cfg := f.serverConfig(n)
	limit := f.MaxAttempts
	if limit <= 0 {
		limit = sasl.DefaultMaxAttempts
	}
	el := start
	for attempt := 1; ; attempt++ {
		raw, ok := el.(*stanza.Raw)
		if !ok || raw.Name.Space != sasl.NS {
			// §4.3.2: nothing but SASL until it succeeds; §4.9.3.12.
			return Result{}, n.s.fail(&streamerror.Error{Condition: streamerror.NotAuthorized},
				errors.New("stream: SASL: the initiating entity went on without authenticating"))
		}
		var fail *sasl.Failure
		switch raw.Name.Local {
		case "auth":
			done, err := f.serve(ctx, n, cfg, raw)
			if err != nil {
				if !errors.As(err, &fail) {
					return Result{}, err
				}
			} else if done {
				return Result{Restart: true}, nil
			}
		case "abort":
			// An abort with no exchange running (§6.4.4).
			fail = &sasl.Failure{Condition: sasl.Aborted}
		default:
			fail = &sasl.Failure{Condition: sasl.MalformedRequest, Text: "expected <auth/>"}
		}
		if fail != nil {
			if err := n.Send(ctx, failureElement(fail)); err != nil {
				return Result{}, err
			}
		}
		if attempt >= limit {
			// §6.4.5: too many retries.
			return Result{}, n.s.fail(&streamerror.Error{Condition: streamerror.PolicyViolation, Text: "too many authentication attempts"},
				fmt.Errorf("stream: SASL: %d failed attempts", attempt))
		}
		var err error
		if el, err = n.Next(ctx); err != nil {
			return Result{}, err
		}
	}
}

// serve runs one exchange started by the client's <auth/>. It reports
// whether the client is authenticated; a *sasl.Failure (not yet sent) when
// the attempt failed; any other error ends the stream.
func (f *SASL) serve(ctx context.Context, n *Negotiation, cfg *sasl.ServerConfig, auth *stanza.Raw) (bool, error) {
	srv, err := sasl.NewServer(sasl.Mechanism(auth.Attr("mechanism")), cfg)
	if err != nil {
		return false, err
	}
	resp, present, err := saslData(auth)
	if err != nil {
		return false, &sasl.Failure{Condition: sasl.IncorrectEncoding}
	}
	if !present {
		resp = nil
	}
	for {
		ch, done, err := srv.Next(resp)
		if err != nil {
			return false, err
		}
		if done {
			id, fail := identity(n, srv)
			if fail != nil {
				return false, fail
			}
			if err := n.Send(ctx, saslElement("success", "", ch, true)); err != nil {
				return false, err
			}
			n.SetAuthenticated(id)
			return true, nil
		}
		if err := n.Send(ctx, saslElement("challenge", "", ch, false)); err != nil {
			return false, err
		}
		el, err := n.Next(ctx)
		if err != nil {
			return false, err
		}
		switch elementName(el) {
		case xml.Name{Space: sasl.NS, Local: "response"}:
			if resp, _, err = saslData(el.(*stanza.Raw)); err != nil {
				return false, &sasl.Failure{Condition: sasl.IncorrectEncoding}
			}
		case abortName:
			return false, &sasl.Failure{Condition: sasl.Aborted}
		default:
			return false, &sasl.Failure{Condition: sasl.MalformedRequest, Text: "expected <response/> or <abort/>"}
		}
	}
}

// identity returns the bare JID the client authenticated as: its
// authorization identity when it gave one (Authorize allowed it), else
// username@domain (RFC 6120 §6.3.7, §6.3.8).
func identity(n *Negotiation, srv sasl.Server) (jid.JID, *sasl.Failure) {
	if a := srv.Authzid(); a != "" {
		j, err := jid.Parse(a)
		if err != nil || j.Resourcepart() != "" {
			return jid.JID{}, &sasl.Failure{Condition: sasl.InvalidAuthzid}
		}
		return j, nil
	}
	j, err := jid.New(srv.Username(), n.Header().From, "")
	if err != nil {
		// Not an XMPP account name (RFC 7622 §3.3).
		return jid.JID{}, &sasl.Failure{Condition: sasl.NotAuthorized}
	}
	return j, nil
}

// saslElement returns <local xmlns='…'{attrs}>base64(data)</local>. Data
// of zero length is written as "=" when emptyMark (the initial response
// of <auth/> and the additional data of <success/>, §6.4.2, §6.4.6), else
// as an empty element; nil data as an empty element.
func saslElement(local, attrs string, data []byte, emptyMark bool) *stanza.Raw {
	b := make([]byte, 0, 64+len(local)*2+len(attrs)+base64.StdEncoding.EncodedLen(len(data)))
	b = append(b, '<')
	b = append(b, local...)
	b = append(b, " xmlns='"+sasl.NS+"'"...)
	b = append(b, attrs...)
	switch {
	case data == nil || len(data) == 0 && !emptyMark:
		b = append(b, "/>"...)
	default:
		b = append(b, '>')
		if len(data) == 0 {
			b = append(b, '=')
		} else {
			b = base64.StdEncoding.AppendEncode(b, data)
		}
		b = append(b, "</"...)
		b = append(b, local...)
		b = append(b, '>')
	}
	return &stanza.Raw{Name: xml.Name{Space: sasl.NS, Local: local}, XML: b}
}

// saslData decodes the base64 text of a SASL element: present is false
// for an empty element, data is empty for "=" (§6.4.2).
func saslData(r *stanza.Raw) (data []byte, present bool, err error) {
	var v struct {
		Text string `xml:",chardata"`
	}
	if err := r.Decode(&v); err != nil {
		return nil, false, err
	}
	t := strings.TrimSpace(v.Text)
	switch t {
	case "":
		return nil, false, nil
	case "=":
		return []byte{}, true, nil
	}
	data, err = base64.StdEncoding.DecodeString(t)
	if err != nil {
		return nil, false, fmt.Errorf("stream: SASL: invalid base64: %w", err)
	}
	return data, true, nil
}

// failureElement returns the <failure/> for f (§6.4.5): its condition
// (not-authorized when it is not one of §6.5) and text.
func failureElement(f *sasl.Failure) *stanza.Raw {
	cond := f.Condition
	if !cond.Defined() {
		cond = sasl.NotAuthorized
	}
	b := []byte("<failure xmlns='" + sasl.NS + "'><" + string(cond) + "/>")
	if f.Text != "" {
		b = append(b, "<text"...)
		if f.Lang != "" {
			b = append(b, " xml:lang='"...)
			b = appendEscaped(b, f.Lang)
			b = append(b, '\'')
		}
		b = append(b, '>')
		b = appendEscaped(b, f.Text)
		b = append(b, "</text>"...)
	}
	b = append(b, "</failure>"...)
	return &stanza.Raw{Name: xml.Name{Space: sasl.NS, Local: "failure"}, XML: b}
}

// parseFailure reads a <failure/> from the server (§6.4.5, §6.5) as a
// *sasl.Failure; a missing or unknown condition reads as not-authorized.
func parseFailure(r *stanza.Raw) *sasl.Failure {
	var v struct {
		Children []struct {
			XMLName xml.Name
			Lang    string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
			Text    string `xml:",chardata"`
		} `xml:",any"`
	}
	f := &sasl.Failure{Condition: sasl.NotAuthorized}
	if r.Decode(&v) != nil {
		return f
	}
	for _, c := range v.Children {
		if c.XMLName.Space != sasl.NS {
			continue
		}
		if c.XMLName.Local == "text" {
			f.Text, f.Lang = c.Text, c.Lang
		} else if cond := sasl.Condition(c.XMLName.Local); cond.Defined() {
			f.Condition = cond
		}
	}
	return f
}

// parseChannelBindings reads the types of XEP-0440's
// <sasl-channel-binding/>.
func parseChannelBindings(r *stanza.Raw) []sasl.ChannelBinding {
	var v struct {
		Types []struct {
			Type string `xml:"type,attr"`
		} `xml:"urn:xmpp:sasl-cb:0 channel-binding"`
	}
	if r.Decode(&v) != nil {
		return nil
	}
	list := make([]sasl.ChannelBinding, 0, len(v.Types))
	for _, t := range v.Types {
		list = append(list, sasl.ChannelBinding(t.Type))
	}
	return list
}

// appendEscaped appends s escaped as XML text or attribute value.
func appendEscaped(b []byte, s string) []byte {
	var buf bytes.Buffer
	xml.EscapeText(&buf, []byte(s))
	return append(b, buf.Bytes()...)
}

// SASLChannelBinding is XEP-0440 for the receiving entity: it announces,
// in <stream:features/> beside SASL's <mechanisms/>, the channel-binding
// types the SASL feature can verify on the stream, as
// <sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding
// type='tls-exporter'/>…</sasl-channel-binding>, so that clients use a
// -PLUS mechanism only with a type the server supports. It is offered
// whenever SASL is and a -PLUS mechanism is among the mechanisms; it
// negotiates nothing, and does nothing in the initiating role (there the
// SASL feature reads the announcement itself). List it after SASL, as
// ServerFeatures does.
type SASLChannelBinding struct {
	// SASL is the feature whose channel-binding types are announced.
	SASL *SASL
}

// Name returns {urn:xmpp:sasl-cb:0}sasl-channel-binding.
func (f *SASLChannelBinding) Name() xml.Name { return cbName }

// Advertise reports the announcement for the receiving entity; see
// SASLChannelBinding.
func (f *SASLChannelBinding) Advertise(n *Negotiation) (Advert, bool) {
	if n.Initiating() || f.SASL == nil {
		return Advert{}, false
	}
	if _, ok := f.SASL.Advertise(n); !ok {
		return Advert{}, false
	}
	cfg := f.SASL.serverConfig(n)
	plus := false
	for _, m := range cfg.Mechanisms() {
		plus = plus || strings.HasSuffix(string(m), "-PLUS")
	}
	types := cfg.ChannelBindings()
	if !plus || len(types) == 0 {
		return Advert{}, false
	}
	b := []byte("<sasl-channel-binding xmlns='" + NSSASLChannelBinding + "'>")
	for _, t := range types {
		b = append(b, "<channel-binding type='"...)
		b = appendEscaped(b, string(t))
		b = append(b, "'/>"...)
	}
	b = append(b, "</sasl-channel-binding>"...)
	return Advert{XML: b}, true
}

// Match reports false: nothing the initiating entity sends starts a
// negotiation of the announcement.
func (f *SASLChannelBinding) Match(stanza.Element) bool { return false }

// Negotiate is never called (see Match); it fails if it is.
func (f *SASLChannelBinding) Negotiate(context.Context, *Negotiation, stanza.Element) (Result, error) {
	return Result{}, errors.New("stream: sasl-channel-binding negotiates nothing")
}
