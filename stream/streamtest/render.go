package streamtest

import (
	"strconv"
	"strings"

	"github.com/xmppkit/xmpp/stanza"
)

// render writes an item in canonical form, one element per line, children
// indented, attributes sorted; an element in the default namespace ns
// has no declaration, one in the stream namespace has the stream:
// prefix, any other declares its namespace as default. Placeholders left
// in an expected item are written as in the script.
func render(it *item, ns string) string {
	var b strings.Builder
	switch it.kind {
	case itemText:
		escapeText(&b, it.node.text)
	case itemEnd:
		b.WriteString("</")
		b.WriteString(endName(it.node, ns))
		b.WriteString(">")
	default:
		renderNode(&b, it.node, ns, "", it.kind == itemHeader)
	}
	return b.String()
}

// elemName returns the name to write for n where ns is the default
// namespace.
func elemName(n *node, ns string) string {
	if n.name.Space == stanza.NSStream && ns != stanza.NSStream {
		return "stream:" + n.name.Local
	}
	return n.name.Local
}

// endName returns the name to write for a closing tag: as elemName, with
// the namespace when it is neither the stream's nor the default.
func endName(n *node, ns string) string {
	if n.name.Space != stanza.NSStream && n.name.Space != ns {
		return "{" + n.name.Space + "}" + n.name.Local
	}
	return elemName(n, ns)
}

func renderNode(b *strings.Builder, n *node, ns, indent string, open bool) {
	b.WriteString(indent)
	if n.isText {
		escapeText(b, n.text)
		return
	}
	name := elemName(n, ns)
	b.WriteByte('<')
	b.WriteString(name)
	declare := n.name.Space != stanza.NSStream && n.name.Space != ns
	// Like the RFCs, a tag with several attributes has one per line, so
	// that a diff points at the attribute that differs.
	sep := " "
	if count := len(n.attrs) + b2i(declare) + b2i(n.anyAttrs); count > 1 {
		sep = "\n" + indent + "    "
	}
	if declare {
		ns = n.name.Space
		b.WriteString(sep + "xmlns=")
		quoteAttr(b, ns)
	}
	prefixes := 0
	for _, a := range n.attrs {
		b.WriteString(sep)
		switch a.name.Space {
		case "":
		case stanza.NSXML:
			b.WriteString("xml:")
		default:
			prefixes++
			p := "ns" + strconv.Itoa(prefixes)
			b.WriteString("xmlns:" + p + "=")
			quoteAttr(b, a.name.Space)
			b.WriteString(" " + p + ":")
		}
		b.WriteString(a.name.Local)
		b.WriteByte('=')
		quoteAttr(b, a.value)
	}
	if n.anyAttrs {
		b.WriteString(sep + "...")
	}
	switch {
	case open:
		b.WriteByte('>')
		return
	case n.anyContent:
		b.WriteString(">...</" + name + ">")
		return
	case len(n.kids) == 0 && !n.moreKids:
		b.WriteString("/>")
		return
	case len(n.kids) == 1 && n.kids[0].isText && !n.moreKids:
		b.WriteByte('>')
		escapeText(b, n.kids[0].text)
		b.WriteString("</" + name + ">")
		return
	}
	b.WriteByte('>')
	for _, k := range n.kids {
		b.WriteByte('\n')
		renderNode(b, k, ns, indent+"  ", false)
	}
	if n.moreKids {
		b.WriteString("\n" + indent + "  ...")
	}
	b.WriteString("\n" + indent + "</" + name + ">")
}

func escapeText(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
}

func quoteAttr(b *strings.Builder, s string) {
	b.WriteByte('\'')
	b.WriteString(escapeAttr(s))
	b.WriteByte('\'')
}

// escapeAttr escapes s for an attribute value in either quotes.
func escapeAttr(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\'':
			b.WriteString("&apos;")
		case '"':
			b.WriteString("&quot;")
		case '\t':
			b.WriteString("&#x9;")
		case '\n':
			b.WriteString("&#xA;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// maxDiffCells bounds the work of lineDiff: beyond it, the lines are
// listed without aligning them.
const maxDiffCells = 1 << 20

// lineDiff returns a line diff of want and got: common lines indented by
// two spaces, lines only in want prefixed "- ", lines only in got "+ ".
func lineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out strings.Builder
	line := func(mark, s string) {
		out.WriteString(mark)
		out.WriteString(s)
		out.WriteByte('\n')
	}
	if (len(a)+1)*(len(b)+1) > maxDiffCells {
		for _, s := range a {
			line("- ", s)
		}
		for _, s := range b {
			line("+ ", s)
		}
		return out.String()
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	w := len(b) + 1
	lcs := make([]int, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			line("  ", a[i])
			i, j = i+1, j+1
		case j == len(b) || i < len(a) && lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			line("- ", a[i])
			i++
		default:
			line("+ ", b[j])
			j++
		}
	}
	return out.String()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
