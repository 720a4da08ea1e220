package main

import (
	"testing"

	"github.com/xmppkit/xmpp/stream/streamtest"
)

// TestMain fails the run if a test leaves a goroutine behind: the server's
// connection and writer goroutines, and anything the streams started.
func TestMain(m *testing.M) { streamtest.Main(m) }
