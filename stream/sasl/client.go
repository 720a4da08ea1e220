package sasl

import (
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Client is the initiating entity's side of one SASL exchange (RFC 4422
// §3, RFC 6120 §6.4) with the mechanism it was made for. The stream layer
// drives it:
//
//   - Start gives the initial response to send, base64-encoded, in
//     <auth mechanism='…'/> (RFC 6120 §6.4.2);
//   - for each <challenge/>, Next gives the <response/> to send
//     (§6.4.3); an error means the stream should send <abort/> (§6.4.4);
//   - on <success/>, Success checks its additional data (§6.4.6): for
//     SCRAM the server's signature, so a nil error from Success, not the
//     <success/> element, is what authenticates the server;
//   - on <failure/>, the exchange is over and the Client is discarded.
//
// A Client serves one exchange and is not safe for concurrent use.
type Client interface {
	// Mechanism returns the mechanism name to put in <auth/>.
	Mechanism() Mechanism
	// Start returns the initial response (RFC 4422 §3.3). It is never
	// empty for the mechanisms of this package.
	Start() (initial []byte, err error)
	// Next returns the response to a server challenge. An empty response
	// is sent as an empty <response/>.
	Next(challenge []byte) (response []byte, err error)
	// Success checks the additional data of <success/> (nil or empty when
	// it had none) and reports whether the exchange really succeeded: a
	// SCRAM client returns ErrServerSignature (wrapped) if the server did
	// not prove it knows the credentials.
	Success(additional []byte) error
}

// ClientConfig is what the initiating entity brings to SASL. It is read,
// never modified, by Select and NewClient; a nil *ClientConfig is the zero
// configuration for Select.
type ClientConfig struct {
	// Username is the authentication identity (authcid), for XMPP the
	// localpart of the account's JID (RFC 6120 §6.3.7). It is prepared
	// with the OpaqueString profile (see the package documentation).
	Username string
	// Password is the account's password, prepared with OpaqueString.
	Password string
	// Authzid is the authorization identity, empty for none. RFC 6120
	// §6.3.8 says a client SHOULD NOT send one unless it wants to act for
	// another entity than the one the credentials derive to; it is then a
	// bare JID.
	Authzid string
	// TLS is the state of the TLS connection the stream runs over, nil
	// (or an incomplete handshake) when the stream is not encrypted. It
	// enables the -PLUS mechanisms and PLAIN.
	TLS *tls.ConnectionState
	// ServerChannelBindings lists the channel-binding types the server
	// announced with XEP-0440 (<sasl-channel-binding/>), nil when it
	// announced none. A -PLUS mechanism is used only with a type in this
	// list: a server that offers -PLUS without announcing a type we
	// implement may support only a type we do not (tls-unique), so the
	// client then uses SCRAM without channel binding and the GS2 flag "n"
	// (see NewClient).
	ServerChannelBindings []ChannelBinding
	// Enabled restricts the mechanisms the client may use; nil enables
	// every mechanism of this package. Order does not matter: the
	// strongest mechanism wins.
	Enabled []Mechanism
	// AllowPlainWithoutTLS lets PLAIN be used over a stream without TLS,
	// which sends the password in the clear (RFC 4616 §6). Off by
	// default; meant for tests and trusted local links.
	AllowPlainWithoutTLS bool
	// MinIterations is the smallest SCRAM iteration count accepted from
	// the server; 0 means DefaultMinIterations.
	MinIterations int
	// MaxIterations is the largest SCRAM iteration count accepted from
	// the server; 0 means DefaultMaxIterations.
	MaxIterations int

	// nonce replaces the random client nonce; tests only.
	nonce string
}

// clientCB returns the channel-binding type the client would use, and its
// data: the first type in the order of preference that the TLS state
// provides and the server announced with XEP-0440 (none when it announced
// none). any reports whether the client can bind with some type at all,
// whatever the server announced.
func clientCB(cfg *ClientConfig) (t ChannelBinding, data []byte, any bool) {
	if !tlsDone(cfg.TLS) {
		return "", nil, false
	}
	for _, c := range channelBindings {
		d, err := clientBinding(cfg.TLS, c)
		if err != nil {
			continue
		}
		any = true
		if !slices.Contains(cfg.ServerChannelBindings, c) {
			continue
		}
		if t == "" {
			t, data = c, d
		}
	}
	return t, data, any
}

// Select returns the strongest mechanism in offered (the server's
// <mechanisms/>, RFC 6120 §6.4.1) that cfg permits, in the order
// SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS, SCRAM-SHA-256, SCRAM-SHA-1, PLAIN.
// A -PLUS mechanism needs channel-binding data from cfg.TLS of a type the
// server announced in cfg.ServerChannelBindings (XEP-0440); PLAIN needs
// TLS unless cfg.AllowPlainWithoutTLS. When nothing qualifies it returns
// an error wrapping ErrNoMechanism.
func Select(offered []Mechanism, cfg *ClientConfig) (Mechanism, error) {
	if cfg == nil {
		cfg = &ClientConfig{}
	}
	cb, _, _ := clientCB(cfg)
	return selectMech(offered, cfg, cb)
}

func selectMech(offered []Mechanism, cfg *ClientConfig, cb ChannelBinding) (Mechanism, error) {
	for _, m := range strength {
		if !slices.Contains(offered, m) || !enabled(cfg.Enabled, m) {
			continue
		}
		if _, plus := m.scramInfo(); plus && cb == "" {
			continue
		}
		if m == Plain && !tlsDone(cfg.TLS) && !cfg.AllowPlainWithoutTLS {
			continue
		}
		return m, nil
	}
	if slices.Contains(offered, Plain) && !tlsDone(cfg.TLS) && !cfg.AllowPlainWithoutTLS {
		return "", fmt.Errorf("%w: PLAIN is not allowed without TLS (offered %q)", ErrNoMechanism, offered)
	}
	return "", fmt.Errorf("%w (offered %q)", ErrNoMechanism, offered)
}

// NewClient selects the strongest mechanism in offered that cfg permits,
// as Select does, and returns a Client for it. offered also decides the
// SCRAM GS2 flag (RFC 5802 §6): "p=" with channel binding; "y" when the
// client could bind but the server offered no -PLUS mechanism, so a server
// that does support channel binding detects the downgrade; "n" otherwise,
// in particular when the server offers -PLUS but announced no
// channel-binding type the client implements (a server whose only type is
// tls-unique): the client supports none of the server's types, and "y"
// would be taken for a downgrade. To force a mechanism, list only it in
// cfg.Enabled.
//
// It fails with ErrNoMechanism (wrapped) when nothing qualifies, and with
// an error when the username or password is refused by OpaqueString or the
// authzid is not valid UTF-8 without NUL.
func NewClient(offered []Mechanism, cfg *ClientConfig) (Client, error) {
	if cfg == nil {
		return nil, errors.New("sasl: nil ClientConfig")
	}
	cb, cbData, canBind := clientCB(cfg)
	m, err := selectMech(offered, cfg, cb)
	if err != nil {
		return nil, err
	}
	user, err := normalize(cfg.Username)
	if err != nil {
		return nil, fmt.Errorf("sasl: username: %w", err)
	}
	pass, err := normalize(cfg.Password)
	if err != nil {
		return nil, fmt.Errorf("sasl: password: %w", err)
	}
	if !utf8.ValidString(cfg.Authzid) || strings.IndexByte(cfg.Authzid, 0) >= 0 {
		return nil, errors.New("sasl: authzid is not UTF-8 without NUL")
	}
	h, plus := m.scramInfo()
	if h == nil {
		msg := make([]byte, 0, len(cfg.Authzid)+len(user)+len(pass)+2)
		msg = append(msg, cfg.Authzid...)
		msg = append(msg, 0)
		msg = append(msg, user...)
		msg = append(msg, 0)
		msg = append(msg, pass...)
		return &plainClient{msg: msg}, nil
	}
	c := &scramClient{
		mech:     m,
		h:        h,
		password: pass,
		nonce:    cfg.nonce,
		minIter:  cfg.MinIterations,
		maxIter:  cfg.MaxIterations,
	}
	if c.nonce == "" {
		c.nonce = rand.Text()
	}
	if c.minIter <= 0 {
		c.minIter = DefaultMinIterations
	}
	if c.maxIter <= 0 {
		c.maxIter = DefaultMaxIterations
	}
	// RFC 5802 §7 gs2-header = gs2-cbind-flag "," [ authzid ] ",".
	var flag string
	switch {
	case plus:
		flag = "p=" + string(cb)
		c.cbData = cbData
	case canBind && !offersPlus(offered):
		flag = "y"
	default:
		flag = "n"
	}
	c.gs2Header = flag + ","
	if cfg.Authzid != "" {
		c.gs2Header += "a=" + escapeName(cfg.Authzid)
	}
	c.gs2Header += ","
	c.clientFirstBare = "n=" + escapeName(user) + ",r=" + c.nonce
	return c, nil
}

// offersPlus reports whether the server offered any -PLUS mechanism, that
// is, appears to support channel binding (RFC 5802 §6).
func offersPlus(offered []Mechanism) bool {
	for _, m := range offered {
		if strings.HasSuffix(string(m), "-PLUS") {
			return true
		}
	}
	return false
}

var errState = errors.New("sasl: method called out of order")

// plainClient is the client of RFC 4616: one message, no challenge.
type plainClient struct {
	msg   []byte
	state int // 0 new, 1 started, 2 done
}

func (c *plainClient) Mechanism() Mechanism { return Plain }

// Start returns [authzid] NUL authcid NUL passwd (RFC 4616 §2).
func (c *plainClient) Start() ([]byte, error) {
	if c.state != 0 {
		return nil, errState
	}
	c.state = 1
	return c.msg, nil
}

// Next fails: the PLAIN server sends no challenge after an initial
// response (RFC 4616 §2).
func (c *plainClient) Next([]byte) ([]byte, error) {
	c.state = 2
	return nil, fmt.Errorf("%w: PLAIN expects no challenge", ErrMalformed)
}

func (c *plainClient) Success(additional []byte) error {
	if c.state != 1 {
		return errState
	}
	c.state = 2
	if len(additional) != 0 {
		return fmt.Errorf("%w: PLAIN success carries no data", ErrMalformed)
	}
	return nil
}

// scramClient is the client of RFC 5802 §5 (and RFC 7677).
type scramClient struct {
	mech            Mechanism
	h               *scramHash
	password        string // normalized
	nonce           string // c-nonce
	gs2Header       string
	cbData          []byte
	clientFirstBare string
	minIter         int
	maxIter         int

	state     int    // scram* below
	serverSig []byte // expected ServerSignature
}

const (
	scramNew      = iota // Start not called
	scramStarted         // client-first sent
	scramFinal           // client-final sent, awaiting the verifier
	scramVerified        // server signature checked
	scramDone            // succeeded or failed; no further use
)

func (c *scramClient) Mechanism() Mechanism { return c.mech }

// Start returns the client-first message (RFC 5802 §5.1, §7).
func (c *scramClient) Start() ([]byte, error) {
	if c.state != scramNew {
		return nil, errState
	}
	c.state = scramStarted
	return []byte(c.gs2Header + c.clientFirstBare), nil
}

// Next answers the server-first message with the client-final message,
// then the server-final message (if the server sends it as a challenge)
// with an empty response once the server signature is verified.
func (c *scramClient) Next(challenge []byte) ([]byte, error) {
	switch c.state {
	case scramStarted:
		resp, err := c.final(string(challenge))
		if err != nil {
			c.state = scramDone
			return nil, err
		}
		c.state = scramFinal
		return resp, nil
	case scramFinal:
		if err := c.verify(string(challenge)); err != nil {
			c.state = scramDone
			return nil, err
		}
		c.state = scramVerified
		return []byte{}, nil
	}
	c.state = scramDone
	return nil, fmt.Errorf("%w: unexpected challenge", ErrMalformed)
}

// final computes the client-final message from the server-first message
// (RFC 5802 §3, §5.1).
func (c *scramClient) final(msg string) ([]byte, error) {
	sf, err := parseServerFirst(msg)
	if err != nil {
		return nil, fmt.Errorf("sasl: server-first message: %w", err)
	}
	// RFC 5802 §5.1 "r": the server's nonce starts with ours and adds to it.
	if len(sf.nonce) <= len(c.nonce) || sf.nonce[:len(c.nonce)] != c.nonce {
		return nil, fmt.Errorf("%w: server nonce does not extend the client nonce", ErrMalformed)
	}
	if sf.iter < c.minIter || sf.iter > c.maxIter {
		return nil, fmt.Errorf("sasl: server-first message: iteration count %d outside [%d, %d]", sf.iter, c.minIter, c.maxIter)
	}
	h := c.h
	salted, err := h.saltedPassword(c.password, sf.salt, sf.iter)
	if err != nil {
		return nil, err
	}
	cbind := make([]byte, 0, len(c.gs2Header)+len(c.cbData))
	cbind = append(cbind, c.gs2Header...)
	cbind = append(cbind, c.cbData...)
	withoutProof := "c=" + base64.StdEncoding.EncodeToString(cbind) + ",r=" + sf.nonce
	// AuthMessage = client-first-message-bare + "," + server-first-message
	//               + "," + client-final-message-without-proof (§3).
	clientKey := h.hmacSum(salted, labelClientKey)
	storedKey := h.sum(clientKey)
	clientSig := h.hmacSum(storedKey, c.clientFirstBare, ",", msg, ",", withoutProof)
	proof := clientKey
	subtle.XORBytes(proof, clientKey, clientSig)
	c.serverSig = h.hmacSum(h.hmacSum(salted, labelServerKey), c.clientFirstBare, ",", msg, ",", withoutProof)
	clear(salted)
	out := make([]byte, 0, len(withoutProof)+3+base64.StdEncoding.EncodedLen(len(proof)))
	out = append(out, withoutProof...)
	out = append(out, ",p="...)
	return base64.StdEncoding.AppendEncode(out, proof), nil
}

// verify checks the server-final message (RFC 5802 §5.1 "v", "e").
func (c *scramClient) verify(msg string) error {
	sf, err := parseServerFinal(msg)
	if err != nil {
		return fmt.Errorf("sasl: server-final message: %w", err)
	}
	if sf.err != "" {
		return &Failure{Condition: serverErrorCondition(sf.err), Text: "e=" + sf.err}
	}
	if subtle.ConstantTimeCompare(sf.verifier, c.serverSig) != 1 {
		return ErrServerSignature
	}
	return nil
}

// Success verifies the server-final message carried by <success/> (RFC
// 6120 §6.4.6), unless a challenge already delivered it.
func (c *scramClient) Success(additional []byte) error {
	state := c.state
	c.state = scramDone
	switch state {
	case scramFinal:
		if len(additional) == 0 {
			return fmt.Errorf("%w: success without a server signature", ErrServerSignature)
		}
		return c.verify(string(additional))
	case scramVerified:
		if len(additional) != 0 {
			return fmt.Errorf("%w: second server-final message", ErrMalformed)
		}
		return nil
	}
	return fmt.Errorf("%w: success before the exchange completed", ErrServerSignature)
}
