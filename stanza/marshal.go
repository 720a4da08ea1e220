package stanza

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// The stanza types implement xml.Marshaler and xml.Unmarshaler so that
// xml.Marshal and xml.Unmarshal work on them, and they can be fields of
// other encoding/xml types. Marshalling writes exactly the Encoder's wire
// form through the xml.Encoder (prefixes kept); unmarshalling
// re-serialises the element and reads it with a Decoder, so both paths
// give the same values as the stream does.

// MarshalXML implements xml.Marshaler: it writes the Encoder's wire form
// of m. The name in start is not used, but when it has a namespace the
// element declares it as its default namespace (jabber:client in a
// standalone document, for instance).
func (m Message) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return marshalVia(e, start, m.AppendXML)
}

// MarshalXML implements xml.Marshaler, like Message.MarshalXML.
func (p Presence) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return marshalVia(e, start, p.AppendXML)
}

// MarshalXML implements xml.Marshaler, like Message.MarshalXML.
func (iq IQ) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return marshalVia(e, start, iq.AppendXML)
}

// MarshalXML implements xml.Marshaler: it writes the <error/> element as
// AppendXML does.
func (se Error) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return marshalVia(e, start, se.AppendXML)
}

func marshalVia(e *xml.Encoder, start xml.StartElement, appendXML func([]byte) ([]byte, error)) error {
	b, err := appendXML(nil)
	if err != nil {
		return err
	}
	return encodeTokens(e, b, start.Name.Space)
}

// UnmarshalXML implements xml.Unmarshaler: it reads a <message/> element
// as a Decoder would in a stream whose content namespace is the element's
// (jabber:client when it has none).
func (m *Message) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	v, err := unmarshalStanza(d, start)
	if err != nil {
		return err
	}
	x, ok := v.(*Message)
	if !ok {
		return fmt.Errorf("stanza: cannot unmarshal <%s> into a Message", start.Name.Local)
	}
	*m = *x
	return nil
}

// UnmarshalXML implements xml.Unmarshaler, like Message.UnmarshalXML.
func (p *Presence) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	v, err := unmarshalStanza(d, start)
	if err != nil {
		return err
	}
	x, ok := v.(*Presence)
	if !ok {
		return fmt.Errorf("stanza: cannot unmarshal <%s> into a Presence", start.Name.Local)
	}
	*p = *x
	return nil
}

// UnmarshalXML implements xml.Unmarshaler, like Message.UnmarshalXML.
func (iq *IQ) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	v, err := unmarshalStanza(d, start)
	if err != nil {
		return err
	}
	x, ok := v.(*IQ)
	if !ok {
		return fmt.Errorf("stanza: cannot unmarshal <%s> into an IQ", start.Name.Local)
	}
	*iq = *x
	return nil
}

// UnmarshalXML implements xml.Unmarshaler: it reads an <error/> element as
// a Decoder reads the error of a stanza. The element's own namespace is
// not checked.
func (se *Error) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	// The element is read as the <error/> child of a message in
	// jabber:client, whatever namespace the enclosing document gave it.
	start.Name.Space = ""
	b, err := serializeElement(d, start, NSClient, NSClient)
	if err != nil {
		return err
	}
	wrapped := make([]byte, 0, len(b)+64)
	wrapped = append(wrapped, "<message type='error'>"...)
	wrapped = append(wrapped, b...)
	wrapped = append(wrapped, "</message>"...)
	v, err := decodeOne(NSClient, wrapped)
	if err != nil {
		return err
	}
	m, ok := v.(*Message)
	if !ok || m.Error == nil {
		return fmt.Errorf("stanza: <%s> is not a stanza error", start.Name.Local)
	}
	*se = *m.Error
	return nil
}

// unmarshalStanza re-serialises the element opened by start and decodes
// it with a Decoder.
func unmarshalStanza(d *xml.Decoder, start xml.StartElement) (Element, error) {
	ns := start.Name.Space
	empty := ""
	if ns == "" {
		ns, empty = NSClient, NSClient
	}
	b, err := serializeElement(d, start, ns, empty)
	if err != nil {
		return nil, err
	}
	return decodeOne(ns, b)
}

// decodeOne reads the single element b with a Decoder, inside a stream
// header declaring ns as the content namespace.
func decodeOne(ns string, b []byte) (Element, error) {
	w := xmlWriter{b: make([]byte, 0, len(b)+160)}
	w.raw("<stream:stream xmlns='")
	w.escape(ns, &attrClass, "xmlns")
	w.raw("' xmlns:stream='" + NSStream + "'>")
	w.b = append(w.b, b...)
	w.raw(streamEnd)
	if w.err != nil {
		return nil, w.err
	}
	lim := &Limits{MaxStanzaSize: len(w.b), MaxDepth: 1 << 14, MaxAttrs: 1 << 14}
	dec := NewDecoder(bytes.NewReader(w.b), lim)
	if _, err := dec.Header(); err != nil {
		return nil, err
	}
	return dec.Next()
}
