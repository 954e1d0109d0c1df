package indexer

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	htmlformat "github.com/blevesearch/bleve/v2/search/highlight/format/html"
	"github.com/blevesearch/bleve/v2/search/highlight/fragmenter/simple"
	simplehl "github.com/blevesearch/bleve/v2/search/highlight/highlighter/simple"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/dgraph-io/badger/v4"
	json "github.com/goccy/go-json"

	"github.com/blevesearch/bleve/v2/search"

	"github.com/ccsync/ccsync/model"
)

const (
	defaultPageSize = 20
	maxPageSize     = 200
	snippetChars    = 200
	// maxRelevanceDepth bounds offset paging, the only paging relevance order
	// allows; time orders use search_after and have no limit.
	maxRelevanceDepth = 10000
)

// cursor is the opaque SearchResult.Next value.
type cursor struct {
	Sort   Sort     `json:"s"`
	After  []string `json:"a,omitempty"`
	Offset int      `json:"o,omitempty"`
	Key    []byte   `json:"k,omitempty"` // unfilteredPage: the last time key (binary, so []byte: JSON base64)
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return c, fmt.Errorf("%w: malformed cursor", ErrBadRequest)
	}
	return c, nil
}

// Search runs a full-text, faceted search over messages or conversations.
func (ix *Indexer) Search(ctx context.Context, req SearchRequest) (*SearchResult, error) {
	start := time.Now()
	if req.Kind == "" {
		req.Kind = KindMessage
	}
	if req.Kind != KindMessage && req.Kind != KindConversation {
		return nil, fmt.Errorf("search: %w: kind %q (want message or conversation)", ErrBadRequest, req.Kind)
	}
	if err := checkBounds(req.From, req.To); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	req.Size = pageSize(req.Size)
	if req.Sort == "" {
		req.Sort = SortNewest
		if strings.TrimSpace(req.Query) != "" {
			req.Sort = SortRelevance
		}
	}
	q, err := buildQuery(req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	sr := bleve.NewSearchRequestOptions(q, req.Size, 0, false)
	// In relevance order the _id tie-break costs a tenth of a broad query
	// (it loads every hit's external id), but offset paging needs it.
	by := sortFields(req.Sort, fCreated)
	if by == nil {
		return nil, fmt.Errorf("search: %w: sort %q (want relevance, newest or oldest)", ErrBadRequest, req.Sort)
	}
	sr.SortBy(by)
	var c cursor
	if req.After != "" {
		var err error
		if c, err = openCursor(req.After, req.Sort); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
	}
	unfiltered := isUnfiltered(req) && req.Sort != SortRelevance && !ix.facetsFromIndex
	if unfiltered {
		if req.After != "" && !bytes.HasPrefix(c.Key, []byte(pTimeMsg)) {
			return nil, fmt.Errorf("search: %w: malformed cursor", ErrBadRequest)
		}
		if !req.NoFacets {
			if err := addFacets(sr, req, 1); err != nil { // validates the names
				return nil, fmt.Errorf("search: %w", err)
			}
		}
		out, err := ix.unfilteredPage(req, c.Key)
		if err == nil && !req.NoFacets {
			out.Facets, err = ix.dashboardFacets(req.Facets)
		}
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		out.Took = time.Since(start)
		return out, nil
	}
	if req.Kind == KindConversation && strings.TrimSpace(req.Query) != "" {
		if req.After != "" && ((req.Sort == SortRelevance && (c.Offset < 0 || c.Offset > maxGroups)) ||
			(req.Sort != SortRelevance && len(c.After) != 2)) {
			return nil, fmt.Errorf("search: %w: malformed cursor", ErrBadRequest)
		}
		out, err := ix.searchConversations(ctx, req, c, start)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		return out, nil
	}
	if req.After != "" {
		if err := c.resume(sr); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
	}
	if req.Sort == SortRelevance && sr.From+req.Size > maxRelevanceDepth {
		return nil, fmt.Errorf("search: %w: relevance order pages only %d deep; sort by time to go further",
			ErrBadRequest, maxRelevanceDepth)
	}
	release := ix.parts.acquire()
	defer release()
	idxs := []bleve.Index{ix.parts.conversations()}
	if req.Kind == KindMessage {
		idxs = ix.parts.messages(req.From, req.To)
	}
	if sr.Query, err = expandPatterns(ctx, sr.Query, idxs); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	dashboard := isUnfiltered(req) && !req.NoFacets && !ix.facetsFromIndex
	if !req.NoFacets {
		if err := addFacets(sr, req, len(idxs)); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if dashboard {
			sr.Facets = nil // counted at ingest instead
		}
	}
	res, err := searchPartitions(ctx, sr, idxs)
	if err != nil {
		return nil, fmt.Errorf("search: %w", tooManyTerms(err))
	}
	if req.Kind == KindMessage && strings.TrimSpace(req.Query) != "" {
		if err := addLocations(ctx, sr.Query, res.Hits, idxs); err != nil {
			return nil, fmt.Errorf("search: %w", tooManyTerms(err))
		}
	}
	out := &SearchResult{Total: res.Total, Hits: make([]Hit, 0, len(res.Hits))}
	if err := ix.fillHits(out, res.Hits, req.Kind); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out.Next = nextCursor(sr, res, req.Sort, req.Size)
	switch {
	case dashboard:
		if out.Facets, err = ix.dashboardFacets(req.Facets); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
	case !req.NoFacets:
		out.Facets = ix.convertFacets(res.Facets)
	}
	out.Took = time.Since(start)
	return out, nil
}

// searchPartitions runs sr over idxs: directly on one, in parallel over
// several (bleve.MultiSearch merges hits, totals and facets). A partition's
// failure fails the search rather than silently shrinking its results.
func searchPartitions(ctx context.Context, sr *bleve.SearchRequest, idxs []bleve.Index) (*bleve.SearchResult, error) {
	switch len(idxs) {
	case 0:
		return &bleve.SearchResult{Status: &bleve.SearchStatus{}}, nil
	case 1:
		return idxs[0].SearchInContext(ctx, sr)
	}
	res, err := bleve.MultiSearch(ctx, sr, nil, idxs...)
	if err != nil {
		return nil, err
	}
	for name, err := range res.Status.Errors {
		return nil, fmt.Errorf("index partition %s: %w", name, err)
	}
	return res, nil
}

// addLocations fetches term locations, which snippets are cut around, for
// the page of hits only. Asking for them in the main search would decode
// the locations of every match, a fifth of a broad query's time.
func addLocations(ctx context.Context, q query.Query, hits search.DocumentMatchCollection, idxs []bleve.Index) error {
	if len(hits) == 0 {
		return nil
	}
	byID := make(map[string]*search.DocumentMatch, len(hits))
	ids := make([]string, len(hits))
	in := map[string]bool{}
	for i, h := range hits {
		byID[h.ID], ids[i] = h, h.ID
		in[h.Index] = true
	}
	var from []bleve.Index
	for _, idx := range idxs {
		if in[idx.Name()] {
			from = append(from, idx)
		}
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), q), len(ids), 0, false)
	sr.IncludeLocations = true
	res, err := searchPartitions(ctx, sr, from)
	if err != nil {
		return err
	}
	for _, h := range res.Hits {
		if orig := byID[h.ID]; orig != nil {
			orig.Locations = h.Locations
		}
	}
	return nil
}

func buildQuery(req SearchRequest) (query.Query, error) {
	// Messages and conversations have partitions of their own, so there is
	// no kind filter.
	var must clauses
	if qs := strings.TrimSpace(req.Query); qs != "" {
		parsed, err := parseUserQuery(qs)
		if err != nil {
			return nil, err
		}
		must = append(must, simplify(parsed))
	}
	must.anyOf(fFinding, req.FindingTypes)
	must.anyOf(fSeverity, req.Severities)
	must.anyOf(fUser, req.Users)
	must.anyOf(fModel, req.Models)
	must.anyOf(fTools, req.Tools)
	must.anyOf(fSource, req.Sources)
	must.anyOf(fProduct, req.Products)
	must.anyOf(fConvKind, req.ConversationKinds)
	if req.Kind == KindMessage {
		must.anyOf(fRole, req.Roles)
	}
	if req.ConversationID != "" {
		must.anyOf(fConv, []string{req.ConversationID})
	}
	if req.FlaggedOnly {
		must.isTrue(fFlagged)
	}
	if err := must.between(fCreated, req.From, req.To); err != nil {
		return nil, err
	}
	return must.query(), nil
}

// facetFields maps facet names to their field and size. Facet cost grows with
// the number of hits, so callers that need few facets should name them.
var facetFields = map[string]facetField{
	FacetFindingType: {fFinding, 20},
	FacetSeverity:    {fSeverity, 4},
	FacetUser:        {fUser, 20},
	FacetModel:       {fModel, 20},
	FacetTool:        {fTools, 20},
	FacetSource:      {fSource, 4},
	FacetRole:        {fRole, 4},
	FacetDate:        {fMonth, 240},
	FacetProduct:     {fProduct, 20},
	// Two values today; room for what the API adds.
	FacetConversationKind: {fConvKind, 4},
}

// addFacets adds the requested facets. Over several partitions each one
// returns only its top terms, so a term that is second everywhere could be
// missed; asking each for more than is shown (as Elasticsearch's shard_size
// does) keeps the merged top terms right for any realistic spread.
func addFacets(sr *bleve.SearchRequest, req SearchRequest, partitions int) error {
	skip := ""
	if req.Kind != KindMessage {
		skip = FacetRole
	}
	return addTermFacets(sr, req.Facets, facetFields, fDay, req.From, req.To, partitions > 1, skip)
}

func (ix *Indexer) convertFacets(fr search.FacetResults) map[string][]FacetCount {
	out := termCounts(fr, facetFields)
	if users := out[FacetUser]; len(users) > 0 {
		ids := make([]string, len(users))
		for i, u := range users {
			ids[i] = u.Term
		}
		names := ix.userLabels(ids)
		for i := range users {
			users[i].Label = names[users[i].Term]
		}
	}
	return out
}

func (ix *Indexer) userLabels(ids []string) map[string]string {
	out := map[string]string{}
	_ = ix.db.View(func(txn *badger.Txn) error {
		for _, id := range ids {
			if u, err := lookupUser(txn, id); err == nil && u != nil {
				out[id] = u.DisplayName()
			}
		}
		return nil
	})
	return out
}

// fillHits loads each hit's record from Badger: the index stores nothing, so
// snippets and labels always reflect the source of truth.
func (ix *Indexer) fillHits(out *SearchResult, hits search.DocumentMatchCollection, kind Kind) error {
	hl := simplehl.NewHighlighter(simple.NewFragmenter(snippetChars), htmlformat.NewFragmentFormatter("<mark>", "</mark>"), " … ")
	return ix.db.View(func(txn *badger.Txn) error {
		l := &docLoader{txn: txn, convs: map[string]*model.Conversation{}, users: map[string]*model.User{}}
		for _, h := range hits {
			var hit Hit
			var err error
			switch {
			case kind == KindMessage && strings.HasPrefix(h.ID, "m/"):
				hit, err = messageHit(l, h, hl)
			case kind == KindConversation && strings.HasPrefix(h.ID, "c/"):
				hit, err = conversationHit(l, h)
			default:
				continue
			}
			if errors.Is(err, ErrNotFound) {
				// Deleted between the search and the read: skip, not fail.
				continue
			}
			if err != nil {
				return err
			}
			hit.Score = h.Score
			out.Hits = append(out.Hits, hit)
		}
		return nil
	})
}

func messageHit(l *docLoader, h *search.DocumentMatch, hl *simplehl.Highlighter) (Hit, error) {
	m, err := l.message(h.ID[2:])
	if err != nil {
		return Hit{}, err
	}
	if m == nil {
		return Hit{}, ErrNotFound
	}
	c, u, err := l.owner(m.ConversationID)
	if err != nil {
		return Hit{}, err
	}
	text := m.FlatText()
	hit := Hit{Kind: KindMessage, ID: m.ID, ConversationID: m.ConversationID, Role: string(m.Role),
		CreatedAt: m.CreatedAt, FindingCount: len(m.Findings), Tools: m.ToolNames()}
	for _, f := range m.Findings {
		hit.FindingTypes = appendUnique(hit.FindingTypes, f.Type)
	}
	setHitOwner(&hit, c, u)
	if len(h.Locations) > 0 {
		d := document.NewDocument(h.ID)
		d.AddField(document.NewTextField(fText, nil, []byte(text)))
		if frags := hl.BestFragmentsInField(h, d, fText, 1); len(frags) > 0 {
			hit.Snippet = frags[0]
		}
	}
	if hit.Snippet == "" {
		hit.Snippet = html.EscapeString(truncateRunes(text, snippetChars))
	}
	return hit, nil
}

func conversationHit(l *docLoader, h *search.DocumentMatch) (Hit, error) {
	c, u, err := l.owner(h.ID[2:])
	if err != nil {
		return Hit{}, err
	}
	if c == nil {
		return Hit{}, ErrNotFound
	}
	a, err := l.agg(c.ID)
	if err != nil {
		return Hit{}, err
	}
	hit := Hit{Kind: KindConversation, ID: c.ID, ConversationID: c.ID, CreatedAt: c.CreatedAt,
		FindingTypes: sortedKeys(a.FindingCounts), FindingCount: a.Findings, MessageCount: a.Messages,
		Tools: sortedKeys(a.Tools), Snippet: html.EscapeString(truncateRunes(c.Summary, snippetChars))}
	setHitOwner(&hit, c, u)
	return hit, nil
}

func setHitOwner(h *Hit, c *model.Conversation, u *model.User) {
	if c == nil {
		return
	}
	h.Title, h.Model, h.Provider, h.Source, h.UserID = c.Title, c.Model, c.Provider, string(c.Source), c.OwnerID
	h.Product, h.ConversationKind = c.ProductOrClaudeAI(), string(c.KindOrChat())
	if u != nil {
		h.UserID, h.UserName, h.UserEmail, h.UserAvatarSeed = u.ID, u.Name, u.Email, u.AvatarSeed
	}
}

func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// simplify unwraps the boolean query the query-string parser builds around a
// single clause ("budget" parses as should:[budget]). The result matches and
// scores the same, without two searchers in the way of every match (a
// tenth of a broad term query's time).
func simplify(q query.Query) query.Query {
	b, ok := q.(*query.BooleanQuery)
	if !ok || b.MustNot != nil {
		return q
	}
	switch {
	case b.Must == nil && b.Should != nil:
		if d, ok := b.Should.(*query.DisjunctionQuery); ok && len(d.Disjuncts) == 1 {
			return d.Disjuncts[0]
		}
	case b.Must != nil && b.Should == nil:
		if c, ok := b.Must.(*query.ConjunctionQuery); ok && len(c.Conjuncts) == 1 {
			return c.Conjuncts[0]
		}
	}
	return q
}
