// Command gencorpus writes the independent evaluation corpus as JSON lines:
// {"text":…, "want":[{"type","start","end","rule_hint"}], "shape":…,
// "negatives":[…]}. The lines can be fed to `ccsync scan --jsonl`.
//
// -score scores that scan's output; -files writes each message to its own
// file for gitleaks' dir mode, and -score-gitleaks scores gitleaks' JSON
// report on those files, next to -score's figures when both are given
// (scripts/versus-gitleaks-accuracy.sh runs the whole comparison).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/ccsync/ccsync/model"

	"github.com/ccsync/ccsync/scanners/evaluation"
)

func main() {
	seed := flag.Uint64("seed", evaluation.DefaultSeed, "generator seed")
	n := flag.Int("n", evaluation.DefaultSize, "number of messages")
	list := flag.Bool("list", false, "list the formats, hard negatives and shapes instead")
	score := flag.String("score", "", "score `FILE`, the output of `ccsync scan --jsonl` on this corpus, instead")
	misses := flag.Bool("misses", false, "with -score, also print misses and false positives by format and shape")
	files := flag.String("files", "", "write each message to its own file in `DIR` (msg-00001.txt, …) instead, for gitleaks' dir mode")
	scoreGL := flag.String("score-gitleaks", "", "score `REPORT`, gitleaks' JSON report on the -files directory, instead (with -score, side by side)")
	flag.Parse()
	if *list {
		listFormats()
		return
	}
	if *files != "" {
		if err := writeFiles(*seed, *n, *files); err != nil {
			fmt.Fprintln(os.Stderr, "gencorpus:", err)
			os.Exit(1)
		}
		return
	}
	if *scoreGL != "" {
		if err := scoreGitleaks(*seed, *n, *scoreGL, *score, *misses); err != nil {
			fmt.Fprintln(os.Stderr, "gencorpus:", err)
			os.Exit(1)
		}
		return
	}
	if *score != "" {
		if err := scoreFile(*seed, *n, *score, *misses); err != nil {
			fmt.Fprintln(os.Stderr, "gencorpus:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*seed, *n); err != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
}

func run(seed uint64, n int) error {
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, m := range evaluation.Generate(seed, n) {
		if err := enc.Encode(m); err != nil {
			return fmt.Errorf("encode message: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write corpus: %w", err)
	}
	return nil
}

func listFormats() {
	for _, f := range evaluation.Formats() {
		fmt.Printf("positive\t%s\t%s\n", f.Type, f.Name)
	}
	for _, f := range evaluation.NegativeFormats() {
		fmt.Printf("negative\t-\t%s\n", f.Name)
	}
	for _, s := range evaluation.ShapeNames() {
		fmt.Printf("shape\t-\t%s\n", s)
	}
}

// recorded replays findings read from a results file, message by message.
type recorded map[string][]model.Finding

func (r recorded) Scan(text string) []model.Finding { return r[text] }

func scoreFile(seed uint64, n int, path string, misses bool) error {
	msgs := evaluation.Generate(seed, n)
	rec, err := readResults(msgs, path)
	if err != nil {
		return err
	}
	rep := evaluation.Score(rec, msgs)
	fmt.Print(rep.Table())
	if misses {
		fmt.Print(rep.Breakdown(3))
	}
	return nil
}

// readResults reads the output of `ccsync scan --jsonl` on msgs.
func readResults(msgs []evaluation.Message, path string) (recorded, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open results: %w", err)
	}
	defer f.Close()
	rec := recorded{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	i := 0
	for ; sc.Scan(); i++ {
		var line struct {
			Findings []model.Finding `json:"findings"`
			Error    string          `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, fmt.Errorf("results line %d: %w", i+1, err)
		}
		if line.Error != "" {
			return nil, fmt.Errorf("results line %d: scanner error %q", i+1, line.Error)
		}
		if i < len(msgs) {
			rec[msgs[i].Text] = line.Findings
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	if i != len(msgs) {
		return nil, fmt.Errorf("%d result lines for %d messages (same -seed and -n?)", i, len(msgs))
	}
	return rec, nil
}

func writeFiles(seed uint64, n int, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, m := range evaluation.Generate(seed, n) {
		if err := os.WriteFile(filepath.Join(dir, evaluation.GitleaksFileName(i)), []byte(m.Text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// scoreGitleaks scores gitleaks' JSON report on the -files directory and,
// if ccsyncPath is set, the output of `ccsync scan --jsonl` beside it.
func scoreGitleaks(seed uint64, n int, reportPath, ccsyncPath string, misses bool) error {
	msgs := evaluation.Generate(seed, n)
	data, err := os.ReadFile(reportPath)
	if err != nil {
		return fmt.Errorf("read gitleaks report: %w", err)
	}
	var report []evaluation.GitleaksFinding
	if err := json.Unmarshal(data, &report); err != nil {
		return fmt.Errorf("gitleaks report: %w", err)
	}
	mapped, err := evaluation.MapGitleaks(msgs, report)
	if err != nil {
		return err
	}
	gl := recorded{}
	for i, m := range msgs {
		gl[m.Text] = mapped.Findings[i] // equal texts get equal findings
	}
	glRep := evaluation.Score(gl, msgs)
	names, reps := []string{"gitleaks"}, []evaluation.Report{glRep}
	if ccsyncPath != "" {
		rec, err := readResults(msgs, ccsyncPath)
		if err != nil {
			return err
		}
		names, reps = []string{"ccsync", "gitleaks"}, []evaluation.Report{evaluation.Score(rec, msgs), glRep}
	}
	fmt.Printf("%d messages, seed %d; secrets only (P precision, R recall; same type and overlapping span)\n\n", n, seed)
	fmt.Print(evaluation.SideBySide(names, reps))
	fmt.Printf("\n%s", evaluation.GitleaksNotes)
	fmt.Printf("\ngitleaks findings placed: %d by line and columns, %d by searching the match near them, %d by columns only (decoded matches)\n",
		mapped.How[evaluation.SpanExact], mapped.How[evaluation.SpanSearched], mapped.How[evaluation.SpanColumns])
	fmt.Printf("\ngitleaks rules and what they fired on:\n\n%s", evaluation.RuleTable(evaluation.RuleOutcomes(msgs, mapped.Findings)))
	if misses {
		// gitleaks has no PII rules: list its secret misses only.
		secret := glRep.Misses[:0:0]
		for _, m := range glRep.Misses {
			if slices.Contains(evaluation.SecretTypes, m.Type) {
				secret = append(secret, m)
			}
		}
		glRep.Misses = secret
		fmt.Printf("\ngitleaks misses (secrets) and false positives:\n%s", glRep.Breakdown(3))
	}
	return nil
}
