package main

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// The detector configuration given to any command that opens the data
// directory is the one ingest scans with.
func TestScanConfigAppliesToIngest(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "scan.json")
	os.WriteFile(conf, []byte(`{"disable":["email"],"rules":[{"name":"emp","type":"employee_id","severity":"medium","regex":"\\bEMP-[0-9]{6}\\b","keywords":["EMP-"]}]}`), 0o600)
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	cfg := bindSettings(fs, "data", "log-level", "log-format")
	if err := fs.Parse([]string{"--data", filepath.Join(dir, "data"), "--scan-config", conf}); err != nil {
		t.Fatal(err)
	}
	ix, _, err := openIndexer(context.Background(), cfg, stdio{out: io.Discard, err: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	_, err = ix.Ingest(context.Background(), indexer.Batch{Messages: []model.Message{{ID: "m", ConversationID: "c",
		CreatedAt: time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC), Blocks: []model.Block{{Type: model.BlockText, Text: "badge EMP-123456, mail ada@example.com"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ix.Message(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Findings) != 1 || m.Findings[0].Type != "employee_id" {
		t.Fatalf("findings %+v, want only the custom employee_id", m.Findings)
	}

	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	cfg = bindSettings(fs, "data", "log-level", "log-format")
	fs.Parse([]string{"--data", filepath.Join(dir, "data2"), "--scan-config", filepath.Join(dir, "missing.json")})
	if _, _, err := openIndexer(context.Background(), cfg, stdio{out: io.Discard, err: io.Discard}); err == nil {
		t.Fatal("missing scan config accepted")
	}
}

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"384MiB", 384 << 20, true}, {"2GiB", 2 << 30, true}, {"1000", 1000, true}, {"512KiB", 512 << 10, true},
		{"10B", 10, true}, {"-1MiB", 0, false}, {"lots", 0, false}, {"MiB", 0, false}, {"99999999999TiB", 0, false},
	} {
		got, err := parseBytes(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
