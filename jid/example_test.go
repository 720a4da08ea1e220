package jid_test

import (
	"encoding/xml"
	"errors"
	"fmt"

	"github.com/xmppkit/xmpp/jid"
)

func ExampleParse() {
	j, err := jid.Parse("Juliet@Example.COM/Balcony")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(j)
	fmt.Println(j.Localpart(), j.Domainpart(), j.Resourcepart())
	fmt.Println(j == jid.MustParse("juliet@example.com/Balcony"))

	_, err = jid.Parse("@example.com")
	fmt.Println(err, errors.Is(err, jid.ErrLocalpart), errors.Is(err, jid.ErrEmptyLocalpart))
	// Output:
	// juliet@example.com/Balcony
	// juliet example.com Balcony
	// true
	// jid: empty localpart true true
}

func ExampleParse_internationalized() {
	for _, s := range []string{
		"Σ@example.com",          // case-mapped (RFC 8265)
		"xn--bcher-kva.example",  // A-labels become U-labels
		"juliet@example.com.",    // the trailing dot is stripped
		"[2001:DB8:0:0:0:0:0:1]", // IPv6 in RFC 5952 form
	} {
		fmt.Println(jid.MustParse(s))
	}
	// Output:
	// σ@example.com
	// bücher.example
	// juliet@example.com
	// [2001:db8::1]
}

func ExampleNew() {
	j, err := jid.New("romeo", "montague.example", "orchard")
	fmt.Println(j, err)

	_, err = jid.New("romeo", "montague.example/orchard", "")
	var e *jid.Error
	if errors.As(err, &e) {
		fmt.Println(e.Part, errors.Is(err, jid.ErrDomainpart))
	}
	// Output:
	// romeo@montague.example/orchard <nil>
	// domainpart true
}

func ExampleJID_Bare() {
	j := jid.MustParse("juliet@example.com/balcony")
	fmt.Println(j.Bare())
	fmt.Println(j.Domain())
	fmt.Println(j.Bare() == jid.MustParse("juliet@example.com"))
	// Output:
	// juliet@example.com
	// example.com
	// true
}

func ExampleEscapeLocal() {
	local := jid.EscapeLocal("d'artagnan")
	j, err := jid.New(local, "musketeers.lit", "")
	fmt.Println(j, err)
	fmt.Println(jid.EscapeLocal(`c:\5commas`), jid.EscapeLocal(`c:\net`))
	// Output:
	// d\27artagnan@musketeers.lit <nil>
	// c\3a\5c5commas c\3a\net
}

func ExampleUnescapeLocal() {
	fmt.Println(jid.UnescapeLocal(jid.MustParse(`call\20me\20\22ishmael\22@example.com`).Localpart()))
	fmt.Println(jid.UnescapeLocal(`foob\41r`)) // not an escape sequence
	// Output:
	// call me "ishmael"
	// foob\41r
}

func ExampleJID_MarshalXMLAttr() {
	type presence struct {
		XMLName xml.Name `xml:"presence"`
		To      jid.JID  `xml:"to,attr"`
		From    jid.JID  `xml:"from,attr"`
	}
	b, _ := xml.Marshal(presence{To: jid.MustParse("juliet@example.com")})
	fmt.Println(string(b))

	var p presence
	err := xml.Unmarshal([]byte(`<presence from="Romeo@Example.NET/Orchard"/>`), &p)
	fmt.Println(p.From, p.To.IsZero(), err)
	// Output:
	// <presence to="juliet@example.com"></presence>
	// romeo@example.net/Orchard true <nil>
}
