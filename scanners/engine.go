package scanners

import (
	"regexp"
	"slices"
	"sort"

	"github.com/ccsync/ccsync/model"
)

// Engine is the detection engine: built-in validating detectors driven by one
// pass over the text, plus the custom rules and allowlists of a Config. It is
// immutable after New and safe for concurrent use.
type Engine struct {
	disabled      map[string]bool // finding types and rule names turned off
	custom        []customRule
	allowValues   map[string]bool
	allowPatterns []*regexp.Regexp
	docEmails     bool // suppress addresses at documentation domains
}

// Suppressed is a candidate that matched a detector but was not reported,
// with the rule that suppressed it (a placeholder rule such as
// "placeholder:repeated-char", a failed validation such as
// "invalid:github-checksum", or "allowlist:value").
type Suppressed struct {
	model.Finding
	By string `json:"suppressed_by"`
}

// Scan returns the findings in text, ordered by Start, without overlaps.
// Text with invisible characters, fullwidth letters or numeric entities is
// also scanned through a cleaned copy (normalize.go): what the reader sees
// and what is stored can both hold a secret (a password typed across a
// right-to-left override is one in stored order, a card after it is one in
// display order), so both readings are reported.
func (e *Engine) Scan(text string) []model.Finding {
	c := collector{e: e, text: text}
	e.scan(&c)
	if c.hidden {
		fs, _ := e.scanCleaned(text, false)
		return mergeReadings(fs, c.result())
	}
	return c.result()
}

// ScanVerbose is Scan that also returns the candidates that were suppressed
// and why, for tuning allowlists and explaining why something was not flagged.
func (e *Engine) ScanVerbose(text string) ([]model.Finding, []Suppressed) {
	c := collector{e: e, text: text, verbose: true}
	e.scan(&c)
	if c.hidden {
		fs, sup := e.scanCleaned(text, true)
		return mergeReadings(fs, c.result()), append(sup, c.suppressed...)
	}
	return c.result(), c.suppressed
}

// mergeReadings adds to the findings of the cleaned reading those of the
// stored text that overlap none of them, in Start order.
func mergeReadings(cleaned, stored []model.Finding) []model.Finding {
	out := cleaned
	for _, f := range stored {
		if !slices.ContainsFunc(cleaned, func(g model.Finding) bool { return f.Start < g.End && g.Start < f.End }) {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// scan is the single pass. Each byte is classified by table lookup; words
// are filtered on their first four bytes (wordMayMatch), dispatched, and
// then skipped whole, so the validators
// only ever run at the few positions where a finding can start.
func (e *Engine) scan(c *collector) {
	text := c.text
	n := len(text)
	for i := 0; i < n; {
		cls := byteClass[text[i]]
		if cls == clsOther {
			// Tested before the switch: with eight classes the compiler
			// makes the switch a jump table, an indirect branch per byte.
			i++
			continue
		}
		switch cls {
		case clsWord:
			end := i + 1
			if wordMayMatch(text, i) {
				if e := scanWord(c, i); e > i {
					end = e
				}
			}
			i = span(text, end, &setWord, n)
		case clsDigit:
			end := scanNumber(c, i)
			if end <= i {
				end = i + 1
			}
			i = span(text, end, &setWord, n)
		case clsAt:
			scanAt(c, i)
			i++
		case clsAssign:
			scanAssign(c, i)
			i++
		case clsDash:
			if end := scanPEM(c, i); end > i {
				i = end
			} else {
				i++
			}
		case clsPhone:
			if end := scanParen(c, i); end > i {
				i = end
			} else {
				i++
			}
		case clsArg:
			i = scanArg(c, i)
		case clsEscape:
			// `\nAKIA…`: the escape letter is not part of the word after it,
			// which is then dispatched on its own first byte.
			if i+1 < n && (text[i+1] == 'n' || text[i+1] == 't' || text[i+1] == 'r') {
				i += 2
			} else {
				i++
			}
		case clsHidden:
			// Noted, not handled: Scan rescans a cleaned copy (normalize.go).
			if !c.hidden && hiddenAt(text, i) {
				c.hidden = true
			}
			i++
		}
	}
	for k := range e.custom {
		e.custom[k].scan(c)
	}
}

// candidate is a finding before overlap resolution. prio ranks detectors for
// overlapping spans: validated vendor formats beat bearer/context rules, which
// beat the generic keyword rule.
type candidate struct {
	model.Finding
	prio int8
}

const (
	prioGeneric  int8 = 0
	prioContext  int8 = 1
	prioSpecific int8 = 2
)

type collector struct {
	e          *Engine
	text       string
	verbose    bool
	found      []candidate
	suppressed []Suppressed

	// Memos that keep hostile input linear: where the next PEM END line is
	// (or that there is none up to pemNoneUntil), and how far the text has
	// been searched for AWS secrets around key ids.
	pemEndAt     int
	pemNoneUntil int
	awsSearched  int
	table        tableMemo // column names of pasted tables (column.go)
	// csvDone is the end of the last line looked at as a CSV header
	// (context_csv.go).
	csvDone int

	// hidden is set when the pass saw a character that can hide a secret
	// (normalize.go); the text is then scanned again through a cleaned copy.
	hidden bool
}

// add records a finding of the given span unless its type or rule is disabled
// or an allowlist covers it. by, when not empty, names the rule that
// suppressed the candidate.
func (c *collector) add(typ string, sev model.Severity, rule string, start, end int, prio int8, pv preview, by string) {
	e := c.e
	if e.disabled[typ] || e.disabled[rule] {
		return
	}
	if by == "" && documentedSamples[c.text[start:end]] {
		by = "placeholder:documented-sample"
	}
	if by == "" {
		by = e.allowed(c.text[start:end])
	}
	if by != "" {
		if c.verbose {
			f := model.Finding{Type: typ, Severity: sev, Rule: rule, Start: start, End: end, Preview: pv.render(c.text[start:end])}
			c.suppressed = append(c.suppressed, Suppressed{Finding: f, By: by})
		}
		return
	}
	f := model.Finding{Type: typ, Severity: sev, Rule: rule, Start: start, End: end, Preview: pv.render(c.text[start:end])}
	c.found = append(c.found, candidate{Finding: f, prio: prio})
}

// addAttrs is add for a finding qualified by attributes (model.Finding.Attrs:
// "test-number", "checksum-invalid").
func (c *collector) addAttrs(typ string, sev model.Severity, rule string, start, end int, prio int8, pv preview, by string, attrs ...string) {
	n := len(c.found)
	c.add(typ, sev, rule, start, end, prio, pv, by)
	if len(c.found) > n {
		c.found[n].Attrs = append([]string(nil), attrs...)
	}
}

func (e *Engine) allowed(value string) string {
	if e.allowValues[value] {
		return "allowlist:value"
	}
	for _, re := range e.allowPatterns {
		if re.MatchString(value) {
			return "allowlist:pattern:" + re.String()
		}
	}
	return ""
}

// result orders the findings by Start and resolves overlaps: where two
// detectors claim overlapping bytes, the more specific, then more severe, then
// longer one wins, so one secret is reported once.
func (c *collector) result() []model.Finding {
	if len(c.found) == 0 {
		return nil
	}
	cs := c.found
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Start != cs[j].Start {
			return cs[i].Start < cs[j].Start
		}
		return cs[i].End > cs[j].End
	})
	// kept stays non-overlapping: a candidate either starts after the last
	// kept one ends, or competes with it; since candidates come in Start
	// order, a winner starts no earlier than the one it replaces.
	out := make([]model.Finding, 1, len(cs))
	out[0] = cs[0].Finding
	lastPrio := cs[0].prio
	for _, x := range cs[1:] {
		last := &out[len(out)-1]
		if x.Start >= last.End {
			out = append(out, x.Finding)
			lastPrio = x.prio
			continue
		}
		if better(x, candidate{Finding: *last, prio: lastPrio}) {
			*last, lastPrio = x.Finding, x.prio
		}
	}
	return out
}

func better(a, b candidate) bool {
	if a.prio != b.prio {
		return a.prio > b.prio
	}
	if ra, rb := a.Severity.Rank(), b.Severity.Rank(); ra != rb {
		return ra > rb
	}
	return a.End-a.Start > b.End-b.Start
}
