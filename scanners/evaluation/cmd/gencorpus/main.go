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

	"github.com/ccsync/ccsync/scanners/evaluation"
)

func main() {
	seed := flag.Uint64("seed", evaluation.DefaultSeed, "generator seed")
	n := flag.Int("n", evaluation.DefaultSize, "number of messages")
	list := flag.Bool("list", false, "list the formats, hard negatives and shapes instead")
	flag.Parse()
	if *list {
		listFormats()
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
