//go:build !unix

package stream

import "context"

// idleState is empty where there are no file descriptors to wait on:
// streams read with their buffers held (see idle_unix.go).
type idleState struct{}

func (s *Stream) resetIdle() {}

func (s *Stream) expectIdle() {}

func (s *Stream) waitIdle(context.Context) error { return nil }
