package forward_test

import (
	"context"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

// TestOracleModelMatchesJournal checks the oracle's journal model against
// the indexer alone (no engine): same sequences, messages and fresh
// findings, and a corpus that exercises all three finding types and edits.
func TestOracleModelMatchesJournal(t *testing.T) {
	ctx := context.Background()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: t.TempDir(), MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	e := &oenv{t: t, ctx: ctx, ix: ix, oracle: newOracle(0)}
	c := genCorpus(corpusOpts{Seed: 3, Batches: 12, PerBatch: 20, Base: time.Now().Add(-time.Hour).Truncate(time.Second), EditEvery: 4})
	for _, b := range c.Batches {
		e.ingest(b)
	}
	e.checkJournal()
	types, edits, editFresh := map[string]int{}, 0, 0
	for _, en := range e.oracle.Entries {
		for _, f := range en.Fresh {
			types[f.Type]++
		}
		if !en.New {
			edits++
			editFresh += len(en.Fresh)
		}
	}
	if types["aws_access_key"] == 0 || types["email"] == 0 || types["private_key"] == 0 || edits != 4 || editFresh != 2 {
		t.Errorf("corpus: fresh findings %v, %d edits with %d fresh findings", types, edits, editFresh)
	}
	t.Logf("%d entries, fresh findings %v, %d edits", len(e.oracle.Entries), types, edits)
	// Re-ingesting the last batch is idempotent: no entries (the kill -9
	// child relies on it).
	if _, err := ix.Ingest(ctx, c.Batches[len(c.Batches)-1]); err != nil {
		t.Fatal(err)
	}
	if h := ix.JournalHead(); h != e.oracle.seq {
		t.Errorf("re-ingest moved the journal head to %d from %d", h, e.oracle.seq)
	}
}

// TestOracleLeakIndex: the leak finder finds long and short values
// anywhere and nothing else.
func TestOracleLeakIndex(t *testing.T) {
	x := newLeakIndex(map[string]bool{"AKIAPLANTABCDEFGHIJK": true, "short": true, "jo.plant1@plantmail.io": true})
	for s, want := range map[string]bool{
		"xx AKIAPLANTABCDEFGHIJK yy": true, "AKIAPLANTABCDEFGHIJ": false, "a sh0rt": false, "shorts": true,
		`{"t":"mail jo.plant1@plantmail.io"}`: true, "jo.plant1@plantmail.i": false, "": false,
	} {
		if _, got := x.find(s); got != want {
			t.Errorf("find(%q) = %v", s, got)
		}
	}
}
