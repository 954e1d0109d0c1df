package api

import (
	"html"
	"strconv"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	gmrender "github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// visibleBlocks renders the blocks whose typed text goldmark keeps out of
// the page: link reference definitions (which render as nothing, though
// they may carry a URL and a title of any text — "[^1]: note" is one, as
// footnotes are not enabled) and a fenced code block's info string (only
// its first word reached the page, as a class).
type visibleBlocks struct{}

func (visibleBlocks) RegisterFuncs(reg gmrender.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLinkReferenceDefinition, renderLinkRefDef)
	reg.Register(ast.KindFencedCodeBlock, renderFencedCode)
}

// renderLinkRefDef shows a definition's source lines, escaped, where it
// stood; links that use it still resolve.
func renderLinkRefDef(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString(`<p class="md-refdef">`)
	writeLinesEscaped(w, source, node.Lines())
	_, _ = w.WriteString("</p>\n")
	return ast.WalkSkipChildren, nil
}

// renderFencedCode is goldmark's code block with the whole info string
// shown first, in a span the UI turns into the block's label.
func renderFencedCode(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		_, _ = w.WriteString("</code></pre>\n")
		return ast.WalkContinue, nil
	}
	n := node.(*ast.FencedCodeBlock)
	_, _ = w.WriteString("<pre>")
	if n.Info != nil {
		_, _ = w.WriteString(`<span class="md-info">`)
		_, _ = w.WriteString(html.EscapeString(string(n.Info.Segment.Value(source))))
		_, _ = w.WriteString("</span>\n")
	}
	_, _ = w.WriteString("<code")
	if lang := n.Language(source); len(lang) > 0 {
		_, _ = w.WriteString(` class="language-`)
		_, _ = w.WriteString(html.EscapeString(string(lang)))
		_ = w.WriteByte('"')
	}
	_ = w.WriteByte('>')
	writeLinesEscaped(w, source, n.Lines())
	return ast.WalkContinue, nil
}

// writeLinesEscaped writes source lines as text, with the indentation a
// tab left behind (goldmark's padding).
func writeLinesEscaped(w util.BufWriter, source []byte, lines *text.Segments) {
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		for range seg.Padding {
			_ = w.WriteByte(' ')
		}
		_, _ = w.WriteString(html.EscapeString(string(seg.Value(source))))
	}
}

// gfmShowingEverything is goldmark's GFM extension (linkify, tables,
// strikethrough, task lists) with a table parser that keeps the cells GFM
// drops: a row with more cells than the header loses the surplus, which
// would hide whatever was typed there.
type gfmShowingEverything struct{}

func (gfmShowingEverything) Extend(m goldmark.Markdown) {
	extension.Linkify.Extend(m)
	extension.Strikethrough.Extend(m)
	extension.TaskList.Extend(m)
	m.Parser().AddOptions(
		parser.WithParagraphTransformers(util.Prioritized(tableKeepingSurplus{extension.NewTableParagraphTransformer()}, 200)),
		parser.WithASTTransformers(util.Prioritized(extension.NewTableASTTransformer(), 0)),
	)
	m.Renderer().AddOptions(gmrender.WithNodeRenderers(util.Prioritized(extension.NewTableHTMLRenderer(), 500)))
}

// tableKeepingSurplus runs GFM's table transformer, then gives each body
// row the cells past the header's count that GFM left out.
type tableKeepingSurplus struct{ gfm parser.ParagraphTransformer }

func (t tableKeepingSurplus) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	parent, prev, next := node.Parent(), node.PreviousSibling(), node.NextSibling()
	lines := make([]text.Segment, node.Lines().Len())
	copy(lines, node.Lines().Sliced(0, node.Lines().Len()))
	t.gfm.Transform(node, reader, pc)
	first := parent.FirstChild()
	if prev != nil {
		first = prev.NextSibling()
	}
	for c := first; c != nil && c != next; c = c.NextSibling() {
		if table, ok := c.(*east.Table); ok {
			addSurplusCells(table, lines, reader.Source())
		}
	}
}

// addSurplusCells appends to each body row the cells of its source line
// beyond the header's count. Body rows are the paragraph's last lines, one
// row per line.
func addSurplusCells(table *east.Table, lines []text.Segment, source []byte) {
	var rows []*east.TableRow
	for c := table.FirstChild(); c != nil; c = c.NextSibling() {
		if r, ok := c.(*east.TableRow); ok {
			rows = append(rows, r)
		}
	}
	if len(rows) > len(lines) {
		return
	}
	lines = lines[len(lines)-len(rows):]
	for i, row := range rows {
		cells := splitTableRow(lines[i], source)
		for _, seg := range cells[min(len(table.Alignments), len(cells)):] {
			cell := east.NewTableCell()
			cell.Lines().Append(seg)
			row.AppendChild(row, cell)
		}
	}
}

// splitTableRow cuts a row's line into its cells the way GFM's parser does:
// outer pipes dropped, cells split at pipes not escaped by a backslash,
// each trimmed.
func splitTableRow(line text.Segment, source []byte) []text.Segment {
	line = line.TrimLeftSpace(source)
	line = line.TrimRightSpace(source)
	v := line.Value(source)
	pos, limit := 0, len(v)
	if limit > 0 && v[0] == '|' {
		pos++
	}
	if limit > pos && v[limit-1] == '|' {
		limit--
	}
	var cells []text.Segment
	for pos < limit {
		end := pos
		for ; end < limit; end++ {
			if v[end] == '|' && (end == 0 || v[end-1] != '\\') {
				break
			}
		}
		seg := text.NewSegment(line.Start+pos, line.Start+end)
		seg = seg.TrimLeftSpace(source)
		cells = append(cells, seg.TrimRightSpace(source))
		pos = end + 1
	}
	return cells
}

// listNumbersAsTyped gives each ordered list item whose typed number is not
// the one the browser would count to (markdown renumbers "1. 1. 7." as
// 1, 2, 3) a value attribute, so the number shown is the number typed; nine
// digits can carry an account number.
type listNumbersAsTyped struct{}

func (listNumbersAsTyped) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	source := reader.Source()
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		list, ok := n.(*ast.List)
		if !entering || !ok || !list.IsOrdered() {
			return ast.WalkContinue, nil
		}
		want := list.Start
		for c := list.FirstChild(); c != nil; c = c.NextSibling() {
			if typed, ok := typedListNumber(source, c.Pos()); ok && typed != want {
				c.SetAttributeString("value", []byte(strconv.Itoa(typed)))
			}
			want++
		}
		return ast.WalkContinue, nil
	})
}

// typedListNumber reads the number of an ordered list marker at pos.
func typedListNumber(source []byte, pos int) (int, bool) {
	if pos < 0 || pos >= len(source) {
		return 0, false
	}
	end := pos
	for end < len(source) && end-pos < 9 && source[end] >= '0' && source[end] <= '9' {
		end++
	}
	v, err := strconv.Atoi(string(source[pos:end]))
	return v, err == nil
}
