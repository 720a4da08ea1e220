// Package prototest is example code: protocol-level tests of the example
// server (package chatserver) written with package stream/streamtest.
// Its tests are scripts in the notation the XMPP RFCs use for their
// examples — "C:" for what the client sends, "S:" for what the server
// must answer — played over an in-memory connection against the real
// server code, byte for byte on the client's side and compared as XML on
// the server's (attribute order, quotes, prefixes and whitespace between
// elements do not matter; {{name}} captures a value the server chose).
// Read prototest_test.go; run it with
//
//	go test ./examples/prototest/
//
// There is nothing to import here.
package prototest
