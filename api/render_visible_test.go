package api

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// entityRef matches what the renderer legitimately turns into one character
// (&amp; shows as "&"): the letters of an entity's name are not typed text.
var entityRef = regexp.MustCompile(`&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});`)

var leadingZeros = regexp.MustCompile(`(^|[^\p{L}\p{N}])0+(\d)`)

// typedWords are the words of a markdown source an auditor must be able to
// read in its rendered form: runs of at least four letters or digits, once
// entity references are set aside. Punctuation is not checked; markdown
// turns much of it into formatting (emphasis, list markers, table pipes).
func typedWords(src string) []string {
	src = entityRef.ReplaceAllString(src, " ")
	var words []string
	seen := map[string]bool{}
	var cur strings.Builder
	n := 0
	flush := func() {
		if n >= 4 && !seen[cur.String()] {
			seen[cur.String()] = true
			words = append(words, cur.String())
		}
		cur.Reset()
		n = 0
	}
	// A list marker's number is drawn without its leading zeros.
	src = leadingZeros.ReplaceAllString(src, "${1}${2}")
	for _, r := range src {
		if r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			cur.WriteRune(r)
			n++
			continue
		}
		flush()
	}
	flush()
	return words
}

// visibleText is what a browser shows of sanitized HTML: its text, and the
// numbers it draws before ordered list items.
func visibleText(s string) string {
	var b strings.Builder
	var counters []int // per open list; -1 for a bulleted one
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken:
			tok := z.Token()
			switch {
			case tt == html.EndTagToken && (tok.Data == "ol" || tok.Data == "ul") && len(counters) > 0:
				counters = counters[:len(counters)-1]
			case tt == html.StartTagToken && tok.Data == "ul":
				counters = append(counters, -1)
			case tt == html.StartTagToken && tok.Data == "ol":
				counters = append(counters, intAttr(tok, "start", 1))
			case tt == html.StartTagToken && tok.Data == "li" && len(counters) > 0 && counters[len(counters)-1] >= 0:
				n := intAttr(tok, "value", counters[len(counters)-1])
				fmt.Fprintf(&b, "%d. ", n)
				counters[len(counters)-1] = n + 1
			}
		}
	}
}

func intAttr(tok html.Token, key string, def int) int {
	for _, a := range tok.Attr {
		if a.Key == key {
			if v, err := strconv.Atoi(a.Val); err == nil {
				return v
			}
		}
	}
	return def
}

// checkShowsEverything fails when a word of src is not in the visible text
// of its rendering.
func checkShowsEverything(t testing.TB, src, out string) {
	t.Helper()
	text := visibleText(out)
	for _, w := range typedWords(src) {
		if !strings.Contains(text, w) {
			t.Fatalf("typed word %q is not visible\nsource: %q\ntext:   %q\nhtml:   %s", w, src, text, out)
		}
	}
}

// visibleCases are markdown constructs that used to drop what the user
// typed from the rendered view: images, link titles and destinations,
// reference definitions, info strings, surplus table cells. Each marker word
// must be visible, and nothing may be live (no image, no unsafe link).
var visibleCases = []struct {
	name, in string
	shown    []string // literal text the visible text must contain, beyond the typed words
}{
	{"image", "![ALT_HIDDEN_TEXT](http://x.example/a.png)", []string{"ALT_HIDDEN_TEXT", "http://x.example/a.png"}},
	{"image with title", `![alt](http://x.example/a.png "IMG_TITLE_HIDDEN")`, []string{"IMG_TITLE_HIDDEN"}},
	{"image with empty alt", "![](http://x.example/PIXELPATH.gif)", []string{"http://x.example/PIXELPATH.gif"}},
	{"image with markup in alt", "![a *EMPHALT* and `CODEALT`](http://x.example/i.png)", []string{"EMPHALT", "CODEALT"}},
	{"link nested in image", "![see [LINKINALT](http://x.example/LINKDEST) here](http://x.example/i.png)", []string{"LINKINALT", "LINKDEST"}},
	{"image in link", "[![BADGEALT](http://x.example/b.svg)](http://x.example/BADGETARGET)", []string{"BADGEALT", "BADGETARGET"}},
	{"reference image", "![REFIMGALT][img]\n\n[img]: http://x.example/REFIMGDEST.png", []string{"REFIMGALT", "REFIMGDEST"}},
	{"javascript image", "![JSALT](javascript:alert(1))", []string{"JSALT", "javascript:alert(1)"}},
	{"reference definition alone", "[note]: <> \"REFDEF_ONLY_HIDDEN\"\n\nnothing to see", []string{`[note]: <> "REFDEF_ONLY_HIDDEN"`, "nothing to see"}},
	{"footnote without the extension", "Claim[^1].\n\n[^1]: FOOTNOTE_TEXT", []string{"[^1]: FOOTNOTE_TEXT"}},
	{"definition used by a link", "[site][s] and more\n\n[s]: https://x.example/REFPATH 'REFTITLE'", []string{"site", "[s]: https://x.example/REFPATH 'REFTITLE'"}},
	{"full reference label", "![IMGTEXT][ImgLabel] [LINKTEXT][Link  LABEL]\n\n[IMGLABEL]: http://x.example/i.png\n[link label]: http://x.example/", []string{"[ImgLabel]", "[Link  LABEL]"}},
	{"definition over two lines", "[s]:\n  https://x.example/TWOLINE\n  \"TWOTITLE\"\n\ntext", []string{"TWOLINE", "TWOTITLE"}},
	{"definitions then paragraph", "[a]: http://x.example/FIRSTDEF\n[b]: http://x.example/SECONDDEF\nPARAFOLLOWS", []string{"FIRSTDEF", "SECONDDEF", "PARAFOLLOWS"}},
	{"definition in a quote", "> [q]: http://x.example/QUOTEDDEF\n> QUOTEDTEXT", []string{"QUOTEDDEF", "QUOTEDTEXT"}},
	{"definition in a list", "- [l]: http://x.example/LISTDEF\n- item", []string{"LISTDEF"}},
	{"definition before setext heading", "[h]: http://x.example/SETEXTDEF\nHEADING\n===", []string{"SETEXTDEF", "HEADING"}},
	{"unused definition with bad dest", "[u]: javascript:alert(1)\n\nbody", []string{"[u]: javascript:alert(1)"}},
	{"link title", `[link](http://x.example "TITLE_ATTR_HIDDEN")`, []string{"link", "TITLE_ATTR_HIDDEN"}},
	{"link destination", "[docs](https://x.example/SAFEPATH?key=QUERYSECRET)", []string{"docs", "https://x.example/SAFEPATH?key=QUERYSECRET"}},
	{"javascript link", "[click](javascript:alert(1))", []string{"click", "javascript:alert(1)"}},
	{"ftp link", "[a](ftp://FTP_URL/)", []string{"ftp://FTP_URL/"}},
	{"data link", "[d](data:text/html;base64,PHNjcmlwdD4=)", []string{"data:text/html;base64,PHNjcmlwdD4="}},
	{"relative link", "[admin](/api/ADMINPATH)", []string{"/api/ADMINPATH"}},
	{"fragment link", "[top](#FRAGMENT)", []string{"#FRAGMENT"}},
	{"empty link text", "[](https://x.example/EMPTYTEXT)", []string{"https://x.example/EMPTYTEXT"}},
	{"mailto link", "[write](mailto:MAILUSER@x.example)", []string{"mailto:MAILUSER@x.example"}},
	{"entity in destination", "[e](https://x.example/a&amp;b=ENTDEST)", []string{"https://x.example/a&b=ENTDEST"}},
	{"autolink", "<https://x.example/AUTOPATH>", []string{"https://x.example/AUTOPATH"}},
	{"javascript autolink", "<javascript:alert(AUTOJS)>", []string{"javascript:alert(AUTOJS)"}},
	{"email autolink", "<AUTOMAIL@x.example>", []string{"AUTOMAIL@x.example"}},
	{"bare url", "see www.LINKIFIED.example/p and https://x.example/BAREURL", []string{"www.LINKIFIED.example/p", "https://x.example/BAREURL"}},
	{"escaped angle", `\<b>ESCAPEDTAG\</b> 1 &lt; 2`, []string{"<b>ESCAPEDTAG</b>", "1 < 2"}},
	{"info string", "```js SECRET_IN_INFO\ncode\n```", []string{"js SECRET_IN_INFO", "code"}},
	{"odd info string", "~~~ <weird>{INFOATTR} \"q\"\ncode\n~~~", []string{`<weird>{INFOATTR} "q"`}},
	{"long language", "```" + strings.Repeat("L", 50) + "\nx\n```", []string{strings.Repeat("L", 50)}},
	{"plain language", "```python\nprint(1)\n```", []string{"python", "print(1)"}},
	{"table stray pipes", "| a | b |\n|---|---|\n| 1 | 2 | EXTRACELL | MORECELL\n| 3 |", []string{"EXTRACELL", "MORECELL"}},
	{"table in a quote", "> | a | b |\n> |---|---|\n> | 1 | 2 | QUOTECELL |", []string{"QUOTECELL"}},
	{"table escaped pipe", "| a |\n|---|\n| x \\| y | SPILL \\| OVER |", []string{"SPILL | OVER"}},
	{"list numbers as typed", "1. one\n1. two\n12345678. NUMBERED\n\n0042) zeros", []string{"1. one", "1. two", "12345678. NUMBERED", "42. zeros"}},
	{"task list", "- [ ] TODOITEM\n- [x] DONEITEM", []string{"TODOITEM", "DONEITEM"}},
	{"headings", "# ATXHEAD #\nSETEXT\n---\n## CLOSED ##", []string{"ATXHEAD", "SETEXT", "CLOSED"}},
	{"hard breaks", "LINEONE\\\nLINETWO  \nLINETHREE", []string{"LINEONE", "LINETWO", "LINETHREE"}},
	{"emphasis", "***BOTH*** ~~GONE~~ _UNDER_", []string{"BOTH", "GONE", "UNDER"}},
	{"code span", "`` `TICKS` ``", []string{"`TICKS`"}},
	{"indented code", "    INDENTED <b>", []string{"INDENTED <b>"}},
}

// TestRenderShowsEverythingTyped: an auditor must see everything the user
// typed in the rendered view. Markdown constructs that dropped text — images
// (not loaded, so alt, URL and title vanished), link titles and
// destinations, reference definitions, code info strings, surplus table
// cells — now show it as inert text.
func TestRenderShowsEverythingTyped(t *testing.T) {
	r := newRenderer()
	for _, tc := range visibleCases {
		t.Run(tc.name, func(t *testing.T) {
			out, ok := r.HTML(tc.in)
			if !ok {
				t.Fatal("not rendered")
			}
			checkSafe(t, out)
			checkShowsEverything(t, tc.in, out)
			text := visibleText(out)
			for _, w := range tc.shown {
				if !strings.Contains(text, w) {
					t.Errorf("visible text lacks %q\ntext: %q\nhtml: %s", w, text, out)
				}
			}
		})
	}
}

// FuzzRenderShowsEverything: for any markdown, every typed word is visible
// in the rendering and nothing in it is live.
func FuzzRenderShowsEverything(f *testing.F) {
	for _, tc := range visibleCases {
		f.Add(tc.in)
	}
	f.Add(hostileMarkdown)
	for _, ex := range goldmarkExamples(f) {
		f.Add(ex)
	}
	r := newRenderer()
	f.Fuzz(func(t *testing.T, in string) {
		out, ok := r.HTML(in)
		if !ok {
			return
		}
		checkSafe(t, out)
		checkShowsEverything(t, in, out)
	})
}

func TestTypedWords(t *testing.T) {
	got := strings.Join(typedWords("ab abcd &amp;copy &copy; x_WORD1 héllo\xffwörld 12345 000123456 a0001"), ",")
	if want := "abcd,copy,WORD1,héllo,wörld,12345,123456,a0001"; got != want {
		t.Errorf("typedWords = %s, want %s", got, want)
	}
}

// goldmarkExamples are the CommonMark spec examples and goldmark's own
// test cases for the extensions (GFM tables, linkify, task lists…, and
// footnotes and the like, which are not enabled here and must then show as
// text): hundreds of markdown shapes, read from the goldmark module.
func goldmarkExamples(t testing.TB) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/yuin/goldmark").Output()
	if err != nil {
		t.Fatalf("locating the goldmark module: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	b, err := os.ReadFile(filepath.Join(dir, "_test", "spec.json"))
	if err != nil {
		t.Fatalf("reading the CommonMark examples: %v", err)
	}
	var spec []struct {
		Markdown string `json:"markdown"`
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatalf("reading the CommonMark examples: %v", err)
	}
	var examples []string
	for _, ex := range spec {
		examples = append(examples, ex.Markdown)
	}
	files, err := filepath.Glob(filepath.Join(dir, "extension", "_test", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no extension examples in %s: %v", dir, err)
	}
	files = append(files, filepath.Join(dir, "_test", "extra.txt"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("reading examples: %v", err)
		}
		// Each case is "n: title", then markdown and the expected HTML, each
		// opened by a //- - -// line; cases end with a //= = =// line.
		for _, c := range strings.Split(string(b), "//= = = = = = = = = = = = = = = = = = = = = = = =//") {
			if parts := strings.Split(c, "//- - - - - - - - -//\n"); len(parts) >= 3 {
				examples = append(examples, parts[1])
			}
		}
	}
	if len(examples) < 700 {
		t.Fatalf("only %d goldmark examples found", len(examples))
	}
	return examples
}
