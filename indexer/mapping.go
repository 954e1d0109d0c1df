package indexer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
)

// mappingVersion is stored beside the index; a change rebuilds the index at
// the next start so the derived index never disagrees with the code.
const mappingVersion = "2" // 2: partitioned by month

// Bleve field names. Only "text" and "title" are analysed; everything else is a
// keyword used for filters and facets. Nothing is stored: hits carry ids and
// sort values, and snippets are built from the Badger copy of the text.
const (
	fKind     = "kind"
	fText     = "text"
	fTitle    = "title"
	fUser     = "user"
	fEmail    = "user_email"
	fName     = "user_name"
	fModel    = "model"
	fProvider = "provider"
	fSource   = "source"
	fRole     = "role"
	fConv     = "conversation_id"
	fTools    = "tools"
	fFinding  = "finding_types"
	fSeverity = "severities"
	fFlagged  = "flagged"
	fCreated  = "created_at"
	fDay      = "created_day"
	fMonth    = "created_month"
)

// doc is what Bleve indexes for a message or a conversation.
type doc struct {
	Kind     string    `json:"kind"`
	Text     string    `json:"text"`
	Title    string    `json:"title,omitempty"`
	User     string    `json:"user,omitempty"`
	Email    string    `json:"user_email,omitempty"`
	Name     string    `json:"user_name,omitempty"`
	Model    string    `json:"model,omitempty"`
	Provider string    `json:"provider,omitempty"`
	Source   string    `json:"source,omitempty"`
	Role     string    `json:"role,omitempty"`
	Conv     string    `json:"conversation_id"`
	Tools    []string  `json:"tools,omitempty"`
	Findings []string  `json:"finding_types,omitempty"`
	Severity []string  `json:"severities,omitempty"`
	Flagged  bool      `json:"flagged"`
	Created  time.Time `json:"created_at"`
	Day      string    `json:"created_day"`
	Month    string    `json:"created_month"`
}

func newMapping() mapping.IndexMapping {
	im := bleve.NewIndexMapping()
	im.DefaultAnalyzer = "standard"
	im.DefaultField = fText
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false

	// Term vectors on text make hit locations available, which the snippet
	// builder needs; storing the text as well would double the index again
	// for no gain, since Badger already holds it (go-stack-notes §4).
	text := bleve.NewTextFieldMapping()
	text.Store, text.IncludeInAll, text.DocValues = false, false, false
	text.IncludeTermVectors = true
	title := bleve.NewTextFieldMapping()
	title.Store, title.IncludeInAll, title.DocValues, title.IncludeTermVectors = false, false, false, false

	facet := func() *mapping.FieldMapping {
		kw := bleve.NewKeywordFieldMapping()
		kw.Store, kw.IncludeInAll, kw.IncludeTermVectors, kw.DocValues = false, false, false, true
		return kw
	}
	filter := func() *mapping.FieldMapping {
		kw := facet()
		kw.DocValues = false
		return kw
	}
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fText, text)
	dm.AddFieldMappingsAt(fTitle, title)
	for _, f := range []string{fUser, fModel, fSource, fRole, fTools, fFinding, fSeverity, fDay, fMonth} {
		dm.AddFieldMappingsAt(f, facet())
	}
	for _, f := range []string{fKind, fEmail, fName, fProvider, fConv} {
		dm.AddFieldMappingsAt(f, filter())
	}
	flagged := bleve.NewBooleanFieldMapping()
	flagged.Store, flagged.IncludeInAll, flagged.DocValues = false, false, false
	dm.AddFieldMappingsAt(fFlagged, flagged)
	created := bleve.NewDateTimeFieldMapping()
	created.Store, created.IncludeInAll, created.DocValues = false, false, true
	dm.AddFieldMappingsAt(fCreated, created)
	im.DefaultMapping = dm
	return im
}

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
