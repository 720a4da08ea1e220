package stream

import (
	"errors"
	"io"
	"testing"

	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// header builds an initial header with the given attributes (in the
// order given) and the usual namespace declarations.
func header(attrs string) string {
	return xmlDecl + "<stream:stream " + attrs + nsDecls
}

// The receiving entity's header rules (RFC 6120 §4.7–§4.8, §4.9.1.2):
// for each initial header, the exact bytes sent back, up to EOF when the
// stream fails.
func TestAcceptHeaderRules(t *testing.T) {
	t.Parallel()
	const ourHdr = xmlDecl + "<stream:stream from='example.com' id='" + zeroID + "'"
	tests := []struct {
		name string
		cfg  *Config
		in   string
		want string                // up to and including the features, or to EOF
		cond streamerror.Condition // the stream error, if any
	}{
		{
			name: "valid",
			in:   clientHeader,
			want: serverHeader + noFeature,
		},
		{
			name: "no from, no xml:lang",
			in:   header("to='example.com' version='1.0'"),
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + noFeature,
		},
		{
			name: "initiator's id ignored",
			in:   header("id='theirs' to='example.com' version='1.0'"),
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + noFeature,
		},
		{
			name: "any prefix bound to the stream namespace",
			in:   xmlDecl + "<s:stream to='example.com' version='1.0' xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'>",
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + noFeature,
		},
		{
			name: "no XML declaration",
			in:   "<stream:stream to='example.com' version='1.0'" + nsDecls,
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + noFeature,
		},
		{
			name: "no content namespace declared",
			in:   "<stream:stream to='example.com' version='1.0' xmlns:stream='http://etherx.jabber.org/streams'>",
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + noFeature,
		},
		{
			name: "our xml:lang",
			cfg:  &Config{Domains: []string{"example.com"}, Rand: zeroRand{}, Lang: "fr"},
			in:   header("to='example.com' version='1.0' xml:lang='en'"),
			want: ourHdr + " version='1.0' xml:lang='fr'" + nsDecls + noFeature,
		},
		{
			name: "any domain when Domains is empty",
			cfg:  &Config{Rand: zeroRand{}},
			in:   header("to='example.org' version='1.0'"),
			want: xmlDecl + "<stream:stream from='example.org' id='" + zeroID + "' version='1.0' xml:lang='en'" + nsDecls + noFeature,
		},
		{
			name: "second served domain",
			cfg:  &Config{Domains: []string{"example.com", "example.net"}, Rand: zeroRand{}},
			in:   header("to='example.net' version='1.0'"),
			want: xmlDecl + "<stream:stream from='example.net' id='" + zeroID + "' version='1.0' xml:lang='en'" + nsDecls + noFeature,
		},
		{
			name: "jabber:server",
			cfg:  &Config{Domains: []string{"example.com"}, Rand: zeroRand{}, NS: stanza.NSServer},
			in:   xmlDecl + "<stream:stream from='example.net' to='example.com' version='1.0' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>",
			want: ourHdr + " to='example.net' version='1.0' xml:lang='en' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>" + noFeature,
		},
		// §4.7.5 versions.
		{
			name: "higher minor version answered with ours",
			in:   header("to='example.com' version='1.5'"),
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + noFeature,
		},
		{
			name: "leading zeros ignored",
			in:   header("to='example.com' version='01.00'"),
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + noFeature,
		},
		{
			name: "no version: pre-1.0, no version back, no features",
			in:   header("to='example.com'"),
			want: ourHdr + " xml:lang='en'" + nsDecls,
		},
		{
			name: "version 0.9 answered in kind, no features",
			in:   header("to='example.com' version='0.9'"),
			want: ourHdr + " version='0.9' xml:lang='en'" + nsDecls,
		},
		{
			name: "major version 2",
			in:   header("to='example.com' version='2.0'"),
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("unsupported-version") + endTag,
			cond: streamerror.UnsupportedVersion,
		},
		{
			name: "huge major version",
			in:   header("to='example.com' version='99999999999999999999.0'"),
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("unsupported-version") + endTag,
			cond: streamerror.UnsupportedVersion,
		},
		{
			name: "malformed version",
			in:   header("to='example.com' version='1'"),
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("unsupported-version") + endTag,
			cond: streamerror.UnsupportedVersion,
		},
		{
			name: "version with letters",
			in:   header("to='example.com' version='1.0a'"),
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("unsupported-version") + endTag,
			cond: streamerror.UnsupportedVersion,
		},
		// §4.7.2 to.
		{
			name: "no to",
			in:   header("from='juliet@example.com' version='1.0'"),
			want: ourHdr + " to='juliet@example.com' version='1.0' xml:lang='en'" + nsDecls + streamErr("host-unknown") + endTag,
			cond: streamerror.HostUnknown,
		},
		{
			name: "to not served",
			in:   header("to='example.org' version='1.0'"),
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("host-unknown") + endTag,
			cond: streamerror.HostUnknown,
		},
		{
			name: "to not a domain",
			in:   header("to='romeo@example.com' version='1.0'"),
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("host-unknown") + endTag,
			cond: streamerror.HostUnknown,
		},
		{
			name: "no to, any domain",
			cfg:  &Config{Rand: zeroRand{}},
			in:   header("version='1.0'"),
			want: xmlDecl + "<stream:stream id='" + zeroID + "' version='1.0' xml:lang='en'" + nsDecls + streamErr("host-unknown") + endTag,
			cond: streamerror.HostUnknown,
		},
		// §4.7.1 from.
		{
			name: "from not a JID",
			in:   header("from='@example.com' to='example.com' version='1.0'"),
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("invalid-from") + endTag,
			cond: streamerror.InvalidFrom,
		},
		// §4.8 namespaces.
		{
			name: "wrong content namespace",
			in:   xmlDecl + "<stream:stream to='example.com' version='1.0' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>",
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("invalid-namespace") + endTag,
			cond: streamerror.InvalidNamespace,
		},
		{
			name: "wrong stream namespace",
			in:   xmlDecl + "<stream:stream to='example.com' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams/'>",
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("invalid-namespace") + endTag,
			cond: streamerror.InvalidNamespace,
		},
		{
			name: "no stream namespace",
			in:   xmlDecl + "<stream to='example.com' version='1.0' xmlns='jabber:client'>",
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("invalid-namespace") + endTag,
			cond: streamerror.InvalidNamespace,
		},
		// §11: what the Decoder finds in the header.
		{
			name: "not XML",
			in:   "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("not-well-formed") + endTag,
			cond: streamerror.NotWellFormed,
		},
		{
			name: "restricted XML",
			in:   xmlDecl + "<!-- hi -->" + clientHeader[len(xmlDecl):],
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("restricted-xml") + endTag,
			cond: streamerror.RestrictedXML,
		},
		{
			name: "other encoding",
			in:   "<?xml version='1.0' encoding='ISO-8859-1'?>" + clientHeader[len(xmlDecl):],
			want: ourHdr + " version='1.0' xml:lang='en'" + nsDecls + streamErr("unsupported-encoding") + endTag,
			cond: streamerror.UnsupportedEncoding,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, conn := newPeer(t)
			cfg := tt.cfg
			if cfg == nil {
				cfg = serverConfig()
			}
			p.send(tt.in)
			s, err := Accept(ctxT(t), conn, cfg)
			if tt.cond == "" {
				if err != nil {
					t.Fatalf("Accept: %v", err)
				}
				p.expect(t, tt.want)
				p.send(endTag)
				must(t, s.Close())
				p.expectEOF(t, endTag)
				return
			}
			var le *LocalError
			if !errors.As(err, &le) || le.Err.Condition != tt.cond {
				t.Fatalf("Accept error %v, want a *LocalError with %s", err, tt.cond)
			}
			if !errors.Is(err, tt.cond) {
				t.Errorf("errors.Is(err, %s) = false", tt.cond)
			}
			p.expectEOF(t, tt.want)
		})
	}
}

// A peer that closes before sending anything gets nothing back.
func TestAcceptPeerGone(t *testing.T) {
	t.Parallel()
	p, conn := newPeer(t)
	p.close()
	_, err := Accept(ctxT(t), conn, serverConfig())
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Accept: %v, want io.ErrUnexpectedEOF", err)
	}
	p.expectEOF(t, "")
}

// The header attributes are readable from both sides.
func TestHeaderAccessors(t *testing.T) {
	t.Parallel()
	ccfg := clientConfig()
	ccfg.Lang = "de"
	c, s := pair(t, ccfg, serverConfig())
	if got := s.PeerHeader(); got.To != "example.com" || got.From != "juliet@example.com" || got.Version != "1.0" || got.Lang != "de" || got.ID != "" || got.NS != stanza.NSClient {
		t.Errorf("server PeerHeader = %+v", got)
	}
	if got := s.Header(); got.From != "example.com" || got.To != "juliet@example.com" || got.ID != zeroID || got.Version != "1.0" || got.Lang != "en" {
		t.Errorf("server Header = %+v", got)
	}
	if got := c.PeerHeader(); got.From != "example.com" || got.To != "juliet@example.com" || got.ID != zeroID || got.Version != "1.0" || got.Lang != "en" {
		t.Errorf("client PeerHeader = %+v", got)
	}
	if got := c.Header(); got.To != "example.com" || got.From != "juliet@example.com" || got.ID != "" || got.Lang != "de" {
		t.Errorf("client Header = %+v", got)
	}
	if c.ID() != zeroID || s.ID() != zeroID {
		t.Errorf("ID() = %q, %q; want %q", c.ID(), s.ID(), zeroID)
	}
	if !c.Initiating() || s.Initiating() {
		t.Errorf("Initiating() = %v, %v", c.Initiating(), s.Initiating())
	}
}

// Stream IDs come from crypto/rand by default: 128 bits, fresh each time.
func TestStreamIDRandom(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 4 {
		_, s := pair(t, clientConfig(), &Config{Domains: []string{"example.com"}})
		id := s.ID()
		if len(id) != 22 || seen[id] {
			t.Fatalf("ID %q: not 22 characters or repeated", id)
		}
		seen[id] = true
	}
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   version
		wantOK bool
	}{
		{"", version{}, true},
		{"1.0", version{1, 0, true}, true},
		{"1.5", version{1, 5, true}, true},
		{"01.000", version{1, 0, true}, true},
		{"0.9", version{0, 9, true}, true},
		{"2.0", version{2, 0, true}, true},
		{"11.0", version{11, 0, true}, true},
		{"99999999999999999999.1", version{maxVersionPart, 1, true}, true},
		{"1", version{}, false},
		{"1.", version{}, false},
		{".1", version{}, false},
		{"1.0.0", version{}, false},
		{"1.0 ", version{}, false},
		{"+1.0", version{}, false},
		{"v1.0", version{}, false},
		{"1,0", version{}, false},
	}
	for _, tt := range tests {
		got, ok := parseVersion(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseVersion(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  *Config
	}{
		{"stream namespace as content", &Config{NS: stanza.NSStream}},
		{"bad domain", &Config{Domains: []string{"a@b"}}},
		{"empty domain", &Config{Domains: []string{""}}},
		{"nil feature", &Config{Features: []Feature{nil}}},
		{"bad lang", &Config{Lang: "en\x00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, conn := newPeer(t)
			if _, err := Accept(ctxT(t), conn, tt.cfg); err == nil {
				t.Fatal("Accept succeeded")
			}
			if _, err := Open(ctxT(t), conn, tt.cfg); err == nil {
				t.Fatal("Open succeeded")
			}
			p.close()
			p.expectEOF(t, "")
		})
	}
}
