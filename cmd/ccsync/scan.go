package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

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
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: ccsync scan [--config FILE] [--jsonl] [FILE...]")
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
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, name := range files {
		if err := scanOne(ctx, eng, name, *jsonl, io); err != nil {
			return err
		}
	}
	return nil
}

func scanOne(ctx context.Context, eng *scanners.Engine, name string, jsonl bool, io stdio) error {
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
