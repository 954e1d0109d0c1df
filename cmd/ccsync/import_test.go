package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
)

func exportTestdata(name string) string {
	return filepath.Join("..", "..", "indexer", "export", "testdata", name)
}

func TestImportCommand(t *testing.T) {
	good := []string{exportTestdata("users.json"), exportTestdata("2024/conversations.json"),
		exportTestdata("2025/conversations.json"), exportTestdata("2026/conversations.json")}
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "conversations-0001.json")
	if err := os.WriteFile(bad, []byte(`[{"uuid":"ok-1","created_at":"2025-01-02T03:04:05Z","chat_messages":[]},{"uuid":"bad-1","chat_messages":"x"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(tmp, "junk", "conversations.json")
	os.MkdirAll(filepath.Dir(junk), 0o755)
	if err := os.WriteFile(junk, []byte(`{"not":"an array"}`), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		args      []string
		code      int
		wantJSON  string // exact --json output, "" to skip
		stdoutHas string
		stderrHas string
	}{
		{name: "all eras as JSON", args: append([]string{"--json"}, good...), code: 0,
			wantJSON: `{"conversations":8,"messages":18,"users":3,"skipped":0,"errors":[]}`},
		{name: "summary", args: good, code: 0, stdoutHas: "Imported 8 conversations, 18 messages and 3 users"},
		{name: "partly bad", args: []string{"--json", bad}, code: 1,
			wantJSON: `{"conversations":1,"messages":0,"users":0,"skipped":0,"errors":[{"record":1,"offset":72,"error":"` +
				strings.ReplaceAll(bad, `\`, `\\`) + `: conversation 1 (uuid \"bad-1\") at byte 72: field chat_messages: got string, want array (value ends at byte 107)"}]}`,
			stderrHas: "not everything was imported: 1 conversation(s) and 0 user(s) imported, 1 record(s) or file(s) could not be read"},
		{name: "nothing importable", args: []string{junk}, code: 1, stdoutHas: "top level is an object",
			stderrHas: "nothing was imported"},
		{name: "no input found", args: []string{tmp + "/missing"}, code: 1, stderrHas: "no conversations.json or users.json found"},
		{name: "no paths", args: nil, code: 2, stderrHas: "Usage: ccsync import"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"import", "--data", t.TempDir()}, tt.args...)
			code, out, errs := runCLI(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stdout %s stderr %s", code, tt.code, out, errs)
			}
			if tt.wantJSON != "" && strings.TrimSpace(out) != tt.wantJSON {
				t.Errorf("stdout\n got %s\nwant %s", strings.TrimSpace(out), tt.wantJSON)
			}
			if !strings.Contains(out, tt.stdoutHas) || !strings.Contains(errs, tt.stderrHas) {
				t.Errorf("stdout %q / stderr %q, want %q / %q", out, errs, tt.stdoutHas, tt.stderrHas)
			}
			if strings.Contains(errs, "\r") || strings.Contains(errs, "\x1b[") {
				t.Errorf("progress bar drawn on a non-terminal: %q", errs)
			}
			if tt.wantJSON != "" {
				var v map[string]any
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Errorf("not JSON: %v", err)
				}
			}
		})
	}
}

func TestImportReimportSameCounts(t *testing.T) {
	dir := t.TempDir()
	args := []string{"import", "--data", dir, "--json", exportTestdata("users.json"), exportTestdata("2026/conversations.json")}
	_, first, _ := runCLI(t, args...)
	code, second, errs := runCLI(t, args...)
	if code != 0 || first != second {
		t.Errorf("re-import: exit %d, %q then %q (%s)", code, first, second, errs)
	}
}

func TestProgressLine(t *testing.T) {
	tests := []struct {
		e       indexer.Event
		elapsed time.Duration
		want    string
	}{
		{indexer.Event{Done: 0, Total: 0}, 0, "░░░░░░░░░░░░░░░░░░░░░░░░   0% 0.0/0.0 MB  0 chats  0 msgs  0.0 MB/s  ETA --:--"},
		{indexer.Event{Done: 50e6, Total: 100e6, Counters: map[string]int{"conversations": 12, "messages": 340}}, 10 * time.Second,
			"████████████░░░░░░░░░░░░  50% 50.0/100.0 MB  12 chats  340 msgs  5.0 MB/s  ETA 00:10"},
		{indexer.Event{Done: 100e6, Total: 100e6, Counters: map[string]int{"errors": 2}}, 20 * time.Second,
			"████████████████████████ 100% 100.0/100.0 MB  0 chats  0 msgs  5.0 MB/s  ETA --:--  2 errors"},
	}
	for _, tt := range tests {
		if got := progressLine(tt.e, tt.elapsed); got != tt.want {
			t.Errorf("progressLine(%+v)\n got %q\nwant %q", tt.e, got, tt.want)
		}
	}
}
