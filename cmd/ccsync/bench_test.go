package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
)

func TestBenchCommand(t *testing.T) {
	dir := t.TempDir()
	data, report := filepath.Join(dir, "data"), filepath.Join(dir, "report.json")
	code, out, errs := runCLI(t, "bench", "--messages", "400", "--text-bytes", "100", "--queries", "2", "--baseline", "200",
		"--dir", data, "--json", report, "--log-level", "warn", "--memory-limit", "off")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"ccsync bench: 400 messages of ~100 bytes", "INGEST", "mid term + 3 facets", "month 2026-03:", "REINDEX",
		"first 200 messages", "PIPELINE / BLEVE"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "ingested 400/400 messages (100%)") {
		t.Errorf("no progress on stderr:\n%s", errs)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	type count struct {
		Messages int `json:"messages"`
	}
	var got struct {
		Org    count `json:"org"`
		Ingest struct {
			MsgsPerSec float64 `json:"msgs_per_sec"`
		} `json:"ingest"`
		Search []struct {
			Runs int `json:"runs"`
		} `json:"search"`
		Delete *count `json:"delete"`
		Base   *count `json:"baseline"`
		Env    struct {
			Dir string `json:"dir"`
		} `json:"env"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if got.Org.Messages != 400 || got.Ingest.MsgsPerSec <= 0 || len(got.Search) == 0 || got.Search[0].Runs != 2 ||
		got.Delete == nil || got.Delete.Messages == 0 || got.Base == nil || got.Base.Messages != 200 || got.Env.Dir != data {
		t.Errorf("report: %s", raw)
	}
	// --dir is kept, and a second run refuses to mix with it.
	if _, err := os.Stat(filepath.Join(data, "ccsync")); err != nil {
		t.Errorf("--dir not kept: %v", err)
	}
	if code, _, errs := runCLI(t, "bench", "--messages", "20", "--dir", data, "--memory-limit", "off"); code != 1 || !strings.Contains(errs, "not empty") {
		t.Errorf("second run: exit %d: %s", code, errs)
	}
}

func TestBenchFormatJSONAndSkips(t *testing.T) {
	code, out, errs := runCLI(t, "bench", "--messages", "100", "--text-bytes", "100", "--queries", "1", "--baseline", "0",
		"--skip-delete", "--skip-reindex", "--format", "json", "--log-level", "warn", "--memory-limit", "off")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"delete", "reindex", "baseline"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s reported though skipped", k)
		}
	}
	if code, _, _ := runCLI(t, "bench", "--format", "yaml"); code != 2 {
		t.Errorf("--format yaml: exit %d", code)
	}
}
