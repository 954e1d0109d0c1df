package scanners

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// corpusCase is one labelled text of testdata/corpus.jsonl. Expected findings
// name their value rather than offsets so the corpus stays readable; the
// value's first occurrence in the text is the expected span.
type corpusCase struct {
	Text string `json:"text"`
	Want []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"want"`
	Note string `json:"note"`
}

// loadCorpus reads every testdata/corpus*.jsonl: one file per family of
// detectors, so that they can grow independently.
func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	files, err := filepath.Glob("testdata/corpus*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/corpus*.jsonl: %v", err)
	}
	var cases []corpusCase
	for _, name := range files {
		cases = append(cases, loadCorpusFile(t, name)...)
	}
	return cases
}

func loadCorpusFile(t testing.TB, name string) []corpusCase {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []corpusCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var c corpusCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s:%d: %v", name, line, err)
		}
		for _, w := range c.Want {
			if !strings.Contains(c.Text, w.Value) {
				t.Fatalf("%s:%d: value %q not in text", name, line, w.Value)
			}
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

type prCount struct{ tp, fp, fn int }

func (p prCount) precision() float64 {
	if p.tp+p.fp == 0 {
		return 1
	}
	return float64(p.tp) / float64(p.tp+p.fp)
}

func (p prCount) recall() float64 {
	if p.tp+p.fn == 0 {
		return 1
	}
	return float64(p.tp) / float64(p.tp+p.fn)
}

// TestCorpusPrecisionRecall scores the default engine on the labelled corpus
// per finding type; a finding counts only with the exact type and span.
func TestCorpusPrecisionRecall(t *testing.T) {
	cases := loadCorpus(t)
	eng := Default()
	counts := map[string]*prCount{}
	get := func(typ string) *prCount {
		if counts[typ] == nil {
			counts[typ] = &prCount{}
		}
		return counts[typ]
	}
	for n, c := range cases {
		got := eng.Scan(c.Text)
		type key struct {
			typ        string
			start, end int
		}
		want := map[key]bool{}
		for _, w := range c.Want {
			s := strings.Index(c.Text, w.Value)
			want[key{w.Type, s, s + len(w.Value)}] = true
			get(w.Type)
		}
		for _, f := range got {
			k := key{f.Type, f.Start, f.End}
			if want[k] {
				get(f.Type).tp++
				delete(want, k)
				continue
			}
			get(f.Type).fp++
			t.Logf("case %d (%s): false positive %s %q rule %s", n+1, c.Note, f.Type, c.Text[f.Start:f.End], f.Rule)
		}
		for k := range want {
			get(k.typ).fn++
			t.Logf("case %d (%s): missed %s %q", n+1, c.Note, k.typ, c.Text[k.start:k.end])
		}
	}
	types := make([]string, 0, len(counts))
	for typ := range counts {
		types = append(types, typ)
	}
	sort.Strings(types)
	var report strings.Builder
	fmt.Fprintf(&report, "%-16s %4s %3s %3s %9s %7s\n", "type", "tp", "fp", "fn", "precision", "recall")
	for _, typ := range types {
		p := counts[typ]
		fmt.Fprintf(&report, "%-16s %4d %3d %3d %9.3f %7.3f\n", typ, p.tp, p.fp, p.fn, p.precision(), p.recall())
		if p.precision() < 0.97 || p.recall() < 0.97 {
			t.Errorf("%s: precision %.3f recall %.3f, want >= 0.97 each", typ, p.precision(), p.recall())
		}
	}
	t.Logf("corpus of %d cases:\n%s", len(cases), report.String())
	for _, typ := range []string{"email", "credit_card", "ssn", "aws_access_key", "aws_secret_key", "api_key",
		"private_key", "jwt", "password_in_url", "phone", "ip_address"} {
		if p := counts[typ]; p == nil || p.tp < 4 {
			t.Errorf("corpus has too few positives for %s", typ)
		}
	}
}

// TestFindingsInvariants checks, on every corpus text, what the indexer relies
// on: sorted, non-overlapping spans on UTF-8 boundaries and masked previews.
func TestFindingsInvariants(t *testing.T) {
	for n, c := range loadCorpus(t) {
		checkInvariants(t, fmt.Sprintf("case %d", n+1), c.Text, Default().Scan(c.Text))
	}
}

func checkInvariants(t *testing.T, name, text string, fs []model.Finding) {
	t.Helper()
	prev := 0
	for _, f := range fs {
		if f.Start < prev || f.End <= f.Start || f.End > len(text) {
			t.Fatalf("%s: bad span %d-%d (prev end %d, len %d)", name, f.Start, f.End, prev, len(text))
		}
		prev = f.End
		if f.Severity.Rank() == 0 || f.Type == "" || f.Rule == "" {
			t.Fatalf("%s: incomplete finding %+v", name, f)
		}
		v := text[f.Start:f.End]
		if len(v) >= 8 && strings.Contains(f.Preview, v) {
			t.Fatalf("%s: preview %q reveals the value", name, f.Preview)
		}
	}
}
