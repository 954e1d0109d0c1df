package indexer

import (
	"context"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// Stats returns the analytics counters. Totals, days and finding types are
// counters kept at ingest, like the per-user and per-model counts, which come
// from the facet counters (dashboard.go) and so follow a conversation's owner
// and model when they change.
func (ix *Indexer) Stats(ctx context.Context) (Stats, error) {
	s := Stats{MessagesPerDay: map[string]int{}, MessagesPerUser: map[string]int{},
		MessagesPerModel: map[string]int{}, FindingsPerType: map[string]int{},
		ConversationsPerProduct: map[string]int{}, MessagesPerProduct: map[string]int{}, FindingsPerProduct: map[string]int{},
		ConversationsPerKind: map[string]int{}, MessagesPerKind: map[string]int{}, FindingsPerKind: map[string]int{}}
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pStat), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			name := string(it.Item().Key()[len(pStat):])
			c, _ := counterValue(it.Item())
			v := int(c)
			switch {
			case name == "messages":
				s.Messages = v
			case name == "conversations":
				s.Conversations = v
			case name == "users":
				s.Users = v
			case name == "flagged":
				s.FlaggedMessages = v
			case strings.HasPrefix(name, "day/"):
				s.MessagesPerDay[name[4:]] = v
			case strings.HasPrefix(name, "ftype/"):
				s.FindingsPerType[name[6:]] = v
			case v == 0:
			case strings.HasPrefix(name, findingsByProduct):
				s.FindingsPerProduct[name[len(findingsByProduct):]] = v
			case strings.HasPrefix(name, findingsByKind):
				s.FindingsPerKind[name[len(findingsByKind):]] = v
			case strings.HasPrefix(name, convsByProduct):
				s.ConversationsPerProduct[name[len(convsByProduct):]] = v
			case strings.HasPrefix(name, convsByKind):
				s.ConversationsPerKind[name[len(convsByKind):]] = v
			}
		}
		return nil
	})
	if err != nil {
		return s, err
	}
	// Per user and per model: the facet counts kept at ingest, which follow
	// a conversation's owner and model when they change.
	facets, err := ix.dashboardFacetsAll([]string{FacetUser, FacetModel, FacetProduct, FacetConversationKind})
	for term, n := range facets[FacetProduct] {
		s.MessagesPerProduct[term] = n
	}
	for term, n := range facets[FacetConversationKind] {
		s.MessagesPerKind[term] = n
	}
	for term, n := range facets[FacetUser] {
		s.MessagesPerUser[term] = n
	}
	for term, n := range facets[FacetModel] {
		if term == "" {
			term = "unknown"
		}
		s.MessagesPerModel[term] = n
	}
	return s, err
}
