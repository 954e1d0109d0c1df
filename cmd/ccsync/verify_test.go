package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	json "github.com/goccy/go-json"
)

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	seed(t, dir)
	code, out, errs := runCLI(t, "verify", "--data", dir)
	if code != 0 || !strings.Contains(out, "OK:") || !strings.Contains(out, "messages:        2\n") ||
		!strings.Contains(out, "conversations:   1\n") || !strings.Contains(out, "index documents: 3\n") {
		t.Fatalf("verify of a healthy store: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "verify", "--data", dir, "--json")
	var rep struct {
		Messages      int      `json:"messages"`
		Conversations int      `json:"conversations"`
		IndexDocs     int      `json:"index_docs"`
		OutboxPending *int     `json:"outbox_pending"`
		Problems      []string `json:"problems"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 {
		t.Fatalf("--json: exit %d, %v: %s %s", code, err, out, errs)
	}
	if rep.Messages != 2 || rep.Conversations != 1 || rep.IndexDocs != 3 || rep.OutboxPending == nil ||
		*rep.OutboxPending != 0 || len(rep.Problems) != 0 {
		t.Fatalf("--json report %s", out)
	}

	// Replace a message's document with one for no stored message, behind
	// the indexer's back (the document count stays right, so Open does not
	// rebuild the index): verify must notice and fail.
	if !swapIndexDoc(t, filepath.Join(dir, "index"), "m/m1", "m/not-stored") {
		t.Fatal("found no Bleve index under the data directory holding m/m1")
	}
	code, out, errs = runCLI(t, "verify", "--data", dir)
	if code != 1 || !strings.Contains(out, "problem(s):") || !strings.Contains(out, "no index document") ||
		!strings.Contains(errs, "ccsync verify: ") || !strings.Contains(errs, "problem(s) found") {
		t.Fatalf("verify of a damaged index: exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	code, out, _ = runCLI(t, "verify", "--data", dir, "--json")
	rep.Problems = nil
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || len(rep.Problems) == 0 || rep.IndexDocs != 3 {
		t.Fatalf("--json of a damaged index: exit %d, %v: %s", code, err, out)
	}

	// reindex repairs it.
	if code, _, errs := runCLI(t, "reindex", "--data", dir); code != 0 {
		t.Fatalf("reindex: %d %s", code, errs)
	}
	if code, out, errs := runCLI(t, "verify", "--data", dir); code != 0 || !strings.Contains(out, "OK:") {
		t.Fatalf("verify after reindex: exit %d %s %s", code, out, errs)
	}

	if code, _, errs := runCLI(t, "verify", "--data", dir, "extra"); code != 2 || !strings.Contains(errs, "Usage: ccsync verify") {
		t.Errorf("extra argument: exit %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "--help"); code != 0 || !strings.Contains(errs, "verify") {
		t.Errorf("verify not listed in the usage: %q", errs)
	}
}

// swapIndexDoc finds the Bleve index under root (one, or one per
// partition) holding the document id, deletes it and indexes a document
// with id other in its place. It reports whether it found id.
func swapIndexDoc(t *testing.T, root, id, other string) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "index_meta.json" || found {
			return err
		}
		idx, err := bleve.Open(filepath.Dir(path))
		if err != nil {
			return err
		}
		defer idx.Close()
		res, err := idx.Search(bleve.NewSearchRequest(bleve.NewDocIDQuery([]string{id})))
		if err != nil || res.Total == 0 {
			return err
		}
		found = true
		if err := idx.Delete(id); err != nil {
			return err
		}
		return idx.Index(other, map[string]any{"text": "a document for no stored message"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}
