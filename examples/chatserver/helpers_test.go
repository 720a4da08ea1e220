package chatserver_test

import (
	"encoding/xml"
	"log/slog"
	"slices"
	"strconv"
	"testing"
)

func xmlName(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }

func contains(list []string, s string) bool { return slices.Contains(list, s) }

func itoa(i int) string { return strconv.Itoa(i) }

// testLog returns a logger writing to t.Log.
func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
