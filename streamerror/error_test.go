package streamerror

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

// allConditions lists RFC 6120 §4.9.3.1–§4.9.3.25 in section order.
var allConditions = []Condition{
	BadFormat, BadNamespacePrefix, Conflict, ConnectionTimeout, HostGone,
	HostUnknown, ImproperAddressing, InternalServerError, InvalidFrom,
	InvalidNamespace, InvalidXML, NotAuthorized, NotWellFormed,
	PolicyViolation, RemoteConnectionFailed, Reset, ResourceConstraint,
	RestrictedXML, SeeOtherHost, SystemShutdown, UndefinedCondition,
	UnsupportedEncoding, UnsupportedFeature, UnsupportedStanzaType,
	UnsupportedVersion,
}

func TestConditions(t *testing.T) {
	t.Parallel()
	if len(allConditions) != 25 {
		t.Fatalf("%d conditions, RFC 6120 §4.9.3 defines 25", len(allConditions))
	}
	seen := map[Condition]bool{}
	for _, c := range allConditions {
		if seen[c] {
			t.Errorf("duplicate condition %q", string(c))
		}
		seen[c] = true
		if !c.defined() {
			t.Errorf("%q not defined", string(c))
		}
	}
	for _, c := range []Condition{"", "xml-not-well-formed", "invalid-id", "Conflict", "conflict "} {
		if c.defined() {
			t.Errorf("%q defined", string(c))
		}
	}
}

func TestConditionError(t *testing.T) {
	t.Parallel()
	if got, want := NotWellFormed.Error(), "streamerror: not-well-formed"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var err error = SystemShutdown
	if !errors.Is(err, SystemShutdown) || errors.Is(err, Conflict) {
		t.Errorf("errors.Is on a bare Condition is wrong")
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		e    *Error
		want string
	}{
		{"condition", &Error{Condition: Conflict}, "streamerror: conflict"},
		{"text", New(NotWellFormed, "bad input"), "streamerror: not-well-formed: bad input"},
		{"host", &Error{Condition: SeeOtherHost, Host: "example.net:5222"}, "streamerror: see-other-host (example.net:5222)"},
		{"unknown", &Error{Condition: UndefinedCondition, Unknown: "invalid-id", Text: "x"}, "streamerror: undefined-condition (invalid-id): x"},
		{"nil", nil, "streamerror: <nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.e.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsAs(t *testing.T) {
	t.Parallel()
	se := &Error{Condition: SeeOtherHost, Host: "example.net", Text: "moved"}
	err := fmt.Errorf("stream: read: %w", se)
	tests := []struct {
		name   string
		target error
		want   bool
	}{
		{"same condition", SeeOtherHost, true},
		{"other condition", Conflict, false},
		{"same *Error", &Error{Condition: SeeOtherHost}, true},
		{"*Error other fields ignored", &Error{Condition: SeeOtherHost, Text: "other"}, true},
		{"other *Error", &Error{Condition: HostGone}, false},
		{"nil *Error", (*Error)(nil), false},
		{"itself", se, true},
		{"unrelated", io.EOF, false},
		{"sentinel", ErrMalformed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errors.Is(err, tt.target); got != tt.want {
				t.Errorf("errors.Is(err, %v) = %v, want %v", tt.target, got, tt.want)
			}
		})
	}
	var got *Error
	if !errors.As(err, &got) || got != se {
		t.Errorf("errors.As gave %v, want %v", got, se)
	}
	var nilErr *Error
	if nilErr.Is(SeeOtherHost) {
		t.Errorf("nil *Error matched a condition")
	}
	unknown := &Error{Condition: UndefinedCondition, Unknown: "invalid-id"}
	if !errors.Is(unknown, UndefinedCondition) {
		t.Errorf("unknown condition does not match UndefinedCondition")
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	e := New(PolicyViolation, "too big")
	if e.Condition != PolicyViolation || e.Text != "too big" || e.Lang != "" || e.App != nil || e.Host != "" {
		t.Errorf("New = %#v", e)
	}
}
