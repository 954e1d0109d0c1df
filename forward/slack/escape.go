package slack

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// Escape makes s inert in Slack mrkdwn: &, < and > become entities (so
// "<!channel>" cannot mention anyone and "<https://evil|click>" cannot
// disguise a link), control characters become spaces, and invalid UTF-8
// is replaced. Chat content is hostile; everything taken from an event
// goes through here.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Field is Escape of s cut to at most n runes (an ellipsis marks the cut).
func Field(s string, n int) string {
	return Escape(cut(s, n))
}

// Code is s as an inline code span: escaped, and with backticks swapped
// for a look-alike so content cannot close the span.
func Code(s string, n int) string {
	s = strings.ReplaceAll(cut(s, n), "`", "ˋ")
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return "`" + Escape(s) + "`"
}

func cut(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for i = range s {
		if k == n-1 {
			break
		}
		k++
	}
	return s[:i] + "…"
}

// Link returns a Slack link "<url|label>" to u when u is an absolute http
// or https URL, else "". The URL is re-encoded so it cannot end the link
// early (|, >) or open another (<); label must already be escaped.
func Link(u, label string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
		return ""
	}
	s := p.String()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '&':
			b.WriteString("&amp;")
		case c == '|' || c == '<' || c == '>' || c <= ' ' || c >= 0x7f || c == '"' || c == '`':
			b.WriteString("%" + strings.ToUpper(hex2(c)))
		default:
			b.WriteByte(c)
		}
	}
	return "<" + b.String() + "|" + label + ">"
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}
