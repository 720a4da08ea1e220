package stream_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestImportLayering holds the library to its layering (DESIGN.md): imports
// point downward only — jid and streamerror are leaves, stanza may use both,
// stream may use all three — and library code depends on nothing outside
// the standard library but golang.org/x/net and golang.org/x/text.
func TestImportLayering(t *testing.T) {
	t.Parallel()
	const mod = "github.com/xmppkit/xmpp"
	allowed := map[string][]string{
		"jid":               {},
		"streamerror":       {},
		"stanza":            {"jid", "streamerror"},
		"stream/sasl":       {},
		"stream":            {"jid", "streamerror", "stanza", "stream/sasl"},
		"stream/streamtest": {"jid", "streamerror", "stanza", "stream", "stream/sasl"},
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for pkg, ok := range allowed {
		dir := filepath.Join(root, filepath.FromSlash(pkg))
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Errorf("%s: no Go files (%v)", pkg, err)
			continue
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, is := range af.Imports {
				path, _ := strconv.Unquote(is.Path.Value)
				switch {
				case strings.HasPrefix(path, mod+"/"):
					dep := strings.TrimPrefix(path, mod+"/")
					if !slices.Contains(ok, dep) {
						t.Errorf("%s imports %s: not allowed (may use %v)", filepath.Base(f), path, ok)
					}
				case strings.HasPrefix(path, "golang.org/x/net/"), strings.HasPrefix(path, "golang.org/x/text/"):
				case !strings.Contains(strings.Split(path, "/")[0], "."):
					// standard library
				default:
					t.Errorf("%s/%s imports %s: not an allowed dependency", pkg, filepath.Base(f), path)
				}
			}
		}
	}
}
