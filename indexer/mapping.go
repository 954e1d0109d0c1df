package indexer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/ccsync/ccsync/indexer/internal/docmap"
)

// mappingVersion is stored beside the index; a change rebuilds the index at
// the next start so the derived index never disagrees with the code.
//
// 3: product and conversation_kind fields, doc values on conversation_id.
const mappingVersion = "3"

// The Bleve fields searches filter, sort and facet on (docmap has them all).
const (
	fText     = docmap.FieldText
	fUser     = docmap.FieldUser
	fModel    = docmap.FieldModel
	fSource   = docmap.FieldSource
	fRole     = docmap.FieldRole
	fConv     = docmap.FieldConv
	fTools    = docmap.FieldTools
	fFinding  = docmap.FieldFinding
	fSeverity = docmap.FieldSeverity
	fFlagged  = docmap.FieldFlagged
	fCreated  = docmap.FieldCreated
	fDay      = docmap.FieldDay
	fMonth    = docmap.FieldMonth
	fProduct  = docmap.FieldProduct
	fConvKind = docmap.FieldConvKind
)

// doc is what Bleve indexes for a message or a conversation.
type doc = docmap.Doc

func newMapping() mapping.IndexMapping { return docmap.NewMapping() }

// openIndex opens the partitions under Dir/index. An index built by another
// version is rebuilt whole, damaged partitions one by one, from Badger:
// the index is derived data and must never be the reason ccsync cannot start.
func (ix *Indexer) openIndex(ctx context.Context) error {
	path := filepath.Join(ix.opts.Dir, "index")
	ver, verErr := ix.Meta("index/mapping_version")
	fresh := verErr != nil || string(ver) != mappingVersion
	if fresh {
		if _, err := os.Stat(path); err == nil {
			ix.log.Warn("search index was built by another version; rebuilding from the store", "path", path)
		} else if n := ix.countPrefix(pMessage); n > 0 {
			ix.log.Warn("search index missing; rebuilding from the store", "path", path, "messages", n)
		}
		if err := os.RemoveAll(path); err != nil {
			return fmt.Errorf("remove outdated index %s: %w", path, err)
		}
	}
	parts, damaged, err := openPartitions(path)
	if err != nil {
		return err
	}
	ix.parts = parts
	for _, m := range damaged {
		ix.log.Warn("search index partition unreadable; rebuilding from the store", "month", m)
	}
	if fresh {
		if err := ix.rebuildAll(ctx, nil); err != nil {
			return fmt.Errorf("rebuild index: %w", err)
		}
		return ix.PutMeta("index/mapping_version", []byte(mappingVersion))
	}
	for _, m := range damaged {
		if err := ix.rebuildPartition(ctx, m, nil); err != nil {
			return fmt.Errorf("rebuild index: %w", err)
		}
	}
	return nil
}

func newIndex(path string) (bleve.Index, error) {
	idx, err := bleve.New(path, newMapping())
	if err != nil {
		return nil, fmt.Errorf("create index %s: %w", path, err)
	}
	return idx, nil
}
