package benchmark

import (
	"context"
	"fmt"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

// ingest streams the organisation into ix, timing only the Ingest calls and
// attributing each batch to the tenth of the run it starts in.
func (b *bench) ingest(ctx context.Context, ix *indexer.Indexer) error {
	total := b.report.Org.Messages
	src := newBatcher(orgOptions(b.cfg), b.report.Org.BatchMessages, b.cfg.Baseline, 0)
	in := &b.report.Ingest
	in.Tenths = make([]TenthRate, 10)
	tenthDur := make([]time.Duration, 10)
	var inIngest time.Duration
	wall := time.Now()
	nextReport := 1 // in twentieths: a progress line every 5%
	for {
		batch, ok := src.next()
		if !ok {
			break
		}
		if b.phrase == "" && in.Messages+len(batch.Messages) > total/2 {
			b.phrase = pickPhrase(batch.Messages)
		}
		start := time.Now()
		res, err := ix.Ingest(ctx, batch)
		took := time.Since(start)
		if err != nil {
			return fmt.Errorf("bench: ingest after %d messages: %w", in.Messages, err)
		}
		t := min(in.Messages*10/total, 9)
		in.Tenths[t].Messages += len(batch.Messages)
		in.Tenths[t].RSS, in.Tenths[t].AnonRSS = rss(), anonRSS()
		tenthDur[t] += took
		inIngest += took
		in.Messages += len(batch.Messages)
		in.Findings += res.Findings
		if b.firstK == 0 && in.Messages >= b.cfg.Baseline {
			b.firstK = inIngest
		}
		for in.Messages*20 >= nextReport*total && nextReport <= 20 {
			fmt.Fprintf(b.progress, "ingested %d/%d messages (%d%%), %.0f msgs/s so far, RSS %s\n",
				in.Messages, total, nextReport*5, rate(in.Messages, inIngest), mib(rss()))
			nextReport++
		}
	}
	in.Seconds, in.WallSeconds = inIngest.Seconds(), time.Since(wall).Seconds()
	in.MsgsPerSec = rate(in.Messages, inIngest)
	for i := range in.Tenths {
		in.Tenths[i].Tenth = i + 1
		in.Tenths[i].Seconds = tenthDur[i].Seconds()
		in.Tenths[i].MsgsPerSec = rate(in.Tenths[i].Messages, tenthDur[i])
	}
	if first := in.Tenths[0].MsgsPerSec; first > 0 {
		in.LastFirst = in.Tenths[9].MsgsPerSec / first
	}
	return nil
}

// search runs each query of the mix a few times untimed (caches, lazy
// segment loading), then cfg.Queries times timed.
func (b *bench) search(ctx context.Context, ix *indexer.Indexer) error {
	for _, q := range queryMix(b.phrase) {
		var hits uint64
		lat := make([]time.Duration, 0, b.cfg.Queries)
		for i := range warmups + b.cfg.Queries {
			start := time.Now()
			res, err := ix.Search(ctx, q.Req)
			took := time.Since(start)
			if err != nil {
				return fmt.Errorf("bench: search %q (%s): %w", q.Name, q.Desc, err)
			}
			if i >= warmups {
				lat = append(lat, took)
			}
			hits = res.Total
		}
		s := sortedCopy(lat)
		b.report.Search = append(b.report.Search, QueryReport{Name: q.Name, Query: q.Desc, Runs: len(lat), Hits: hits,
			P50Ms: ms(percentile(s, 0.50)), P99Ms: ms(percentile(s, 0.99)), MaxMs: ms(s[len(s)-1])})
	}
	return nil
}

// delete removes one calendar month.
func (b *bench) delete(ctx context.Context, ix *indexer.Indexer) error {
	from := deleteMonth
	start := time.Now()
	res, err := ix.DeleteRange(ctx, from, from.AddDate(0, 1, 0), false)
	took := time.Since(start)
	if err != nil {
		return fmt.Errorf("bench: delete %s: %w", from.Format("2006-01"), err)
	}
	b.report.Delete = &DeleteReport{Month: from.Format("2006-01"), Messages: res.Messages, Conversations: res.Conversations,
		Fraction: float64(res.Messages) / float64(b.report.Ingest.Messages), Seconds: took.Seconds(), MsgsPerSec: rate(res.Messages, took)}
	return nil
}

// reindex rebuilds the index from the store, whole or one month of it.
func (b *bench) reindex(ctx context.Context, ix *indexer.Indexer) error {
	var docs int
	scope := "all"
	start := time.Now()
	var err error
	if b.cfg.ReindexMonth {
		month := reindexMonth.Format("2006-01")
		scope = "month " + month
		var res *indexer.SearchResult
		if res, err = ix.Search(ctx, indexer.SearchRequest{From: reindexMonth, To: reindexMonth.AddDate(0, 1, 0),
			NoFacets: true, Size: 1, Sort: indexer.SortOldest}); err == nil {
			docs = int(res.Total)
			start = time.Now()
			err = ix.ReindexMonth(ctx, month)
		}
	} else {
		err = ix.Reindex(ctx, func(_, total int) { docs = total })
	}
	took := time.Since(start)
	if err != nil {
		return fmt.Errorf("bench: reindex: %w", err)
	}
	b.report.Reindex = &ReindexReport{Scope: scope, Docs: docs, Seconds: took.Seconds(), DocsPerSec: rate(docs, took)}
	return nil
}

// baseline indexes the first cfg.Baseline messages (the same ones, in the
// same batches, as the pipeline's first) into plain Bleve.
func (b *bench) baseline(ctx context.Context, dir string) error {
	src := newBatcher(orgOptions(b.cfg), b.report.Org.BatchMessages, b.cfg.Baseline, b.cfg.Baseline)
	msgs := 0
	docs, took, err := indexRawBleve(ctx, dir, func() (indexer.Batch, bool) {
		batch, ok := src.next()
		msgs += len(batch.Messages)
		return batch, ok
	})
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	br := &BaselineReport{Messages: msgs, Docs: docs, Seconds: took.Seconds(), MsgsPerSec: rate(msgs, took),
		PipelineMsgsPerS: rate(msgs, b.firstK)}
	if br.MsgsPerSec > 0 {
		br.Ratio = br.PipelineMsgsPerS / br.MsgsPerSec
		br.OverallRatio = b.report.Ingest.MsgsPerSec / br.MsgsPerSec
	}
	b.report.Baseline = br
	return nil
}
