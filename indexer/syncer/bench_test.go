package syncer

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
)

// BenchmarkSyncVsIngest syncs a 1,000-chat organisation from the fake API on
// loopback (zero latency) and, in the same iteration, ingests the same
// records directly in page-sized batches: the indexer's ceiling, and what an
// export import amounts to. It reports both rates, their ratio, and the
// requests the sync needed per 1,000 chats.
//
//	go test ./indexer/syncer -run '^$' -bench SyncVsIngest -benchtime 3x
func BenchmarkSyncVsIngest(b *testing.B) {
	const chats = 1000
	org := fakeapi.Generate(99, fakeapi.GenOptions{Chats: chats, Users: 40, DeletedEvery: -1})
	fake := fakeapi.New(org, fakeapi.Options{Key: testKey, RequestsPerMinute: 1 << 30})
	hs := httptest.NewServer(fake)
	defer hs.Close()
	ctx := context.Background()
	batches := directBatches(b, hs.URL)

	var syncDur, ingestDur time.Duration
	var msgs, requests int64
	b.ResetTimer()
	ingest := func() {
		ix := openBench(b)
		defer ix.Close()
		b.StartTimer()
		t0 := time.Now()
		for _, batch := range batches {
			if _, err := ix.Ingest(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		ingestDur += time.Since(t0)
		b.StopTimer()
	}
	syncOnce := func() {
		ix := openBench(b)
		defer ix.Close()
		eng := New(ix, Config{BaseURL: hs.URL, Key: testKey, SyncFrom: windowStart, Logger: discardLogger(),
			RequestsPerMinute: 1 << 30})
		b.StartTimer()
		t1 := time.Now()
		s, err := eng.RunOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		syncDur += time.Since(t1)
		b.StopTimer()
		msgs += int64(s.Messages)
		requests += s.Requests
	}
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		// Alternate which goes first so neither always meets a warm or a
		// cold machine.
		if i%2 == 0 {
			ingest()
			syncOnce()
		} else {
			syncOnce()
			ingest()
		}
	}
	n := float64(b.N)
	perIter := float64(msgs) / n
	b.ReportMetric(perIter/(ingestDur.Seconds()/n), "ingest-msgs/s")
	b.ReportMetric(perIter/(syncDur.Seconds()/n), "sync-msgs/s")
	b.ReportMetric(ingestDur.Seconds()/syncDur.Seconds(), "sync/ingest")
	b.ReportMetric(float64(requests)/n*1000/chats, "requests/1000chats")
}

func openBench(b *testing.B) *indexer.Indexer {
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: b.TempDir(), Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	return ix
}

// directBatches reads the organisation once through the client and groups
// it as the sync does (100 chats per batch), outside the timed region.
func directBatches(b *testing.B, url string) []indexer.Batch {
	c, err := compliance.New(compliance.Config{BaseURL: url, Key: testKey, RequestsPerMinute: 1 << 30, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var out []indexer.Batch
	after := ""
	for {
		p, err := c.ListChats(ctx, compliance.ListChatsParams{AfterID: after, Limit: 100})
		if err != nil {
			b.Fatal(err)
		}
		var batch indexer.Batch
		seen := map[string]bool{}
		for _, ch := range p.Chats {
			cm, err := c.ChatMessages(ctx, ch.ID, compliance.MessagesParams{})
			if err != nil {
				b.Fatal(err)
			}
			conv := cm.Conversation()
			batch.Conversations = append(batch.Conversations, conv)
			if u, ok := ch.Owner(); ok && !seen[u.ID] {
				seen[u.ID] = true
				batch.Users = append(batch.Users, u)
			}
			for i := range cm.Messages {
				batch.Messages = append(batch.Messages, cm.Messages[i].ModelMessage(conv.ID, i))
			}
		}
		out = append(out, batch)
		if !p.HasMore {
			return out
		}
		after = p.LastID
	}
}
