package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ccsync/ccsync/indexer/benchmark"
)

func init() {
	register(command{name: "bench", summary: "benchmark ingest, search, delete and reindex on a synthetic organisation", run: runBench})
}

func runBench(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("bench", io)
	cfg := bindSettings(fs, "memory-limit", "log-level", "log-format")
	var bc benchmark.Config
	fs.IntVar(&bc.Messages, "messages", 100_000, "messages to generate and ingest (whole conversations of 20)")
	fs.Uint64Var(&bc.Seed, "seed", 1, "generator seed: the same size and seed give the same organisation")
	fs.IntVar(&bc.TextBytes, "text-bytes", 1100, "approximate bytes of text per message")
	fs.StringVar(&bc.Dir, "dir", "", "data directory to create and keep (must be empty; default a temporary one, removed afterwards)")
	fs.IntVar(&bc.Queries, "queries", 50, "timed runs of each query, after warm-up")
	baseline := fs.Int("baseline", 200_000, "messages raw Bleve indexes as the ceiling (capped at --messages; 0 skips)")
	jsonFile := fs.String("json", "", "also write the report as JSON to this file")
	format := fs.String("format", "table", "stdout format: table or json")
	fs.BoolVar(&bc.SkipDelete, "skip-delete", false, "skip deleting a month")
	fs.BoolVar(&bc.SkipReindex, "skip-reindex", false, "skip the reindex")
	fs.BoolVar(&bc.SkipRetention, "skip-retention", false, "skip the retention runs (expire a month; expire one with ~1% on hold)")
	fs.BoolVar(&bc.ReindexMonth, "reindex-month", false, "rebuild one month's partition instead of the whole index")
	fs.StringVar(&bc.Order, "order", "api", `arrival order: "api" (oldest first, like a sync) or "export" (random in time, like an import)`)
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: ccsync bench [flags]\n\nGenerates a synthetic organisation, ingests it into a fresh data directory and\nreports ingest rate per tenth of the run, search p50/p99, delete-a-month,\nreindex, disk per message, RSS, and raw Bleve on the same documents.\nProgress goes to stderr, the report to stdout.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || bc.Messages <= 0 || bc.Queries <= 0 || bc.TextBytes <= 0 || *baseline < 0 || (*format != "table" && *format != "json") ||
		(bc.Order != "api" && bc.Order != "export") {
		fs.Usage()
		return errUsage
	}
	if bc.Baseline = *baseline; bc.Baseline == 0 {
		bc.Baseline = -1 // Config's 0 means the default
	}
	log, err := newLogger(io.err, *cfg["log-level"], *cfg["log-format"])
	if err != nil {
		return err
	}
	// Measured under the same heap limit serve runs with.
	if err := applyMemoryLimit(*cfg["memory-limit"]); err != nil {
		return err
	}
	bc.Logger = log
	r, err := benchmark.Run(ctx, bc, io.err)
	if err != nil {
		return err
	}
	if *jsonFile != "" {
		if err := writeReportFile(*jsonFile, r); err != nil {
			return err
		}
	}
	if *format == "json" {
		return r.WriteJSON(io.out)
	}
	return r.WriteTable(io.out)
}

func writeReportFile(path string, r *benchmark.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	if err := r.WriteJSON(f); err != nil {
		f.Close()
		return fmt.Errorf("--json %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--json %s: %w", path, err)
	}
	return nil
}
