package chatserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/xmppkit/xmpp/examples/chatserver"
)

// A Snapshot served as JSON reads back whole, and ?gc=1 reaches the
// server when asked for.
func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	ts := newServer(t, &chatserver.Config{Log: testLog(t)})
	ts.dial("juliet", "balcony", nil)
	var sawGC bool
	var sent chatserver.Snapshot
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawGC = r.URL.Query().Get("gc") == "1"
		sent = ts.Snapshot(sawGC)
		json.NewEncoder(w).Encode(sent)
	}))
	defer hs.Close()
	got, err := chatserver.FetchSnapshot(ctxT(t), nil, hs.URL+"/debug/xmppkit", true)
	if err != nil {
		t.Fatal(err)
	}
	if !sawGC {
		t.Error("?gc=1 not sent")
	}
	if got != sent {
		t.Errorf("FetchSnapshot = %+v, want %+v", got, sent)
	}
	if got.Sessions != 1 || got.Connections != 1 || got.HeapAlloc == 0 || got.Goroutines == 0 {
		t.Errorf("snapshot %+v: want 1 session and connection, heap and goroutines counted", got)
	}
	if _, err := chatserver.FetchSnapshot(ctxT(t), nil, hs.URL+"/%zz", false); err == nil {
		t.Error("FetchSnapshot of a bad URL: no error")
	}
}
