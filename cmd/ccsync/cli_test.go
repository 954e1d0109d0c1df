package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func seed(t *testing.T, dir string) {
	t.Helper()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	at := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
	_, err = ix.Ingest(context.Background(), indexer.Batch{
		Users:         []model.User{{ID: "u1", Name: "Ada", Email: "ada@example.com"}},
		Conversations: []model.Conversation{{ID: "c1", OwnerID: "u1", Title: "Keys", CreatedAt: at, Source: model.SourceExport}},
		Messages: []model.Message{
			{ID: "m1", ConversationID: "c1", Role: model.RoleHuman, CreatedAt: at,
				Blocks: []model.Block{{Type: model.BlockText, Text: "mail the rotation plan to ops@example.com"}}},
			{ID: "m2", ConversationID: "c1", Seq: 1, Role: model.RoleAssistant, CreatedAt: at.AddDate(0, 1, 0),
				Blocks: []model.Block{{Type: model.BlockText, Text: "the rotation plan looks fine"}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSearchJSON(t *testing.T) {
	dir := t.TempDir()
	seed(t, dir)
	code, out, errs := runCLI(t, "search", "--data", dir, "--json", "--flagged", "rotation")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Total int `json:"total"`
		Hits  []struct {
			MessageID      string   `json:"message_id"`
			ConversationID string   `json:"conversation_id"`
			User           string   `json:"user"`
			Role           string   `json:"role"`
			CreatedAt      string   `json:"created_at"`
			Snippet        string   `json:"snippet"`
			Findings       []string `json:"findings"`
		} `json:"hits"`
		Facets map[string][]map[string]any `json:"facets"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Total != 1 || got.Hits[0].MessageID != "m1" || got.Hits[0].ConversationID != "c1" ||
		got.Hits[0].User != "ada@example.com" || got.Hits[0].Role != "human" ||
		got.Hits[0].Findings[0] != "email" || !strings.Contains(got.Hits[0].Snippet, "»rotation«") {
		t.Fatalf("unexpected output: %s", out)
	}
	if _, ok := got.Facets["finding_type"]; !ok {
		t.Errorf("no finding_type facet in %s", out)
	}
}

func TestSearchErrors(t *testing.T) {
	dir := t.TempDir()
	seed(t, dir)
	if code, _, errs := runCLI(t, "search", "--data", dir, `title:"open`); code != 1 || !strings.Contains(errs, "invalid query") {
		t.Errorf("bad query: exit %d, %q", code, errs)
	}
	if code, _, errs := runCLI(t, "search", "--data", dir, "--from", "yesterday"); code != 1 || !strings.Contains(errs, "--from") {
		t.Errorf("bad date: exit %d, %q", code, errs)
	}
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if code, _, errs := runCLI(t, "search", "--data", dir, "x"); code != 1 || !strings.Contains(errs, "in use by another process") {
		t.Errorf("locked dir: exit %d, %q", code, errs)
	}
}

func TestDeleteAndReindex(t *testing.T) {
	dir := t.TempDir()
	seed(t, dir)
	if code, _, errs := runCLI(t, "delete", "--data", dir, "--from", "2026-02-01", "--to", "2026-02-28"); code != 1 || !strings.Contains(errs, "--yes") {
		t.Fatalf("delete without --yes: exit %d %q", code, errs)
	}
	code, out, _ := runCLI(t, "delete", "--data", dir, "--from", "2026-02-01", "--to", "2026-02-28", "--dry-run")
	if code != 0 || !strings.Contains(out, "would delete 1 messages and 0 conversations") {
		t.Fatalf("dry run: exit %d %q", code, out)
	}
	code, out, _ = runCLI(t, "delete", "--data", dir, "--from", "2026-02-01", "--to", "2026-02-28", "--yes")
	if code != 0 || !strings.Contains(out, "deleted 1 messages") {
		t.Fatalf("delete: exit %d %q", code, out)
	}
	if code, out, errs := runCLI(t, "reindex", "--data", dir); code != 0 || !strings.Contains(out, "index rebuilt") {
		t.Fatalf("reindex: exit %d %q %q", code, out, errs)
	}
	_, out, _ = runCLI(t, "search", "--data", dir, "--json", "rotation")
	if !strings.Contains(out, `"total":1`) || !strings.Contains(out, `"m2"`) {
		t.Fatalf("after delete+reindex: %s", out)
	}
	if code, out, errs := runCLI(t, "reindex", "--data", dir, "--month", "conversations"); code != 0 || !strings.Contains(out, "partition conversations rebuilt") {
		t.Fatalf("reindex one partition: exit %d %q %q", code, out, errs)
	}
	if code, _, errs := runCLI(t, "reindex", "--data", dir, "--month", "March"); code == 0 || !strings.Contains(errs, "YYYY-MM") {
		t.Fatalf("reindex a bad month: exit %d %q", code, errs)
	}
}

func TestUsage(t *testing.T) {
	if code, _, errs := runCLI(t); code != 2 || !strings.Contains(errs, "search") {
		t.Errorf("no args: %d %q", code, errs)
	}
	if code, _, _ := runCLI(t, "nope"); code != 2 {
		t.Errorf("unknown command: %d", code)
	}
	if code, out, _ := runCLI(t, "version"); code != 0 || !strings.HasPrefix(out, "ccsync ") {
		t.Errorf("version: %d %q", code, out)
	}
	// Help anywhere is help, never an argument: "keys gen-kek --help" once
	// wrote a key file named "--help" (pen-test).
	dir := t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{
		{"keys", "gen-kek", "--help"}, {"keys", "--data", dir, "gen-kek", "-h"}, {"search", "--data", dir, "budget", "--help"},
		{"user", "add", "--data", dir, "someone", "-help"}, {"import", "--data", dir, "x.json", "--help"},
	} {
		code, out, errs := runCLI(t, args...)
		if code != 2 || !strings.Contains(errs, "Usage") || out != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %.80q; want the usage and exit 2", args, code, out, errs)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a help flag left files behind: %v", ents)
	}
}
