package chatserver

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/xmppkit/xmpp/jid"
	"github.com/xmppkit/xmpp/stanza"
	"github.com/xmppkit/xmpp/streamerror"
)

// session is one client's bound stream (RFC 6120 §7): its address, its
// outbound queue and its presence.
//
// Stanzas for the client are queued (deliver) by whichever goroutine
// routes them, and written by a writer goroutine of the session, so that
// a client that does not read holds up no one but itself: when its queue
// is full it is disconnected. The writer runs only while there is
// something to write, and the queue holds memory only while it holds
// stanzas: an idle session costs its reading goroutine and little else.
type session struct {
	srv *Server
	jid jid.JID // the full JID bound
	c   *conn
	end func(*streamerror.Error)

	qmu        sync.Mutex
	queue      []stanza.Element // waiting to be written
	ready      bool             // the stream is established: writers may run
	writing    bool             // a writer goroutine runs
	writerDone chan struct{}    // closed when it returns
	closed     bool             // the session is ending: deliver drops
	room       chan struct{}    // closed when the queue is below QueueSize again (see waitRoom)

	// blocked holds the sessions whose queues this session's stanzas
	// filled: its reader waits for room in them before it reads on
	// (throttle). Only the reading goroutine uses it.
	blocked []*session

	// Presence (RFC 6121 §4), guarded by srv.mu.
	available bool
	priority  int8
	presence  *stanza.Presence // the last broadcast presence, to the bare JID

	// directed holds the addresses this session sent directed available
	// presence to (RFC 6121 §4.6), to tell them when it goes away. Only
	// the reading goroutine uses it.
	directed map[jid.JID]struct{}
}

// claim is the resource binding hook (stream.Bind.Claim) of the
// connection c: it makes the session of full and adds it to the routing
// table before the client learns its address, so that nothing can be
// bound to it twice. A session already bound to the same full JID is
// replaced, and ended with the conflict stream error (RFC 6120 §7.7.2.2,
// case 1; §4.9.3.3).
func (s *Server) claim(c *conn, full jid.JID) (jid.JID, error) {
	ss := &session{srv: s, jid: full, c: c}
	var kill sync.Once
	ss.end = func(se *streamerror.Error) {
		kill.Do(func() { ss.kill(se) })
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return jid.JID{}, ErrServerClosed
	}
	if c.session != nil {
		s.unlink(c.session)
	}
	c.session = ss
	res := s.sessions[full.Bare()]
	if res == nil {
		res = map[string]*session{}
		s.sessions[full.Bare()] = res
	}
	if old := res[full.Resourcepart()]; old != nil {
		old.end(&streamerror.Error{Condition: streamerror.Conflict, Text: "replaced by a new session"})
	}
	res[full.Resourcepart()] = ss
	return full, nil
}

// unlink removes ss from the routing table; s.mu is held.
func (s *Server) unlink(ss *session) {
	if res := s.sessions[ss.jid.Bare()]; res[ss.jid.Resourcepart()] == ss {
		delete(res, ss.jid.Resourcepart())
		if len(res) == 0 {
			delete(s.sessions, ss.jid.Bare())
		}
	}
}

// logout removes ss from the routing table and, if it was available,
// tells the account's other resources and those it sent directed
// presence to that it is gone (RFC 6121 §4.5.2, §4.6.3).
func (s *Server) logout(ss *session) {
	s.mu.Lock()
	s.unlink(ss)
	was := ss.available
	ss.available = false
	s.mu.Unlock()
	if was {
		s.unavailable(ss, &stanza.Presence{From: ss.jid, Type: stanza.PresenceUnavailable}, false)
	}
}

// kill ends the session's stream with se, without waiting:
// CloseWithError may wait for a writer blocked on the client. Call it
// through ss.end, while holding s.mu or from the session's own
// goroutines, so that the connection is still counted in s.wg.
func (ss *session) kill(se *streamerror.Error) {
	ss.qmu.Lock()
	ss.closed, ss.queue = true, nil
	ss.roomLocked()
	ss.qmu.Unlock()
	ss.srv.wg.Add(1)
	go func() {
		defer ss.srv.wg.Done()
		ss.c.end(se)
	}()
}

// hardQueue is how many times QueueSize a queue may hold, with the
// stanzas of several senders (each of which then waits, see throttle),
// before its client is disconnected all the same.
const hardQueue = 4

// deliver queues el for the client without blocking, on behalf of the
// session from (nil for the server itself). When that fills the queue
// (QueueSize), from's reader waits for room before it reads on (see
// throttle): a sender cannot outrun its recipient, and nothing is
// dropped. A queue past hardQueue×QueueSize (many senders at once) ends
// the session with policy-violation (RFC 6120 §4.9.3.14). The caller must
// not modify el afterwards (it may be queued to several sessions), and
// must hold s.mu with ss in the routing table, or be ss's own goroutine;
// from, when set, is the caller's own session.
func (ss *session) deliver(from *session, el stanza.Element) {
	ss.qmu.Lock()
	if ss.closed {
		ss.qmu.Unlock()
		return
	}
	if len(ss.queue) >= hardQueue*ss.srv.cfg.QueueSize {
		ss.qmu.Unlock()
		ss.end(&streamerror.Error{Condition: streamerror.PolicyViolation, Text: "too many stanzas waiting: the client does not read"})
		return
	}
	ss.queue = append(ss.queue, el)
	ss.startWriter()
	full := len(ss.queue) >= ss.srv.cfg.QueueSize
	ss.qmu.Unlock()
	if full && from != nil && !slices.Contains(from.blocked, ss) {
		from.blocked = append(from.blocked, ss)
	}
}

// throttle waits, after ss's reader handled a stanza, for room in the
// queues that stanza filled (deliver): ss's client is not read from
// meanwhile, so that one that sends faster than its recipients read is
// slowed down to their pace.
func (ss *session) throttle() {
	for i, r := range ss.blocked {
		r.waitRoom()
		ss.blocked[i] = nil
	}
	ss.blocked = ss.blocked[:0]
}

// waitRoom waits until ss's queue is below QueueSize. If it is not
// within WriteTimeout, ss's client does not read what it is sent, and
// its session ends with policy-violation (RFC 6120 §4.9.3.14).
func (ss *session) waitRoom() {
	ss.qmu.Lock()
	if ss.closed || len(ss.queue) < ss.srv.cfg.QueueSize {
		ss.qmu.Unlock()
		return
	}
	if ss.room == nil {
		ss.room = make(chan struct{})
	}
	room := ss.room
	ss.qmu.Unlock()
	t := time.NewTimer(ss.srv.cfg.WriteTimeout)
	defer t.Stop()
	select {
	case <-room:
	case <-t.C:
		ss.end(&streamerror.Error{Condition: streamerror.PolicyViolation, Text: "too many stanzas waiting: the client does not read"})
	}
}

// roomLocked wakes the senders waiting for room in ss's queue, if there
// is room or the session is ending; ss.qmu is held.
func (ss *session) roomLocked() {
	if ss.room != nil && (ss.closed || len(ss.queue) < ss.srv.cfg.QueueSize) {
		close(ss.room)
		ss.room = nil
	}
}

// established lets writers run, now that the stream is there, and
// starts one for what was queued meanwhile (between resource binding and
// the end of negotiation).
func (ss *session) established() {
	ss.qmu.Lock()
	ss.ready = true
	if len(ss.queue) > 0 {
		ss.startWriter()
	}
	ss.qmu.Unlock()
}

// startWriter starts a writer goroutine unless one runs; ss.qmu is held.
func (ss *session) startWriter() {
	if ss.writing || !ss.ready || ss.closed {
		return
	}
	ss.writing = true
	ss.writerDone = make(chan struct{})
	ss.srv.wg.Add(1)
	go ss.writeLoop(ss.writerDone)
}

// writeLoop writes queued stanzas, each within WriteTimeout, until the
// queue is empty or the session ends. A failed write ends it: the
// stream is over.
func (ss *session) writeLoop(done chan struct{}) {
	defer ss.srv.wg.Done()
	defer close(done)
	for {
		ss.qmu.Lock()
		if ss.closed || len(ss.queue) == 0 {
			ss.writing = false
			ss.qmu.Unlock()
			return
		}
		// Take what is queued, up to a batch, and write it with one
		// Write (stream.SendAll).
		n := min(len(ss.queue), writeBatch)
		batch := slices.Clone(ss.queue[:n])
		clear(ss.queue[:n])
		if ss.queue = ss.queue[n:]; len(ss.queue) == 0 {
			ss.queue = nil // release the array
		}
		ss.roomLocked()
		ss.qmu.Unlock()
		if !ss.write(context.Background(), batch...) {
			ss.qmu.Lock()
			ss.closed, ss.queue, ss.writing = true, nil, false
			ss.roomLocked()
			ss.qmu.Unlock()
			return
		}
	}
}

// finish stops the writers and writes what is still queued within
// CloseTimeout: the reader is done, the stream about to be closed.
func (ss *session) finish() {
	ss.qmu.Lock()
	ss.closed = true
	ss.roomLocked()
	var done chan struct{}
	if ss.writing {
		done = ss.writerDone
	}
	ss.qmu.Unlock()
	if done != nil {
		<-done // it stops after the write under way
	}
	ss.qmu.Lock()
	rest, ready := ss.queue, ss.ready
	ss.queue = nil
	ss.qmu.Unlock()
	if !ready {
		return // negotiation failed: there is no stream to write to
	}
	ctx, cancel := context.WithTimeout(context.Background(), ss.srv.cfg.CloseTimeout)
	defer cancel()
	for len(rest) > 0 {
		n := min(len(rest), writeBatch)
		if !ss.write(ctx, rest[:n]...) {
			return
		}
		rest = rest[n:]
	}
}

// writeBatch is the most stanzas written at once.
const writeBatch = 64

// write sends els, with as few Writes as stream.SendAll makes, within
// WriteTimeout and ctx, and reports success.
func (ss *session) write(ctx context.Context, els ...stanza.Element) bool {
	ctx, cancel := context.WithTimeout(ctx, ss.srv.cfg.WriteTimeout)
	defer cancel()
	if err := ss.c.st.SendAll(ctx, els...); err != nil {
		// A write that failed or timed out has closed the transport; the
		// reader sees it and ends the session.
		ss.srv.cfg.Log.Info("write failed", "jid", ss.jid.String(), "err", err)
		return false
	}
	return true
}
