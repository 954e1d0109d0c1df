package scanners

import (
	"strings"

	"github.com/ccsync/ccsync/model"
)

// Default returns the scanner with the built-in detectors.
// Placeholder until the detection engine lands: emails only.
func Default() Scanner { return emailOnly{} }

type emailOnly struct{}

func (emailOnly) Scan(text string) []model.Finding {
	var out []model.Finding
	for i := 0; i < len(text); i++ {
		if text[i] != '@' {
			continue
		}
		s := i
		for s > 0 && isLocal(text[s-1]) {
			s--
		}
		e := i + 1
		for e < len(text) && isDomain(text[e]) {
			e++
		}
		for e > i+1 && text[e-1] == '.' {
			e--
		}
		dom := text[i+1 : e]
		if s == i || !strings.Contains(dom, ".") {
			continue
		}
		out = append(out, model.Finding{Type: "email", Severity: model.SeverityMedium, Rule: "email",
			Start: s, End: e, Preview: text[s:s+1] + "•••@" + dom})
		i = e - 1
	}
	return out
}

func isLocal(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._%+-", c) >= 0
}

func isDomain(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}
