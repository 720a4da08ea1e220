package stream

import (
	"errors"

	"github.com/xmppkit/xmpp/streamerror"
)

// ErrClosed is returned by Send and SendKeepalive once this side has
// closed its outbound stream (Close, CloseWithError, or a stream error
// sent), and by Next once the Stream was closed locally before the peer
// closed its stream.
var ErrClosed = errors.New("stream: closed")

// ErrNotOffered is returned by Open when a feature this side requires
// (Advert.Required in the initiating role) is not offered by the
// receiving entity, or cannot be because the peer predates XMPP 1.0.
var ErrNotOffered = errors.New("stream: required feature not offered")

// LocalError is returned when this side found the peer in violation of
// the protocol and sent the stream error Err before closing the stream
// (RFC 6120 §4.9.1.1). Cause is what was found: the Decoder's error for
// XML the peer sent, nil for a header rule or a feature's verdict.
//
// A stream error the peer sent is returned as a plain *streamerror.Error
// instead, so errors.As(err, &le) with le a *LocalError tells the two
// apart, while errors.As(err, &se) with se a *streamerror.Error, and
// errors.Is(err, streamerror.NotWellFormed), match either.
type LocalError struct {
	// Err is the stream error sent, exactly as written to the peer.
	Err *streamerror.Error
	// Cause is the error that revealed the violation, if any.
	Cause error
}

// Error returns "stream: sent <condition> stream error", followed by the
// cause when there is one.
func (e *LocalError) Error() string {
	s := "stream: sent " + string(e.Err.Condition) + " stream error"
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns Err and Cause, those that are set, for errors.Is and
// errors.As.
func (e *LocalError) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}
