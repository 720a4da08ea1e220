package jid

import (
	"encoding"
	"encoding/xml"
)

var (
	_ encoding.TextMarshaler   = JID{}
	_ encoding.TextUnmarshaler = (*JID)(nil)
	_ xml.MarshalerAttr        = JID{}
	_ xml.UnmarshalerAttr      = (*JID)(nil)
)

// MarshalText implements encoding.TextMarshaler: the canonical form, empty
// for the empty JID.
func (j JID) MarshalText() ([]byte, error) {
	return []byte(j.s), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with Parse. Empty text
// gives the empty JID, so that marshaling round-trips. On error *j is left
// unchanged.
func (j *JID) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*j = JID{}
		return nil
	}
	k, err := Parse(string(text))
	if err != nil {
		return err
	}
	*j = k
	return nil
}

// MarshalXMLAttr implements xml.MarshalerAttr. The empty JID yields
// xml.Attr{}, which encoding/xml omits, so an unset address produces no
// attribute at all.
func (j JID) MarshalXMLAttr(name xml.Name) (xml.Attr, error) {
	if j.s == "" {
		return xml.Attr{}, nil
	}
	return xml.Attr{Name: name, Value: j.s}, nil
}

// UnmarshalXMLAttr implements xml.UnmarshalerAttr with Parse. An empty
// attribute value gives the empty JID. On error *j is left unchanged.
func (j *JID) UnmarshalXMLAttr(attr xml.Attr) error {
	if attr.Value == "" {
		*j = JID{}
		return nil
	}
	k, err := Parse(attr.Value)
	if err != nil {
		return err
	}
	*j = k
	return nil
}
