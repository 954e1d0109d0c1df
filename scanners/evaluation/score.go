package evaluation

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ccsync/ccsync/model"
)

// Scanner is what is scored; scanners.Default() satisfies it.
type Scanner interface {
	Scan(text string) []model.Finding
}

// Secret and PII types, for the pooled rows.
var (
	SecretTypes = []string{"aws_access_key", "aws_secret_key", "api_key", "private_key", "jwt", "password_in_url"}
	PIITypes    = []string{"email", "credit_card", "ssn", "itin", "iban", "uk_nino", "ca_sin", "passport", "phone", "ip_address"}
)

// Row is one line of the score table.
type Row struct {
	Type       string
	Labels     int // labelled spans
	Found      int // labels overlapped by a finding of the same type
	FoundExact int // labels matched with the exact span
	Findings   int // findings of this type
	TruePos    int // findings overlapping a label of the same type
}

func (r Row) Precision() float64 { return ratio(r.TruePos, r.Findings) }
func (r Row) Recall() float64    { return ratio(r.Found, r.Labels) }
func (r Row) ExactRecall() float64 {
	return ratio(r.FoundExact, r.Labels)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Miss is a label no finding of its type overlapped.
type Miss struct {
	Type, Format, Shape string
	Got                 string // type of an overlapping finding of another type, if any
	Value               string
}

// FalsePositive is a finding that overlaps no label of its type.
type FalsePositive struct {
	Type, Rule, Shape string
	On                string // hard-negative format it landed on, "label:<type>" or "unlabelled"
	Value             string
}

// Report is the outcome of scoring a corpus.
type Report struct {
	Rows []Row // per type, then "all secrets" and "all PII"
	// AnySecret pools the secret types ignoring the type: a secret label
	// counts as found, and a secret finding as true, when any secret
	// finding and any secret label overlap. It compares scanners whose
	// types are coarser than the taxonomy's.
	AnySecret   Row
	Misses      []Miss
	FalsePos    []FalsePositive
	AttrMissing int // labels with Attrs found without them (test-number cards, checksum-invalid tokens)
	Messages    int
	// Labels per "type / format" and per "type / shape", for miss rates.
	ByFormat, ByShape map[string]int
}

func overlaps(a0, a1, b0, b1 int) bool { return a0 < b1 && b0 < a1 }

// Score scans every message and matches findings to labels: same type and
// overlapping spans count; exact spans are counted apart.
func Score(s Scanner, msgs []Message) Report {
	rows := map[string]*Row{}
	row := func(t string) *Row {
		if rows[t] == nil {
			rows[t] = &Row{Type: t}
		}
		return rows[t]
	}
	for _, t := range append(slices.Clone(SecretTypes), PIITypes...) {
		row(t)
	}
	rep := Report{Messages: len(msgs), ByFormat: map[string]int{}, ByShape: map[string]int{}}
	rep.AnySecret.Type = anySecretRow
	for _, m := range msgs {
		fs := s.Scan(m.Text)
		anySecret(&rep.AnySecret, m, fs)
		for _, l := range m.Want {
			rw := row(l.Type)
			rw.Labels++
			rep.ByFormat[l.Type+" / "+l.RuleHint]++
			rep.ByShape[l.Type+" / "+m.Shape]++
			found, exact, got := false, false, ""
			for _, f := range fs {
				if !overlaps(l.Start, l.End, f.Start, f.End) {
					continue
				}
				if f.Type != l.Type {
					got = f.Type
					continue
				}
				found = true
				exact = exact || (f.Start == l.Start && f.End == l.End)
				if len(l.Attrs) > 0 && !hasAll(f.Attrs, l.Attrs) {
					rep.AttrMissing++
				}
			}
			if found {
				rw.Found++
			} else {
				rep.Misses = append(rep.Misses, Miss{Type: l.Type, Format: l.RuleHint, Shape: m.Shape, Got: got, Value: m.Text[l.Start:l.End]})
			}
			if exact {
				rw.FoundExact++
			}
		}
		for _, f := range fs {
			rw := row(f.Type)
			rw.Findings++
			on := "unlabelled"
			tp := false
			for _, l := range m.Want {
				if overlaps(l.Start, l.End, f.Start, f.End) {
					if l.Type == f.Type {
						tp = true
						break
					}
					on = "label:" + l.Type
				}
			}
			if tp {
				rw.TruePos++
				continue
			}
			for _, n := range m.Negatives {
				if overlaps(n.Start, n.End, f.Start, f.End) {
					on = n.Format
				}
			}
			rep.FalsePos = append(rep.FalsePos, FalsePositive{Type: f.Type, Rule: f.Rule, Shape: m.Shape, On: on, Value: clip(m.Text, f.Start, f.End)})
		}
	}
	order := append(slices.Clone(SecretTypes), PIITypes...)
	for t := range rows {
		if !slices.Contains(order, t) {
			order = append(order, t)
		}
	}
	slices.Sort(order[len(SecretTypes)+len(PIITypes):])
	for _, t := range order {
		rep.Rows = append(rep.Rows, *rows[t])
	}
	rep.Rows = append(rep.Rows, pool("all secrets", rows, SecretTypes), pool("all PII", rows, PIITypes))
	return rep
}

const anySecretRow = "all secrets, any type"

func anySecret(r *Row, m Message, fs []model.Finding) {
	isSecret := func(t string) bool { return slices.Contains(SecretTypes, t) }
	for _, l := range m.Want {
		if !isSecret(l.Type) {
			continue
		}
		r.Labels++
		found, exact := false, false
		for _, f := range fs {
			if isSecret(f.Type) && overlaps(l.Start, l.End, f.Start, f.End) {
				found = true
				exact = exact || (f.Start == l.Start && f.End == l.End)
			}
		}
		if found {
			r.Found++
		}
		if exact {
			r.FoundExact++
		}
	}
	for _, f := range fs {
		if !isSecret(f.Type) {
			continue
		}
		r.Findings++
		for _, l := range m.Want {
			if isSecret(l.Type) && overlaps(l.Start, l.End, f.Start, f.End) {
				r.TruePos++
				break
			}
		}
	}
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func clip(s string, a, b int) string {
	if b-a > 80 {
		return s[a:a+77] + "..."
	}
	return s[a:b]
}

func pool(name string, rows map[string]*Row, types []string) Row {
	p := Row{Type: name}
	for _, t := range types {
		r := rows[t]
		p.Labels += r.Labels
		p.Found += r.Found
		p.FoundExact += r.FoundExact
		p.Findings += r.Findings
		p.TruePos += r.TruePos
	}
	return p
}

// Row returns the row for a type or pool name.
func (rep Report) Row(t string) (Row, bool) {
	for _, r := range rep.Rows {
		if r.Type == t {
			return r, true
		}
	}
	return Row{}, false
}

// Table renders the per-type figures as a Markdown table.
func (rep Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| type | labels | findings | precision | recall | recall (exact span) |\n|---|---:|---:|---:|---:|---:|\n")
	for _, r := range append(slices.Clone(rep.Rows), rep.AnySecret) {
		fmt.Fprintf(&b, "| %s | %d | %d | %.3f | %.3f | %.3f |\n", r.Type, r.Labels, r.Findings, r.Precision(), r.Recall(), r.ExactRecall())
	}
	fmt.Fprintf(&b, "\n%d messages; %d misses; %d false positives; %d findings without their expected attribute (test-number, checksum-invalid)\n",
		rep.Messages, len(rep.Misses), len(rep.FalsePos), rep.AttrMissing)
	return b.String()
}

type count struct {
	key string
	n   int
}

func tally[T any](xs []T, key func(T) string) []count {
	m := map[string]int{}
	for _, x := range xs {
		m[key(x)]++
	}
	out := make([]count, 0, len(m))
	for k, n := range m {
		out = append(out, count{k, n})
	}
	slices.SortFunc(out, func(a, b count) int { return cmp.Or(b.n-a.n, strings.Compare(a.key, b.key)) })
	return out
}

// Breakdown lists misses by format and by shape, false positives by rule
// and what they landed on, and a few examples of each.
func (rep Report) Breakdown(examples int) string {
	var b strings.Builder
	section := func(title string, cs []count) {
		fmt.Fprintf(&b, "\n%s\n", title)
		for _, c := range cs {
			fmt.Fprintf(&b, "  %5d  %s\n", c.n, c.key)
		}
	}
	rates := func(title string, cs []count, totals map[string]int) {
		fmt.Fprintf(&b, "\n%s\n", title)
		for _, c := range cs {
			fmt.Fprintf(&b, "  %5d/%-5d  %s\n", c.n, totals[c.key], c.key)
		}
	}
	rates("misses by type / format (missed/labels):", tally(rep.Misses, func(m Miss) string { return m.Type + " / " + m.Format }), rep.ByFormat)
	rates("misses by type / shape (missed/labels):", tally(rep.Misses, func(m Miss) string { return m.Type + " / " + m.Shape }), rep.ByShape)
	section("misses reported as another type (label -> finding):", tally(filter(rep.Misses, func(m Miss) bool { return m.Got != "" }),
		func(m Miss) string { return m.Type + " -> " + m.Got }))
	section("false positives by type / rule / landed on:", tally(rep.FalsePos, func(f FalsePositive) string { return f.Type + " / " + f.Rule + " / " + f.On }))
	section("false positives by shape:", tally(rep.FalsePos, func(f FalsePositive) string { return f.Shape }))
	fmt.Fprintf(&b, "\nexample misses:\n")
	seen := map[string]int{}
	for _, m := range rep.Misses {
		k := m.Format + "/" + m.Shape
		if seen[k] >= examples {
			continue
		}
		seen[k]++
		fmt.Fprintf(&b, "  %-28s %-14s %q\n", m.Format, m.Shape, clip(m.Value, 0, len(m.Value)))
	}
	fmt.Fprintf(&b, "\nexample false positives:\n")
	seen = map[string]int{}
	for _, f := range rep.FalsePos {
		k := f.Rule + "/" + f.On
		if seen[k] >= examples {
			continue
		}
		seen[k]++
		fmt.Fprintf(&b, "  %-22s %-24s %-14s %q\n", f.Rule, f.On, f.Shape, f.Value)
	}
	return b.String()
}

func filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}
