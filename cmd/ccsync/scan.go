package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/ccsync/ccsync/scanners"
)

func init() {
	register(command{name: "scan", summary: "scan text or JSONL for secrets and personal data", run: runScan})
}

// runScan implements `ccsync scan [--config FILE] [--jsonl] [FILE...]`.
// Without files it reads stdin. Plain mode prints one line per finding;
// --jsonl reads objects with a "text" field and writes one result line per
// input line.
func runScan(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("scan", io)
	configPath := fs.String("config", "", "scanner config file (JSON): disable detectors, custom rules, allowlist")
	jsonl := fs.Bool("jsonl", false, `read one JSON object per line with a "text" field; write {"findings":[...]} or {"error":"..."} per line`)
	explain := fs.Bool("explain", false, "also print the candidates that were not reported, with the rule that dropped them (plain mode)")
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: ccsync scan [--config FILE] [--jsonl | --explain] [FILE...]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // the flag package has printed the problem and the usage
	}
	cfg := scanners.Config{}
	if *configPath != "" {
		var err error
		if cfg, err = scanners.LoadConfig(*configPath); err != nil {
			return err
		}
	}
	eng, err := scanners.New(cfg)
	if err != nil {
		return err
	}
	if *explain && *jsonl {
		fmt.Fprintln(io.err, "ccsync scan: --explain is for plain text, not --jsonl")
		return errUsage
	}
	var s scanners.Scanner = eng
	if *explain {
		s = explainer{eng}
	}
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, name := range files {
		if err := scanOne(ctx, s, name, *jsonl, io); err != nil {
			return err
		}
	}
	return nil
}

// explainer reports, next to each finding, the candidates the engine
// dropped, as findings of severity "suppressed" whose rule names the reason:
// the way to see why a value was not flagged.
type explainer struct{ eng *scanners.Engine }

func (x explainer) Scan(text string) []scanners.Finding {
	found, dropped := x.eng.ScanVerbose(text)
	for _, d := range dropped {
		f := d.Finding
		f.Severity, f.Rule = "suppressed", f.Rule+" by "+d.By
		found = append(found, f)
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].Start < found[j].Start })
	return found
}

func scanOne(ctx context.Context, eng scanners.Scanner, name string, jsonl bool, io stdio) error {
	in, label := io.in, "<stdin>"
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in, label = f, name
	}
	if jsonl {
		if err := scanners.ScanJSONL(ctx, eng, in, io.out); err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		return nil
	}
	err := scanners.ScanText(ctx, eng, in, func(f scanners.TextFinding) error {
		_, err := fmt.Fprintln(io.out, scanners.FormatTextFinding(label, f))
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	return nil
}
