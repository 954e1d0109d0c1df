package sessions

import (
	"context"
	"fmt"

	"github.com/ccsync/ccsync/indexer"
)

// pageBatch gathers the sessions of one list page into one ingest with the
// page's failure records and, last, its list cursor. Most sessions are a few
// dozen turns: one ingest each made the index merge a segment per session,
// and sessions synced at a fifteenth of the chats' rate per message.
type pageBatch struct {
	b     indexer.Batch
	bytes int
}

// add puts a session's final batch in the page's.
func (p *pageBatch) add(b indexer.Batch, bytes int) {
	p.b.Users = append(p.b.Users, b.Users...)
	p.b.Conversations = append(p.b.Conversations, b.Conversations...)
	p.b.Messages = append(p.b.Messages, b.Messages...)
	for k, v := range b.Checkpoints {
		if p.b.Checkpoints == nil {
			p.b.Checkpoints = map[string][]byte{}
		}
		p.b.Checkpoints[k] = v
	}
	p.bytes += bytes
}

// flush ingests what the page gathered so far.
func (p *pageBatch) flush(ctx context.Context, ix *indexer.Indexer) error {
	if len(p.b.Conversations) == 0 && len(p.b.Messages) == 0 && len(p.b.Checkpoints) == 0 {
		return nil
	}
	if _, err := ix.Ingest(ctx, p.b); err != nil {
		return fmt.Errorf("ingest %d sessions: %w", len(p.b.Conversations), err)
	}
	p.b, p.bytes = indexer.Batch{}, 0
	return nil
}

// store ingests a transcript's batch, or, when it completes a session that
// fits the page's budget, adds it to the page being read.
func (r *run) store(ctx context.Context, b indexer.Batch, bytes int, complete bool) error {
	if r.page == nil || !complete {
		_, err := r.env.Ix.Ingest(ctx, b)
		return err
	}
	if r.page.bytes+bytes > r.opts.MaxBatchBytes {
		if err := r.page.flush(ctx, r.env.Ix); err != nil {
			return err
		}
	}
	r.page.add(b, bytes)
	return nil
}

// endPage ingests the page's gathered sessions and checkpoints.
func (r *run) endPage(ctx context.Context) error {
	if r.page == nil {
		return nil
	}
	p := r.page
	r.page = nil
	return p.flush(ctx, r.env.Ix)
}
