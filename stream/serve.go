package stream

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/xmppkit/xmpp/stanza"
)

// DefaultMaxHandlers is the default of Config.MaxHandlers.
const DefaultMaxHandlers = 16

// ServeQueue is how many elements Serve reads ahead of a busy
// Handler.ServeElement before it stops reading, and how many requests
// may wait for a free IQ handler (see Serve).
const ServeQueue = 32

// ErrReplied is returned by an IQ handler (Handler.ServeIQ) that has
// sent the reply itself, or has handed the request on to something
// that will, such as a router forwarding it: Serve then sends nothing.
var ErrReplied = errors.New("stream: IQ reply sent by the handler")

// Handler handles the stanzas Serve reads: requests through ServeIQ,
// everything else through ServeElement. Mux is the Handler that routes
// by stanza kind, IQ type and payload.
type Handler interface {
	// ServeIQ answers iq, a get or set request with an id and exactly one
	// payload child (iq.Payload; RFC 6120 §8.2.3). It returns the
	// payload of the result (nil for an empty result), or an error:
	// a *stanza.Error to answer with (§8.3), ErrReplied when the handler
	// answers itself, any other error to answer with
	// internal-server-error. Serve sends the reply (§8.2.3: every
	// request gets exactly one). It runs in its own goroutine, at most
	// Config.MaxHandlers at once.
	ServeIQ(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error)

	// ServeElement handles every other element read: messages,
	// presences, IQ results and errors that answer no pending SendIQ,
	// and other first-level elements (*stanza.Raw). It is called from
	// one goroutine, one element at a time, in the order they arrived.
	ServeElement(ctx context.Context, s *Stream, el stanza.Element)
}

// Serve reads the stream and hands what it reads to h (nil means an empty
// Mux), until the stream ends. It runs the read loop in the caller's
// goroutine; while it runs, nothing else may call Next or Serve. Replies
// to pending SendIQ calls go to them, never to h.
//
// Serve answers by itself, as RFC 6120 requires of the recipient:
//   - a get or set without an 'id' (§8.1.3: it is REQUIRED) with a
//     bad-request error, without an id since there is none to echo, as
//     deployed servers do: the request cannot be answered properly, but
//     its sender learns why it failed. An IQ of type result or error
//     without an id answers nothing and goes to ServeElement;
//   - a get or set with no child or more than one (§8.2.3) with
//     bad-request; an IQ whose type is none of the four also;
//   - a stanza with an invalid 'to' or 'from' (a *stanza.BadStanzaError
//     from Next) with the error it carries (jid-malformed), if it is a
//     get or set; other such stanzas are dropped, since an address left
//     out could pass for the server's;
//   - through Mux, a get or set nobody handles with service-unavailable
//     (§8.4).
//
// Concurrency: each request runs ServeIQ in a goroutine of its own, at
// most Config.MaxHandlers at once (they are kept for the next requests
// until Serve returns), with up to ServeQueue more waiting their turn.
// The other elements go, in order, to one goroutine that runs
// ServeElement, with up to ServeQueue of them read ahead. When either
// queue is full, Serve stops reading until a handler takes one (the
// transport's own backpressure). The loop never runs a handler and
// never writes, so handlers may take their time, call Send, and call
// SendIQ and wait for the reply: a reply comes through Serve, or, while
// Serve waits for a handler, through SendIQ reading in its stead (see
// SendIQ; past MaxBacklog elements it fails with ErrBacklog instead of
// holding more). Handlers get a ctx derived from ctx. Every goroutine
// Serve starts has ended when it returns.
//
// Serve returns nil when the peer closed its stream (io.EOF: call Close
// to answer it, §4.4), after every element read has been handled and
// every handler has returned; otherwise the error that ended the stream,
// as Next reports it, once the handlers have returned (their ctx is
// cancelled then, and the elements not yet handled are dropped). As with
// Next, cancelling ctx while Serve reads ends the stream. Close, from
// any goroutine, ends Serve gracefully.
func (s *Stream) Serve(ctx context.Context, h Handler) error {
	if h == nil {
		h = &Mux{}
	}
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sv := &server{
		s:     s,
		h:     h,
		ctx:   hctx,
		max:   s.cfg.MaxHandlers,
		queue: make(chan stanza.Element, ServeQueue),
		jobs:  make(chan iqJob, ServeQueue),
	}
	if sv.max <= 0 {
		sv.max = DefaultMaxHandlers
	}
	sv.wg.Add(1)
	go sv.ordered()
	err := sv.loop(ctx)
	if err != io.EOF {
		cancel()
	}
	close(sv.queue)
	close(sv.jobs)
	sv.wg.Wait()
	if err == io.EOF {
		return nil
	}
	return err
}

// server is one run of Serve.
type server struct {
	s      *Stream
	h      Handler
	ctx    context.Context // the handlers'
	max    int             // IQ handlers at most
	n      int             // IQ handler goroutines started
	idle   atomic.Int32    // IQ handler goroutines waiting for a job
	queue  chan stanza.Element
	jobs   chan iqJob
	wg     sync.WaitGroup
	locked bool // the loop holds the read lock
}

// iqJob is a request for an IQ handler goroutine: iq to serve, or, when
// bad is set, to answer with bad.
type iqJob struct {
	iq  *stanza.IQ
	bad *stanza.Error
}

// loop reads and dispatches until the stream ends. It keeps the read
// lock from one element to the next, but lets go of it while it waits
// for ServeElement.
func (sv *server) loop(ctx context.Context) error {
	s := sv.s
	defer func() {
		if sv.locked {
			s.unlockRead()
		}
	}()
	for {
		el, err := sv.next(ctx)
		if err != nil {
			var bad *stanza.BadStanzaError
			if !errors.As(err, &bad) {
				return err
			}
			err = nil
			if iq, ok := bad.Stanza.(*stanza.IQ); ok && isRequest(iq) {
				err = sv.dispatchIQ(ctx, iqJob{iq: iq, bad: &stanza.Error{Type: stanza.Modify, Condition: bad.Condition}})
			}
		} else if iq, ok := el.(*stanza.IQ); ok && iq.Type != stanza.IQResult && iq.Type != stanza.IQError {
			err = sv.dispatchIQ(ctx, iqJob{iq: iq})
		} else {
			err = sv.dispatch(ctx, el)
		}
		if err != nil {
			return err
		}
	}
}

// next returns the next element: read with the read lock, which it
// takes if it does not hold it, or one that a SendIQ read meanwhile.
func (sv *server) next(ctx context.Context) (stanza.Element, error) {
	if !sv.locked {
		q, err := sv.s.acquireRead(ctx)
		if err != nil {
			return nil, err
		}
		if q != nil {
			return q.result()
		}
		sv.locked = true
	}
	if err := sv.s.waitIdle(ctx); err != nil {
		return nil, err
	}
	return sv.s.nextLocked(ctx)
}

func isRequest(iq *stanza.IQ) bool { return iq.Type == stanza.IQGet || iq.Type == stanza.IQSet }

// dispatch queues el for ServeElement, waiting for room if need be
// without the read lock: a handler may be waiting in SendIQ for a reply
// that only reading further can bring, and SendIQ reads in the loop's
// stead meanwhile.
func (sv *server) dispatch(ctx context.Context, el stanza.Element) error {
	select {
	case sv.queue <- el:
		return nil
	default:
	}
	sv.unlock()
	select {
	case sv.queue <- el:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stream: serve: %w", context.Cause(ctx))
	}
}

// dispatchIQ hands j to an idle IQ handler goroutine or starts one,
// else queues it, waiting for room if need be, as dispatch does.
func (sv *server) dispatchIQ(ctx context.Context, j iqJob) error {
	if sv.idle.Load() == 0 && sv.n < sv.max {
		sv.n++
		sv.wg.Add(1)
		go sv.worker(j)
		return nil
	}
	select {
	case sv.jobs <- j:
		return nil
	default:
	}
	sv.unlock()
	select {
	case sv.jobs <- j:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stream: serve: %w", context.Cause(ctx))
	}
}

// unlock lets go of the read lock, if the loop holds it.
func (sv *server) unlock() {
	if sv.locked {
		sv.s.unlockRead()
		sv.locked = false
	}
}

// ordered runs ServeElement on the queued elements, in order.
func (sv *server) ordered() {
	defer sv.wg.Done()
	for el := range sv.queue {
		if sv.ctx.Err() != nil {
			continue // Serve failed or was cancelled: drop the rest
		}
		sv.h.ServeElement(sv.ctx, sv.s, el)
	}
}

// worker answers j, then the queued requests, until Serve ends.
func (sv *server) worker(j iqJob) {
	defer sv.wg.Done()
	for {
		sv.answer(j)
		sv.idle.Add(1)
		var ok bool
		j, ok = <-sv.jobs
		sv.idle.Add(-1)
		if !ok {
			return
		}
	}
}

// answer answers one request (see Serve).
func (sv *server) answer(j iqJob) {
	iq := j.iq
	var reply *stanza.IQ
	switch {
	case j.bad != nil:
		reply = iq.ErrorReply(j.bad)
	case !isRequest(iq):
		reply = iq.ErrorReply(stanza.NewError(stanza.BadRequest, "IQ type is not get, set, result or error (RFC 6120 §8.2.3)"))
	case iq.ID == "":
		reply = iq.ErrorReply(stanza.NewError(stanza.BadRequest, "IQ without id (RFC 6120 §8.1.3)"))
	case iq.Payload == nil || len(iq.Extra) > 0:
		reply = iq.ErrorReply(stanza.NewError(stanza.BadRequest, "a get or set carries exactly one child (RFC 6120 §8.2.3)"))
	default:
		payload, err := sv.h.ServeIQ(sv.ctx, sv.s, iq)
		switch {
		case err == nil:
			reply = iq.ResultReply(payload)
		case errors.Is(err, ErrReplied):
			return
		default:
			reply = iq.ErrorReply(replyError(err))
		}
	}
	// An error here ends the stream, which the loop reports.
	sv.s.Send(sv.ctx, reply)
}

// replyError is the stanza error answering a request whose handler
// failed with err: err's own *stanza.Error, else internal-server-error
// (RFC 6120 §8.3.3.6), without err's text, which is for us.
func replyError(err error) *stanza.Error {
	var se *stanza.Error
	if errors.As(err, &se) && se != nil {
		return se
	}
	return &stanza.Error{Type: stanza.Cancel, Condition: stanza.InternalServerError}
}

// Mux is a Handler that routes stanzas (RFC 6120 §8.2): IQ requests by
// type and by the name of their payload, messages, presences, and the
// rest. A request no route takes is answered with service-unavailable
// (§8.4); other elements no route takes are dropped. Register the
// routes before serving: a Mux is not safe for registration while it
// serves; serving from many streams at once is safe.
type Mux struct {
	iq       map[iqRoute]IQHandlerFunc
	message  func(context.Context, *Stream, *stanza.Message)
	presence func(context.Context, *Stream, *stanza.Presence)
	other    func(context.Context, *Stream, stanza.Element)
}

// IQHandlerFunc answers an IQ request, as Handler.ServeIQ does.
type IQHandlerFunc func(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error)

// iqRoute is the key of an IQ route.
type iqRoute struct {
	typ  stanza.IQType
	name xml.Name
}

// HandleIQ routes the requests of type typ (stanza.IQGet or
// stanza.IQSet) whose payload is named payload to h. An empty
// payload.Local matches every payload in the namespace payload.Space;
// the zero xml.Name matches every payload. The most specific route
// wins. It panics if typ is not get or set, or h is nil: a programming
// error.
func (m *Mux) HandleIQ(typ stanza.IQType, payload xml.Name, h IQHandlerFunc) {
	if typ != stanza.IQGet && typ != stanza.IQSet {
		panic("stream: Mux.HandleIQ: type " + string(typ) + " is not get or set")
	}
	if h == nil {
		panic("stream: Mux.HandleIQ: nil handler")
	}
	if m.iq == nil {
		m.iq = make(map[iqRoute]IQHandlerFunc)
	}
	m.iq[iqRoute{typ, payload}] = h
}

// HandleMessage routes messages to h, in arrival order.
func (m *Mux) HandleMessage(h func(ctx context.Context, s *Stream, msg *stanza.Message)) {
	m.message = h
}

// HandlePresence routes presences to h, in arrival order.
func (m *Mux) HandlePresence(h func(ctx context.Context, s *Stream, p *stanza.Presence)) {
	m.presence = h
}

// Handle routes to h every element but IQ requests that no other
// route takes: IQ results and errors that answer no pending SendIQ,
// other first-level elements (*stanza.Raw), and messages and presences
// when HandleMessage or HandlePresence set nothing. They come in arrival
// order, with the messages and presences.
func (m *Mux) Handle(h func(ctx context.Context, s *Stream, el stanza.Element)) {
	m.other = h
}

// ServeIQ runs the route of iq's type and payload, or answers with
// service-unavailable (RFC 6120 §8.4) when there is none. A nil *Mux
// has no routes.
func (m *Mux) ServeIQ(ctx context.Context, s *Stream, iq *stanza.IQ) (*stanza.Raw, error) {
	if m != nil && m.iq != nil && iq.Payload != nil {
		name := iq.Payload.Name
		for _, k := range [...]iqRoute{{iq.Type, name}, {iq.Type, xml.Name{Space: name.Space}}, {iq.Type, xml.Name{}}} {
			if h, ok := m.iq[k]; ok {
				return h(ctx, s, iq)
			}
		}
	}
	return nil, &stanza.Error{Type: stanza.Cancel, Condition: stanza.ServiceUnavailable}
}

// ServeElement runs the route of el's kind, if any.
func (m *Mux) ServeElement(ctx context.Context, s *Stream, el stanza.Element) {
	if m == nil {
		return
	}
	switch el := el.(type) {
	case *stanza.Message:
		if m.message != nil {
			m.message(ctx, s, el)
			return
		}
	case *stanza.Presence:
		if m.presence != nil {
			m.presence(ctx, s, el)
			return
		}
	}
	if m.other != nil {
		m.other(ctx, s, el)
	}
}
