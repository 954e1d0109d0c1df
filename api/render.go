package api

import (
	"bytes"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/parser"
	gmrender "github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// maxRenderBytes caps markdown rendering per block; longer text (pasted
// logs, dumps) is sent as text only, which the UI shows preformatted.
const maxRenderBytes = 256 << 10

// renderer turns chat markdown into HTML that is safe to insert into the
// page and shows everything the user typed. Chat content is hostile:
// goldmark runs without WithUnsafe and bluemonday then keeps only an
// allow-list of elements and attributes, so neither layer alone has to be
// perfect. What markdown would hide from an auditor is shown as escaped
// text instead: raw HTML (rawHTMLAsText), images, link targets and titles
// (visibleLinks), reference definitions and info strings (visibleBlocks),
// surplus table cells and renumbered list items. Both are safe for
// concurrent use once built.
type renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newRenderer() *renderer {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
		"em", "strong", "del", "s", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
		"sup", "sub", "kbd", "span")
	// Links: http(s) and mailto only, opened without referrer or opener.
	// Images are not allowed at all: a remote image in a chat would be a
	// tracking pixel fired by the auditor's browser (visibleLinks shows
	// them as text).
	p.AllowStandardURLs()
	// Relative links would point into this very app; chat content has no
	// business linking there.
	p.AllowRelativeURLs(false)
	p.AllowAttrs("href").OnElements("a")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("value").Matching(bluemonday.Integer).OnElements("li")
	// Code blocks keep their language class for client-side highlighting.
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]{1,40}$`)).OnElements("code")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|center|right)$`)).OnElements("th", "td")
	// Text the renderer shows that markdown would hide (see visibleLinks,
	// visibleBlocks) is marked so the UI can style it.
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^md-(image|dest|unlinked|ref|info)$`)).OnElements("span")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^md-refdef$`)).OnElements("p")
	// GFM task lists.
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").Matching(regexp.MustCompile(`^$`)).OnElements("input")
	return &renderer{
		md: goldmark.New(goldmark.WithExtensions(gfmShowingEverything{}),
			goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(listNumbersAsTyped{}, 100))),
			goldmark.WithRendererOptions(gmrender.WithNodeRenderers(
				util.Prioritized(rawHTMLAsText{}, showTypedPriority),
				util.Prioritized(visibleLinks{}, showTypedPriority),
				util.Prioritized(visibleBlocks{}, showTypedPriority)))),
		policy: p,
	}
}

// HTML renders markdown to sanitized HTML; ok is false when the text is too
// long to render and should be shown as plain text.
func (r *renderer) HTML(markdown string) (html string, ok bool) {
	if len(markdown) > maxRenderBytes {
		return "", false
	}
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(markdown), &buf); err != nil {
		return "", false
	}
	return r.policy.Sanitize(buf.String()), true
}
