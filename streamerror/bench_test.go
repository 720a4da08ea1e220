package streamerror

import "testing"

func BenchmarkAppendXML(b *testing.B) {
	for _, bb := range []struct {
		name string
		e    *Error
	}{
		{"condition", &Error{Condition: NotWellFormed}},
		{"see-other-host", &Error{Condition: SeeOtherHost, Host: rfc6120Host}},
		{"rfc6120-4.9.4", &Error{
			Condition: NotWellFormed,
			Text:      "Some special application diagnostic information!",
			Lang:      "en",
			App:       []byte("<escape-your-data xmlns='http://example.org/ns'/>"),
		}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			buf, err := bb.e.AppendXML(nil)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = bb.e.AppendXML(buf[:0])
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	in := declare([]byte(rfc6120App))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}
