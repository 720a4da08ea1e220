package stream

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// seqRand is a deterministic Config.Rand whose every Read fills p with
// one byte value, 0, 1, 2…: successive stream IDs differ.
type seqRand struct {
	mu sync.Mutex
	n  byte
}

func (r *seqRand) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range p {
		p[i] = r.n
	}
	r.n++
	return len(p), nil
}

// The IDs seqRand gives.
const (
	id0 = zeroID
	id1 = "AQEBAQEBAQEBAQEBAQEBAQ"
)

// A feature that restarts the stream (as SASL does, RFC 6120 §6.4.6):
// new headers both ways, a new stream ID, features advertised anew
// without the negotiated one; exact bytes both ways.
func TestFeatureRestart(t *testing.T) {
	t.Parallel()
	var ctr, str recorder
	x := &testFeature{restart: true}
	ccfg := clientConfig()
	ccfg.Features = []Feature{x}
	ccfg.Trace = ctr.trace
	scfg := serverConfig()
	scfg.Features = []Feature{x}
	scfg.Rand = &seqRand{}
	scfg.Trace = str.trace
	c, s := pair(t, ccfg, scfg)

	name := xml.Name{Space: testNS, Local: "x"}
	if !c.Negotiated(name) || !s.Negotiated(name) {
		t.Errorf("Negotiated = %v, %v", c.Negotiated(name), s.Negotiated(name))
	}
	if c.ID() != id1 || s.ID() != id1 {
		t.Errorf("ID after restart = %q, %q; want %q", c.ID(), s.ID(), id1)
	}
	relay(t, c, s, julietMsg)

	serverHeader1 := xmlDecl + "<stream:stream from='example.com' id='" + id1 + "' to='juliet@example.com' version='1.0' xml:lang='en'" + nsDecls
	wantS := serverHeader + "<stream:features><x xmlns='urn:test'/></stream:features>" +
		"<ok xmlns='urn:test'/>" +
		serverHeader1 + noFeature
	wantC := clientHeader + "<x xmlns='urn:test'/>" + clientHeader + julietLine
	if got := str.out.String(); got != wantS {
		t.Errorf("server wrote\n\t%q\nwant\n\t%q", got, wantS)
	}
	if got := ctr.out.String(); got != wantC {
		t.Errorf("client wrote\n\t%q\nwant\n\t%q", got, wantC)
	}
}

// A feature that swaps the transport and restarts, as STARTTLS does
// (§5.4.3.3): everything after the restart goes through the new one,
// which Close closes.
func TestFeatureTransportSwap(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var wrapped []*countingConn
	x := &testFeature{restart: true, wrap: func(rw io.ReadWriter) io.ReadWriter {
		cc := &countingConn{Conn: rw.(net.Conn)}
		mu.Lock()
		wrapped = append(wrapped, cc)
		mu.Unlock()
		return cc
	}}
	ccfg := clientConfig()
	ccfg.Features = []Feature{x}
	scfg := serverConfig()
	scfg.Features = []Feature{x}
	c, s := pair(t, ccfg, scfg)
	relay(t, c, s, julietMsg)
	mu.Lock()
	defer mu.Unlock()
	if len(wrapped) != 2 {
		t.Fatalf("%d transports wrapped, want 2", len(wrapped))
	}
	for i, cc := range wrapped {
		r, w := cc.counts()
		if r == 0 || w == 0 {
			t.Errorf("wrapped transport %d: read %d, wrote %d", i, r, w)
		}
	}
	done := make(chan error, 1)
	go func() { done <- c.Close() }()
	if _, err := s.Next(ctxT(t)); err != io.EOF {
		t.Fatalf("Next: %v", err)
	}
	must(t, s.Close())
	must(t, <-done)
}

// Features advertised per state: x restarts the stream, then bind
// (negotiated through an IQ, §7, without restart) is offered only after
// x, alongside an optional feature the client leaves alone.
func TestFeatureStates(t *testing.T) {
	t.Parallel()
	var str recorder
	xName := xml.Name{Space: testNS, Local: "x"}
	x := &testFeature{restart: true, required: true}
	b := &bindFeature{after: xName}
	opt := &testFeature{local: "opt", after: &xName}
	ccfg := clientConfig()
	ccfg.Features = []Feature{x, b}
	scfg := serverConfig()
	scfg.Features = []Feature{x, b, opt}
	scfg.Trace = str.trace
	// With a voluntary feature left, Accept learns that negotiation is
	// over from the client's first stanza (§4.3.5), which the first
	// Next returns.
	a, bb := net.Pipe()
	t.Cleanup(func() { a.Close(); bb.Close() })
	type res struct {
		s   *Stream
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := Accept(ctxT(t), bb, scfg)
		ch <- res{s, err}
	}()
	c, err := Open(ctxT(t), a, ccfg)
	must(t, err)
	must(t, c.Send(ctxT(t), julietMsg))
	r := <-ch
	must(t, r.err)
	s := r.s
	if !s.Negotiated(b.Name()) || !c.Negotiated(b.Name()) || s.Negotiated(opt.Name()) {
		t.Errorf("negotiated: server %v, client %v", s.negotiated, c.negotiated)
	}
	el, err := s.Next(ctxT(t))
	must(t, err)
	if !cmp.Equal(el, any(julietMsg)) {
		t.Errorf("first Next = %v", el)
	}
	want := serverHeader + "<stream:features><x xmlns='urn:test'><required/></x></stream:features><ok xmlns='urn:test'/>" +
		serverHeader + "<stream:features><bind xmlns='urn:test:bind'/><opt xmlns='urn:test'/></stream:features>" +
		"<iq id='b1' type='result'><bind xmlns='urn:test:bind'><jid>juliet@example.com/balcony</jid></bind></iq>"
	if got := str.out.String(); got != want {
		t.Errorf("server wrote\n\t%q\nwant\n\t%q", got, want)
	}
}

// bindFeature negotiates like resource binding (RFC 6120 §7): an IQ set
// with a payload in its namespace, answered with an IQ result, no
// restart. It is matched by the default rule (the IQ's payload).
type bindFeature struct{ after xml.Name }

func (b *bindFeature) Name() xml.Name { return xml.Name{Space: "urn:test:bind", Local: "bind"} }

func (b *bindFeature) Advertise(n *Negotiation) (Advert, bool) {
	if !n.Negotiated(b.after) {
		return Advert{}, false
	}
	return Advert{XML: []byte("<bind xmlns='urn:test:bind'/>"), Required: true}, true
}

func (b *bindFeature) Negotiate(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error) {
	if n.Initiating() {
		if err := n.Send(ctx, &stanza.IQ{ID: "b1", Type: stanza.IQSet, Payload: &stanza.Raw{Name: b.Name()}}); err != nil {
			return Result{}, err
		}
		el, err := n.Next(ctx)
		if err != nil {
			return Result{}, err
		}
		if iq, ok := el.(*stanza.IQ); !ok || iq.Type != stanza.IQResult || iq.ID != "b1" {
			return Result{}, errors.New("bind: unexpected answer")
		}
		return Result{}, nil
	}
	iq := start.(*stanza.IQ)
	p, err := stanza.ParseRaw([]byte("<bind xmlns='urn:test:bind'><jid>juliet@example.com/balcony</jid></bind>"))
	if err != nil {
		return Result{}, err
	}
	return Result{}, n.Send(ctx, &stanza.IQ{ID: iq.ID, Type: stanza.IQResult, Payload: p})
}

// The receiving entity's negotiation paths, against a raw initiator:
// the exact bytes sent back.
func TestAcceptNegotiation(t *testing.T) {
	t.Parallel()
	const pre10 = xmlDecl + "<stream:stream to='example.com'" + nsDecls
	const pre10Answer = xmlDecl + "<stream:stream from='example.com' id='" + zeroID + "' xml:lang='en'" + nsDecls
	tests := []struct {
		name     string
		features []Feature
		in       string
		want     string
		cond     streamerror.Condition // Accept fails with it
		first    stanza.Element        // else the first Next returns this
	}{
		{
			name:     "stanza before a required feature",
			features: []Feature{&testFeature{required: true}},
			in:       clientHeader + julietLine,
			want:     serverHeader + "<stream:features><x xmlns='urn:test'><required/></x></stream:features>" + streamErr("not-authorized") + endTag,
			cond:     streamerror.NotAuthorized,
		},
		{
			name:     "optional feature left alone",
			features: []Feature{&testFeature{}},
			in:       clientHeader + julietLine,
			want:     serverHeader + "<stream:features><x xmlns='urn:test'/></stream:features>",
			first:    julietMsg,
		},
		{
			name:     "optional feature negotiated without restart",
			features: []Feature{&testFeature{}},
			in:       clientHeader + "<x xmlns='urn:test'/>" + julietLine,
			want:     serverHeader + "<stream:features><x xmlns='urn:test'/></stream:features><ok xmlns='urn:test'/>",
			first:    julietMsg,
		},
		{
			name:     "pre-1.0 peer, required announced feature",
			features: []Feature{&testFeature{required: true}},
			in:       pre10,
			want:     pre10Answer + streamErr("unsupported-version") + endTag,
			cond:     streamerror.UnsupportedVersion,
		},
		{
			name:     "pre-1.0 peer, optional announced feature",
			features: []Feature{&testFeature{}},
			in:       pre10 + julietLine,
			want:     pre10Answer,
			first:    julietMsg,
		},
		{
			name:     "pre-1.0 peer, unannounced required feature",
			features: []Feature{&testFeature{required: true, silent: true}},
			in:       pre10 + "<x xmlns='urn:test'/>" + julietLine,
			want:     pre10Answer + "<ok xmlns='urn:test'/>",
			first:    julietMsg,
		},
		{
			name:     "pre-1.0 peer skipping an unannounced required feature",
			features: []Feature{&testFeature{required: true, silent: true}},
			in:       pre10 + julietLine,
			want:     pre10Answer + streamErr("not-authorized") + endTag,
			cond:     streamerror.NotAuthorized,
		},
		{
			name:     "feature with invalid XML",
			features: []Feature{badAdvert{}},
			in:       clientHeader,
			want:     serverHeader + streamErr("internal-server-error") + endTag,
			cond:     streamerror.InternalServerError,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, conn := newPeer(t)
			cfg := serverConfig()
			cfg.Features = tt.features
			p.send(tt.in)
			s, err := Accept(ctxT(t), conn, cfg)
			if tt.cond != "" {
				if !errors.Is(err, tt.cond) {
					t.Fatalf("Accept: %v, want %s", err, tt.cond)
				}
				p.expectEOF(t, tt.want)
				return
			}
			must(t, err)
			p.expect(t, tt.want)
			el, err := s.Next(ctxT(t))
			must(t, err)
			if !cmp.Equal(el, tt.first) {
				t.Errorf("first Next = %v, want %v", el, tt.first)
			}
			p.send(endTag)
			must(t, s.Close())
			p.expectEOF(t, endTag)
		})
	}
}

// badAdvert advertises something that is not an element.
type badAdvert struct{}

func (badAdvert) Name() xml.Name { return xml.Name{Space: testNS, Local: "bad"} }
func (badAdvert) Advertise(*Negotiation) (Advert, bool) {
	return Advert{XML: []byte("not xml")}, true
}
func (badAdvert) Negotiate(context.Context, *Negotiation, stanza.Element) (Result, error) {
	return Result{}, nil
}

// The initiating entity's negotiation paths, against a raw receiver.
func TestOpenNegotiation(t *testing.T) {
	t.Parallel()
	const pre10 = xmlDecl + "<stream:stream from='example.com' id='abc'" + nsDecls
	tests := []struct {
		name     string
		features []Feature
		in       string
		want     string // after our header
		err      error  // Open fails with it (errors.Is)
	}{
		{
			name:     "feature negotiated, no restart",
			features: []Feature{&testFeature{}},
			in:       serverHeader + "<stream:features><x xmlns='urn:test'/></stream:features><ok xmlns='urn:test'/>",
			want:     "<x xmlns='urn:test'/>",
		},
		{
			name:     "required by us, not offered",
			features: []Feature{&testFeature{required: true}},
			in:       serverHeader + noFeature + endTag,
			want:     endTag,
			err:      ErrNotOffered,
		},
		{
			name:     "required by us, peer predates 1.0",
			features: []Feature{&testFeature{required: true}},
			in:       pre10 + endTag,
			want:     endTag,
			err:      ErrNotOffered,
		},
		{
			name:     "unannounced feature with a pre-1.0 peer",
			features: []Feature{&testFeature{required: true, silent: true}},
			in:       pre10 + "<ok xmlns='urn:test'/>",
			want:     "<x xmlns='urn:test'/>",
		},
		{
			name:     "offered as required, and another we support",
			features: []Feature{&testFeature{}},
			in:       serverHeader + "<stream:features><y xmlns='urn:other'><required/></y><x xmlns='urn:test'/></stream:features><ok xmlns='urn:test'/>",
			want:     "<x xmlns='urn:test'/>",
		},
		{
			name:     "features using prefixes of the features element",
			features: []Feature{&testFeature{}},
			in:       serverHeader + "<stream:features xmlns:t='urn:test'><t:x/></stream:features><ok xmlns='urn:test'/>",
			want:     "<x xmlns='urn:test'/>",
		},
		{
			name:     "peer fails the negotiation",
			features: []Feature{&testFeature{}},
			in:       serverHeader + "<stream:features><x xmlns='urn:test'/></stream:features>" + streamErr("policy-violation") + endTag,
			want:     "<x xmlns='urn:test'/>" + endTag,
			err:      streamerror.PolicyViolation,
		},
		{
			name:     "feature fails the stream",
			features: []Feature{&testFeature{}},
			in:       serverHeader + "<stream:features><x xmlns='urn:test'/></stream:features><nope xmlns='urn:test'/>",
			want:     "<x xmlns='urn:test'/>" + streamErr("undefined-condition") + endTag,
			err:      streamerror.UndefinedCondition,
		},
		{
			name:     "peer closes during negotiation",
			features: []Feature{&testFeature{}},
			in:       serverHeader + "<stream:features><x xmlns='urn:test'/></stream:features>" + endTag,
			want:     "<x xmlns='urn:test'/>" + endTag,
			err:      io.ErrUnexpectedEOF,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, conn := newPeer(t)
			cfg := clientConfig()
			cfg.Features = tt.features
			p.send(tt.in)
			s, err := Open(ctxT(t), conn, cfg)
			p.expect(t, clientHeader)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Open: %v, want %v", err, tt.err)
				}
				p.expectEOF(t, tt.want)
				return
			}
			must(t, err)
			p.expect(t, tt.want)
			p.send(endTag)
			must(t, s.Close())
			p.expectEOF(t, endTag)
		})
	}
}

// Both ours: the client does not support a feature the server requires.
func TestUnsupportedRequiredFeature(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	scfg := serverConfig()
	scfg.Features = []Feature{&testFeature{required: true}}
	errc := make(chan error, 1)
	go func() {
		_, err := Accept(ctxT(t), b, scfg)
		errc <- err
	}()
	_, err := Open(ctxT(t), a, clientConfig())
	var le *LocalError
	if !errors.As(err, &le) || le.Err.Condition != streamerror.UnsupportedFeature {
		t.Errorf("Open: %v, want a *LocalError with unsupported-feature", err)
	}
	err = <-errc
	var se *streamerror.Error
	if !errors.As(err, &se) || errors.As(err, &le) || se.Condition != streamerror.UnsupportedFeature {
		t.Errorf("Accept: %v, want the peer's unsupported-feature", err)
	}
}

// The element hooks: an inbound hook consumes what it takes before Next
// sees it; an outbound hook sees every element sent, in order.
func TestHooks(t *testing.T) {
	t.Parallel()
	c, s := pair(t, clientConfig(), serverConfig())
	ping := xml.Name{Space: testNS, Local: "ping"}
	var took int
	s.in = append(s.in, func(ctx context.Context, el stanza.Element) (bool, error) {
		if r, ok := el.(*stanza.Raw); ok && r.Name == ping {
			took++
			return true, nil
		}
		return false, nil
	})
	var sent []string
	c.out = append(c.out, func(el stanza.Element) { sent = append(sent, typeName(el)) })
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Send(ctxT(t), &stanza.Raw{Name: ping})
		c.Send(ctxT(t), &stanza.Raw{Name: ping})
		c.Send(ctxT(t), julietMsg)
	}()
	el, err := s.Next(ctxT(t))
	must(t, err)
	<-done
	if !cmp.Equal(el, any(julietMsg)) || took != 2 {
		t.Errorf("Next = %v after %d pings taken", el, took)
	}
	if want := []string{"raw", "raw", "message"}; !cmp.Equal(sent, want) {
		t.Errorf("sent %v, want %v", sent, want)
	}
}

func typeName(el stanza.Element) string {
	switch el.(type) {
	case *stanza.Message:
		return "message"
	case *stanza.Raw:
		return "raw"
	}
	return "?"
}

func TestSplitFeatures(t *testing.T) {
	t.Parallel()
	raw, err := stanza.ParseRaw([]byte("<stream:features xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:t='urn:t'>" +
		"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>" +
		"<t:a><t:b/></t:a>" +
		"<plain/>" +
		"</stream:features>"))
	must(t, err)
	got, err := splitFeatures(raw)
	must(t, err)
	want := []string{
		"<starttls xmlns:stream='http://etherx.jabber.org/streams' xmlns:t='urn:t' xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>",
		"<t:a xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:t='urn:t'><t:b/></t:a>",
		"<plain xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:t='urn:t'/>",
	}
	names := []xml.Name{
		{Space: "urn:ietf:params:xml:ns:xmpp-tls", Local: "starttls"},
		{Space: "urn:t", Local: "a"},
		{Space: "jabber:client", Local: "plain"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d children", len(got))
	}
	for i := range got {
		if string(got[i].XML) != want[i] || got[i].Name != names[i] {
			t.Errorf("child %d = %s %q, want %s %q", i, got[i].Name, got[i].XML, names[i], want[i])
		}
	}
	if !hasRequired(got[0]) || hasRequired(got[1]) {
		t.Error("hasRequired wrong")
	}
}

// secretFeature exchanges "secrets" the trace must not see.
type secretFeature struct{}

func (secretFeature) Name() xml.Name { return xml.Name{Space: testNS, Local: "secret"} }
func (secretFeature) Advertise(*Negotiation) (Advert, bool) {
	return Advert{XML: []byte("<secret xmlns='urn:test'/>"), Required: true}, true
}
func (secretFeature) Negotiate(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error) {
	if n.Initiating() {
		if err := n.SendSecret(ctx, &stanza.Raw{Name: xml.Name{Space: testNS, Local: "password"}}); err != nil {
			return Result{}, err
		}
		_, err := n.Next(ctx)
		return Result{}, err
	}
	// The initiator's secret is start, already read: the receiving
	// side marks the whole exchange before reading it (see below).
	return Result{}, n.Send(ctx, &stanza.Raw{Name: xml.Name{Space: testNS, Local: "welcome"}})
}

// Secrets sent with SendSecret, and what is read while RedactIn is on,
// reach the trace only as "[redacted]".
func TestTraceRedaction(t *testing.T) {
	t.Parallel()
	var ctr, str recorder
	ccfg := clientConfig()
	ccfg.Features = []Feature{secretFeature{}}
	ccfg.Trace = ctr.trace
	scfg := serverConfig()
	scfg.Features = []Feature{redactingFeature{secretFeature{}}}
	scfg.Trace = str.trace
	pair(t, ccfg, scfg)
	if got := ctr.out.String(); contains(got, "password") || !contains(got, "[redacted]") {
		t.Errorf("client trace out: %q", got)
	}
	if got := str.in.String(); contains(got, "password") || !contains(got, "[redacted]") {
		t.Errorf("server trace in: %q", got)
	}
}

// redactingFeature turns inbound redaction on as soon as its feature is
// advertised, and off once negotiated.
type redactingFeature struct{ secretFeature }

func (f redactingFeature) Advertise(n *Negotiation) (Advert, bool) {
	n.RedactIn(true)
	return f.secretFeature.Advertise(n)
}

func (f redactingFeature) Negotiate(ctx context.Context, n *Negotiation, start stanza.Element) (Result, error) {
	defer n.RedactIn(false)
	return f.secretFeature.Negotiate(ctx, n, start)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
