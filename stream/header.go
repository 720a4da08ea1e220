package stream

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// The header rules of RFC 6120 §4.7 (attributes) and §4.8 (namespaces),
// shared by both roles. Summary of what each side checks and sends:
//
//	                 initiating entity sends   receiving entity sends
//	to               Config.To                 the initiator's from, if valid
//	from             Config.From               the served domain
//	id               never                     fresh, 128 random bits
//	version          1.0                       1.0; none if the peer sent none
//	xml:lang         Config.Lang               Config.Lang
//
// The receiving entity fails the stream with host-unknown for a missing
// or unserved 'to', invalid-from for a 'from' that is not a JID; both
// sides fail it with invalid-namespace for a wrong stream or content
// namespace and unsupported-version for a version they cannot speak.
// The stream namespace prefix is not checked (§4.8.5): any prefix bound
// to the stream namespace is accepted; we always write stream:.

// streamName is the expanded name of the stream header (§4.8.1).
var streamName = xml.Name{Space: stanza.NSStream, Local: "stream"}

// ourVersion is the version of XMPP we speak (§4.7.5).
const ourVersion = "1.0"

// version is a parsed 'version' attribute (§4.7.5).
type version struct {
	major, minor int // saturated at maxVersionPart
	present      bool
}

// maxVersionPart bounds each parsed part: larger numbers compare as it.
const maxVersionPart = 1 << 30

// modern reports whether v signals support for XMPP 1.0 stream features
// (§4.7.5: a version of at least 1.0; none at all means 0.9).
func (v version) modern() bool { return v.present && v.major >= 1 }

func (v version) String() string {
	if !v.present {
		return ""
	}
	return strconv.Itoa(v.major) + "." + strconv.Itoa(v.minor)
}

// parseVersion parses "major.minor", each one or more ASCII digits, as
// separate integers whose leading zeros are ignored (§4.7.5). An absent
// attribute (s == "") is the zero version with ok true; anything else
// that does not match fails.
func parseVersion(s string) (v version, ok bool) {
	if s == "" {
		return version{}, true
	}
	i := 0
	for i < len(s) && s[i] != '.' {
		i++
	}
	maj, ok1 := parseVersionPart(s[:i])
	if i == len(s) {
		return version{}, false
	}
	min, ok2 := parseVersionPart(s[i+1:])
	if !ok1 || !ok2 {
		return version{}, false
	}
	return version{major: maj, minor: min, present: true}, true
}

func parseVersionPart(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < maxVersionPart {
			n = n*10 + int(c-'0')
		}
	}
	return min(n, maxVersionPart), true
}

// checkNamespaces applies §4.8.1 and §4.8.2 to a peer's header: the
// stream namespace on the header, and a content namespace, if one is
// declared as the default namespace, equal to ours. A header with no
// default namespace is accepted: its first-level elements then declare
// their namespace themselves (§4.8.2, "prefix-free canonicalization").
func checkNamespaces(h *stanza.Header, ns string) *streamerror.Error {
	switch {
	case h.Name.Space != streamName.Space:
		// §4.8.1: "SHOULD be <invalid-namespace/>".
		return &streamerror.Error{Condition: streamerror.InvalidNamespace}
	case h.Name.Local != streamName.Local:
		// The right namespace but another element: not a stream header.
		return &streamerror.Error{Condition: streamerror.BadFormat}
	case h.NS != "" && h.NS != ns:
		// §4.8.2: the same content namespace on both streams;
		// §4.9.3.10.
		return &streamerror.Error{Condition: streamerror.InvalidNamespace}
	}
	return nil
}

// checkVersion applies §4.7.5 to the peer's version. A version we cannot
// parse, or whose major number is above ours, is one we do not support
// (§4.9.3.25); a higher minor is fine (answered with ours); none, or a
// major of 0, is a pre-1.0 peer, tolerated.
func checkVersion(v version, ok bool) *streamerror.Error {
	if !ok || v.major > 1 {
		return &streamerror.Error{Condition: streamerror.UnsupportedVersion}
	}
	return nil
}

// checkInitial applies the rules of §4.7 and §4.8 to the initiating
// entity's header, in the receiving role.
func (s *Stream) checkInitial(h *stanza.Header) *streamerror.Error {
	if se := checkNamespaces(h, s.cfg.NS); se != nil {
		return se
	}
	if se := checkVersion(s.peerVer, s.peerVerOK); se != nil {
		return se
	}
	// §4.7.2: the 'to' names the receiving entity's domain;
	// §4.9.3.6: host-unknown when it is not one we serve.
	if _, ok := s.served(h.To); !ok {
		return &streamerror.Error{Condition: streamerror.HostUnknown}
	}
	// §4.7.1, §4.9.3.9: a 'from' must at least be a JID.
	if h.From != "" {
		if _, err := jid.Parse(h.From); err != nil {
			return &streamerror.Error{Condition: streamerror.InvalidFrom}
		}
	}
	// §4.7.3: the initiating entity's 'id', if any, is ignored.
	return nil
}

// checkResponse applies the rules of §4.7 and §4.8 to the receiving
// entity's header, in the initiating role. The 'id' the receiving entity
// MUST send (§4.7.3), and its 'from' and 'to', are not required:
// RFC 3920-era servers omit them.
func (s *Stream) checkResponse(h *stanza.Header) *streamerror.Error {
	if se := checkNamespaces(h, s.cfg.NS); se != nil {
		return se
	}
	// A receiving entity must answer with a version no higher than ours
	// (§4.7.5); a higher major number is one we cannot speak.
	return checkVersion(s.peerVer, s.peerVerOK)
}

// served returns the configured spelling of the domain named by to, and
// whether we serve it: to must be a domain-only JID, and one of
// Config.Domains when there are any.
func (s *Stream) served(to string) (string, bool) {
	if to == "" {
		return "", false
	}
	j, err := jid.Parse(to)
	if err != nil || j != j.Domain() {
		return "", false
	}
	if len(s.domains) == 0 {
		return j.String(), true
	}
	for i, d := range s.domains {
		if d == j {
			return s.cfg.Domains[i], true
		}
	}
	return "", false
}

// initialHeader returns the header the initiating entity sends (§4.7).
func (s *Stream) initialHeader() stanza.Header {
	h := stanza.Header{
		Name:    streamName,
		Version: ourVersion,
		Lang:    s.cfg.Lang,
		NS:      s.cfg.NS,
	}
	if !s.cfg.To.IsZero() {
		h.To = s.cfg.To.String()
	}
	if !s.cfg.From.IsZero() {
		h.From = s.cfg.From.String()
	}
	return h
}

// responseHeader returns the header the receiving entity sends, with
// stream ID id, in answer to peer (nil when the peer's header could not
// be read): from the domain it asked for if we serve it, else our first
// domain; to its 'from' if that is a JID (§4.7.1, §4.7.2); our xml:lang
// (§4.7.4); and the lower of the two versions, or none when the peer
// sent none (§4.7.5: "SHOULD NOT include").
func (s *Stream) responseHeader(peer *stanza.Header, id string) stanza.Header {
	h := stanza.Header{
		Name:    streamName,
		ID:      id,
		Version: ourVersion,
		Lang:    s.cfg.Lang,
		NS:      s.cfg.NS,
	}
	if len(s.domains) > 0 {
		h.From = s.cfg.Domains[0]
	}
	if peer == nil {
		return h
	}
	if d, ok := s.served(peer.To); ok {
		h.From = d
	}
	if peer.From != "" {
		if j, err := jid.Parse(peer.From); err == nil {
			h.To = j.String()
		}
	}
	switch v, ok := s.peerVer, s.peerVerOK; {
	case !ok:
		// Unparsable: answered with ours, then unsupported-version.
	case !v.present:
		h.Version = ""
	case v.major == 0:
		h.Version = v.String()
	}
	return h
}

// idBytes is the number of random bytes in a stream ID: 128 bits
// (§4.7.3, §13.9.5 ask for at least that much randomness).
const idBytes = 16

// newID returns a fresh stream ID: idBytes from Config.Rand, in
// unpadded base64url (22 characters, nothing to escape).
func (s *Stream) newID() (string, error) {
	var b [idBytes]byte
	if _, err := io.ReadFull(s.cfg.Rand, b[:]); err != nil {
		return "", fmt.Errorf("stream: stream id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// writeHeader writes our header s.local and, when withFeatures is set,
// <stream:features/> with the children, in one Write. Features whose
// XML cannot be written fail the stream with internal-server-error.
func (s *Stream) writeHeader(ctx context.Context, children [][]byte, withFeatures bool) error {
	if err := s.lockWrite(ctx); err != nil {
		return err
	}
	err, bad := s.writeHeaderLocked(ctx, children, withFeatures)
	s.unlockWrite()
	if bad != nil {
		return s.fail(&streamerror.Error{Condition: streamerror.InternalServerError}, bad)
	}
	return err
}

func (s *Stream) writeHeaderLocked(ctx context.Context, children [][]byte, withFeatures bool) (err, bad error) {
	if s.wclosed {
		return s.werr, nil
	}
	b, err := s.fr.appendHeader(s.wbufStart(), &s.local)
	if err != nil {
		return nil, fmt.Errorf("stream: header: %w", err)
	}
	if withFeatures {
		if b, err = s.fr.appendFeatures(b, children); err != nil {
			return nil, fmt.Errorf("stream: features: %w", err)
		}
	}
	if err := s.writeLocked(ctx, b, false); err != nil {
		return err, nil
	}
	s.headerSent = true
	return nil, nil
}

// readHeader reads the peer's header. Failures end the stream as
// readElement's do; a peer that closes the connection before sending
// anything gets no answer.
func (s *Stream) readHeader(ctx context.Context) (*stanza.Header, error) {
	if err := ctx.Err(); err != nil {
		s.shutdown(err)
		return nil, fmt.Errorf("stream: header: %w", context.Cause(ctx))
	}
	cancel := s.rwatch.start(ctx)
	h, err := s.fr.readHeader()
	if s.rwatch.stop(cancel) && err != nil {
		err = fmt.Errorf("stream: header: %w", context.Cause(ctx))
		if timedOut(ctx) {
			// §4.9.1.1: our header goes first when it was not sent.
			return nil, s.fail(&streamerror.Error{Condition: streamerror.ConnectionTimeout}, err)
		}
		s.endRead(err)
		s.shutdown(err)
		return nil, err
	}
	if err == io.EOF {
		err = fmt.Errorf("stream: header: peer closed the connection: %w", io.ErrUnexpectedEOF)
		s.endRead(err)
		s.shutdown(err)
		return nil, err
	}
	if err != nil {
		return nil, s.readFailed(err)
	}
	s.peer = *h
	s.peerVer, s.peerVerOK = parseVersion(h.Version)
	return h, nil
}
