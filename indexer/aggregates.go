package indexer

import "github.com/ccsync/ccsync/indexer/internal/docmap"

// convAgg are a conversation's counts, kept in their own key (ca/) so that a
// source re-sending the conversation record never clobbers them.
type convAgg = docmap.Aggregates
