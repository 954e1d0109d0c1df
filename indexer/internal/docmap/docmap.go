// Package docmap is what the indexer puts in Bleve: the index mapping, the
// document built for a message or a conversation, and the counts a
// conversation's document carries. It is internal so the indexer and its
// benchmark (whose raw-Bleve baseline must index exactly the indexer's
// documents) can share it without making it part of the indexer's API.
package docmap

import (
	"slices"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/ccsync/ccsync/model"
)

// BatchSize is the documents per Bleve batch: 1000 was the measured sweet
// spot (go-stack-notes §4); smaller batches make more segments to merge.
const BatchSize = 1000

// Document kinds, the values of FieldKind.
const (
	KindMessage      = "message"
	KindConversation = "conversation"
)

// Bleve field names. Only "text" and "title" are analysed; everything else is a
// keyword used for filters and facets. Nothing is stored: hits carry ids and
// sort values, and snippets are built from the Badger copy of the text.
const (
	FieldKind     = "kind"
	FieldText     = "text"
	FieldTitle    = "title"
	FieldUser     = "user"
	FieldEmail    = "user_email"
	FieldName     = "user_name"
	FieldModel    = "model"
	FieldProvider = "provider"
	FieldSource   = "source"
	FieldRole     = "role"
	FieldConv     = "conversation_id"
	FieldTools    = "tools"
	FieldFinding  = "finding_types"
	FieldSeverity = "severities"
	FieldFlagged  = "flagged"
	FieldCreated  = "created_at"
	FieldDay      = "created_day"
	FieldMonth    = "created_month"
	// FieldProduct is the Claude product (model.Conversation.ProductOrClaudeAI)
	// and FieldConvKind chat or session (KindOrChat), on message and
	// conversation documents alike, so records stored before sessions
	// existed read as claude.ai chats.
	FieldProduct  = "product"
	FieldConvKind = "conversation_kind"
)

// Doc is what Bleve indexes for a message or a conversation.
type Doc struct {
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
	Product  string    `json:"product"`
	ConvKind string    `json:"conversation_kind"`
}

// Bleve document ids carry the kind so message and conversation ids never collide.
func MessageID(id string) string      { return "m/" + id }
func ConversationID(id string) string { return "c/" + id }

// NewMapping is the index mapping of every partition.
func NewMapping() mapping.IndexMapping {
	im := bleve.NewIndexMapping()
	im.DefaultAnalyzer = "standard"
	im.DefaultField = FieldText
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false

	// Term vectors on text make hit locations available, which the snippet
	// builder needs; storing the text as well would double the index again
	// for no gain, since Badger already holds it (go-stack-notes §4).
	text := textField()
	title := bleve.NewTextFieldMapping()
	title.Store, title.IncludeInAll, title.DocValues, title.IncludeTermVectors = false, false, false, false

	filter := func() *mapping.FieldMapping {
		kw := facetField()
		kw.DocValues = false
		return kw
	}
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(FieldText, text)
	dm.AddFieldMappingsAt(FieldTitle, title)
	for _, f := range []string{FieldUser, FieldModel, FieldSource, FieldRole, FieldTools, FieldFinding, FieldSeverity, FieldDay, FieldMonth} {
		dm.AddFieldMappingsAt(f, facetField())
	}
	for _, f := range []string{FieldProduct, FieldConvKind} {
		dm.AddFieldMappingsAt(f, facetField())
	}
	for _, f := range []string{FieldKind, FieldEmail, FieldName, FieldProvider} {
		dm.AddFieldMappingsAt(f, filter())
	}
	// Doc values on the conversation id let conversation-mode search group
	// message hits per conversation with a terms facet.
	dm.AddFieldMappingsAt(FieldConv, facetField())
	dm.AddFieldMappingsAt(FieldFlagged, flaggedField())
	dm.AddFieldMappingsAt(FieldCreated, createdField())
	im.DefaultMapping = dm
	return im
}

// The field mappings below are shared by the message and the activity
// index, so the two keep indexing alike.

// textField is searched but not stored: Badger holds the text.
func textField() *mapping.FieldMapping {
	text := bleve.NewTextFieldMapping()
	text.Store, text.IncludeInAll, text.DocValues = false, false, false
	text.IncludeTermVectors = true
	return text
}

// facetField is a keyword with doc values, which facets read.
func facetField() *mapping.FieldMapping {
	kw := bleve.NewKeywordFieldMapping()
	kw.Store, kw.IncludeInAll, kw.IncludeTermVectors, kw.DocValues = false, false, false, true
	return kw
}

func flaggedField() *mapping.FieldMapping {
	flagged := bleve.NewBooleanFieldMapping()
	flagged.Store, flagged.IncludeInAll, flagged.DocValues = false, false, false
	return flagged
}

// createdField has doc values: searches sort by it.
func createdField() *mapping.FieldMapping {
	created := bleve.NewDateTimeFieldMapping()
	created.Store, created.IncludeInAll, created.DocValues = false, false, true
	return created
}

// timeTerms is t in UTC with its day and month, the date facet's terms.
func timeTerms(t time.Time) (time.Time, string, string) {
	t = t.UTC()
	return t, t.Format("2006-01-02"), t.Format("2006-01")
}

// Message builds a message's document. c and u, its conversation and the
// conversation's owner, may be nil when not (yet) stored.
func Message(m *model.Message, c *model.Conversation, u *model.User) *Doc {
	d := &Doc{
		Kind:    KindMessage,
		Text:    m.FlatText(),
		Role:    string(m.Role),
		Conv:    m.ConversationID,
		Tools:   m.ToolNames(),
		Flagged: len(m.Findings) > 0,
	}
	setTime(d, m.CreatedAt)
	for _, f := range m.Findings {
		d.Findings = AppendUnique(d.Findings, f.Type)
		d.Severity = AppendUnique(d.Severity, string(f.Severity))
	}
	setOwner(d, c, u)
	return d
}

// Conversation builds a conversation's document from its record, its
// counts and its owner (nil when unknown).
func Conversation(c *model.Conversation, a *Aggregates, u *model.User) *Doc {
	d := &Doc{
		Kind:    KindConversation,
		Text:    c.Title + "\n\n" + c.Summary,
		Conv:    c.ID,
		Flagged: a.Findings > 0,
	}
	setTime(d, c.CreatedAt)
	d.Findings = SortedKeys(a.FindingCounts)
	d.Severity = SortedKeys(a.Severities)
	d.Tools = SortedKeys(a.Tools)
	setOwner(d, c, u)
	return d
}

func setTime(d *Doc, t time.Time) {
	d.Created, d.Day, d.Month = timeTerms(t)
}

func setOwner(d *Doc, c *model.Conversation, u *model.User) {
	if c == nil {
		// Not stored yet: the defaults, as the indexer's counters assume
		// until the conversation arrives and moves them.
		c = &model.Conversation{}
		d.Product, d.ConvKind = c.ProductOrClaudeAI(), string(c.KindOrChat())
		return
	}
	d.Product, d.ConvKind = c.ProductOrClaudeAI(), string(c.KindOrChat())
	d.Title, d.Model, d.Provider, d.Source, d.User = c.Title, c.Model, c.Provider, string(c.Source), c.OwnerID
	if u != nil {
		// Facet on the primary id even when the conversation names an alias.
		d.User, d.Name, d.Email = u.ID, u.Name, u.Email
	}
}

// AppendUnique appends v to s unless s holds it.
func AppendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// SortedKeys returns the keys of m with a positive count, sorted.
func SortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k, n := range m {
		if n > 0 {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
