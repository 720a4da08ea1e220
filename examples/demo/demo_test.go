package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The demo runs, quickly, and its transcript shows the conversation, the
// ping's result, and the server's answer to bad XML.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out strings.Builder
	start := time.Now()
	if err := run(ctx, &out); err != nil {
		t.Fatalf("%v\ntranscript so far:\n%s", err, out.String())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the demo took %v, want under 2 s", d)
	}
	transcript := out.String()
	for _, want := range []string{
		"juliet C: <message id='ktx72v49' to='romeo@example.com' type='chat' xml:lang='en'><body>Art thou not Romeo, and a Montague?</body></message>",
		"romeo  S: <message from='juliet@example.com/balcony' id='ktx72v49' to='romeo@example.com' type='chat' xml:lang='en'><body>Art thou not Romeo, and a Montague?</body></message>",
		"romeo  C: <message id='sl3nx51f' to='juliet@example.com/balcony' type='chat' xml:lang='en'><body>Neither, fair saint, if either thee dislike.</body></message>",
		"juliet S: <message from='romeo@example.com/orchard' id='sl3nx51f' to='juliet@example.com/balcony' type='chat' xml:lang='en'><body>Neither, fair saint, if either thee dislike.</body></message>",
		"juliet C: <iq id='c2s1' to='example.com' type='get'><ping xmlns='urn:xmpp:ping'/></iq>",
		"juliet S: <iq from='example.com' id='c2s1' to='juliet@example.com/balcony' type='result'/>",
		"juliet C: <message xml:lang='en'><body>Bad XML, no closing body tag!</message>",
		"juliet S: <stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>\njuliet S: </stream:stream>",
		"romeo  C: [redacted]",
	} {
		if !strings.Contains(transcript, want) {
			t.Errorf("the transcript lacks\n\t%s\ntranscript:\n%s", want, transcript)
		}
	}
	for _, secret := range []string{"balcony-pw", "orchard-pw"} {
		if strings.Contains(transcript, secret) {
			t.Errorf("the transcript shows the password %q", secret)
		}
	}
}
