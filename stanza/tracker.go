package stanza

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/xmppkit/xmpp/jid"
)

// Errors returned by Tracker.
var (
	// ErrDuplicateID: a request with the same id to the same responder is
	// already pending.
	ErrDuplicateID = errors.New("stanza: an IQ with this id is already pending")
	// ErrNotRequest: only get and set IQs with an id can be tracked.
	ErrNotRequest = errors.New("stanza: not an IQ request with an id")
	// ErrTrackerClosed is the error a closed Tracker reports when Close
	// was given none.
	ErrTrackerClosed = errors.New("stanza: tracker closed")
	// ErrPending is returned by Call.Result before the call completes.
	ErrPending = errors.New("stanza: IQ call still pending")
)

// Tracker holds the IQ requests that wait for a reply, keyed by id and
// expected responder, so that a result or error is taken as the reply only
// when it comes from the entity the request was sent to (RFC 6120 §8.1.2,
// §8.2.3, §10). A reply matched on its id alone could be forged by anyone
// who guesses the id; a stanza that matches no pending request is not a
// reply and is left to the caller as an ordinary stanza.
//
// The expected responder of a request to X is X. A request with no 'to',
// or addressed to the account's own bare JID, is handled by the account's
// server on the account's behalf (§10.3), so its reply may come with no
// 'from', from the bare JID, or from the account's domain. On the server's
// side of a client's stream, SetPeer makes a missing 'to' or 'from' stand
// for the client instead.
//
// A Tracker is safe for concurrent use. Tracking registers a request before
// it is written, so no reply can arrive unregistered. Every entry leaves
// the Tracker on its reply, on its Call's cancellation, or when the Tracker
// is closed, which releases every waiter with the stream's error.
type Tracker struct {
	mu      sync.Mutex
	self    jid.JID
	peer    jid.JID // see SetPeer
	pending map[trackKey]*Call
	err     error // set by Close
}

// trackKey identifies a pending request. from is the expected responder;
// the zero JID stands for "the account itself" (no 'to', or 'to' the
// account's bare JID).
type trackKey struct {
	id   string
	from jid.JID
}

// Call is one tracked request. Wait for its reply with Wait; drop it with
// Cancel. Its methods may be called from any goroutine.
type Call struct {
	t     *Tracker
	key   trackKey
	done  chan struct{}
	reply *IQ
	err   error
}

// NewTracker returns an empty Tracker for the entity whose address is self:
// a client's full JID once bound (its bare JID and domain are then accepted
// as responders for requests to itself), or the zero JID when unknown yet.
func NewTracker(self jid.JID) *Tracker {
	return &Tracker{self: self, pending: make(map[trackKey]*Call)}
}

// SetSelf changes the address used to recognise replies to requests
// addressed to the account itself, e.g. after resource binding
// (RFC 6120 §7). It affects requests tracked afterwards.
func (t *Tracker) SetSelf(self jid.JID) {
	t.mu.Lock()
	t.self = self
	t.mu.Unlock()
}

// SetPeer makes the Tracker work for a server on a client-to-server
// stream whose client is bound to the full JID peer (RFC 6120 §7): a
// request with no 'to' is addressed to that client (§8.1.1.1), and a
// reply with no 'from' comes from it, since the server itself stamps the
// client's full JID on what the client sends (§8.1.2.1). The zero JID
// turns this off. It affects requests tracked and replies delivered
// afterwards.
func (t *Tracker) SetPeer(peer jid.JID) {
	t.mu.Lock()
	t.peer = peer
	t.mu.Unlock()
}

// isSelf reports whether j stands for the account itself: no address, its
// bare JID or its domain. Callers hold t.mu.
func (t *Tracker) isSelf(j jid.JID, domainToo bool) bool {
	if j.IsZero() {
		return true
	}
	if t.self.IsZero() {
		return false
	}
	return j == t.self.Bare() || domainToo && j == t.self.Domain()
}

// Track registers req, a get or set with a non-empty id, and returns its
// Call. Register before writing the request. It fails with ErrNotRequest,
// ErrDuplicateID, or the Tracker's closing error.
func (t *Tracker) Track(req *IQ) (*Call, error) {
	if req == nil || req.ID == "" || (req.Type != IQGet && req.Type != IQSet) {
		return nil, ErrNotRequest
	}
	c := &Call{t: t, done: make(chan struct{})}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return nil, t.err
	}
	c.key = trackKey{id: req.ID, from: req.To}
	switch {
	case req.To.IsZero() && !t.peer.IsZero():
		c.key.from = t.peer
	case t.isSelf(req.To, false):
		c.key.from = jid.JID{}
	}
	if _, dup := t.pending[c.key]; dup {
		return nil, fmt.Errorf("%w: %q", ErrDuplicateID, req.ID)
	}
	t.pending[c.key] = c
	return c, nil
}

// Deliver offers iq to the pending requests. If iq is a result or error
// from the expected responder of a pending request with the same id, that
// request's Call completes with iq and Deliver reports true. Otherwise iq
// is not a reply and the caller handles it as an ordinary stanza.
func (t *Tracker) Deliver(iq *IQ) bool {
	if iq == nil || iq.ID == "" || (iq.Type != IQResult && iq.Type != IQError) {
		return false
	}
	t.mu.Lock()
	key := trackKey{id: iq.ID, from: iq.From}
	if key.from.IsZero() && !t.peer.IsZero() {
		key.from = t.peer
	}
	c, ok := t.pending[key]
	if !ok && !iq.From.IsZero() && t.isSelf(iq.From, true) {
		key.from = jid.JID{}
		c, ok = t.pending[key]
	}
	if ok {
		delete(t.pending, key)
		c.reply = iq
		close(c.done)
	}
	t.mu.Unlock()
	return ok
}

// Close releases every waiter with err (ErrTrackerClosed if nil) and makes
// later Track calls fail with it. Call it when the stream ends. Later calls
// do nothing.
func (t *Tracker) Close(err error) {
	if err == nil {
		err = ErrTrackerClosed
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return
	}
	t.err = err
	for k, c := range t.pending {
		delete(t.pending, k)
		c.err = err
		close(c.done)
	}
}

// Len returns the number of pending requests.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending)
}

// Done returns a channel closed when the call has its reply or has been
// released by Close or Cancel.
func (c *Call) Done() <-chan struct{} { return c.done }

// Wait blocks until the reply arrives, ctx is done, or the Tracker is
// closed. It returns the reply; for a reply of type error it returns the
// reply and its *Error (a generic undefined-condition error if the reply
// carries none). When ctx ends first the call is cancelled: a reply that
// arrives later is no longer a reply.
func (c *Call) Wait(ctx context.Context) (*IQ, error) {
	select {
	case <-c.done:
	case <-ctx.Done():
		if !c.Cancel() {
			break // completed meanwhile: take the result
		}
		return nil, ctx.Err()
	}
	return c.Result()
}

// Result returns the outcome of a call whose Done channel is closed, as
// Wait does: the reply, with its *Error for a reply of type error, or
// the error that released the call (the Tracker's closing error, or
// context.Canceled after Cancel). Before Done is closed it returns
// ErrPending.
func (c *Call) Result() (*IQ, error) {
	select {
	case <-c.done:
	default:
		return nil, ErrPending
	}
	if c.err != nil {
		return nil, c.err
	}
	if c.reply.Type == IQError {
		if c.reply.Error != nil {
			return c.reply, c.reply.Error
		}
		return c.reply, &Error{Type: Cancel, Condition: UndefinedCondition}
	}
	return c.reply, nil
}

// Cancel removes the call from its Tracker if it is still pending and
// reports whether it did; the Done channel is then closed with
// context.Canceled as the call's error.
func (c *Call) Cancel() bool {
	t := c.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, ok := t.pending[c.key]; !ok || cur != c {
		return false
	}
	delete(t.pending, c.key)
	c.err = context.Canceled
	close(c.done)
	return true
}
