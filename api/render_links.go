package api

import (
	"bytes"
	"html"
	"net/url"

	"github.com/yuin/goldmark/ast"
	gmrender "github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// visibleLinks renders links and images so that nothing the user typed in
// them is hidden: goldmark keeps a link's destination and title in
// attributes only, and an image (not allowed: it would be a tracking pixel
// fired by the auditor's browser) lost its alt text, URL and title with it.
// A link whose destination is not allowed (javascript:, data:, ftp:,
// relative) is shown unlinked rather than losing its destination. A
// reference link shows its label, not its destination: the definition is
// shown as typed where it stood (see renderLinkRefDef).
type visibleLinks struct{}

func (visibleLinks) RegisterFuncs(reg gmrender.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLink, renderLinkVisibly)
	reg.Register(ast.KindImage, renderImageAsText)
}

func renderLinkVisibly(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Link)
	href := util.URLEscape(n.Destination, true)
	live := linkable(href)
	if entering {
		if live {
			_, _ = w.WriteString(`<a href="`)
			_, _ = w.Write(util.EscapeHTML(href))
			_, _ = w.WriteString(`">`)
		}
		return ast.WalkContinue, nil
	}
	if live {
		_, _ = w.WriteString("</a>")
	}
	switch {
	case n.Reference != nil:
		writeReferenceLabel(w, n.Reference)
	case !textIsDestination(n, source):
		class := "md-dest"
		if !live {
			class = "md-unlinked"
		}
		writeDestination(w, class, n.Destination, n.Title)
	}
	return ast.WalkContinue, nil
}

// renderImageAsText shows an image as "[image: alt] (url "title")": the
// alt text keeps its markup (it may hold links), the image is never loaded.
func renderImageAsText(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Image)
	if entering {
		_, _ = w.WriteString(`<span class="md-image">[image: `)
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString("]")
	if n.Reference != nil {
		writeReferenceLabel(w, n.Reference)
	} else {
		writeDestination(w, "md-dest", n.Destination, n.Title)
	}
	_, _ = w.WriteString("</span>")
	return ast.WalkContinue, nil
}

// writeDestination writes ` (destination "title")` as text in a span of
// class. The raw values are written the way goldmark writes text:
// backslash escapes and entities resolved, then HTML-escaped.
func writeDestination(w util.BufWriter, class string, dest, title []byte) {
	if len(dest) == 0 && len(title) == 0 {
		return
	}
	_, _ = w.WriteString(` <span class="` + class + `">(`)
	gmhtml.DefaultWriter.Write(w, dest)
	if len(title) > 0 {
		if len(dest) > 0 {
			_ = w.WriteByte(' ')
		}
		_, _ = w.WriteString(`&quot;`)
		gmhtml.DefaultWriter.Write(w, title)
		_, _ = w.WriteString(`&quot;`)
	}
	_, _ = w.WriteString(")</span>")
}

// writeReferenceLabel shows the label of a full reference ([text][label]),
// which is typed text: it need not match its definition's case or spacing.
// Collapsed and shortcut references repeat the link text as label.
func writeReferenceLabel(w util.BufWriter, ref *ast.ReferenceLink) {
	if ref.Type != ast.ReferenceLinkFull {
		return
	}
	_, _ = w.WriteString(` <span class="md-ref">[`)
	_, _ = w.WriteString(html.EscapeString(string(ref.Value)))
	_, _ = w.WriteString("]</span>")
}

// textIsDestination reports whether a link's text already shows its
// destination ([https://x.example](https://x.example)) and has no title,
// so repeating it would only add noise.
func textIsDestination(n *ast.Link, source []byte) bool {
	if len(n.Title) > 0 {
		return false
	}
	var text []byte
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		t, ok := c.(*ast.Text)
		if !ok {
			return false
		}
		text = append(text, t.Segment.Value(source)...)
	}
	dest := n.Destination
	if len(text) == 0 {
		return false
	}
	return bytes.Equal(text, dest) || bytes.Equal(append([]byte("mailto:"), text...), dest)
}

// linkable reports whether an escaped destination may be a live link: what
// the sanitizer keeps (absolute http, https, mailto). Anything else would
// lose its href there and with it the destination, so it is shown as text.
func linkable(href []byte) bool {
	if gmhtml.IsDangerousURL(href) {
		return false
	}
	u, err := url.Parse(string(href))
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}
