// Package streamerror implements XMPP stream errors, RFC 6120 §4.9.
//
// A stream error is the <stream:error/> element an entity sends just
// before it closes the stream (§4.9.1): one condition element in the
// urn:ietf:params:xml:ns:xmpp-streams namespace (§4.9.3), an optional
// human-readable <text/> with its xml:lang (§4.9.2), and an optional
// application-specific element (§4.9.4). For see-other-host the condition
// element carries the address to reconnect to (§4.9.3.19).
//
// Entry points:
//
//   - Condition is one of the 25 defined conditions (§4.9.3.1–§4.9.3.25),
//     a string type whose constants are the wire names; it is also an
//     error value to match with errors.Is.
//   - Error is a stream error as a Go error; New builds one from a
//     condition and a text.
//   - (*Error).AppendXML appends the exact wire form, without allocating,
//     for an encoder's hot path.
//   - Parse reads one complete <stream:error/> element in any valid form,
//     including RFC 3920's xml-not-well-formed and conditions it does not
//     know.
//   - (*Error).MarshalXML and (*Error).UnmarshalXML let encoding/xml users
//     embed stream errors in their own types.
//   - ErrMalformed, ErrNoCondition and ErrInvalid are the sentinel errors
//     of reading and writing.
//
// Matching a received error:
//
//	var se *streamerror.Error
//	if errors.As(err, &se) && se.Condition == streamerror.SeeOtherHost {
//		// reconnect to se.Host
//	}
//	if errors.Is(err, streamerror.SystemShutdown) {
//		// try again later
//	}
//
// The wire form uses the stream: prefix, which the stream header declares
// (§4.8.5); Parse, which may see the element cut out of a stream, requires
// the declarations to be present in its input. See Parse for the forms
// accepted and refused, and AppendXML for the exact output.
package streamerror
