package indexer

import (
	"context"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// MaxMatchIDs bounds the ids one MatchingMessages call takes.
const MaxMatchIDs = 1000

// MatchingMessages returns which of ids (message ids) match req's query
// and filters, in no particular order. Alert rules with a search query use
// it to test a batch of journal entries with one search instead of one per
// message. req.Kind must be empty or KindMessage; paging, sorting and facet
// fields are ignored. Messages not yet indexed (see JournalIndexed) are
// not found.
func (ix *Indexer) MatchingMessages(ctx context.Context, req SearchRequest, ids []string) ([]string, error) {
	if req.Kind != "" && req.Kind != KindMessage {
		return nil, fmt.Errorf("match messages: %w: kind %q (want message)", ErrBadRequest, req.Kind)
	}
	if len(ids) > MaxMatchIDs {
		return nil, fmt.Errorf("match messages: %w: %d ids (at most %d)", ErrBadRequest, len(ids), MaxMatchIDs)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if err := checkBounds(req.From, req.To); err != nil {
		return nil, fmt.Errorf("match messages: %w", err)
	}
	filter, err := buildQuery(req)
	if err != nil {
		return nil, fmt.Errorf("match messages: %w", err)
	}
	docs := make([]string, len(ids))
	for i, id := range ids {
		docs[i] = messageDocID(id)
	}
	release := ix.parts.acquire()
	defer release()
	idxs := ix.parts.messages(req.From, req.To)
	q, err := expandPatterns(ctx, bleve.NewConjunctionQuery(query.NewDocIDQuery(docs), filter), idxs)
	if err != nil {
		return nil, fmt.Errorf("match messages: %w", err)
	}
	// A message is in one partition, but while a moved message's old copy
	// waits for removal it may be in two: room for both, deduplicated below.
	sr := bleve.NewSearchRequestOptions(q, 2*len(ids), 0, false)
	sr.SortBy([]string{"_id"})
	res, err := searchPartitions(ctx, sr, idxs)
	if err != nil {
		return nil, fmt.Errorf("match messages: %w", tooManyTerms(err))
	}
	out := make([]string, 0, len(res.Hits))
	seen := map[string]bool{}
	for _, h := range res.Hits {
		if id, ok := strings.CutPrefix(h.ID, messageDocID("")); ok && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}
