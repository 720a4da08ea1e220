package streamtest

import (
	"maps"
	"regexp"
	"slices"
	"strings"
)

// placeholder finds {{any}} and {{name}} in expected values.
var placeholder = regexp.MustCompile(`\{\{([A-Za-z_][A-Za-z0-9_.-]*)\}\}`)

// anyName is the placeholder that matches anything and captures nothing.
const anyName = "any"

// matcher compares expected items with received ones, binding the
// captures ({{name}}) on their first use.
type matcher struct {
	caps map[string]string
}

func newMatcher() *matcher { return &matcher{caps: map[string]string{}} }

func (m *matcher) clone() *matcher { return &matcher{caps: maps.Clone(m.caps)} }

// item reports whether got matches want. Captures bound along the way
// stay bound only if it does.
func (m *matcher) item(want, got *item) bool {
	t := m.clone()
	if !t.item1(want, got) {
		return false
	}
	m.caps = t.caps
	return true
}

func (m *matcher) item1(want, got *item) bool {
	if want.kind != got.kind {
		return false
	}
	switch want.kind {
	case itemHeader:
		return want.node.name == got.node.name && m.attrs(want.node, got.node)
	case itemEnd:
		return want.node.name == got.node.name
	case itemText:
		return m.value(want.node.text, got.node.text)
	}
	return m.element(want.node, got.node)
}

// node compares an expected element or text with a received one.
func (m *matcher) node(w, g *node) bool {
	if w.isText || g.isText {
		return w.isText && g.isText && m.value(w.text, g.text)
	}
	return m.element(w, g)
}

func (m *matcher) element(w, g *node) bool {
	if w.name != g.name || !m.attrs(w, g) {
		return false
	}
	switch {
	case w.anyContent:
		return true
	case w.moreKids:
		// The expected children, in order, among the received ones.
		j := 0
		for _, wk := range w.kids {
			for {
				if j == len(g.kids) {
					return false
				}
				t := m.clone()
				j++
				if t.node(wk, g.kids[j-1]) {
					m.caps = t.caps
					break
				}
			}
		}
		return true
	}
	if len(w.kids) != len(g.kids) {
		return false
	}
	for i := range w.kids {
		if !m.node(w.kids[i], g.kids[i]) {
			return false
		}
	}
	return true
}

// attrs compares the attributes: every expected one must be there with a
// matching value, and no other unless the start tag had an ellipsis. A
// header's content namespace (xmlnsAttr) is compared only when expected.
func (m *matcher) attrs(w, g *node) bool {
	for _, wa := range w.attrs {
		ga, ok := g.attr(wa.name)
		if !ok || !m.value(wa.value, ga.value) {
			return false
		}
	}
	if w.anyAttrs {
		return true
	}
	for _, ga := range g.attrs {
		if _, ok := w.attr(ga.name); !ok && ga.name != xmlnsAttr {
			return false
		}
	}
	return true
}

// value matches a received value against an expected one, in which
// {{any}} stands for any string and {{name}} for the value captured
// under name, captured here if it was not yet.
func (m *matcher) value(want, got string) bool {
	if want == "{{"+anyName+"}}" {
		return true
	}
	locs := placeholder.FindAllStringSubmatchIndex(want, -1)
	if len(locs) == 0 {
		return want == got
	}
	var re strings.Builder
	re.WriteString(`^(?s:`)
	var groups []string // capture name of each group
	prev := 0
	for _, l := range locs {
		re.WriteString(regexp.QuoteMeta(want[prev:l[0]]))
		prev = l[1]
		name := want[l[2]:l[3]]
		if name == anyName {
			re.WriteString(`.*?`)
			continue
		}
		if v, ok := m.caps[name]; ok {
			re.WriteString(regexp.QuoteMeta(v))
			continue
		}
		re.WriteString(`(.*?)`)
		groups = append(groups, name)
	}
	re.WriteString(regexp.QuoteMeta(want[prev:]))
	re.WriteString(`)$`)
	rx, err := regexp.Compile(re.String())
	if err != nil {
		return false
	}
	sm := rx.FindStringSubmatch(got)
	if sm == nil {
		return false
	}
	bound := map[string]string{}
	for i, name := range groups {
		if v, ok := bound[name]; ok && v != sm[i+1] {
			return false
		}
		bound[name] = sm[i+1]
	}
	maps.Copy(m.caps, bound)
	return true
}

// subst replaces the bound captures in an expected value, for display.
func (m *matcher) subst(want string) string {
	return placeholder.ReplaceAllStringFunc(want, func(p string) string {
		if v, ok := m.caps[p[2:len(p)-2]]; ok {
			return v
		}
		return p
	})
}

// resolve returns a copy of the expected item want in which everything
// that matches got is taken from got: matched placeholders, attributes
// an ellipsis allowed, content a wildcard stood for. Rendered beside got,
// it shows only the differences.
func (m *matcher) resolve(want, got *item) *item {
	r := *want
	t := m.clone()
	switch {
	case got == nil || want.kind != got.kind:
		r.node = t.fill(want.node)
	case want.kind == itemText:
		r.node = t.resolveNode(want.node, got.node)
	case want.kind == itemEnd:
	default:
		r.node = t.resolveNode(want.node, got.node)
	}
	return &r
}

func (m *matcher) resolveNode(w, g *node) *node {
	if g == nil || w.isText != g.isText || (!w.isText && w.name != g.name) {
		return m.fill(w)
	}
	if w.isText {
		if m.value(w.text, g.text) {
			return g
		}
		return m.fill(w)
	}
	r := &node{name: w.name}
	for _, wa := range w.attrs {
		if ga, ok := g.attr(wa.name); ok && m.value(wa.value, ga.value) {
			r.attrs = append(r.attrs, ga)
		} else {
			r.attrs = append(r.attrs, attr{wa.name, m.subst(wa.value)})
		}
	}
	for _, ga := range g.attrs {
		if _, ok := w.attr(ga.name); !ok && (w.anyAttrs || ga.name == xmlnsAttr) {
			r.attrs = append(r.attrs, ga)
		}
	}
	slices.SortFunc(r.attrs, func(a, b attr) int { return cmpName(a.name, b.name) })
	switch {
	case w.anyContent:
		r.kids = g.kids
	case w.moreKids:
		j := 0
		for _, gk := range g.kids {
			if j < len(w.kids) {
				if t := m.clone(); t.node(w.kids[j], gk) {
					r.kids = append(r.kids, m.resolveNode(w.kids[j], gk))
					j++
					continue
				}
			}
			r.kids = append(r.kids, gk) // allowed by the ellipsis
		}
		for _, wk := range w.kids[j:] {
			r.kids = append(r.kids, m.fill(wk))
		}
	default:
		for i, wk := range w.kids {
			var gk *node
			if i < len(g.kids) {
				gk = g.kids[i]
			}
			r.kids = append(r.kids, m.resolveNode(wk, gk))
		}
	}
	return r
}

// fill returns a copy of w with the bound captures substituted.
func (m *matcher) fill(w *node) *node {
	r := *w
	if w.isText {
		r.text = m.subst(w.text)
		return &r
	}
	r.attrs = make([]attr, len(w.attrs))
	for i, a := range w.attrs {
		r.attrs[i] = attr{a.name, m.subst(a.value)}
	}
	r.kids = make([]*node, len(w.kids))
	for i, k := range w.kids {
		r.kids[i] = m.fill(k)
	}
	return &r
}
