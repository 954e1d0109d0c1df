package indexer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/internal/synth"
	"github.com/ccsync/ccsync/model"
)

// benchSize reads a size from the environment so the default run stays small
// and an operator can ask for more: CCSYNC_BENCH_MESSAGES=100000.
func benchSize(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchOrg(messages int) synth.Org { return benchOrgOrdered(messages, false) }

// benchOrgOrdered generates the organisation with conversations in time
// order (as a sync delivers them) or at random in time (as an export holds
// them).
func benchOrgOrdered(messages int, chronological bool) synth.Org {
	per := 20
	return synth.Generate(synth.Options{Seed: 1, Users: 500, Conversations: messages / per, MessagesPer: per, SecretEvery: 8,
		Chronological: chronological})
}

// BenchmarkIngestVsBleve measures the whole ingest pipeline (scan, JSON,
// Badger transaction with outbox, Bleve batch, outbox clear) against raw Bleve
// batch indexing of the same documents with the same mapping, in the same run,
// alternating the two so machine noise hits both alike. Bleve is the ceiling;
// the ratio is what the pipeline adds. Two arrival orders: oldest first, as
// a sync delivers, and random in time, as an export holds conversations (the
// pipeline's batches then touch every month's partition; the importer
// regroups them by month, export/regroup.go, but Ingest here does not).
//
//	go test ./indexer -run '^$' -bench IngestVsBleve -benchtime 3x
func BenchmarkIngestVsBleve(b *testing.B) {
	for _, order := range []struct {
		name          string
		chronological bool
	}{{"order=api", true}, {"order=export", false}} {
		b.Run(order.name, func(b *testing.B) { benchIngestVsBleve(b, order.chronological) })
	}
}

func benchIngestVsBleve(b *testing.B, chronological bool) {
	n := benchSize("CCSYNC_BENCH_MESSAGES", 20000)
	org := benchOrgOrdered(n, chronological)
	convs := map[string]*model.Conversation{}
	for i := range org.Conversations {
		convs[org.Conversations[i].ID] = &org.Conversations[i]
	}
	users := map[string]*model.User{}
	for i := range org.Users {
		users[org.Users[i].ID] = &org.Users[i]
	}
	var rawDur, pipeDur time.Duration
	for b.Loop() {
		// Raw Bleve: documents built up front, only indexing is timed.
		docs := make([]*doc, len(org.Messages))
		for i := range org.Messages {
			m := org.Messages[i]
			c := convs[m.ConversationID]
			docs[i] = messageDoc(&m, c, users[c.OwnerID])
		}
		dir := b.TempDir()
		idx, err := newIndex(filepath.Join(dir, "raw"))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for s := 0; s < len(docs); s += bleveBatchSize {
			batch := idx.NewBatch()
			for i := s; i < min(s+bleveBatchSize, len(docs)); i++ {
				if err := batch.Index(messageDocID(org.Messages[i].ID), docs[i]); err != nil {
					b.Fatal(err)
				}
			}
			if err := idx.Batch(batch); err != nil {
				b.Fatal(err)
			}
		}
		rawDur += time.Since(start)
		idx.Close()

		ix, err := Open(context.Background(), Options{Dir: filepath.Join(dir, "pipe")})
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		if _, err := ix.Ingest(context.Background(), Batch{Users: org.Users}); err != nil {
			b.Fatal(err)
		}
		for s := 0; s < len(org.Messages); s += bleveBatchSize {
			e := min(s+bleveBatchSize, len(org.Messages))
			var cs []model.Conversation
			seen := map[string]bool{}
			for _, m := range org.Messages[s:e] {
				if !seen[m.ConversationID] {
					seen[m.ConversationID] = true
					cs = append(cs, *convs[m.ConversationID])
				}
			}
			if _, err := ix.Ingest(context.Background(), Batch{Conversations: cs, Messages: org.Messages[s:e]}); err != nil {
				b.Fatal(err)
			}
		}
		pipeDur += time.Since(start)
		ix.Close()
	}
	total := float64(n * b.N)
	raw, pipe := total/rawDur.Seconds(), total/pipeDur.Seconds()
	b.ReportMetric(raw, "bleve_msgs/s")
	b.ReportMetric(pipe, "pipeline_msgs/s")
	b.ReportMetric(pipe/raw, "pipeline/bleve")
	b.ReportMetric(0, "ns/op")
}

var (
	searchOnce sync.Once
	searchIx   *Indexer
	searchErr  error
	// searchPhrase is two adjacent words taken from a stored message, so the
	// phrase query is known to match.
	searchPhrase string
)

// searchIndex builds (once per run) an indexer of CCSYNC_BENCH_SEARCH_MESSAGES
// messages (default 100,000), kept in a temp dir for the run.
func searchIndex(b *testing.B) *Indexer {
	searchOnce.Do(func() {
		n := benchSize("CCSYNC_BENCH_SEARCH_MESSAGES", 100000)
		dir, err := os.MkdirTemp("", "ccsync-search-bench")
		if err != nil {
			searchErr = err
			return
		}
		searchIx, searchErr = Open(context.Background(), Options{Dir: dir})
		if searchErr != nil {
			return
		}
		org := benchOrg(n)
		// Two adjacent long (invented, so never stop-) words from one message.
		w := strings.Fields(org.Messages[len(org.Messages)/2].Blocks[0].Text)
		for i := 0; i+1 < len(w); i++ {
			if len(w[i]) >= 6 && len(w[i+1]) >= 6 && !strings.HasSuffix(w[i], ".") {
				searchPhrase = `"` + w[i] + " " + strings.Trim(w[i+1], ".") + `"`
				break
			}
		}
		if _, searchErr = searchIx.Ingest(context.Background(), Batch{Users: org.Users, Conversations: org.Conversations}); searchErr != nil {
			return
		}
		for s := 0; s < len(org.Messages); s += 2000 {
			if _, searchErr = searchIx.Ingest(context.Background(), Batch{Messages: org.Messages[s:min(s+2000, len(org.Messages))]}); searchErr != nil {
				return
			}
		}
	})
	if searchErr != nil {
		b.Fatal(searchErr)
	}
	return searchIx
}

// BenchmarkSearch reports p50 and p99 latency per query shape at 100k messages.
//
//	go test ./indexer -run '^$' -bench Search -benchtime 200x
func BenchmarkSearch(b *testing.B) {
	ix := searchIndex(b)
	three := []string{FacetFindingType, FacetUser, FacetModel}
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	// Query terms of known frequency: "kubernetes" is in ~28% of messages,
	// rank 300 in ~1.5%, rank 5000 in ~0.1%.
	mid, rare := synth.Word(300), synth.Word(5000)
	cases := []struct {
		name string
		req  SearchRequest
	}{
		{"rareterm+3facets", SearchRequest{Query: rare, Facets: three}},
		{"midterm+3facets", SearchRequest{Query: mid, Facets: three}},
		{"commonterm+3facets", SearchRequest{Query: "kubernetes", Facets: three}},
		{"phrase+3facets", SearchRequest{Query: searchPhrase, Facets: three}},
		{"midterm+allfacets", SearchRequest{Query: mid}},
		{"midterm_nofacets", SearchRequest{Query: mid, NoFacets: true}},
		{"flagged+3facets", SearchRequest{FlaggedOnly: true, Facets: three}},
		{"daterange+midterm+3facets", SearchRequest{Query: mid, From: from, To: from.AddDate(0, 1, 0), Facets: three}},
		{"midterm_sorted_newest", SearchRequest{Query: mid, Sort: SortNewest, NoFacets: true, Size: 20}},
		{"matchall+allfacets", SearchRequest{}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) { benchSearch(b, ix, tc.req) })
	}
}

// benchSearch runs req b.N times, reporting p50/p99 latency and the hits.
func benchSearch(b *testing.B, ix *Indexer, req SearchRequest) {
	ctx := context.Background()
	for range 5 { // warm caches
		if _, err := ix.Search(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	var hits uint64
	for b.Loop() {
		start := time.Now()
		r, err := ix.Search(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		hits = r.Total
	}
	slices.Sort(lat)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50_ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99_ms")
	b.ReportMetric(float64(hits), "hits")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
