package streamtest

import (
	"io"
	"testing"
	"time"

	"github.com/xmppkit/xmpp/stream"
)

const benchMessage = "<message from='romeo@example.net/orchard' id='sl3nx51f' to='juliet@example.com/balcony' type='chat' xml:lang='en'><body>Neither, fair saint, if either thee dislike.</body></message>"

// BenchmarkCompare measures reading and matching one stanza against an
// expected entry with placeholders, the work Play does per element.
func BenchmarkCompare(b *testing.B) {
	const want = "<message from='romeo@example.net/orchard' id='{{any}}' to='juliet@example.com/balcony' type='chat' xml:lang='en'><body>Neither, fair saint, if either thee dislike.</body></message>"
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMessage)))
	for b.Loop() {
		if err := Compare(want, benchMessage); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecorder measures the trace hook on one outbound stanza, the
// cost a Recorder adds to each Send.
func BenchmarkRecorder(b *testing.B) {
	rec := NewRecorder(io.Discard, Initiator, nil)
	e := stream.Event{Dir: stream.Out, Time: time.Now(), Data: []byte(benchMessage)}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMessage)))
	for b.Loop() {
		rec.Trace(e)
	}
}
