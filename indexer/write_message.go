package indexer

import (
	"bytes"

	"github.com/ccsync/ccsync/model"
)

func (w *writer) putMessage(e encodedMessage) error {
	m := e.msg
	if err := w.room(int64(len(e.raw)) + 512); err != nil {
		return err
	}
	var old model.Message
	found, oldRaw, err := getJSON(w.txn, key(pMessage, m.ID), &old)
	if err != nil {
		return err
	}
	if found {
		if kept, rescan, changed := keepArchivedMessage(m, &old); changed {
			if e, err = w.reencode(kept, rescan); err != nil {
				return err
			}
			m = e.msg
		}
	}
	if found && bytes.Equal(oldRaw, e.raw) {
		w.res.Unchanged++
		return nil
	}
	if found {
		if err := w.unlinkMessage(&old); err != nil {
			return err
		}
	}
	if err := w.set(key(pMessage, m.ID), e.raw); err != nil {
		return err
	}
	if err := w.linkMessage(m); err != nil {
		return err
	}
	w.cache[m.ID] = m
	w.res.Messages++
	var prev *model.Message
	if found {
		prev = &old
	}
	if err := w.journalMessage(m, prev); err != nil {
		return err
	}
	moved := ""
	if found && monthOf(old.CreatedAt) != monthOf(m.CreatedAt) {
		moved = monthOf(old.CreatedAt) // its old document is in another partition
	}
	return w.outboxMessage(m.ID, moved)
}

// linkMessage adds a stored message's secondary keys and counts.
func (w *writer) linkMessage(m *model.Message) error {
	if err := w.set(convMsgKey(m.ConversationID, m.Seq, m.ID), nil); err != nil {
		return err
	}
	stub, err := encodeStub(m)
	if err != nil {
		return err
	}
	if err := w.set(timeMsgKey(m.CreatedAt, m.ID), stub); err != nil {
		return err
	}
	return w.countMessage(m, 1)
}

// unlinkMessage removes what linkMessage added (the record itself is the
// caller's business).
func (w *writer) unlinkMessage(m *model.Message) error {
	if err := w.del(convMsgKey(m.ConversationID, m.Seq, m.ID)); err != nil {
		return err
	}
	if err := w.del(timeMsgKey(m.CreatedAt, m.ID)); err != nil {
		return err
	}
	return w.countMessage(m, -1)
}

func (w *writer) countMessage(m *model.Message, sign int) error {
	w.count("messages", int64(sign))
	if len(m.Findings) > 0 {
		w.count("flagged", int64(sign))
	}
	w.count("day/"+m.CreatedAt.UTC().Format("2006-01-02"), int64(sign))
	for _, f := range m.Findings {
		w.count("ftype/"+f.Type, int64(sign))
	}
	if m.ScannedBy != "" {
		w.count(scannedCounter(m.ScannedBy), int64(sign))
	}
	a, err := w.agg(m.ConversationID)
	if err != nil {
		return err
	}
	a.Add(m, sign)
	return w.countMessageFacets(m, sign)
}

// countMessageFacets keeps, per facet term, the number of messages a facet
// over every message would count, so the unfiltered dashboard needs no pass
// over the index (see dashboard.go). Terms that come from the conversation
// (user, model, source) use its stored values; putConversation moves the
// counts when they change.
func (w *writer) countMessageFacets(m *model.Message, sign int) error {
	d := int64(sign)
	var types, sevs []string
	for _, f := range m.Findings {
		types = appendUnique(types, f.Type)
		sevs = appendUnique(sevs, string(f.Severity))
	}
	for _, t := range types {
		w.count(facetCounter(FacetFindingType, t), d)
	}
	for _, s := range sevs {
		w.count(facetCounter(FacetSeverity, s), d)
	}
	for _, t := range m.ToolNames() {
		w.count(facetCounter(FacetTool, t), d)
	}
	w.count(facetCounter(FacetRole, string(m.Role)), d)
	w.count(facetCounter(FacetDate, m.CreatedAt.UTC().Format("2006-01")), d)
	c, err := w.conversation(m.ConversationID)
	if err != nil {
		return err
	}
	if c == nil {
		// Not stored yet: the index has empty terms for it, and so do we
		// until putConversation moves the count.
		c = &model.Conversation{}
	}
	w.countConversationFacets(c, d, d*int64(len(m.Findings)))
	return nil
}

// countConversationFacets adds n messages holding findings findings to the
// conversation-derived facets. Empty values count too: Bleve indexes them as
// the empty term, which the UI shows as "(not set)".
func (w *writer) countConversationFacets(c *model.Conversation, n, findings int64) {
	w.count(facetCounter(FacetUser, c.OwnerID), n)
	w.count(facetCounter(FacetModel, c.Model), n)
	w.count(facetCounter(FacetSource, string(c.Source)), n)
	product, kind := c.ProductOrClaudeAI(), string(c.KindOrChat())
	w.count(facetCounter(FacetProduct, product), n)
	w.count(facetCounter(FacetConversationKind, kind), n)
	w.count(findingsByProduct+product, findings)
	w.count(findingsByKind+kind, findings)
}

// Counters of findings and conversations by product and kind, for Stats.
const (
	findingsByProduct = "fprod/"
	findingsByKind    = "fkind/"
	convsByProduct    = "cprod/"
	convsByKind       = "ckind/"
)

// countConversation counts conversation c in (sign 1) or out (-1) of the
// per-product and per-kind conversation counters.
func (w *writer) countConversation(c *model.Conversation, sign int64) {
	w.count(convsByProduct+c.ProductOrClaudeAI(), sign)
	w.count(convsByKind+string(c.KindOrChat()), sign)
}
