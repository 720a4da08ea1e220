package sasl

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
)

// maxMessageLen bounds every SASL message this package parses. The longest
// legitimate one, a SCRAM client-first message with a maximal escaped
// username and authzid (RFC 7622 §3.1 caps a JID at 3071 octets), fits
// well within it.
const maxMessageLen = 16 << 10

// DefaultMinIterations is the smallest SCRAM iteration count a client
// accepts unless ClientConfig.MinIterations says otherwise: RFC 7677 §4
// says the count SHOULD be at least 4096.
const DefaultMinIterations = 4096

// DefaultMaxIterations is the largest SCRAM iteration count a client
// accepts unless ClientConfig.MaxIterations says otherwise, so that a
// hostile server cannot make the client spin (RFC 5802 §9). At this count
// one SCRAM-SHA-256 login costs the client about a second of CPU.
const DefaultMaxIterations = 1 << 20

// normalize prepares a password or username the way RFC 5802 §2.2
// "Normalize" requires. RFC 5802 names SASLprep (RFC 4013); RFC 7613
// obsoleted SASLprep in favour of the PRECIS OpaqueString profile, now
// RFC 8265 §4.2, which is what this package applies. The two agree on
// ASCII and on most text; they differ where SASLprep's NFKC folds
// compatibility characters that OpaqueString's NFC keeps (a ligature such
// as U+FB01), and OpaqueString refuses control characters and empty
// strings.
func normalize(s string) (string, error) {
	return precis.OpaqueString.String(s)
}

// escapeName encodes a username or authzid as a saslname (RFC 5802 §5.1
// "n"): "=" becomes "=3D" and "," becomes "=2C".
func escapeName(s string) string {
	if !strings.ContainsAny(s, "=,") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '=':
			b.WriteString("=3D")
		case ',':
			b.WriteString("=2C")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescapeName decodes a saslname (RFC 5802 §7): valid UTF-8 without ","
// in which every "=" starts "=2C" or "=3D"; anything else is
// invalid-encoding (RFC 5802 §5.1 "n").
func unescapeName(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: saslname is not UTF-8", ErrMalformed)
	}
	if strings.Contains(s, ",") {
		return "", fmt.Errorf("%w: comma in saslname", ErrMalformed)
	}
	if !strings.Contains(s, "=") {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "=2C"):
			b.WriteByte(',')
		case strings.HasPrefix(s[i:], "=3D"):
			b.WriteByte('=')
		default:
			return "", fmt.Errorf("%w: bad escape in saslname", ErrMalformed)
		}
		i += 2
	}
	return b.String(), nil
}

// printable reports whether s is a non-empty nonce of RFC 5802 §7
// "printable" characters: %x21-2B / %x2D-7E, that is visible ASCII except
// ",".
func printable(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == ',' {
			return false
		}
	}
	return true
}

// decodeBase64 decodes a base64 attribute value (RFC 5802 §7 "base64"):
// standard alphabet with padding. Unlike base64.StdEncoding alone it
// refuses line breaks, which the grammar does not allow.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("%w: line break in base64", ErrMalformed)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: bad base64: %w", ErrMalformed, err)
	}
	return b, nil
}

// attr splits one attribute-value pair "x=value" (RFC 5802 §7 "attr-val")
// of a SCRAM message: a single ASCII letter, "=", a value.
func attr(field string) (name byte, value string, ok bool) {
	if len(field) < 2 || field[1] != '=' {
		return 0, "", false
	}
	c := field[0]
	if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
		return 0, "", false
	}
	return c, field[2:], true
}

// want cuts the next field of msg, checks that it is the attribute name
// and returns its value and the rest of msg after the comma ("" at the
// end; a comma with nothing after it is malformed).
func want(msg string, name byte) (value, rest string, err error) {
	field, rest, found := strings.Cut(msg, ",")
	if found && rest == "" {
		return "", "", fmt.Errorf("%w: trailing comma", ErrMalformed)
	}
	n, v, ok := attr(field)
	if !ok || n != name {
		if ok && n == 'm' {
			// RFC 5802 §5.1 "m": a mandatory extension this version does
			// not know must fail the exchange.
			return "", "", fmt.Errorf("%w: unsupported mandatory extension", ErrMalformed)
		}
		return "", "", fmt.Errorf("%w: expected attribute %q", ErrMalformed, string(name))
	}
	return v, rest, nil
}

// extensions checks that msg is empty or a list of well-formed optional
// extension attributes, which RFC 5802 §7 says MUST be ignored.
func extensions(msg string) error {
	if msg == "" {
		return nil
	}
	for field := range strings.SplitSeq(msg, ",") {
		_, v, ok := attr(field)
		if !ok || v == "" || !utf8.ValidString(v) || strings.Contains(v, "\x00") {
			return fmt.Errorf("%w: bad extension attribute", ErrMalformed)
		}
	}
	return nil
}

// gs2 is the GS2 header of a client-first message (RFC 5802 §7
// "gs2-header"; RFC 5801 §4).
type gs2 struct {
	flag    byte           // 'n', 'y' or 'p'
	cb      ChannelBinding // cb-name when flag is 'p'
	authzid string         // unescaped, empty for none
	header  string         // the header as sent, with its trailing comma
}

// clientFirst is a parsed client-first message (RFC 5802 §7).
type clientFirst struct {
	gs2
	bare     string // client-first-message-bare
	username string // unescaped, not yet normalized
	nonce    string // c-nonce
}

// validCBName reports whether s is a cb-name of RFC 5802 §7:
// 1*(ALPHA / DIGIT / "." / "-").
func validCBName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// parseClientFirst parses a client-first message (RFC 5802 §7).
func parseClientFirst(msg string) (clientFirst, error) {
	var cf clientFirst
	if len(msg) > maxMessageLen {
		return cf, fmt.Errorf("%w: client-first message too long", ErrMalformed)
	}
	flag, rest, ok := strings.Cut(msg, ",")
	if !ok {
		return cf, fmt.Errorf("%w: no GS2 header", ErrMalformed)
	}
	switch {
	case flag == "n" || flag == "y":
		cf.flag = flag[0]
	case strings.HasPrefix(flag, "p=") && validCBName(flag[2:]):
		cf.flag, cf.cb = 'p', ChannelBinding(flag[2:])
	default:
		return cf, fmt.Errorf("%w: bad gs2-cbind-flag", ErrMalformed)
	}
	az, bare, ok := strings.Cut(rest, ",")
	if !ok {
		return cf, fmt.Errorf("%w: GS2 header not terminated", ErrMalformed)
	}
	if az != "" {
		v, ok := strings.CutPrefix(az, "a=")
		if !ok || v == "" {
			return cf, fmt.Errorf("%w: bad authzid in GS2 header", ErrMalformed)
		}
		a, err := unescapeName(v)
		if err != nil {
			return cf, err
		}
		cf.authzid = a
	}
	cf.header = msg[:len(msg)-len(bare)]
	cf.bare = bare
	v, rest, err := want(bare, 'n')
	if err != nil {
		return cf, err
	}
	if v == "" {
		return cf, fmt.Errorf("%w: empty username", ErrMalformed)
	}
	if cf.username, err = unescapeName(v); err != nil {
		return cf, err
	}
	if cf.nonce, rest, err = want(rest, 'r'); err != nil {
		return cf, err
	}
	if !printable(cf.nonce) {
		return cf, fmt.Errorf("%w: bad client nonce", ErrMalformed)
	}
	return cf, extensions(rest)
}

// serverFirst is a parsed server-first message (RFC 5802 §7).
type serverFirst struct {
	nonce string
	salt  []byte
	iter  int
}

// parseServerFirst parses a server-first message (RFC 5802 §7).
func parseServerFirst(msg string) (serverFirst, error) {
	var sf serverFirst
	if len(msg) > maxMessageLen {
		return sf, fmt.Errorf("%w: server-first message too long", ErrMalformed)
	}
	v, rest, err := want(msg, 'r')
	if err != nil {
		return sf, err
	}
	if !printable(v) {
		return sf, fmt.Errorf("%w: bad nonce", ErrMalformed)
	}
	sf.nonce = v
	if v, rest, err = want(rest, 's'); err != nil {
		return sf, err
	}
	if sf.salt, err = decodeBase64(v); err != nil {
		return sf, err
	}
	if len(sf.salt) == 0 {
		return sf, fmt.Errorf("%w: empty salt", ErrMalformed)
	}
	if v, rest, err = want(rest, 'i'); err != nil {
		return sf, err
	}
	if sf.iter, err = parseCount(v); err != nil {
		return sf, err
	}
	return sf, extensions(rest)
}

// parseCount parses an iteration count: RFC 5802 §7 "posit-number", a
// decimal number without sign or leading zero, here also within int32.
func parseCount(s string) (int, error) {
	if s == "" || s[0] < '1' || s[0] > '9' || len(s) > 10 {
		return 0, fmt.Errorf("%w: bad iteration count", ErrMalformed)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: bad iteration count", ErrMalformed)
		}
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%w: bad iteration count", ErrMalformed)
	}
	return int(n), nil
}

// clientFinal is a parsed client-final message (RFC 5802 §7).
type clientFinal struct {
	cbind        []byte // decoded c= value
	nonce        string
	withoutProof string // client-final-message-without-proof
	proof        []byte
}

// parseClientFinal parses a client-final message (RFC 5802 §7): c=, r=,
// optional extensions and the proof, which comes last.
func parseClientFinal(msg string) (clientFinal, error) {
	var cf clientFinal
	if len(msg) > maxMessageLen {
		return cf, fmt.Errorf("%w: client-final message too long", ErrMalformed)
	}
	i := strings.LastIndexByte(msg, ',')
	if i < 0 {
		return cf, fmt.Errorf("%w: no proof", ErrMalformed)
	}
	cf.withoutProof = msg[:i]
	p, ok := strings.CutPrefix(msg[i+1:], "p=")
	if !ok {
		return cf, fmt.Errorf("%w: proof is not last", ErrMalformed)
	}
	var err error
	if cf.proof, err = decodeBase64(p); err != nil {
		return cf, err
	}
	v, rest, err := want(cf.withoutProof, 'c')
	if err != nil {
		return cf, err
	}
	if cf.cbind, err = decodeBase64(v); err != nil {
		return cf, err
	}
	if cf.nonce, rest, err = want(rest, 'r'); err != nil {
		return cf, err
	}
	if !printable(cf.nonce) {
		return cf, fmt.Errorf("%w: bad nonce", ErrMalformed)
	}
	return cf, extensions(rest)
}

// serverFinal is a parsed server-final message (RFC 5802 §7): either a
// verifier or a server-error.
type serverFinal struct {
	verifier []byte
	err      string // server-error-value, empty for a verifier
}

// parseServerFinal parses a server-final message (RFC 5802 §7).
func parseServerFinal(msg string) (serverFinal, error) {
	var sf serverFinal
	if len(msg) > maxMessageLen {
		return sf, fmt.Errorf("%w: server-final message too long", ErrMalformed)
	}
	field, rest, found := strings.Cut(msg, ",")
	if found && rest == "" {
		return sf, fmt.Errorf("%w: trailing comma", ErrMalformed)
	}
	n, v, ok := attr(field)
	switch {
	case ok && n == 'e' && v != "" && utf8.ValidString(v) && !strings.Contains(v, "\x00"):
		sf.err = v
	case ok && n == 'v':
		b, err := decodeBase64(v)
		if err != nil {
			return sf, err
		}
		if len(b) == 0 {
			return sf, fmt.Errorf("%w: empty verifier", ErrMalformed)
		}
		sf.verifier = b
	default:
		return sf, fmt.Errorf("%w: expected verifier or server error", ErrMalformed)
	}
	return sf, extensions(rest)
}

// serverErrorCondition maps a server-error-value of RFC 5802 §7 to the
// RFC 6120 §6.5 condition a client reports for it.
func serverErrorCondition(e string) Condition {
	switch e {
	case "invalid-encoding", "extensions-not-supported", "invalid-username-encoding":
		return MalformedRequest
	case "no-resources":
		return TemporaryAuthFailure
	}
	return NotAuthorized
}

// hmacSum returns HMAC(key, a || b || c ...) with h (RFC 5802 §2.2 "HMAC").
func (h *scramHash) hmacSum(key []byte, msgs ...string) []byte {
	m := hmac.New(h.new, key)
	for _, s := range msgs {
		m.Write([]byte(s))
	}
	return m.Sum(nil)
}

// sum returns H(b) (RFC 5802 §2.2 "H").
func (h *scramHash) sum(b []byte) []byte {
	d := h.new()
	d.Write(b)
	return d.Sum(nil)
}

// saltedPassword returns Hi(password, salt, iter) (RFC 5802 §2.2 "Hi"),
// which is PBKDF2 with HMAC-H and a key as long as H's output. password
// must already be normalized.
func (h *scramHash) saltedPassword(password string, salt []byte, iter int) ([]byte, error) {
	sp, err := pbkdf2.Key(h.new, password, salt, iter, h.size)
	if err != nil {
		return nil, fmt.Errorf("sasl: derive salted password: %w", err)
	}
	return sp, nil
}

// Client and server key labels of RFC 5802 §3.
const (
	labelClientKey = "Client Key"
	labelServerKey = "Server Key"
)

// SCRAMKeys are the stored credentials of one account for one SCRAM hash
// function (RFC 5802 §2.1, §3 and §5; the form RFC 5803 stores): a server
// that keeps them can run SCRAM, and verify PLAIN, without the plaintext
// password. The salt and the iteration count are public; StoredKey and
// ServerKey are as sensitive as a password hash.
type SCRAMKeys struct {
	// Salt is the per-account random salt, sent to the client in base64.
	Salt []byte
	// Iterations is the PBKDF2 iteration count; RFC 7677 §4 says it
	// SHOULD be at least 4096.
	Iterations int
	// StoredKey is H(ClientKey), as long as the hash output.
	StoredKey []byte
	// ServerKey is HMAC(SaltedPassword, "Server Key"), as long as the
	// hash output.
	ServerKey []byte
}

// Credentials are what a server stores for one account: SCRAM keys for
// each hash function it supports. ServerConfig.Lookup returns them. Either
// field may be nil; a SCRAM mechanism whose keys are missing fails with
// NotAuthorized for that account. PLAIN is verified against SHA256 when
// present, else SHA1.
type Credentials struct {
	// SHA1 are the keys for SCRAM-SHA-1 and SCRAM-SHA-1-PLUS.
	SHA1 *SCRAMKeys
	// SHA256 are the keys for SCRAM-SHA-256 and SCRAM-SHA-256-PLUS.
	SHA256 *SCRAMKeys
}

// keys returns the keys for hash h, nil if there are none.
func (c *Credentials) keys(h *scramHash) *SCRAMKeys {
	if c == nil {
		return nil
	}
	if h == hashSHA1 {
		return c.SHA1
	}
	return c.SHA256
}

// NewCredentials derives the stored SCRAM keys of both hash functions
// from a password, with the same salt and iteration count (RFC 5802 §3).
// It is the one place a server needs the plaintext password, typically at
// registration or password change. salt should be at least 16 random
// bytes, unique per account; iter should be at least 4096 (RFC 7677 §4).
func NewCredentials(password string, salt []byte, iter int) (*Credentials, error) {
	k1, err := NewSCRAMKeys(ScramSHA1, password, salt, iter)
	if err != nil {
		return nil, err
	}
	k256, err := NewSCRAMKeys(ScramSHA256, password, salt, iter)
	if err != nil {
		return nil, err
	}
	return &Credentials{SHA1: k1, SHA256: k256}, nil
}

// NewSCRAMKeys derives the stored keys of SCRAM mechanism m (a -PLUS
// variant gives the same keys as its base) from a password (RFC 5802 §3):
// SaltedPassword = Hi(Normalize(password), salt, iter), StoredKey =
// H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword,
// "Server Key"). Normalize is the PRECIS OpaqueString profile (RFC 8265
// §4.2; see the package documentation). It fails for a mechanism that is
// not SCRAM, an empty salt, iter < 1, or a password OpaqueString refuses
// (empty, control characters). salt is copied.
func NewSCRAMKeys(m Mechanism, password string, salt []byte, iter int) (*SCRAMKeys, error) {
	h, _ := m.scramInfo()
	if h == nil {
		return nil, fmt.Errorf("sasl: %q is not a SCRAM mechanism", string(m))
	}
	if len(salt) == 0 {
		return nil, errors.New("sasl: empty salt")
	}
	if iter < 1 {
		return nil, errors.New("sasl: iteration count below 1")
	}
	pw, err := normalize(password)
	if err != nil {
		return nil, fmt.Errorf("sasl: password: %w", err)
	}
	sp, err := h.saltedPassword(pw, salt, iter)
	if err != nil {
		return nil, err
	}
	return &SCRAMKeys{
		Salt:       append([]byte(nil), salt...),
		Iterations: iter,
		StoredKey:  h.sum(h.hmacSum(sp, labelClientKey)),
		ServerKey:  h.hmacSum(sp, labelServerKey),
	}, nil
}

// valid reports whether k can be used with hash h.
func (k *SCRAMKeys) valid(h *scramHash) bool {
	return k != nil && len(k.Salt) > 0 && k.Iterations >= 1 &&
		len(k.StoredKey) == h.size && len(k.ServerKey) == h.size
}
