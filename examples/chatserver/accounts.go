package chatserver

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stream/sasl"
)

// ErrUnknownUser is returned (wrapped) by Accounts.Lookup for an account
// that does not exist.
var ErrUnknownUser = errors.New("chatserver: unknown user")

// Iterations is the PBKDF2 iteration count of the SCRAM keys Accounts
// derives: the minimum RFC 7677 §4 recommends, and the smallest count our
// own SCRAM client accepts.
const Iterations = 4096

// Accounts is the server's account store: localparts and the SCRAM keys
// derived from their passwords (RFC 5802 §3), which is all SASL needs,
// PLAIN included (see sasl.Credentials). Keys are derived on first use,
// so that a server with thousands of accounts starts at once. It is safe
// for concurrent use.
type Accounts struct {
	mu    sync.Mutex
	users map[string]*account
}

// account is one password's credentials; accounts added together by
// AddMany share one.
type account struct {
	password string
	once     sync.Once
	creds    *sasl.Credentials
	err      error
}

// credentials derives the account's SCRAM keys once, with a random salt.
func (a *account) credentials() (*sasl.Credentials, error) {
	a.once.Do(func() {
		salt := make([]byte, 16)
		rand.Read(salt)
		a.creds, a.err = sasl.NewCredentials(a.password, salt, Iterations)
		a.password = ""
	})
	return a.creds, a.err
}

// NewAccounts returns an empty account store.
func NewAccounts() *Accounts {
	return &Accounts{users: map[string]*account{}}
}

// ParseAccounts returns the accounts of a list "name:password,...", the
// form of the server's -users flag. Names are JID localparts (RFC 7622
// §3.3); a password may contain ':' but not ','. An empty list gives no
// accounts.
func ParseAccounts(list string) (*Accounts, error) {
	a := NewAccounts()
	if strings.TrimSpace(list) == "" {
		return a, nil
	}
	for entry := range strings.SplitSeq(list, ",") {
		name, pw, ok := strings.Cut(strings.TrimSpace(entry), ":")
		if !ok {
			return nil, fmt.Errorf("chatserver: account %q: want name:password", entry)
		}
		if err := a.Add(name, pw); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// localpart returns name in the canonical form of a JID localpart (RFC
// 7622 §3.3).
func localpart(name string) (string, error) {
	if name == "" {
		return "", errors.New("chatserver: empty account name")
	}
	j, err := jid.New(name, "localhost", "")
	if err != nil {
		return "", fmt.Errorf("chatserver: account %q: not a JID localpart: %w", name, err)
	}
	return j.Localpart(), nil
}

// Add adds the account name (a JID localpart) with password, replacing
// an account of that name.
func (a *Accounts) Add(name, password string) error {
	return a.AddMany(password, name)
}

// AddMany adds the accounts names, all with password. They share one
// salt and one set of derived keys, derived once: meant for load tests
// that need thousands of accounts (issue 8's user1…userN), not for real
// users, whose salts should differ.
func (a *Accounts) AddMany(password string, names ...string) error {
	if password == "" {
		return errors.New("chatserver: empty password")
	}
	acct := &account{password: password}
	canon := make([]string, len(names))
	for i, n := range names {
		lp, err := localpart(n)
		if err != nil {
			return err
		}
		canon[i] = lp
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, lp := range canon {
		a.users[lp] = acct
	}
	return nil
}

// AddNumbered adds the accounts prefix1 … prefixN, all with password, as
// AddMany does.
func (a *Accounts) AddNumbered(prefix string, n int, password string) error {
	names := make([]string, n)
	for i := range names {
		names[i] = prefix + strconv.Itoa(i+1)
	}
	return a.AddMany(password, names...)
}

// Exists reports whether the account with localpart lp exists.
func (a *Accounts) Exists(lp string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.users[lp]
	return ok
}

// Len returns the number of accounts.
func (a *Accounts) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.users)
}

// Lookup returns the SCRAM credentials of the account whose SASL
// username is username (RFC 6120 §6.3.7: the localpart), for
// sasl.ServerConfig.Lookup. An unknown account gives an error wrapping
// sasl.ErrUnknownUser and ErrUnknownUser, which SASL turns into the same
// failure as a wrong password.
func (a *Accounts) Lookup(username string) (*sasl.Credentials, error) {
	lp, err := localpart(username)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", sasl.ErrUnknownUser, err)
	}
	a.mu.Lock()
	acct := a.users[lp]
	a.mu.Unlock()
	if acct == nil {
		return nil, fmt.Errorf("%w: %w: %q", sasl.ErrUnknownUser, ErrUnknownUser, lp)
	}
	return acct.credentials()
}
