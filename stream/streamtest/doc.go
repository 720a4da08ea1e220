// Package streamtest helps test XMPP streams (RFC 6120 §4) and the code
// built on them at the protocol level: it connects Streams in memory,
// plays conversations written the way the XMPP RFCs write their
// examples against a peer and checks the peer's side, and turns a
// Stream's traffic into such a transcript.
//
// Entry points:
//
//   - Pipe returns the two ends of an in-memory net.Conn that, unlike
//     net.Pipe, buffers writes as TCP does.
//   - Pair connects two Streams over a Pipe, running stream.Open and
//     stream.Accept concurrently; NewPair does it for a test and closes
//     both at its end.
//   - Parse reads a script (MustParse panics instead of failing); a
//     Script is a list of Entries, each sent by a Role.
//   - (*Script).Play plays one role's entries against a peer over any
//     io.ReadWriter and checks the other role's; Run does it for a test.
//   - Compare compares XML with an expected entry's text, for tests that
//     have the bytes at hand.
//   - MismatchError reports what the peer sent instead, with a diff;
//     ParseError reports a script that cannot be used.
//   - Recorder, a stream.Config.Trace hook, writes the traffic of a
//     Stream as a transcript.
//   - Main, called from TestMain, fails a test run that leaves goroutines
//     behind.
//
// # Scripts
//
// RFC 6120 and RFC 6121 show conversations as lines marked by who sends
// them, pretty-printed over several lines:
//
//	C: <message to='romeo@example.net' type='chat'>
//	     <body>Art thou not Romeo, and a Montague?</body>
//	   </message>
//	S: <message from='romeo@example.net/orchard' to='juliet@example.com/balcony' ...>
//	     <body>Neither, fair saint, if either thee dislike.</body>
//	   </message>
//
// A script is that text. "C:" (or "I:", as RFC 6120 §4 writes it)
// marks the initiating entity, "S:" (or "R:") the receiving entity; an
// indented line continues the entry above it; blank lines and lines
// starting with '#' are ignored. An entry holds one or more items: a
// stream header (an unclosed <stream:stream>, with or without the XML
// declaration), first-level elements, the closing tag </stream:stream>.
//
// Playing a role, Play writes that role's entries exactly as written —
// so a script can send malformed XML and check the answer — and reads
// what the peer sends, item by item, matching each against the other
// role's entries in order. Expected entries are read with the stream:
// prefix and the content namespace (Script.NS, jabber:client by
// default) declared, as they are in a real stream; an expected stream
// header replaces them with its own declarations.
//
// # Matching
//
// The comparison is of XML, not of bytes: names are compared by
// namespace and local name, so prefixes and redundant namespace
// declarations do not matter; attributes are a set, so their order and
// their quotes do not matter; entities are resolved; text is compared
// with runs of whitespace collapsed and trimmed, and whitespace-only
// text between elements is ignored, so pretty-printing does not matter.
// Child order matters; the XML declaration and keepalives (§4.6.1) are
// skipped. A stream header is compared as its open tag: name and
// attributes, and its content namespace (xmlns) when the script gives
// one. The peer's XML is read strictly (§11: no comments, processing
// instructions or DTDs); a script's may have comments.
//
// Placeholders stand for what the test cannot know in advance:
//
//   - {{any}}, as or inside an attribute value or a text, matches any
//     string: id='{{any}}', from='juliet@example.com/{{any}}'. The
//     attribute must be present.
//   - {{name}} (letters, digits, '_', '.', '-') matches any string the
//     first time and captures it under name; later, in expected entries
//     it must match the same string, and in entries this side sends it
//     is replaced by it (escaped). So a reply can be checked against,
//     or made to carry, the id of the request: C: <iq id='{{q}}' ...>
//     … S: <iq id='{{q}}' type='result'/>.
//   - "..." (or "…") where an attribute could go in a start tag allows
//     other attributes: <message from='romeo@example.net' ...>.
//   - "..." (or "…", or {{any}}) as the whole content of an element
//     matches any content: <message ...>...</message>. Among its child
//     elements, it allows other children before, between and after the
//     ones given, which must come in order.
//
// So a literal "...", "{{any}}" or "{{name}}" cannot be matched exactly,
// nor sent. A mismatch reports the script line, what was expected and
// what came, and a line diff of their canonical forms in which matched
// placeholders show the received values, so that only real differences
// are marked; the canonical form of what came can be pasted into the
// script.
//
// # Transcripts
//
// A Recorder prints what a Stream reads and writes in the same notation,
// one line per element, as the Stream's trace hook reports it: the
// transcript of a session can be read by people, and, without a prefix,
// parsed back into a Script.
//
// # Design notes
//
// Pair uses Pipe rather than net.Pipe because net.Pipe has no buffer: a
// Send blocks until the peer's Next reads it, and two Streams closing
// at once each block writing their closing tags. Play works over
// net.Pipe too, as long as the script alternates as the peer does.
//
// Tests of package stream itself can use streamtest only from the
// external test package (package stream_test): streamtest imports
// stream, so an internal test importing it would be an import cycle.
//
// Play does not use stanza.Decoder to read the peer: that Decoder is
// the implementation under test, and it returns typed values, which
// would hide the peer's wire form. Play splits the bytes itself, with
// encoding/xml's RawToken, resolving namespaces and checking tag
// nesting on its own, into a canonical tree.
package streamtest
