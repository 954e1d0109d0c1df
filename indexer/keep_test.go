package indexer

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

const awsKey = "AKIAQ3EGRVLKZT7XWJ5P"

// archivedChat is a chat with a secret in a message and in a file's text.
func archivedChat() Batch {
	return Batch{
		Users: []model.User{{ID: "user_a", Email: "ada@example.com"}},
		Conversations: []model.Conversation{{ID: "c1", Source: model.SourceComplianceAPI, Title: "Deploy keys",
			OwnerID: "user_a", CreatedAt: t0, Kind: model.KindChat, Product: model.ProductClaudeAI}},
		Messages: []model.Message{{ID: "m1", ConversationID: "c1", Role: model.RoleHuman, CreatedAt: t0,
			Blocks: []model.Block{{Type: model.BlockText, Text: "use key " + awsKey + " for the zebra deploy"}},
			Files:  []model.File{{Kind: model.FileAttachment, ID: "f1", Name: "notes.txt", ExtractedText: "giraffe notes"}}}},
	}
}

func TestEmptiedRedeliveryKeepsContent(t *testing.T) {
	emptied := map[string]func(m *model.Message){
		"no blocks":  func(m *model.Message) { m.Blocks, m.Files = nil, nil },
		"empty text": func(m *model.Message) { m.Blocks = []model.Block{{Type: model.BlockText}}; m.Files = nil },
		"content unavailable": func(m *model.Message) {
			m.Blocks = []model.Block{{Type: model.BlockText, Text: "[content unavailable]"}}
			m.Files, m.Provenance = nil, model.ProvenanceUnavailable+":retention_elapsed"
		},
		"files metadata only": func(m *model.Message) {
			m.Blocks = nil
			m.Files = []model.File{{Kind: model.FileAttachment, ID: "f1", Name: "notes.txt", Fetch: model.FetchGone}}
		},
	}
	for name, empty := range emptied {
		t.Run(name, func(t *testing.T) {
			ix := openTest(t, t.TempDir())
			ctx := context.Background()
			b := archivedChat()
			if _, err := ix.Ingest(ctx, b); err != nil {
				t.Fatal(err)
			}
			before, _ := ix.Message(ctx, "m1")
			again := archivedChat()
			empty(&again.Messages[0])
			if _, err := ix.Ingest(ctx, again); err != nil {
				t.Fatal(err)
			}
			// Twice: the second re-delivery must change nothing at all.
			res, err := ix.Ingest(ctx, Batch{Messages: again.Messages})
			if err != nil {
				t.Fatal(err)
			}
			if res.Messages != 0 || res.Unchanged != 1 {
				t.Errorf("second emptied re-delivery wrote: %+v", res)
			}
			got, _ := ix.Message(ctx, "m1")
			if got.FlatText() != before.FlatText() || got.Provenance != "" {
				t.Errorf("content = %q (provenance %q), want %q", got.FlatText(), got.Provenance, before.FlatText())
			}
			if len(got.Findings) == 0 || got.Findings[0].Type != before.Findings[0].Type {
				t.Errorf("findings = %+v, want the archived ones %+v", got.Findings, before.Findings)
			}
			for _, q := range []string{"zebra", "giraffe"} {
				if ids(doSearch(t, ix, SearchRequest{Query: q})) != "m1" {
					t.Errorf("%q no longer finds the archived message", q)
				}
			}
			if r := doSearch(t, ix, SearchRequest{FlaggedOnly: true}); r.Total != 1 {
				t.Errorf("flagged = %d, want 1", r.Total)
			}
			verifyOK(t, ix)
		})
	}
}

func TestFileTextNotErased(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	if _, err := ix.Ingest(ctx, archivedChat()); err != nil {
		t.Fatal(err)
	}
	// The message text changes (it is still content) and the file comes
	// back without its text, plus a new file of its own.
	b := archivedChat()
	m := &b.Messages[0]
	m.Blocks[0].Text = "use the zebra deploy"
	m.Files = []model.File{{Kind: model.FileAttachment, ID: "f1", Name: "notes.txt", Fetch: model.FetchError},
		{Kind: model.FileGenerated, ID: "f2", Name: "out.csv", ExtractedText: "okapi rows"}}
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, _ := ix.Message(ctx, "m1")
	if len(got.Files) != 2 || got.Files[0].ExtractedText != "giraffe notes" || got.Files[1].ExtractedText != "okapi rows" {
		t.Fatalf("files = %+v", got.Files)
	}
	if len(got.Findings) != 0 {
		t.Errorf("findings of the replaced text kept: %+v", got.Findings)
	}
	for q, want := range map[string]string{"giraffe": "m1", "okapi": "m1", "zebra": "m1"} {
		if g := ids(doSearch(t, ix, SearchRequest{Query: q})); g != want {
			t.Errorf("%q finds %q, want %q", q, g, want)
		}
	}
	// A file that never had text takes the new metadata as it is.
	b.Messages[0].Files[1] = model.File{Kind: model.FileGenerated, ID: "f3", Fetch: model.FetchBinary}
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := ix.Message(ctx, "m1"); got.Files[1].ID != "f3" || got.Files[1].Fetch != model.FetchBinary {
		t.Errorf("files = %+v", got.Files)
	}
	verifyOK(t, ix)
}

func TestDeletedChatKeepsTitle(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	if _, err := ix.Ingest(ctx, archivedChat()); err != nil {
		t.Fatal(err)
	}
	// How the API lists a chat its user deleted: no name, no content.
	del := t0.Add(48 * time.Hour)
	b := archivedChat()
	b.Conversations[0].Title, b.Conversations[0].DeletedAt = "", &del
	b.Messages[0].Blocks, b.Messages[0].Files = nil, nil
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	c, err := ix.Conversation(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Deploy keys" || c.DeletedAt == nil || !c.DeletedAt.Equal(del) || c.DeletedBy != model.DeletedByUser {
		t.Errorf("conversation = title %q deleted %v by %q", c.Title, c.DeletedAt, c.DeletedBy)
	}
	if ids(doSearch(t, ix, SearchRequest{Kind: KindConversation, Query: "deploy"})) != "c1" {
		t.Error("the archived title is no longer searchable")
	}
	// Listed again without deleted_at (another source, a stale page): still deleted.
	b = archivedChat()
	b.Conversations[0].Title = ""
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	if c, _ := ix.Conversation(ctx, "c1"); c.DeletedAt == nil || c.Title != "Deploy keys" {
		t.Errorf("re-listed chat un-deleted or lost its title: %+v", c)
	}
	verifyOK(t, ix)
}

func TestMarkDeleted(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	if _, err := ix.Ingest(ctx, archivedChat()); err != nil {
		t.Fatal(err)
	}
	first, later := t0.Add(24*time.Hour), t0.Add(72*time.Hour)
	if err := ix.MarkDeleted(ctx, "c1", model.DeletedByUpstream, first); err != nil {
		t.Fatal(err)
	}
	if err := ix.MarkDeleted(ctx, "c1", model.DeletedByUser, later); err != nil {
		t.Fatal(err)
	}
	if err := ix.MarkDeleted(ctx, "no-such-chat", model.DeletedByUpstream, later); err != nil {
		t.Errorf("unknown id: %v", err)
	}
	if err := ix.MarkDeleted(ctx, "c1", model.DeletedByUser, time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("a time outside the supported window was accepted")
	}
	if err := ix.MarkDeleted(ctx, "", model.DeletedByUser, later); err == nil {
		t.Error("an empty id was accepted")
	}
	c, _ := ix.Conversation(ctx, "c1")
	if c.DeletedAt == nil || !c.DeletedAt.Equal(first) || c.DeletedBy != model.DeletedByUpstream {
		t.Fatalf("mark = %v by %q, want the first (%v, upstream)", c.DeletedAt, c.DeletedBy, first)
	}
	if c.Title != "Deploy keys" || c.MessageCount != 1 || c.FindingCount != 1 {
		t.Errorf("mark changed the archive: %+v", c)
	}
	// A later sync that lists it without a deletion keeps the mark.
	if _, err := ix.Ingest(ctx, archivedChat()); err != nil {
		t.Fatal(err)
	}
	if c, _ := ix.Conversation(ctx, "c1"); c.DeletedAt == nil || !c.DeletedAt.Equal(first) {
		t.Errorf("re-listing un-deleted: %+v", c.DeletedAt)
	}
	// The source saying deleted_at is taken at its word.
	b := archivedChat()
	b.Conversations[0].DeletedAt = &later
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	if c, _ := ix.Conversation(ctx, "c1"); !c.DeletedAt.Equal(later) || c.DeletedBy != model.DeletedByUser {
		t.Errorf("source deletion not taken: %v by %q", c.DeletedAt, c.DeletedBy)
	}
	verifyOK(t, ix)
}

// TestMarkDeletedRacesIngest runs marks against ingests that change the same
// conversations: every mark must survive and so must every ingested title
// (a read-modify-write outside the lock would write back a stale record).
func TestMarkDeletedRacesIngest(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	const n = 40
	conv := func(i, round int) model.Conversation {
		return model.Conversation{ID: fmt.Sprintf("c%02d", i), Source: model.SourceComplianceAPI,
			Title: fmt.Sprintf("title %d", round), CreatedAt: t0}
	}
	var b Batch
	for i := range n {
		b.Conversations = append(b.Conversations, conv(i, 0))
	}
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range n {
			if err := ix.MarkDeleted(ctx, fmt.Sprintf("c%02d", i), model.DeletedByUpstream, t0.Add(time.Hour)); err != nil {
				errs <- err
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range n {
			if _, err := ix.Ingest(ctx, Batch{Conversations: []model.Conversation{conv(i, 1)}}); err != nil {
				errs <- err
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range n {
		c, _ := ix.Conversation(ctx, fmt.Sprintf("c%02d", i))
		if c.DeletedAt == nil || c.DeletedBy != model.DeletedByUpstream || c.Title != "title 1" {
			t.Errorf("%s: deleted %v by %q, title %q", c.ID, c.DeletedAt, c.DeletedBy, c.Title)
		}
	}
	verifyOK(t, ix)
}

// TestMessageSeqsFromKeys: the key-only read gives every stored message's
// Seq, negative and large ones included, exactly as the full read does.
func TestMessageSeqsFromKeys(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	b := Batch{Conversations: []model.Conversation{{ID: "s1", Source: model.SourceComplianceAPI, CreatedAt: t0, UpdatedAt: t0}}}
	for i, seq := range []int{-3, 0, 1, 7, 1 << 40} {
		b.Messages = append(b.Messages, model.Message{ID: fmt.Sprintf("m%d", i), ConversationID: "s1", Seq: seq,
			OnCurrentBranch: true, Role: model.RoleHuman, CreatedAt: t0.Add(time.Duration(i) * time.Minute),
			Blocks: []model.Block{{Type: model.BlockText, Text: "turn"}}})
	}
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, err := ix.MessageSeqs(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := ix.Messages(ctx, "s1")
	if err != nil || len(msgs) != len(b.Messages) || len(got) != len(msgs) {
		t.Fatalf("seqs %v, messages %d %v", got, len(msgs), err)
	}
	for _, m := range msgs {
		if got[m.ID] != m.Seq {
			t.Errorf("%s: seq %d from keys, %d stored", m.ID, got[m.ID], m.Seq)
		}
	}
	if none, err := ix.MessageSeqs(ctx, "nothing"); err != nil || len(none) != 0 {
		t.Errorf("unknown conversation: %v %v", none, err)
	}
}
