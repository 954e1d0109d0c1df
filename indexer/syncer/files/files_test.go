package files

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	cfiles "github.com/ccsync/ccsync/indexer/compliance/files"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

// storedFile returns the stored copy of file id on message msgID.
func storedFile(t *testing.T, ix *indexer.Indexer, msgID, id string) model.File {
	t.Helper()
	m, err := ix.Message(context.Background(), msgID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("message %s has no file %s", msgID, id)
	return model.File{}
}

// wantState is what the stream must make of a blob.
func wantState(b *fakeapi.Blob) model.FetchState {
	if cfiles.NeverText(b.MimeType) {
		return model.FetchBinary
	}
	if _, ok := cfiles.Sniff(b.Data); !ok {
		return model.FetchBinary
	}
	return model.FetchText
}

// TestFilesStreamStoresText: every queued file of a live chat ends with its
// text (or binary) outcome on its message, the queue is empty, planted
// secrets in file text become findings, and the store verifies.
func TestFilesStreamStoresText(t *testing.T) {
	e := newEnv(t)
	c := newClient(t, e.url)
	seed(t, e.ix, c)
	queued := len(pending(t, e.ix))
	before := map[string]int{} // findings per message before the stream
	for _, ch := range e.org.Chats {
		for _, m := range ch.Messages {
			if sm, err := e.ix.Message(context.Background(), m.ID); err == nil {
				before[m.ID] = len(sm.Findings)
			}
		}
	}
	var st stream.State
	if err := New(Options{}).Run(context.Background(), streamEnv(e.ix, c, &st)); err != nil {
		t.Fatal(err)
	}
	if left := pending(t, e.ix); len(left) != 0 || queued == 0 {
		t.Fatalf("%d queued, %d left: %v", queued, len(left), left)
	}
	if st.State != stream.StateDone || st.Items != queued || st.Requests == 0 {
		t.Errorf("state %+v, want done with %d items", st, queued)
	}
	checked := 0
	for _, ch := range e.org.Chats {
		if ch.DeletedAt != nil {
			continue
		}
		for _, m := range ch.Messages {
			var ids []string
			for _, f := range append(append([]fakeapi.File(nil), m.Files...), m.GeneratedFiles...) {
				ids = append(ids, f.ID)
			}
			for _, a := range m.Artifacts {
				ids = append(ids, a.VersionID)
			}
			for _, id := range ids {
				b := e.org.Blobs[id]
				f := storedFile(t, e.ix, m.ID, id)
				want := wantState(b)
				if f.Fetch != want || f.FetchedAt.IsZero() || (want == model.FetchText && f.ExtractedText != string(b.Data)) {
					t.Errorf("%s (%s): fetch %q text %d bytes, want %q %d bytes", id, b.MimeType, f.Fetch, len(f.ExtractedText), want, len(b.Data))
				}
				checked++
			}
		}
	}
	if checked != queued {
		t.Errorf("checked %d files, queued %d", checked, queued)
	}
	planted := 0
	for _, b := range e.org.Blobs {
		for _, p := range b.Plants {
			if c := e.org.Chat(p.ChatID); c == nil || c.DeletedAt != nil {
				continue
			}
			m, err := e.ix.Message(context.Background(), p.MessageID)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Findings) <= before[p.MessageID] {
				t.Errorf("secret %s in file text of %s not found (findings %d → %d)", p.Type, p.MessageID, before[p.MessageID], len(m.Findings))
			}
			planted++
		}
	}
	if planted == 0 {
		t.Error("no planted file secrets in live chats")
	}
	verify(t, e.ix)

	// Files queued again (a chat re-delivered) whose stored copy already
	// has its outcome are dropped without a request.
	b := indexer.Batch{}
	for _, ch := range e.org.Chats {
		for _, m := range ch.Messages {
			if sm, err := e.ix.Message(context.Background(), m.ID); err == nil {
				for _, f := range sm.Files {
					stream.QueueFile(&b, stream.PendingFile{FileID: f.ID, MessageID: sm.ID, ConversationID: sm.ConversationID})
				}
			}
		}
	}
	if _, err := e.ix.Ingest(context.Background(), b); err != nil || len(pending(t, e.ix)) != queued {
		t.Fatalf("re-queue: %v, %d queued", err, len(pending(t, e.ix)))
	}
	n := len(e.requests())
	if err := New(Options{}).Run(context.Background(), streamEnv(e.ix, c, &stream.State{})); err != nil {
		t.Fatal(err)
	}
	for _, p := range e.requests()[n:] {
		t.Errorf("re-queued settled file asked again: %s", p)
	}
	if left := pending(t, e.ix); len(left) != 0 {
		t.Errorf("%d left queued", len(left))
	}
}

func verify(t *testing.T, ix *indexer.Indexer) {
	t.Helper()
	rep, err := ix.Verify(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

// TestDeletedChatFilesNotFetched: files queued for a chat its user deleted
// are marked skipped without a request; a 404 (deleted meanwhile) is gone;
// a failing file stays queued with a failure record.
func TestDeletedChatFilesNotFetched(t *testing.T) {
	e := newEnv(t)
	c := newClient(t, e.url)
	seed(t, e.ix, c)
	var deletedChat *fakeapi.Chat
	var gone, failing string
	for _, ch := range e.org.Chats {
		if ch.DeletedAt != nil {
			continue
		}
		for _, m := range ch.Messages {
			if len(m.Files) == 0 {
				continue
			}
			switch {
			case deletedChat == nil:
				deletedChat = ch
			case ch != deletedChat && gone == "":
				gone = m.Files[0].ID
			case ch != deletedChat && failing == "" && m.Files[0].ID != gone && !cfiles.NeverText(m.Files[0].MimeType):
				failing = m.Files[0].ID
			}
		}
	}
	if deletedChat == nil || gone == "" || failing == "" {
		t.Fatal("fixture lacks chats with files")
	}
	// What the chat stream does on seeing the deletion: re-queue the
	// chat's files marked deleted.
	b := indexer.Batch{}
	var deletedIDs []string
	for _, m := range deletedChat.Messages {
		sm, err := e.ix.Message(context.Background(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		stream.QueueMessageFiles(&b, &sm, true)
		for _, f := range sm.Files {
			deletedIDs = append(deletedIDs, f.ID)
		}
	}
	if _, err := e.ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.DeleteChat(deletedChat.ID); err != nil {
		t.Fatal(err)
	}
	_ = e.fake.SetFileFault(gone, fakeapi.FileFaultNotFound)
	_ = e.fake.SetFileFault(failing, fakeapi.FileFaultMD5Mismatch)
	n := len(e.requests())
	if err := New(Options{}).Run(context.Background(), streamEnv(e.ix, c, &stream.State{})); err != nil {
		t.Fatal(err)
	}
	for _, p := range e.requests()[n:] {
		for _, id := range deletedIDs {
			if strings.Contains(p, id) {
				t.Errorf("deleted chat's file requested: %s", p)
			}
		}
	}
	for _, m := range deletedChat.Messages {
		sm, _ := e.ix.Message(context.Background(), m.ID)
		for _, f := range sm.Files {
			if f.Fetch != model.FetchSkipped {
				t.Errorf("deleted chat's file %s: %q", f.ID, f.Fetch)
			}
		}
	}
	if f := storedFile(t, e.ix, msgOf(e.org, gone), gone); f.Fetch != model.FetchGone {
		t.Errorf("404 file: %q", f.Fetch)
	}
	if f := storedFile(t, e.ix, msgOf(e.org, failing), failing); f.Fetch != model.FetchError {
		t.Errorf("md5 mismatch file: %q", f.Fetch)
	}
	left := pending(t, e.ix)
	if len(left) != 1 || left[0] != stream.PendingFileKey(failing) {
		t.Errorf("left queued %v, want only %s", left, failing)
	}
	fails, err := stream.LoadFailures(e.ix, Name, time.Now)
	if err != nil || len(fails.List()) != 1 || fails.List()[0].ID != failing {
		t.Errorf("failures %+v %v", fails.List(), err)
	}
	// Fixed upstream: the next run fetches it and clears the record.
	_ = e.fake.SetFileFault(failing, fakeapi.FileFaultNone)
	if err := New(Options{}).Run(context.Background(), streamEnv(e.ix, c, &stream.State{})); err != nil {
		t.Fatal(err)
	}
	if f := storedFile(t, e.ix, msgOf(e.org, failing), failing); f.Fetch != model.FetchText {
		t.Errorf("retried file: %q", f.Fetch)
	}
	fails, _ = stream.LoadFailures(e.ix, Name, time.Now)
	if len(fails.List()) != 0 || len(pending(t, e.ix)) != 0 {
		t.Errorf("after retry: failures %+v, queued %v", fails.List(), pending(t, e.ix))
	}
	verify(t, e.ix)
}

func msgOf(org *fakeapi.Org, fileID string) string {
	for _, ch := range org.Chats {
		for _, m := range ch.Messages {
			for _, f := range append(append([]fakeapi.File(nil), m.Files...), m.GeneratedFiles...) {
				if f.ID == fileID {
					return m.ID
				}
			}
		}
	}
	return ""
}

// TestArtifactVersionsSearchable: each version of an artifact is stored on
// its message, and Search finds a word that only version 2 has.
func TestArtifactVersionsSearchable(t *testing.T) {
	e := newEnv(t)
	c := newClient(t, e.url)
	seed(t, e.ix, c)
	if err := New(Options{}).Run(context.Background(), streamEnv(e.ix, c, &stream.State{})); err != nil {
		t.Fatal(err)
	}
	versions := map[string][]string{} // artifact id → version ids, in order
	msgOfVersion := map[string]string{}
	for _, ch := range e.org.Chats {
		if ch.DeletedAt != nil {
			continue
		}
		for _, m := range ch.Messages {
			for _, a := range m.Artifacts {
				versions[a.ID] = append(versions[a.ID], a.VersionID)
				msgOfVersion[a.VersionID] = m.ID
			}
		}
	}
	found := false
	for aid, vs := range versions {
		if len(vs) < 2 {
			continue
		}
		v2 := vs[1]
		f := storedFile(t, e.ix, msgOfVersion[v2], v2)
		if f.ArtifactID != aid || f.VersionID != v2 || f.Fetch != model.FetchText {
			t.Errorf("version 2 stored as %+v", f)
		}
		// "quokka" is the word the fake gives version 2 only.
		if !strings.Contains(f.ExtractedText, "quokka") {
			t.Fatalf("version 2 text %q", f.ExtractedText)
		}
		res, err := e.ix.Search(context.Background(), indexer.SearchRequest{Query: "quokka", Size: 50})
		if err != nil {
			t.Fatal(err)
		}
		hit := false
		for _, h := range res.Hits {
			if h.ID == msgOfVersion[v2] {
				hit = true
			}
			if h.ID == msgOfVersion[vs[0]] && msgOfVersion[vs[0]] != msgOfVersion[v2] {
				t.Errorf("version 1's message %s matched version 2's word", h.ID)
			}
		}
		if !hit {
			t.Errorf("search for a version-2 word missed message %s (%d hits)", msgOfVersion[v2], len(res.Hits))
		}
		found = true
		break
	}
	if !found {
		t.Fatal("no artifact with two versions in live chats")
	}
}

// TestFilesShareOfBudget: the stream paces itself to its share of the
// organisation's budget (25% by default), leaving the rest to other streams.
func TestFilesShareOfBudget(t *testing.T) {
	e := newEnv(t)
	seed(t, e.ix, newClient(t, e.url))
	clk := &stepClock{now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	var sends []time.Time
	c, err := compliance.New(compliance.Config{BaseURL: e.url, Key: testKey, Budget: compliance.NewBudget(60, clk.Now),
		Now: clk.Now, Sleep: clk.Sleep, Logger: slog.New(slog.DiscardHandler),
		OnResponse: func(compliance.Response) { mu.Lock(); sends = append(sends, clk.Now()); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	if err := New(Options{Concurrency: 1, Share: 0.25}).Run(context.Background(), streamEnv(e.ix, c, &stream.State{})); err != nil {
		t.Fatal(err)
	}
	if len(sends) < 20 {
		t.Fatalf("only %d requests", len(sends))
	}
	for i := 16; i < len(sends); i++ {
		if sends[i].Sub(sends[i-16]) < time.Minute {
			t.Fatalf("17 requests within %v: more than 25%% of 60/min", sends[i].Sub(sends[i-16]))
		}
	}
}

// stepClock moves only when slept on (one stream, so no interleaving).
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}
