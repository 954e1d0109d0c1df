package indexer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// The unfiltered view — every message, no query — is what the Logs page and
// the analytics open on, and the one search whose facet cost grows with the
// whole store: Bleve visits every document to count facet terms (~200 ms at
// 100k messages, seconds at a million). Ingest keeps the same counts in
// Badger, in the transaction that changes them (write_message.go,
// write_conversation.go), and such a search reads them instead.
// TestDashboardFacetsMatchBleve holds the two to the same answers.

const pFacet = "mf/" // under pStat: st/mf/<facet>/<term> → messages

func facetCounter(facet, term string) string { return pFacet + facet + "/" + term }

// isUnfiltered reports whether req selects every message.
func isUnfiltered(req SearchRequest) bool {
	return req.Kind == KindMessage && strings.TrimSpace(req.Query) == "" &&
		len(req.FindingTypes) == 0 && len(req.Severities) == 0 && !req.FlaggedOnly && len(req.Users) == 0 &&
		len(req.Models) == 0 && len(req.Roles) == 0 && len(req.Tools) == 0 && len(req.Sources) == 0 &&
		len(req.Products) == 0 && len(req.ConversationKinds) == 0 &&
		req.ConversationID == "" && req.From.IsZero() && req.To.IsZero()
}

// unfilteredPage answers an unfiltered, time-ordered page from Badger's time
// index: a seek and Size reads, where sorting every document in Bleve costs
// time proportional to the store. Its cursor is the last time key returned.
func (ix *Indexer) unfilteredPage(req SearchRequest, after []byte) (*SearchResult, error) {
	out := &SearchResult{Hits: []Hit{}}
	err := ix.db.View(func(txn *badger.Txn) error {
		total, err := readCounter(txn, key(pStat, "messages"))
		if err != nil {
			return err
		}
		out.Total = uint64(max(total, 0))
		reverse := req.Sort == SortNewest
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pTimeMsg), Reverse: reverse})
		defer it.Close()
		switch {
		case after != nil:
			it.Seek(after)
			if it.Valid() && bytes.Equal(it.Item().Key(), after) {
				it.Next()
			}
		case reverse:
			it.Seek(append([]byte(pTimeMsg), bytes.Repeat([]byte{0xff}, 9)...))
		default:
			it.Rewind()
		}
		l := &docLoader{txn: txn, convs: map[string]*model.Conversation{}, users: map[string]*model.User{}}
		var lastKey []byte
		for ; it.Valid() && len(out.Hits) < req.Size; it.Next() {
			k := it.Item().KeyCopy(nil)
			hit, err := messageHit(l, &search.DocumentMatch{ID: messageDocID(string(k[len(pTimeMsg)+8:]))}, nil)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out.Hits = append(out.Hits, hit)
			lastKey = k
		}
		if it.Valid() && lastKey != nil {
			out.Next = encodeCursor(cursor{Sort: req.Sort, Key: lastKey})
		}
		return nil
	})
	return out, err
}

// dashboardFacets answers the facets of an unfiltered message search from
// the counters, in the shape and order Bleve's facets have: by count, then
// term, cut to each facet's size; dates by term.
func (ix *Indexer) dashboardFacets(names []string) (map[string][]FacetCount, error) {
	if len(names) == 0 {
		for n := range facetFields {
			names = append(names, n)
		}
	}
	counts, err := ix.dashboardFacetsAll(names)
	if err != nil {
		return nil, err
	}
	return ix.orderFacets(counts), nil
}

// dashboardFacetsAll reads every term's count of the named facets, users
// resolved to the user their id or alias names.
func (ix *Indexer) dashboardFacetsAll(names []string) (map[string]map[string]int, error) {
	counts := map[string]map[string]int{}
	for _, n := range names {
		counts[n] = map[string]int{}
	}
	err := ix.db.View(func(txn *badger.Txn) error {
		prefix := []byte(pStat + pFacet)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 256})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			facet, term, ok := strings.Cut(string(it.Item().Key()[len(prefix):]), "/")
			m, wanted := counts[facet]
			if !ok || !wanted {
				continue
			}
			v, err := counterValue(it.Item())
			if err != nil {
				return err
			}
			n := int(v)
			if n <= 0 {
				continue
			}
			if facet == FacetUser {
				// Counted under the id the conversation names; the index
				// facets on the user it resolves to (an export account
				// uuid linked to an API user counts as that user).
				if u, err := lookupUser(txn, term); err != nil {
					return err
				} else if u != nil {
					term = u.ID
				}
			}
			m[term] += n
		}
		return nil
	})
	return counts, err
}

// orderFacets sorts and cuts counts the way Bleve returns facets.
func (ix *Indexer) orderFacets(counts map[string]map[string]int) map[string][]FacetCount {
	out := map[string][]FacetCount{}
	var users []string
	for facet, m := range counts {
		fc := make([]FacetCount, 0, len(m))
		for t, n := range m {
			fc = append(fc, FacetCount{Term: t, Count: n})
		}
		slices.SortFunc(fc, func(a, b FacetCount) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Term, b.Term)
		})
		if size := facetFields[facet].size; len(fc) > size {
			fc = fc[:size]
		}
		if facet == FacetDate {
			slices.SortFunc(fc, func(a, b FacetCount) int { return strings.Compare(a.Term, b.Term) })
		}
		if facet == FacetUser {
			for _, f := range fc {
				users = append(users, f.Term)
			}
		}
		out[facet] = fc
	}
	if len(users) > 0 {
		labels := ix.userLabels(users)
		for i := range out[FacetUser] {
			out[FacetUser][i].Label = labels[out[FacetUser][i].Term]
		}
	}
	return out
}

// facetCountsVersion marks a store whose facet counters are complete; a store
// written before they existed gets them computed once at Open.
// v2: product and conversation kind (facets, findings and conversations).
const facetCountsVersion = "stats/facet_counts_v2"

func (ix *Indexer) ensureFacetCounts() error {
	if _, err := ix.Meta(facetCountsVersion); err == nil {
		return nil
	}
	counts := map[string]int64{}
	err := ix.db.View(func(txn *badger.Txn) error {
		w := &writer{txn: txn, counters: counts, convs: map[string]*model.Conversation{}}
		if err := eachMessage(txn, func(m *model.Message) error { return w.countMessageFacets(m, 1) }); err != nil {
			return err
		}
		return eachConversation(txn, func(c *model.Conversation) error { w.countConversation(c, 1); return nil })
	})
	if err != nil {
		return fmt.Errorf("compute facet counts: %w", err)
	}
	wb := ix.db.NewWriteBatch()
	defer wb.Cancel()
	for name, n := range counts {
		if n == 0 {
			continue
		}
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(n))
		if err := wb.Set(key(pStat, name), b[:]); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("compute facet counts: %w", err)
	}
	if len(counts) > 0 {
		ix.log.Info("computed dashboard facet counts for an older store", "counters", len(counts))
	}
	return ix.PutMeta(facetCountsVersion, []byte("1"))
}
