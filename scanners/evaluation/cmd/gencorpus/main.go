// Command gencorpus writes the independent evaluation corpus as JSON lines:
// {"text":…, "want":[{"type","start","end","rule_hint"}], "shape":…,
// "negatives":[…]}. The lines can be fed to `ccsync scan --jsonl`.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/ccsync/ccsync/model"

	"github.com/ccsync/ccsync/scanners/evaluation"
)

func main() {
	seed := flag.Uint64("seed", evaluation.DefaultSeed, "generator seed")
	n := flag.Int("n", evaluation.DefaultSize, "number of messages")
	list := flag.Bool("list", false, "list the formats, hard negatives and shapes instead")
	score := flag.String("score", "", "score `FILE`, the output of `ccsync scan --jsonl` on this corpus, instead")
	misses := flag.Bool("misses", false, "with -score, also print misses and false positives by format and shape")
	flag.Parse()
	if *list {
		listFormats()
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
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open results: %w", err)
	}
	defer f.Close()
	msgs := evaluation.Generate(seed, n)
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
			return fmt.Errorf("results line %d: %w", i+1, err)
		}
		if line.Error != "" {
			return fmt.Errorf("results line %d: scanner error %q", i+1, line.Error)
		}
		if i < len(msgs) {
			rec[msgs[i].Text] = line.Findings
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read results: %w", err)
	}
	if i != len(msgs) {
		return fmt.Errorf("%d result lines for %d messages (same -seed and -n?)", i, len(msgs))
	}
	rep := evaluation.Score(rec, msgs)
	fmt.Print(rep.Table())
	if misses {
		fmt.Print(rep.Breakdown(3))
	}
	return nil
}
