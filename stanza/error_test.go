package stanza

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xmppkit/xmpp/jid"
)

func TestConditionDefaultType(t *testing.T) {
	t.Parallel()
	// RFC 6120 §8.3.3: the type each condition's section associates.
	want := map[Condition]ErrorType{
		BadRequest: Modify, Conflict: Cancel, FeatureNotImplemented: Cancel,
		Forbidden: Auth, Gone: Cancel, InternalServerError: Cancel,
		ItemNotFound: Cancel, JIDMalformed: Modify, NotAcceptable: Modify,
		NotAllowed: Cancel, NotAuthorized: Auth, PolicyViolation: Modify,
		RecipientUnavailable: Wait, Redirect: Modify, RegistrationRequired: Auth,
		RemoteServerNotFound: Cancel, RemoteServerTimeout: Wait,
		ResourceConstraint: Wait, ServiceUnavailable: Cancel,
		SubscriptionRequired: Auth, UndefinedCondition: Modify,
		UnexpectedRequest: Wait,
	}
	if len(Conditions) != 22 || len(want) != 22 {
		t.Fatalf("%d conditions listed, %d expected; RFC 6120 defines 22", len(Conditions), len(want))
	}
	for _, c := range Conditions {
		if got := c.DefaultType(); got != want[c] {
			t.Errorf("%s.DefaultType() = %s, want %s", c, got, want[c])
		}
	}
	if got := Condition("payment-required").DefaultType(); got != Cancel {
		t.Errorf("unknown condition's type = %s, want cancel", got)
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   *Error
		want string
	}{
		{&Error{Type: Cancel, Condition: ServiceUnavailable, Text: "no such service"}, "stanza: service-unavailable (cancel): no such service"},
		{&Error{Type: Wait, Condition: ResourceConstraint}, "stanza: resource-constraint (wait)"},
		{&Error{Condition: BadRequest}, "stanza: bad-request"},
		{NewError(ItemNotFound, "gone fishing"), "stanza: item-not-found (cancel): gone fishing"},
		{nil, "stanza: <nil>"},
	}
	for _, tt := range tests {
		if got := tt.in.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if got := ItemNotFound.Error(); got != "stanza: item-not-found" {
		t.Errorf("Condition.Error() = %q", got)
	}
}

func TestErrorIs(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("send: %w", &Error{Type: Cancel, Condition: ItemNotFound, Text: "x"})
	tests := []struct {
		name   string
		target error
		want   bool
	}{
		{"same condition value", ItemNotFound, true},
		{"other condition value", Forbidden, false},
		{"same condition *Error", &Error{Condition: ItemNotFound}, true},
		{"same condition, other type and text", &Error{Type: Wait, Condition: ItemNotFound, Text: "y"}, true},
		{"other condition *Error", &Error{Condition: Conflict}, false},
		{"nil *Error", (*Error)(nil), false},
		{"unrelated", errors.New("stanza: item-not-found"), false},
	}
	for _, tt := range tests {
		if got := errors.Is(err, tt.target); got != tt.want {
			t.Errorf("%s: errors.Is = %v, want %v", tt.name, got, tt.want)
		}
	}
	var se *Error
	if !errors.As(err, &se) || se.Text != "x" {
		t.Errorf("errors.As gave %v", se)
	}
	if (*Error)(nil).Is(ItemNotFound) {
		t.Error("nil *Error matched")
	}
}

func TestNewError(t *testing.T) {
	t.Parallel()
	got := NewError(RemoteServerTimeout, "")
	want := &Error{Type: Wait, Condition: RemoteServerTimeout}
	if *got != *want {
		t.Errorf("NewError = %+v, want %+v", got, want)
	}
	b, err := NewError(ServiceUnavailable, "").AppendXML(nil)
	if err != nil || string(b) != `<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>` {
		t.Errorf("NewError wire form = %s, %v", b, err)
	}
}

func TestReplies(t *testing.T) {
	t.Parallel()
	cmpJID := cmp.Comparer(func(a, b jid.JID) bool { return a == b })
	juliet, server := jid.MustParse("juliet@example.com/balcony"), jid.MustParse("example.com")
	ping := &Raw{XML: []byte(`<ping xmlns='urn:xmpp:ping'/>`)}
	req := &IQ{ID: "p1", From: juliet, To: server, Type: IQGet, Lang: "en", Payload: ping}
	e := NewError(ServiceUnavailable, "")

	tests := []struct {
		name      string
		got, want any
	}{
		{"iq result", req.ResultReply(nil), &IQ{ID: "p1", From: server, To: juliet, Type: IQResult}},
		{"iq result with payload", req.ResultReply(ping), &IQ{ID: "p1", From: server, To: juliet, Type: IQResult, Payload: ping}},
		{"iq error", req.ErrorReply(e), &IQ{ID: "p1", From: server, To: juliet, Type: IQError, Error: e}},
		{"message error",
			(&Message{ID: "m1", From: juliet, To: server, Type: MessageChat, Body: "hi"}).ErrorReply(e),
			&Message{ID: "m1", From: server, To: juliet, Type: MessageError, Error: e}},
		{"presence error",
			(&Presence{ID: "s1", From: juliet, To: server, Type: PresenceSubscribe}).ErrorReply(e),
			&Presence{ID: "s1", From: server, To: juliet, Type: PresenceError, Error: e}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got, cmpJID); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
