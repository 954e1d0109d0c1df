package export

import (
	"context"
	"slices"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// groupWindowBatches is how many decoder batches the grouper holds: 16 of
// 500 messages (or 1.5 MB) is at most ~24 MB of text, and gives each month's
// partition segments of several hundred documents rather than a few dozen.
const groupWindowBatches = 16

// monthGrouper sits between the decoder and the sink. An export lists its
// conversations in no particular time order, and the index has one
// partition per month, so a plain batch would put a few documents into
// every month's partition: many tiny index segments, whose merging costs
// more than the indexing (measured: half the ingest rate). The grouper holds
// up to window messages and passes them on sorted by month, so each Ingest
// touches one or two partitions. Memory stays bounded by the window; every
// record still goes through Ingest's idempotent upsert, so an import
// interrupted with records in the window is repaired by importing again.
type monthGrouper struct {
	sink      Sink
	window    int // messages held before passing them on
	batch     int // messages per Ingest call
	bytes     int // message bytes per Ingest call (messageSize)
	held      indexer.Batch
	heldBytes int
}

// add holds b's records, passing the window on when it is full. Users pass
// straight through: they are few, and a user's record should precede the
// conversations that name it.
func (g *monthGrouper) add(ctx context.Context, b indexer.Batch) (indexer.IngestResult, error) {
	var res indexer.IngestResult
	if len(b.Users) > 0 {
		r, err := g.sink.Ingest(ctx, indexer.Batch{Users: b.Users})
		if err != nil {
			return res, err
		}
		addResult(&res, r)
	}
	g.held.Conversations = append(g.held.Conversations, b.Conversations...)
	g.held.Messages = append(g.held.Messages, b.Messages...)
	for i := range b.Messages {
		g.heldBytes += messageSize(&b.Messages[i])
	}
	if len(g.held.Messages) < g.window && g.heldBytes < g.bytes*groupWindowBatches {
		return res, nil
	}
	r, err := g.flush(ctx)
	addResult(&res, r)
	return res, err
}

// flush passes on everything held, messages in month order and each
// conversation with its first message, in batches within the limits.
func (g *monthGrouper) flush(ctx context.Context) (indexer.IngestResult, error) {
	var total indexer.IngestResult
	msgs := g.held.Messages
	slices.SortStableFunc(msgs, func(a, b model.Message) int {
		return compareMonths(a.CreatedAt.UTC().Year(), int(a.CreatedAt.UTC().Month()),
			b.CreatedAt.UTC().Year(), int(b.CreatedAt.UTC().Month()))
	})
	convs := make(map[string][]model.Conversation, len(g.held.Conversations))
	for _, c := range g.held.Conversations {
		convs[c.ID] = append(convs[c.ID], c)
	}
	var cur indexer.Batch
	size := 0
	emit := func() error {
		if len(cur.Messages) == 0 && len(cur.Conversations) == 0 {
			return nil
		}
		res, err := g.sink.Ingest(ctx, cur)
		addResult(&total, res)
		cur, size = indexer.Batch{}, 0
		return err
	}
	for i := range msgs {
		if cs, ok := convs[msgs[i].ConversationID]; ok {
			cur.Conversations = append(cur.Conversations, cs...)
			delete(convs, msgs[i].ConversationID)
		}
		cur.Messages = append(cur.Messages, msgs[i])
		size += messageSize(&msgs[i])
		if len(cur.Messages) >= g.batch || size >= g.bytes {
			if err := emit(); err != nil {
				return total, err
			}
		}
	}
	// Conversations without a message in the window, in the order they came.
	for _, c := range g.held.Conversations {
		if _, ok := convs[c.ID]; !ok {
			continue
		}
		cur.Conversations = append(cur.Conversations, convs[c.ID]...)
		delete(convs, c.ID)
		if len(cur.Conversations) >= g.batch {
			if err := emit(); err != nil {
				return total, err
			}
		}
	}
	err := emit()
	g.held, g.heldBytes = indexer.Batch{}, 0
	return total, err
}

func compareMonths(y1, m1, y2, m2 int) int {
	if y1 != y2 {
		return y1 - y2
	}
	return m1 - m2
}
