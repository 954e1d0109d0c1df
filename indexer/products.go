package indexer

import (
	"context"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/dgraph-io/badger/v4"
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// eachConversation decodes every stored conversation record, in key order.
func eachConversation(txn *badger.Txn, fn func(*model.Conversation) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pConv), PrefetchValues: true, PrefetchSize: 256})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var c model.Conversation
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &c) }); err != nil {
			return fmt.Errorf("conversation %q: %w", it.Item().Key(), err)
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	return nil
}

// verifyProducts holds the product and kind counters to what the index
// says: message counts per product and kind against Bleve's facets over
// every message partition, conversation counts against the conversations
// partition. They move with the conversation (putConversation), so a bug
// there shows up as a disagreement here.
func (ix *Indexer) verifyProducts(ctx context.Context, problem func(string, ...any)) error {
	counts, err := ix.dashboardFacetsAll([]string{FacetProduct, FacetConversationKind})
	if err != nil {
		return err
	}
	convs := map[string]map[string]int{FacetProduct: {}, FacetConversationKind: {}}
	err = ix.db.View(func(txn *badger.Txn) error {
		return scanCounters(txn, map[string]map[string]int{
			convsByProduct: convs[FacetProduct], convsByKind: convs[FacetConversationKind]})
	})
	if err != nil {
		return err
	}
	release := ix.parts.acquire()
	defer release()
	for _, target := range []struct {
		what string
		idxs []bleve.Index
		want map[string]map[string]int
	}{
		{"messages", ix.parts.messages(time.Time{}, time.Time{}), counts},
		{"conversations", []bleve.Index{ix.parts.conversations()}, convs},
	} {
		sr := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 0, 0, false)
		sr.AddFacet(FacetProduct, bleve.NewFacetRequest(fProduct, 1000))
		sr.AddFacet(FacetConversationKind, bleve.NewFacetRequest(fConvKind, 100))
		res, err := searchPartitions(ctx, sr, target.idxs)
		if err != nil {
			return err
		}
		for name, want := range target.want {
			got := map[string]int{}
			if f := res.Facets[name]; f != nil && f.Terms != nil {
				for _, t := range f.Terms.Terms() {
					got[t.Term] = t.Count
				}
			}
			for term := range union(got, want) {
				if got[term] != want[term] {
					problem("%s with %s %q: counter %d, index %d", target.what, name, term, want[term], got[term])
				}
			}
		}
	}
	return nil
}

// scanCounters reads every counter under each prefix into its map.
func scanCounters(txn *badger.Txn, into map[string]map[string]int) error {
	for prefix, m := range into {
		p := key(pStat, prefix)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: true})
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := counterValue(it.Item())
			if err != nil {
				it.Close()
				return err
			}
			if v != 0 {
				m[string(it.Item().Key()[len(p):])] = int(v)
			}
		}
		it.Close()
	}
	return nil
}

func union(a, b map[string]int) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
