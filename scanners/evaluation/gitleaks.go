package evaluation

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ccsync/ccsync/model"
)

// GitleaksFinding is the part of an entry of a gitleaks JSON report
// (`--report-format json`) the scorer reads.
type GitleaksFinding struct {
	RuleID      string
	File        string
	StartLine   int
	EndLine     int
	StartColumn int
	EndColumn   int
	Match       string
	Secret      string
	Tags        []string
}

// GitleaksNotes says what the comparison with gitleaks cannot measure.
const GitleaksNotes = `gitleaks rules map to types as: aws-access-token -> aws_access_key; private-key -> private_key;
jwt, jwt-base64 -> jwt; every other rule -> api_key. gitleaks has no rule for AWS secret access
keys, passwords in URLs or personal data, so its aws_secret_key and password_in_url rows are
misses by construction and it is not scored on PII; "all secrets, any type" counts any secret
finding that overlaps any secret label, which is the fairest pooled comparison.
`

// GitleaksType maps a gitleaks v8 default rule id to a taxonomy type.
func GitleaksType(rule string) string {
	switch rule {
	case "aws-access-token":
		return "aws_access_key"
	case "private-key":
		return "private_key"
	case "jwt", "jwt-base64":
		return "jwt"
	}
	return "api_key"
}

// GitleaksFileName is the file message i (0-based) is written to for
// gitleaks' dir mode.
func GitleaksFileName(i int) string { return fmt.Sprintf("msg-%05d.txt", i+1) }

// GitleaksFileIndex is the inverse of GitleaksFileName, on a path or a base name.
func GitleaksFileIndex(path string) (int, error) {
	var n int
	base := filepath.Base(path)
	if _, err := fmt.Sscanf(base, "msg-%d.txt", &n); err != nil || GitleaksFileName(n-1) != base {
		return 0, fmt.Errorf("gitleaks finding in %q, not a message file", path)
	}
	return n - 1, nil
}

// How a gitleaks finding was placed in its message.
const (
	SpanExact    = "exact"    // the line and columns point at the match
	SpanSearched = "searched" // the match text found near where the columns point
	SpanColumns  = "columns"  // match not in the text (decoded from base64 etc.): the columns' span
)

// GitleaksSpan returns the byte span of the secret of a finding in the text
// of the file it was reported in.
//
// gitleaks v8.30.1 (detect/location.go) counts lines from 1 and columns in
// bytes, relative to the byte index of the newline that ends the previous
// line (0 on the first line): the start column is that difference plus one,
// the end column the difference itself. A match at byte 0 of the first line
// is column 1, but one at the first byte of a later line is column 2. The
// span is taken from the start and the length of the match when the match
// is found there, since the end is wrong for a multi-line match that ends a
// file without a final newline.
// Match is the whole regex match, Secret its capture group when the rule
// has one; the span returned is the Secret's inside the match.
func GitleaksSpan(text string, f GitleaksFinding) (start, end int, how string, err error) {
	nl := []int{}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			nl = append(nl, i)
		}
	}
	prev := func(line int) (int, bool) {
		switch {
		case line == 1:
			return 0, true
		case line >= 2 && line-2 < len(nl):
			return nl[line-2], true
		}
		return 0, false
	}
	p0, ok := prev(f.StartLine)
	start = p0 + f.StartColumn - 1
	if !ok || start < 0 || start >= len(text) {
		return 0, 0, "", fmt.Errorf("%s: start %d:%d outside a text of %d lines", f.RuleID, f.StartLine, f.StartColumn, len(nl)+1)
	}
	switch {
	case f.Match != "" && strings.HasPrefix(text[start:], f.Match):
		// The end columns are not needed, and not always right: a match
		// that runs over lines to the end of a file without a final
		// newline is reported ending on its first line, at column 0.
		end, how = start+len(f.Match), SpanExact
	case f.Match != "" && strings.Contains(text, f.Match):
		// gitleaks trims newlines off a match without moving its start;
		// take the occurrence nearest to where the columns point.
		best := -1
		for i := 0; ; {
			j := strings.Index(text[i:], f.Match)
			if j < 0 {
				break
			}
			if best < 0 || abs(i+j-start) < abs(best-start) {
				best = i + j
			}
			i += j + 1
		}
		start, end, how = best, best+len(f.Match), SpanSearched
	default:
		// A match in decoded text (base64, hex, percent-encoding): the
		// columns give the encoded span.
		p1, ok := prev(f.EndLine)
		end = p1 + f.EndColumn
		if !ok || end > len(text) || end <= start {
			return 0, 0, "", fmt.Errorf("%s: end %d:%d outside the text or before the start", f.RuleID, f.EndLine, f.EndColumn)
		}
		how = SpanColumns
	}
	if f.Secret != "" && f.Secret != f.Match {
		if i := strings.Index(text[start:end], f.Secret); i >= 0 {
			start, end = start+i, start+i+len(f.Secret)
		}
	}
	return start, end, how, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// GitleaksMapped is a gitleaks report turned into findings per message.
type GitleaksMapped struct {
	Findings [][]model.Finding // per message, in corpus order
	How      map[string]int    // findings per SpanExact, SpanSearched, SpanColumns
}

// MapGitleaks places every finding of a gitleaks report on the corpus
// messages, whose files are named by GitleaksFileName. A finding's Rule is
// "gitleaks:" and the rule id.
func MapGitleaks(msgs []Message, report []GitleaksFinding) (GitleaksMapped, error) {
	out := GitleaksMapped{Findings: make([][]model.Finding, len(msgs)), How: map[string]int{}}
	for _, f := range report {
		i, err := GitleaksFileIndex(f.File)
		if err != nil {
			return out, err
		}
		if i >= len(msgs) {
			return out, fmt.Errorf("gitleaks finding in %s, past the %d messages (same -seed and -n?)", f.File, len(msgs))
		}
		s, e, how, err := GitleaksSpan(msgs[i].Text, f)
		if err != nil {
			return out, fmt.Errorf("%s: %w", f.File, err)
		}
		out.How[how]++
		out.Findings[i] = append(out.Findings[i], model.Finding{
			Type: GitleaksType(f.RuleID), Rule: "gitleaks:" + f.RuleID, Start: s, End: e, Preview: clip(msgs[i].Text, s, e),
		})
	}
	for _, fs := range out.Findings {
		slices.SortFunc(fs, func(a, b model.Finding) int { return cmp.Or(a.Start-b.Start, a.End-b.End) })
	}
	return out, nil
}

// RuleOutcomes tallies, per rule, what its findings landed on: "tp" (a label
// of the finding's type), "label:<type>" (a label of another type only), a
// hard-negative format, or "unlabelled".
func RuleOutcomes(msgs []Message, findings [][]model.Finding) map[string]map[string]int {
	out := map[string]map[string]int{}
	for i, m := range msgs {
		for _, f := range findings[i] {
			on := "unlabelled"
			for _, l := range m.Want {
				if overlaps(l.Start, l.End, f.Start, f.End) {
					if l.Type == f.Type {
						on = "tp"
						break
					}
					on = "label:" + l.Type
				}
			}
			if on == "unlabelled" {
				for _, n := range m.Negatives {
					if overlaps(n.Start, n.End, f.Start, f.End) {
						on = "negative:" + n.Format
					}
				}
			}
			if out[f.Rule] == nil {
				out[f.Rule] = map[string]int{}
			}
			out[f.Rule][on]++
		}
	}
	return out
}

// RuleTable renders RuleOutcomes, most frequent rules first.
func RuleTable(outcomes map[string]map[string]int) string {
	type rule struct {
		name string
		n    int
	}
	var rules []rule
	for name, on := range outcomes {
		n := 0
		for _, c := range on {
			n += c
		}
		rules = append(rules, rule{name, n})
	}
	slices.SortFunc(rules, func(a, b rule) int { return cmp.Or(b.n-a.n, strings.Compare(a.name, b.name)) })
	var b strings.Builder
	fmt.Fprintf(&b, "| rule | findings | on a label of its type | elsewhere |\n|---|---:|---:|---|\n")
	for _, r := range rules {
		var rest []count
		for on, c := range outcomes[r.name] {
			if on != "tp" {
				rest = append(rest, count{on, c})
			}
		}
		slices.SortFunc(rest, func(a, b count) int { return cmp.Or(b.n-a.n, strings.Compare(a.key, b.key)) })
		var parts []string
		for _, c := range rest {
			parts = append(parts, fmt.Sprintf("%s %d", c.key, c.n))
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %s |\n", r.name, r.n, outcomes[r.name]["tp"], strings.Join(parts, ", "))
	}
	return b.String()
}

// SideBySide renders the secret rows of several reports on the same corpus
// next to each other: per secret type, "all secrets" and "all secrets, any
// type".
func SideBySide(names []string, reps []Report) string {
	var b strings.Builder
	b.WriteString("| type | labels |")
	sep := "|---|---:|"
	for _, n := range names {
		fmt.Fprintf(&b, " %s findings | %s P | %s R |", n, n, n)
		sep += "---:|---:|---:|"
	}
	b.WriteString("\n" + sep + "\n")
	types := append(slices.Clone(SecretTypes), "all secrets", anySecretRow)
	for _, t := range types {
		var rows []Row
		for _, rep := range reps {
			r, _ := rep.Row(t)
			if t == anySecretRow {
				r = rep.AnySecret
			}
			rows = append(rows, r)
		}
		fmt.Fprintf(&b, "| %s | %d |", t, rows[0].Labels)
		for _, r := range rows {
			p := "-" // no findings: no precision to speak of
			if r.Findings > 0 {
				p = fmt.Sprintf("%.3f", r.Precision())
			}
			fmt.Fprintf(&b, " %d | %s | %.3f |", r.Findings, p, r.Recall())
		}
		b.WriteString("\n")
	}
	return b.String()
}
