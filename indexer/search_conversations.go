package indexer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	htmlformat "github.com/blevesearch/bleve/v2/search/highlight/format/html"
	"github.com/blevesearch/bleve/v2/search/highlight/fragmenter/simple"
	simplehl "github.com/blevesearch/bleve/v2/search/highlight/highlighter/simple"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// Conversations mode with a query matches the words anywhere in a
// conversation: in any of its messages (a session's transcript included),
// or in its title or summary. Message hits are grouped per conversation.
//
// The cost is bounded whatever the store holds:
//   - one message search that scores the top maxScoredHits hits and counts
//     matching messages per conversation with a terms facet on the
//     conversation id (doc values), at most maxGroups conversations;
//   - one search of the conversation documents (title and summary);
//   - one search of the groups' conversation documents, for facets and, in
//     time order, for the page;
//   - snippets for the page only: the best message of each of its (≤ Size)
//     conversations, taken from the scored hits where one is there, else
//     from one search restricted to the rest of the page.
//
// Relevance orders conversations by the best score among the scored hits
// (message or title), then by how many messages match; conversations with
// matches only beyond the scored hits follow, by count. Time orders use
// the conversation's creation time, paged with search_after like any other
// time-ordered search.
//
// maxScoredHits is 200, not 1,000: collecting the top 1,000 per month
// partition and merging them cost 9× a message-mode search of a common
// term at 100,000 messages (BenchmarkConversationModeSearch), while the
// conversation facet costs little; 200 scored hits order the first pages
// of groups, and the rest follow by match count.
const (
	maxGroups     = 10000
	maxScoredHits = 200
)

// group is one conversation's share of the matches.
type group struct {
	id      string
	matches int     // matching messages
	score   float64 // best score among the scored hits; 0 when none
	best    *search.DocumentMatch
}

func (ix *Indexer) searchConversations(ctx context.Context, req SearchRequest, c cursor, start time.Time) (*SearchResult, error) {
	release := ix.parts.acquire()
	defer release()
	msgIdxs := ix.parts.messages(req.From, req.To)
	convIdxs := []bleve.Index{ix.parts.conversations()}

	groups, err := ix.matchGroups(ctx, req, msgIdxs, convIdxs)
	if err != nil {
		return nil, err
	}
	out := &SearchResult{Hits: []Hit{}}
	ids := make([]string, 0, len(groups))
	for id := range groups {
		ids = append(ids, convDocID(id))
	}
	// The groups' conversation documents give the facets (conversations
	// per user, product, ...) and, in time order, the page itself.
	var page []*group
	var sr *bleve.SearchRequest
	if len(ids) > 0 {
		sr = bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), 0, 0, false)
	}
	if sr != nil && !req.NoFacets {
		if err := addFacets(sr, req, 1); err != nil {
			return nil, err
		}
	}
	switch req.Sort {
	case SortRelevance:
		ordered := make([]*group, 0, len(groups))
		for _, g := range groups {
			ordered = append(ordered, g)
		}
		slices.SortFunc(ordered, func(a, b *group) int {
			if a.score != b.score {
				return cmp.Compare(b.score, a.score)
			}
			if a.matches != b.matches {
				return b.matches - a.matches
			}
			return strings.Compare(a.id, b.id)
		})
		from := 0
		if req.After != "" {
			from = c.Offset
		}
		if from > len(ordered) {
			from = len(ordered)
		}
		page = ordered[from:min(from+req.Size, len(ordered))]
		out.Total = uint64(len(ordered))
		if from+req.Size < len(ordered) {
			out.Next = encodeCursor(cursor{Sort: req.Sort, Offset: from + req.Size})
		}
	default:
		if sr == nil {
			break
		}
		sr.Size = req.Size
		if req.Sort == SortNewest {
			sr.SortBy([]string{"-" + fCreated, "_id"})
		} else {
			sr.SortBy([]string{fCreated, "_id"})
		}
		if req.After != "" {
			sr.SearchAfter = c.After
		}
	}
	if sr != nil && (req.Sort != SortRelevance || sr.Facets != nil) {
		res, err := searchPartitions(ctx, sr, convIdxs)
		if err != nil {
			return nil, err
		}
		if req.Sort != SortRelevance {
			out.Total = res.Total
			for _, h := range res.Hits {
				if g := groups[strings.TrimPrefix(h.ID, "c/")]; g != nil {
					page = append(page, g)
				}
			}
			if len(res.Hits) == req.Size && res.Total > uint64(req.Size) {
				out.Next = encodeCursor(cursor{Sort: req.Sort, After: res.Hits[len(res.Hits)-1].Sort})
			}
		}
		if !req.NoFacets {
			out.Facets = ix.convertFacets(res.Facets)
		}
	}
	if err := ix.pageSnippets(ctx, req, page, msgIdxs); err != nil {
		return nil, err
	}
	if err := ix.fillGroupHits(out, page); err != nil {
		return nil, err
	}
	out.Took = time.Since(start)
	return out, nil
}

// matchGroups finds the conversations whose messages, title or summary
// match, with their match counts and best scores.
func (ix *Indexer) matchGroups(ctx context.Context, req SearchRequest, msgIdxs, convIdxs []bleve.Index) (map[string]*group, error) {
	groups := map[string]*group{}
	get := func(id string) *group {
		g := groups[id]
		if g == nil {
			g = &group{id: id}
			groups[id] = g
		}
		return g
	}
	// Message filters: the message-level ones (role included) apply to the
	// messages that count as matches.
	mreq := req
	mreq.Kind = KindMessage
	mq, err := buildQuery(mreq)
	if err != nil {
		return nil, err
	}
	if mq, err = expandPatterns(ctx, mq, msgIdxs); err != nil {
		return nil, err
	}
	msr := bleve.NewSearchRequestOptions(mq, maxScoredHits, 0, false)
	msr.SortBy(byScoreWithConv)
	msr.AddFacet(fConv, bleve.NewFacetRequest(fConv, maxGroups))
	mres, err := searchPartitions(ctx, msr, msgIdxs)
	if err != nil {
		return nil, tooManyTerms(err)
	}
	if f := mres.Facets[fConv]; f != nil && f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			if len(groups) == maxGroups {
				break
			}
			get(t.Term).matches = t.Count
		}
	}
	for _, h := range mres.Hits {
		g := groups[hitConversation(h)]
		if g == nil {
			continue // beyond maxGroups
		}
		if g.best == nil || h.Score > g.score {
			g.best, g.score = h, h.Score
		}
	}
	// Title and summary: the conversation documents themselves.
	cq, err := buildQuery(req)
	if err != nil {
		return nil, err
	}
	if cq, err = expandPatterns(ctx, cq, convIdxs); err != nil {
		return nil, err
	}
	csr := bleve.NewSearchRequestOptions(cq, maxScoredHits, 0, false)
	csr.SortBy([]string{"-_score", "_id"})
	cres, err := searchPartitions(ctx, csr, convIdxs)
	if err != nil {
		return nil, tooManyTerms(err)
	}
	for _, h := range cres.Hits {
		id := strings.TrimPrefix(h.ID, "c/")
		if groups[id] == nil && len(groups) == maxGroups {
			continue
		}
		g := get(id)
		g.score = max(g.score, h.Score)
	}
	return groups, nil
}

// byScoreWithConv sorts message hits by score and makes each carry its
// conversation id, read from the doc values (the index stores nothing, and
// a Badger read per hit would cost more than the search); the id breaks
// ties so that partitions merge in a total order.
var byScoreWithConv = []string{"-_score", fConv, "_id"}

// hitConversation is the conversation id of a hit sorted by byScoreWithConv.
func hitConversation(h *search.DocumentMatch) string {
	if len(h.Sort) < 2 {
		return ""
	}
	return h.Sort[1]
}

func newHighlighter() *simplehl.Highlighter {
	return simplehl.NewHighlighter(simple.NewFragmenter(snippetChars), htmlformat.NewFragmentFormatter("<mark>", "</mark>"), " … ")
}

// pageSnippets finds the best matching message of each page conversation
// that has none from the scored hits, with one search restricted to them,
// then fetches term locations for the page's best messages.
func (ix *Indexer) pageSnippets(ctx context.Context, req SearchRequest, page []*group, msgIdxs []bleve.Index) error {
	var missing []string
	for _, g := range page {
		if g.best == nil && g.matches > 0 {
			missing = append(missing, g.id)
		}
	}
	if len(missing) > 0 {
		mreq := req
		mreq.Kind = KindMessage
		q, err := buildQuery(mreq)
		if err != nil {
			return err
		}
		if q, err = expandPatterns(ctx, q, msgIdxs); err != nil {
			return err
		}
		terms := make([]query.Query, len(missing))
		for i, id := range missing {
			t := bleve.NewTermQuery(id)
			t.SetField(fConv)
			terms[i] = t
		}
		// Enough hits that every conversation is very likely to have one;
		// the rest (one conversation holding every top hit) get a search
		// of their own below.
		sr := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(q, bleve.NewDisjunctionQuery(terms...)), 10*len(missing), 0, false)
		sr.SortBy(byScoreWithConv)
		res, err := searchPartitions(ctx, sr, msgIdxs)
		if err != nil {
			return tooManyTerms(err)
		}
		byID := map[string]*group{}
		for _, g := range page {
			byID[g.id] = g
		}
		for _, h := range res.Hits {
			if g := byID[hitConversation(h)]; g != nil && g.best == nil {
				g.best = h
			}
		}
		for _, g := range page {
			if g.best != nil || g.matches == 0 {
				continue
			}
			t := bleve.NewTermQuery(g.id)
			t.SetField(fConv)
			one := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(q, t), 1, 0, false)
			r, err := searchPartitions(ctx, one, msgIdxs)
			if err != nil {
				return tooManyTerms(err)
			}
			if len(r.Hits) > 0 {
				g.best = r.Hits[0]
			}
		}
	}
	var best search.DocumentMatchCollection
	for _, g := range page {
		if g.best != nil {
			best = append(best, g.best)
		}
	}
	mreq := req
	mreq.Kind = KindMessage
	q, err := buildQuery(mreq)
	if err != nil {
		return err
	}
	if q, err = expandPatterns(ctx, q, msgIdxs); err != nil {
		return err
	}
	return tooManyTerms(addLocations(ctx, q, best, msgIdxs))
}

// fillGroupHits turns the page's groups into conversation hits whose
// snippet is their best message's (the summary when only the title or
// summary matched).
func (ix *Indexer) fillGroupHits(out *SearchResult, page []*group) error {
	hl := newHighlighter()
	return ix.db.View(func(txn *badger.Txn) error {
		l := &docLoader{txn: txn, convs: map[string]*model.Conversation{}, users: map[string]*model.User{}}
		for _, g := range page {
			hit, err := conversationHit(l, &search.DocumentMatch{ID: convDocID(g.id)})
			if errors.Is(err, ErrNotFound) {
				continue // messages whose conversation is not stored yet
			}
			if err != nil {
				return err
			}
			hit.MatchCount, hit.Score = g.matches, g.score
			if g.best != nil {
				mh, err := messageHit(l, g.best, hl)
				if err != nil && !errors.Is(err, ErrNotFound) {
					return fmt.Errorf("snippet of %s: %w", g.id, err)
				}
				if err == nil {
					hit.Snippet = mh.Snippet
				}
			}
			out.Hits = append(out.Hits, hit)
		}
		return nil
	})
}
