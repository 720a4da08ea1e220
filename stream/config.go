package stream

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
)

// DefaultCloseTimeout is the default of Config.CloseTimeout.
const DefaultCloseTimeout = 5 * time.Second

// DefaultLang is the xml:lang of our header when Config.Lang is empty.
const DefaultLang = "en"

// Config configures a Stream for Open or Accept. A nil *Config means the
// zero Config; every zero field takes its default. Open and Accept copy
// it: later changes do not affect streams already created.
type Config struct {
	// Domains (receiving entity) lists the domains this entity serves.
	// The 'to' of the initiating entity's header must name one of them,
	// compared as JIDs (RFC 7622 canonical form, so case and IDN
	// spelling do not matter), else the stream fails with host-unknown
	// (RFC 6120 §4.7.2, §4.9.3.6). Empty means any domain; a header
	// without 'to', or whose 'to' is not a domain, fails either way.
	Domains []string

	// To (initiating entity) is the 'to' of our header: the domain of
	// the receiving entity (§4.7.2). The zero JID leaves it out.
	To jid.JID
	// From (initiating entity) is the 'from' of our header (§4.7.1): a
	// client's bare JID, a server's domain. The zero JID leaves it out.
	From jid.JID

	// Lang is the xml:lang of our header (§4.7.4): the default language
	// of the human-readable text this side sends. Empty means
	// DefaultLang.
	Lang string

	// NS is the content namespace (§4.8.2): stanza.NSClient (the
	// default), stanza.NSServer, or another such as
	// jabber:component:accept. A peer header declaring another default
	// namespace fails with invalid-namespace (§4.8.2, §4.9.3.10).
	NS string

	// Limits bound what the peer can make the Stream hold (stanza.Limits;
	// zero fields take their defaults). Exceeding one fails the stream
	// with policy-violation (§4.9.3.14).
	Limits stanza.Limits

	// Features are the stream features (§4.3) to negotiate, in order of
	// preference: the initiating entity negotiates the offered ones in
	// this order, the receiving entity advertises them in this order.
	// See Feature.
	Features []Feature

	// Trace, when not nil, is called with the bytes the Stream reads and
	// writes, as they cross the transport. See Event.
	Trace func(Event)

	// CloseTimeout bounds how long Close waits for the peer's closing tag
	// (§4.4), and how long writing the closing tag or a stream error may
	// block. Zero means DefaultCloseTimeout.
	CloseTimeout time.Duration

	// Rand is the source of the stream IDs this side generates as
	// receiving entity (§4.7.3: at least 128 bits of randomness), and of
	// the key of SendIQ's ids. Nil means crypto/rand.Reader; tests may
	// set a deterministic source.
	Rand io.Reader

	// MaxHandlers bounds how many IQ requests Serve handles at once,
	// each in a goroutine of its own (see Serve). Zero means
	// DefaultMaxHandlers.
	MaxHandlers int
}

// normalize returns a copy of c with defaults filled in, and its
// Domains parsed.
func (c *Config) normalize() (Config, []jid.JID, error) {
	var n Config
	if c != nil {
		n = *c
	}
	if n.Lang == "" {
		n.Lang = DefaultLang
	}
	if n.NS == "" {
		n.NS = stanza.NSClient
	}
	if n.NS == stanza.NSStream {
		return n, nil, errors.New("stream: config: the content namespace cannot be the stream namespace (RFC 6120 §4.8.2)")
	}
	if n.CloseTimeout <= 0 {
		n.CloseTimeout = DefaultCloseTimeout
	}
	if n.Rand == nil {
		n.Rand = rand.Reader
	}
	var domains []jid.JID
	for _, d := range n.Domains {
		j, err := jid.Parse(d)
		if err != nil {
			return n, nil, fmt.Errorf("stream: config: domain %q: %w", d, err)
		}
		if j != j.Domain() {
			return n, nil, fmt.Errorf("stream: config: domain %q is not a domain", d)
		}
		domains = append(domains, j)
	}
	// Everything we put in our header must be writable.
	h := stanza.Header{Lang: n.Lang, NS: n.NS, To: n.To.String(), From: n.From.String()}
	if len(n.Domains) > 0 {
		h.To = n.Domains[0]
	}
	if _, err := stanza.AppendHeader(nil, &h); err != nil {
		return n, nil, fmt.Errorf("stream: config: %w", err)
	}
	for i, f := range n.Features {
		if f == nil {
			return n, nil, fmt.Errorf("stream: config: feature %d is nil", i)
		}
	}
	return n, domains, nil
}
