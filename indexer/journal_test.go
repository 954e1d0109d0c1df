package indexer

import (
	"context"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

const journalKeyText = "key AKIAUHJ4AOXKNP3M4L5V here"

func journalMsg(id, text string) model.Message {
	return model.Message{ID: id, ConversationID: "c1", Role: model.RoleHuman, CreatedAt: t0, OnCurrentBranch: true,
		Blocks: []model.Block{{Type: model.BlockText, Text: text}}}
}

func readJournal(t *testing.T, ix *Indexer, after uint64) []JournalEntry {
	t.Helper()
	es, err := ix.Journal(context.Background(), after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestJournalRecordsWhatChanged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix := openTest(t, dir)
	conv := model.Conversation{ID: "c1", OwnerID: "u", CreatedAt: t0}
	ingest := func(ctx context.Context, b Batch) {
		t.Helper()
		b.Conversations = []model.Conversation{conv}
		if _, err := ix.Ingest(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	ingest(WithOrigin(ctx, OriginSync), Batch{Messages: []model.Message{journalMsg("m1", journalKeyText), journalMsg("m2", "nothing")}})
	es := readJournal(t, ix, 0)
	if len(es) != 2 || es[0].Seq != 1 || es[1].Seq != 2 || es[0].MessageID != "m1" || !es[0].New || es[0].Origin != OriginSync ||
		len(es[0].Fresh) != 1 || es[0].Fresh[0].Type != "aws_access_key" || len(es[1].Fresh) != 0 || !es[0].Created.Equal(t0) {
		t.Fatalf("first ingest journal = %+v", es)
	}
	if ix.JournalIndexed() < 2 {
		t.Errorf("JournalIndexed %d after Ingest returned, want ≥ 2", ix.JournalIndexed())
	}
	// The same records again: nothing changed, nothing journaled.
	ingest(ctx, Batch{Messages: []model.Message{journalMsg("m1", journalKeyText), journalMsg("m2", "nothing")}})
	if es := readJournal(t, ix, 2); len(es) != 0 {
		t.Fatalf("unchanged re-ingest journaled %+v", es)
	}
	// An edit keeping the key has nothing fresh; one adding a finding has
	// only that one. Batch.Origin wins over the context's.
	ingest(WithOrigin(ctx, OriginSync), Batch{Origin: OriginImport, Messages: []model.Message{
		journalMsg("m1", journalKeyText+" (edited)"),
		journalMsg("m2", "now with "+journalKeyText),
	}})
	es = readJournal(t, ix, 2)
	if len(es) != 2 || es[0].New || len(es[0].Fresh) != 0 || es[0].Origin != OriginImport || len(es[1].Fresh) != 1 {
		t.Fatalf("edit journal = %+v", es)
	}
	// A re-scan under another detector configuration rewrites every
	// message: journaled as a rescan with nothing fresh.
	ix.Close()
	ix2, err := Open(ctx, Options{Dir: dir, ScanConfigID: "other"})
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	if _, err := ix2.Rescan(ctx, RescanOptions{}); err != nil {
		t.Fatal(err)
	}
	es = readJournal(t, ix2, 4)
	if len(es) != 2 {
		t.Fatalf("rescan journaled %d entries, want 2", len(es))
	}
	for _, e := range es {
		if e.Origin != OriginRescan || len(e.Fresh) != 0 || e.New {
			t.Errorf("rescan entry %+v", e)
		}
	}
}

func TestJournalTrimKeepsSequencesIncreasing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix := openTest(t, dir)
	b := Batch{Conversations: []model.Conversation{{ID: "c1", CreatedAt: t0}}}
	for i := range 30 {
		b.Messages = append(b.Messages, journalMsg("m"+string(rune('a'+i)), "hello"))
	}
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := ix.TrimJournal(ctx, 20); err != nil {
		t.Fatal(err)
	}
	if es := readJournal(t, ix, 0); len(es) != 10 || es[0].Seq != 21 {
		t.Fatalf("after trimming through 20: %d entries, first %+v", len(es), es[0])
	}
	if err := ix.TrimJournal(ctx, 30); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix = openTest(t, dir)
	if h := ix.JournalHead(); h != 30 {
		t.Fatalf("head after reopening an empty, trimmed journal = %d, want 30", h)
	}
	notify := ix.JournalNotify()
	m := journalMsg("new", "hello")
	m.CreatedAt = t0.Add(time.Hour)
	if _, err := ix.Ingest(ctx, Batch{Messages: []model.Message{m}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-notify:
	default:
		t.Error("JournalNotify not closed by a commit")
	}
	if es := readJournal(t, ix, 0); len(es) != 1 || es[0].Seq != 31 {
		t.Fatalf("after reopen: %+v, want one entry with seq 31", es)
	}
}
