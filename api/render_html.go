package api

import (
	"html"

	"github.com/yuin/goldmark/ast"
	gmrender "github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// rawHTMLAsText renders the raw HTML in chat markdown — HTML blocks,
// inline tags and comments — as escaped text instead of dropping it, which
// is what goldmark does without WithUnsafe. An auditor must see everything
// the user typed: a secret inside <details>, a <div> or <!-- … --> would
// otherwise be flagged but invisible. Escaped, the markup is inert; the
// bluemonday pass after it still applies.
type rawHTMLAsText struct{}

// showTypedPriority, for the renderers that show typed text goldmark would
// hide, beats goldmark's HTML renderer (1000) and the GFM extensions (500):
// the lowest value registers last and wins.
const showTypedPriority = 100

func (rawHTMLAsText) RegisterFuncs(reg gmrender.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHTMLBlock, renderHTMLBlockAsText)
	reg.Register(ast.KindRawHTML, renderRawHTMLAsText)
}

// renderHTMLBlockAsText shows a block of HTML as an html code block, so it
// keeps its lines and reads as markup rather than prose.
func renderHTMLBlockAsText(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.HTMLBlock)
	if entering {
		_, _ = w.WriteString(`<pre><code class="language-html">`)
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			_, _ = w.WriteString(html.EscapeString(string(seg.Value(source))))
		}
		return ast.WalkContinue, nil
	}
	if n.HasClosure() {
		_, _ = w.WriteString(html.EscapeString(string(n.ClosureLine.Value(source))))
	}
	_, _ = w.WriteString("</code></pre>\n")
	return ast.WalkContinue, nil
}

// renderRawHTMLAsText writes an inline tag or comment as the text it was.
func renderRawHTMLAsText(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.RawHTML)
	for i := 0; i < n.Segments.Len(); i++ {
		seg := n.Segments.At(i)
		_, _ = w.WriteString(html.EscapeString(string(seg.Value(source))))
	}
	return ast.WalkSkipChildren, nil
}
