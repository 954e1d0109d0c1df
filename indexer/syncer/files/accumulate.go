package files

import (
	"context"
	"fmt"
	"sync"

	"github.com/ccsync/ccsync/indexer"
)

// accMaxBytes bounds the file text of one ingest of the files stream.
const accMaxBytes = 8 << 20

// accumulator gathers the updates of several messages into one ingest: an
// ingest per message made the index merge a segment per message, thousands
// of small ingests for an organisation's files.
// Each message's update is whole in it (the message and its files' queue
// and failure keys), so a crash loses a few fetches, never half of one.
type accumulator struct {
	maxMessages int
	mu          sync.Mutex
	b           indexer.Batch
	bytes       int
}

func (a *accumulator) add(ctx context.Context, ix *indexer.Indexer, b indexer.Batch) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.b.Messages = append(a.b.Messages, b.Messages...)
	for k, v := range b.Checkpoints {
		if a.b.Checkpoints == nil {
			a.b.Checkpoints = map[string][]byte{}
		}
		a.b.Checkpoints[k] = v
	}
	for i := range b.Messages {
		for _, f := range b.Messages[i].Files {
			a.bytes += len(f.ExtractedText)
		}
	}
	if len(a.b.Messages) < a.maxMessages && a.bytes < accMaxBytes {
		return nil
	}
	return a.flushLocked(ctx, ix)
}

func (a *accumulator) flush(ctx context.Context, ix *indexer.Indexer) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.flushLocked(ctx, ix)
}

func (a *accumulator) flushLocked(ctx context.Context, ix *indexer.Indexer) error {
	if len(a.b.Messages) == 0 && len(a.b.Checkpoints) == 0 {
		return nil
	}
	if _, err := ix.Ingest(ctx, a.b); err != nil {
		return fmt.Errorf("files: store %d messages: %w", len(a.b.Messages), err)
	}
	a.b, a.bytes = indexer.Batch{}, 0
	return nil
}
