package ui

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
)

func assets(t *testing.T) fs.FS {
	t.Helper()
	f, err := FS()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func readAll(t *testing.T, f fs.FS, ext string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(f, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ext) {
			return err
		}
		b, err := fs.ReadFile(f, p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestIndexHasNoInlineCode(t *testing.T) {
	b, err := fs.ReadFile(assets(t), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	// The CSP allows only same-origin script and style files.
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<script(\s[^>]*)?>\s*[^<\s]`), // a script with a body
		regexp.MustCompile(`(?i)\son[a-z]+=`),             // inline handlers
		regexp.MustCompile(`(?i)\sstyle=`),                // inline styles
		regexp.MustCompile(`(?i)<style`),
	} {
		if loc := bad.FindStringIndex(html); loc != nil {
			t.Errorf("index.html has inline code the CSP blocks at byte %d: %q", loc[0], html[loc[0]:min(loc[1]+20, len(html))])
		}
	}
}

// TestModuleImportsResolve catches a renamed or missing module, which would
// otherwise show up only as a blank page.
func TestModuleImportsResolve(t *testing.T) {
	f := assets(t)
	imp := regexp.MustCompile(`(?m)^\s*import\s+(?:[^'"]*\s+from\s+)?['"]([^'"]+)['"]`)
	js := readAll(t, f, ".js")
	if len(js) == 0 {
		t.Fatal("no JavaScript assets embedded")
	}
	for file, src := range js {
		for _, m := range imp.FindAllStringSubmatch(src, -1) {
			target := path.Join(path.Dir(file), m[1])
			if _, err := fs.Stat(f, target); err != nil {
				t.Errorf("%s imports %s, which is not embedded", file, m[1])
			}
		}
	}
}

// TestNoUnsafeSinks keeps the rule that chat content is never parsed as
// HTML: innerHTML is allowed only where the API's sanitized markdown is
// inserted, and eval-like sinks nowhere.
func TestNoUnsafeSinks(t *testing.T) {
	allowed := map[string]int{"js/markdown.js": 1}
	sinks := regexp.MustCompile(`\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setTimeout\(\s*['"]`)
	for file, src := range readAll(t, assets(t), ".js") {
		n := len(sinks.FindAllStringIndex(src, -1))
		if n != allowed[file] {
			t.Errorf("%s has %d HTML/eval sinks, want %d", file, n, allowed[file])
		}
	}
}

// TestNoExternalURLs: the UI must work offline and leak nothing, so no
// asset may reference another origin (fonts, CDNs, images).
func TestNoExternalURLs(t *testing.T) {
	ext := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	for _, kind := range []string{".js", ".css", ".html", ".svg"} {
		for file, src := range readAll(t, assets(t), kind) {
			for _, m := range ext.FindAllString(src, -1) {
				if strings.Contains(m, "www.w3.org") { // XML namespaces, never fetched
					continue
				}
				t.Errorf("%s references %s", file, m)
			}
		}
	}
}
