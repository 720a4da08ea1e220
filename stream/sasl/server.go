package sasl

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"
)

// ServerConfig is what the receiving entity brings to SASL. It is read,
// never modified, by its methods and by NewServer and the Server values it
// makes; it may be shared by concurrent exchanges if Lookup and Authorize
// are safe for concurrent use.
type ServerConfig struct {
	// Lookup returns the stored credentials of the account named
	// username, which has been prepared with the OpaqueString profile (see
	// the package documentation); map it further as the account store
	// needs (for XMPP, the localpart rules of RFC 7622 §3.3). Lookup is
	// required. It may return:
	//   - credentials: the exchange goes on with them;
	//   - nil credentials, or an error wrapping ErrUnknownUser: the
	//     exchange goes on with made-up SCRAM parameters and ends in
	//     NotAuthorized, so unknown accounts look like wrong passwords;
	//   - an error wrapping a *Failure (AccountDisabled,
	//     CredentialsExpired, TemporaryAuthFailure…): the exchange fails
	//     with it at once;
	//   - any other error: the exchange fails with TemporaryAuthFailure
	//     wrapping it.
	Lookup func(username string) (*Credentials, error)
	// Authorize decides whether the authenticated username may act as
	// authzid (RFC 4422 §3.4.1, RFC 6120 §6.3.8). It is called only after
	// the credentials were verified, and only when the client sent a
	// non-empty authzid; nil refuses every non-empty authzid. A nil
	// result allows; an error wrapping a *Failure fails with it, any other
	// error with InvalidAuthzid. A stream layer usually accepts the bare
	// JID the username derives to.
	Authorize func(username, authzid string) error
	// TLS is the state of the TLS connection the stream runs over, nil
	// (or an incomplete handshake) when it is not encrypted. It enables
	// the -PLUS mechanisms (with a channel-binding type) and PLAIN.
	TLS *tls.ConnectionState
	// Certificate is the leaf certificate the server presented in the TLS
	// handshake, which crypto/tls does not report in the
	// ConnectionState; it enables tls-server-end-point (RFC 5929 §4). With
	// a tls.Config holding one certificate it is Certificates[0].Leaf.
	// nil leaves tls-exporter as the only channel-binding type.
	Certificate *x509.Certificate
	// Enabled restricts the mechanisms the server offers; nil enables
	// every mechanism of this package.
	Enabled []Mechanism
	// AllowPlainWithoutTLS offers PLAIN on a stream without TLS, which
	// lets clients send passwords in the clear (RFC 4616 §6, RFC 6120
	// §13.8). Off by default.
	AllowPlainWithoutTLS bool

	// nonce replaces the random server part of the SCRAM nonce; tests only.
	nonce string
}

// ChannelBindings returns the channel-binding types the server can verify
// on this connection, in order of preference: tls-exporter when the TLS
// state exports keying material, tls-server-end-point when Certificate is
// set and its signature algorithm defines the hash. It is empty without
// TLS. A stream layer may announce the list with XEP-0440.
func (c *ServerConfig) ChannelBindings() []ChannelBinding {
	if c == nil {
		return nil
	}
	var list []ChannelBinding
	for _, t := range channelBindings {
		if _, err := serverBinding(c, t); err == nil {
			list = append(list, t)
		}
	}
	return list
}

// Mechanisms returns the mechanisms to advertise in <mechanisms/> (RFC
// 6120 §6.4.1), strongest first: the -PLUS mechanisms only with TLS and at
// least one channel-binding type, SCRAM-SHA-256 and SCRAM-SHA-1 always,
// PLAIN only with TLS unless AllowPlainWithoutTLS; each only if Enabled.
func (c *ServerConfig) Mechanisms() []Mechanism {
	if c == nil {
		return nil
	}
	canBind := len(c.ChannelBindings()) > 0
	var list []Mechanism
	for _, m := range strength {
		if c.check(m, canBind) == nil {
			list = append(list, m)
		}
	}
	return list
}

// check returns the failure NewServer reports for mechanism m, nil if the
// server offers it.
func (c *ServerConfig) check(m Mechanism, canBind bool) *Failure {
	h, plus := m.scramInfo()
	switch {
	case h == nil && m != Plain:
		return fail(InvalidMechanism, "", fmt.Errorf("sasl: unknown mechanism %q", string(m)))
	case !enabled(c.Enabled, m):
		return fail(InvalidMechanism, "", fmt.Errorf("sasl: mechanism %s not enabled", m))
	case plus && !tlsDone(c.TLS):
		return fail(EncryptionRequired, "", fmt.Errorf("sasl: %s needs TLS", m))
	case plus && !canBind:
		return fail(InvalidMechanism, "", fmt.Errorf("sasl: %s: no channel-binding type available", m))
	case m == Plain && !tlsDone(c.TLS) && !c.AllowPlainWithoutTLS:
		return fail(EncryptionRequired, "", errors.New("sasl: PLAIN needs TLS"))
	}
	return nil
}

// Server is the receiving entity's side of one SASL exchange (RFC 4422
// §3, RFC 6120 §6.4) with the mechanism the client chose. The stream
// layer drives it: it calls Next with the initial response of <auth/> (nil
// when the client sent none), then with each <response/>; Next returns the
// next <challenge/> to send, or done with the additional data for
// <success/>, or a *Failure to send as <failure/>. On <abort/>, the stream
// layer answers with Aborted and discards the Server.
//
// A Server serves one exchange and is not safe for concurrent use. After a
// failure, or done, every further Next fails with MalformedRequest.
type Server interface {
	// Mechanism returns the mechanism of this exchange.
	Mechanism() Mechanism
	// Next processes a client message. When done is false, challenge is
	// to be sent in <challenge/> (possibly empty); when done is true, the
	// client is authenticated and challenge is the additional data for
	// <success/> (nil for none). An error is a *Failure.
	Next(response []byte) (challenge []byte, done bool, err error)
	// Username returns the authenticated username, prepared as Lookup
	// received it. It is meaningful once Next reported done.
	Username() string
	// Authzid returns the authorization identity the client asked for,
	// empty for none. It is meaningful once Next reported done.
	Authzid() string
}

// NewServer returns the Server for mechanism m, the mechanism attribute of
// the client's <auth/>. It fails with a *Failure when m is not among
// cfg.Mechanisms(): InvalidMechanism for an unknown or disabled mechanism
// or a -PLUS one without channel binding, EncryptionRequired for PLAIN or
// a -PLUS mechanism without TLS (RFC 6120 §6.5.4, §6.5.7), and
// TemporaryAuthFailure when cfg has no Lookup.
func NewServer(m Mechanism, cfg *ServerConfig) (Server, error) {
	if cfg == nil || cfg.Lookup == nil {
		return nil, fail(TemporaryAuthFailure, "", errors.New("sasl: ServerConfig.Lookup is nil"))
	}
	canBind := len(cfg.ChannelBindings()) > 0
	if f := cfg.check(m, canBind); f != nil {
		return nil, f
	}
	h, plus := m.scramInfo()
	if h == nil {
		return &plainServer{cfg: cfg}, nil
	}
	// The "y" flag is a downgrade only if this server advertises -PLUS
	// (RFC 5802 §6), which also depends on Enabled.
	advertisesPlus := canBind && (cfg.check(ScramSHA256Plus, true) == nil || cfg.check(ScramSHA1Plus, true) == nil)
	return &scramServer{cfg: cfg, mech: m, h: h, plus: plus, advertisesPlus: advertisesPlus}, nil
}

// lookup calls cfg.Lookup; creds is nil for an unknown user, f non-nil
// when the exchange must fail at once.
func lookup(cfg *ServerConfig, user string) (creds *Credentials, f *Failure) {
	creds, err := cfg.Lookup(user)
	if err == nil {
		return creds, nil
	}
	if errors.As(err, &f) {
		return nil, f
	}
	if errors.Is(err, ErrUnknownUser) {
		return nil, nil
	}
	return nil, fail(TemporaryAuthFailure, "", fmt.Errorf("sasl: credential lookup: %w", err))
}

// authorize applies cfg.Authorize to a non-empty authzid.
func authorize(cfg *ServerConfig, user, authzid string) error {
	if authzid == "" {
		return nil
	}
	if cfg.Authorize == nil {
		return fail(InvalidAuthzid, "", errors.New("sasl: no authorization identity allowed"))
	}
	err := cfg.Authorize(user, authzid)
	if err == nil {
		return nil
	}
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	return fail(InvalidAuthzid, "", err)
}

// fakeSecret keys the made-up SCRAM parameters of unknown users: random
// per process, so that the same unknown name always gets the same salt
// (as a real account would) and nobody can predict it.
var fakeSecret = sync.OnceValue(func() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
})

// fakeIterations is the iteration count shown for unknown users.
const fakeIterations = 4096

// fakeKeys returns made-up keys for an unknown user (RFC 5802 §9 lets a
// server hide which accounts exist). No proof can match them: the
// exchange is failed regardless.
func fakeKeys(h *scramHash, user string) *SCRAMKeys {
	m := hmac.New(sha256.New, fakeSecret())
	m.Write([]byte(user))
	seed := m.Sum(nil)
	return &SCRAMKeys{
		Salt:       seed[:16],
		Iterations: fakeIterations,
		StoredKey:  h.hmacSum(seed, "stored")[:h.size],
		ServerKey:  h.hmacSum(seed, "server")[:h.size],
	}
}

// errNotAuthorized is the cause of a failed credential check.
var errNotAuthorized = errors.New("sasl: credentials do not match")

// plainServer is the server of RFC 4616, verifying the password against
// the stored SCRAM keys.
type plainServer struct {
	cfg       *ServerConfig
	state     int // 0 new, 1 empty challenge sent, 2 over
	user      string
	authzid   string
	succeeded bool
}

func (s *plainServer) Mechanism() Mechanism { return Plain }
func (s *plainServer) Username() string {
	if !s.succeeded {
		return ""
	}
	return s.user
}
func (s *plainServer) Authzid() string {
	if !s.succeeded {
		return ""
	}
	return s.authzid
}

// Next verifies the PLAIN message (RFC 4616 §2). An empty first message
// means the client sent no initial response; the server answers with an
// empty challenge (RFC 4422 §5 item 2, RFC 6120 §6.4.2).
func (s *plainServer) Next(resp []byte) ([]byte, bool, error) {
	switch {
	case s.state == 0 && len(resp) == 0:
		s.state = 1
		return []byte{}, false, nil
	case s.state == 2:
		return nil, false, fail(MalformedRequest, "", fmt.Errorf("%w: exchange is over", ErrMalformed))
	}
	s.state = 2
	if err := s.verify(resp); err != nil {
		return nil, false, err
	}
	s.succeeded = true
	return nil, true, nil
}

func (s *plainServer) verify(msg []byte) error {
	// message = [authzid] UTF8NUL authcid UTF8NUL passwd (RFC 4616 §2).
	if len(msg) > maxMessageLen || bytes.Count(msg, []byte{0}) != 2 || !utf8.Valid(msg) {
		return fail(MalformedRequest, "", fmt.Errorf("%w: PLAIN message", ErrMalformed))
	}
	authzid, rest, _ := bytes.Cut(msg, []byte{0})
	authcid, passwd, _ := bytes.Cut(rest, []byte{0})
	if len(authcid) == 0 || len(passwd) == 0 {
		return fail(MalformedRequest, "", fmt.Errorf("%w: PLAIN message with empty authcid or passwd", ErrMalformed))
	}
	user, err := normalize(string(authcid))
	if err != nil {
		return fail(MalformedRequest, "", fmt.Errorf("%w: authcid: %w", ErrMalformed, err))
	}
	s.user, s.authzid = user, string(authzid)
	creds, f := lookup(s.cfg, user)
	if f != nil {
		return f
	}
	h, keys := hashSHA256, creds.keys(hashSHA256)
	if !keys.valid(h) {
		h, keys = hashSHA1, creds.keys(hashSHA1)
	}
	known := keys.valid(h)
	if !known {
		keys = fakeKeys(h, user)
	}
	pass, err := normalize(string(passwd))
	if err != nil {
		return fail(NotAuthorized, "", fmt.Errorf("sasl: password: %w", err))
	}
	// Recompute StoredKey from the password (RFC 5802 §3) and compare.
	salted, err := h.saltedPassword(pass, keys.Salt, keys.Iterations)
	if err != nil {
		return fail(TemporaryAuthFailure, "", err)
	}
	stored := h.sum(h.hmacSum(salted, labelClientKey))
	clear(salted)
	if subtle.ConstantTimeCompare(stored, keys.StoredKey) != 1 || !known {
		cause := errNotAuthorized
		if !known {
			cause = ErrUnknownUser
		}
		return fail(NotAuthorized, "", cause)
	}
	return authorize(s.cfg, user, s.authzid)
}

// scramServer is the server of RFC 5802 §5 (and RFC 7677), working from
// stored keys.
type scramServer struct {
	cfg            *ServerConfig
	mech           Mechanism
	h              *scramHash
	plus           bool // the mechanism is -PLUS
	advertisesPlus bool // the server offers -PLUS mechanisms (RFC 5802 §6)

	state       int  // 0 new, 1 server-first sent, 2 over
	sentEmpty   bool // an empty challenge answered an absent initial response
	succeeded   bool
	cf          clientFirst
	cbData      []byte
	user        string
	keys        *SCRAMKeys
	unknown     error // non-nil: fail at the end with this cause
	nonce       string
	serverFirst string
}

func (s *scramServer) Mechanism() Mechanism { return s.mech }
func (s *scramServer) Username() string {
	if !s.succeeded {
		return ""
	}
	return s.user
}
func (s *scramServer) Authzid() string {
	if !s.succeeded {
		return ""
	}
	return s.cf.authzid
}

// Next answers the client-first message with the server-first message,
// then verifies the client-final message and returns the server-final
// message as the additional data of <success/> (RFC 5802 §5, RFC 6120
// §6.4.6).
func (s *scramServer) Next(resp []byte) ([]byte, bool, error) {
	switch s.state {
	case 0:
		if len(resp) == 0 && !s.sentEmpty {
			s.sentEmpty = true
			return []byte{}, false, nil
		}
		ch, err := s.first(string(resp))
		if err != nil {
			s.state = 2
			return nil, false, err
		}
		s.state = 1
		return ch, false, nil
	case 1:
		s.state = 2
		v, err := s.final(string(resp))
		if err != nil {
			return nil, false, err
		}
		s.succeeded = true
		return v, true, nil
	}
	return nil, false, fail(MalformedRequest, "", fmt.Errorf("%w: exchange is over", ErrMalformed))
}

// first processes the client-first message (RFC 5802 §5.1, §6).
func (s *scramServer) first(msg string) ([]byte, error) {
	cf, err := parseClientFirst(msg)
	if err != nil {
		return nil, fail(MalformedRequest, "", err)
	}
	switch {
	case s.plus && cf.flag != 'p':
		// RFC 5802 §6: a client that selected -PLUS MUST send "p".
		return nil, fail(MalformedRequest, "channel binding expected", fmt.Errorf("%w: -PLUS mechanism without channel binding", ErrMalformed))
	case !s.plus && cf.flag == 'p':
		return nil, fail(MalformedRequest, "channel binding requires a -PLUS mechanism", fmt.Errorf("%w: channel binding with a non-PLUS mechanism", ErrMalformed))
	case cf.flag == 'y' && s.advertisesPlus:
		// RFC 5802 §6: the client thinks the server cannot bind, but it
		// can: someone removed the -PLUS mechanisms from <mechanisms/>.
		return nil, fail(NotAuthorized, "server does support channel binding", errors.New("sasl: channel-binding downgrade detected"))
	case cf.flag == 'p':
		d, err := serverBinding(s.cfg, cf.cb)
		if err != nil {
			return nil, fail(NotAuthorized, "unsupported channel binding type", err)
		}
		s.cbData = d
	}
	user, err := normalize(cf.username)
	if err != nil {
		return nil, fail(MalformedRequest, "", fmt.Errorf("%w: username: %w", ErrMalformed, err))
	}
	s.cf, s.user = cf, user
	creds, f := lookup(s.cfg, user)
	if f != nil {
		return nil, f
	}
	switch keys := creds.keys(s.h); {
	case creds == nil:
		s.unknown = ErrUnknownUser
	case keys == nil:
		s.unknown = fmt.Errorf("sasl: no %s keys stored for the user", s.mech)
	case !keys.valid(s.h):
		return nil, fail(TemporaryAuthFailure, "", fmt.Errorf("sasl: invalid %s keys stored for the user", s.mech))
	default:
		s.keys = keys
	}
	if s.unknown != nil {
		s.keys = fakeKeys(s.h, user)
	}
	snonce := s.cfg.nonce
	if snonce == "" {
		snonce = rand.Text()
	}
	s.nonce = cf.nonce + snonce
	b := make([]byte, 0, 64+len(s.nonce))
	b = append(b, "r="...)
	b = append(b, s.nonce...)
	b = append(b, ",s="...)
	b = base64.StdEncoding.AppendEncode(b, s.keys.Salt)
	b = append(b, ",i="...)
	b = strconv.AppendInt(b, int64(s.keys.Iterations), 10)
	s.serverFirst = string(b)
	return b, nil
}

// final verifies the client-final message (RFC 5802 §3, §5.1) and returns
// the server-final message.
func (s *scramServer) final(msg string) ([]byte, error) {
	cf, err := parseClientFinal(msg)
	if err != nil {
		return nil, fail(MalformedRequest, "", err)
	}
	h := s.h
	if len(cf.proof) != h.size {
		return nil, fail(MalformedRequest, "", fmt.Errorf("%w: proof length", ErrMalformed))
	}
	// c= is base64(gs2-header || cbind-data), and must match what this
	// end computes (RFC 5802 §5.1 "c", §6).
	want := make([]byte, 0, len(s.cf.header)+len(s.cbData))
	want = append(want, s.cf.header...)
	want = append(want, s.cbData...)
	if subtle.ConstantTimeCompare(cf.cbind, want) != 1 {
		return nil, fail(NotAuthorized, "channel binding mismatch", errors.New("sasl: channel-binding data does not match"))
	}
	if cf.nonce != s.nonce {
		return nil, fail(NotAuthorized, "", errors.New("sasl: nonce mismatch"))
	}
	// ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage);
	// the client is authentic if H(ClientKey) = StoredKey (§3).
	clientSig := h.hmacSum(s.keys.StoredKey, s.cf.bare, ",", s.serverFirst, ",", cf.withoutProof)
	subtle.XORBytes(clientSig, clientSig, cf.proof)
	if subtle.ConstantTimeCompare(h.sum(clientSig), s.keys.StoredKey) != 1 || s.unknown != nil {
		cause := s.unknown
		if cause == nil {
			cause = errNotAuthorized
		}
		return nil, fail(NotAuthorized, "", cause)
	}
	if err := authorize(s.cfg, s.user, s.cf.authzid); err != nil {
		return nil, err
	}
	sig := h.hmacSum(s.keys.ServerKey, s.cf.bare, ",", s.serverFirst, ",", cf.withoutProof)
	out := make([]byte, 0, 2+base64.StdEncoding.EncodedLen(len(sig)))
	out = append(out, "v="...)
	return base64.StdEncoding.AppendEncode(out, sig), nil
}
