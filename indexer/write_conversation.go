package indexer

import (
	"bytes"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

func (w *writer) putConversation(c model.Conversation) error {
	if err := w.room(4096); err != nil {
		return err
	}
	var old model.Conversation
	found, oldRaw, err := getJSON(w.txn, key(pConv, c.ID), &old)
	if err != nil {
		return err
	}
	if found && old.Source != c.Source && old.Source != "" && c.Source != "" {
		var alias, primary string
		c, alias, primary = mergeSources(old, c)
		if alias != "" {
			if err := w.linkAlias(primary, alias); err != nil {
				return err
			}
		}
	}
	if found {
		// A source that omits a field does not erase what is stored: only
		// exports carry summaries, and a merged conversation keeps the
		// title, project and owner the export filled in when the API copy
		// comes round again.
		c = fillEmpty(c, old)
		keepDeletion(&c, old)
	} else if c.DeletedAt != nil && c.DeletedBy == "" {
		c.DeletedBy = model.DeletedByUser
	}
	// Aggregates belong to the indexer, not to the source.
	c.MessageCount, c.FindingCount, c.FindingCounts = 0, 0, nil
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if found && bytes.Equal(oldRaw, raw) {
		w.res.Unchanged++
		return nil
	}
	if found {
		if err := w.del(timeConvKey(old.CreatedAt, old.ID)); err != nil {
			return err
		}
		if err := w.del(userConvKey(old.OwnerID, old.CreatedAt, old.ID)); err != nil {
			return err
		}
		w.countConversation(&old, -1)
	} else {
		w.count("conversations", 1)
	}
	w.countConversation(&c, 1)
	if err := w.set(key(pConv, c.ID), raw); err != nil {
		return err
	}
	if err := w.set(timeConvKey(c.CreatedAt, c.ID), nil); err != nil {
		return err
	}
	if err := w.set(userConvKey(c.OwnerID, c.CreatedAt, c.ID), nil); err != nil {
		return err
	}
	w.res.Conversations++
	// Move the conversation's messages in the user/model/source facet counts.
	a, err := w.agg(c.ID)
	if err != nil {
		return err
	}
	if n := int64(a.Messages); n > 0 {
		prev := old // the zero value when messages came before their conversation
		f := int64(a.Findings)
		w.countConversationFacets(&prev, -n, -f)
		w.countConversationFacets(&c, n, f)
	}
	w.convs[c.ID] = &c
	// Message documents carry the owner, model, source and title: when those
	// change, every message of the conversation is reindexed.
	if !found || old.OwnerID != c.OwnerID || old.Model != c.Model || old.Source != c.Source ||
		old.Provider != c.Provider || old.Title != c.Title ||
		old.ProductOrClaudeAI() != c.ProductOrClaudeAI() || old.KindOrChat() != c.KindOrChat() {
		return w.outbox(obConvDeep, c.ID)
	}
	return w.outbox(obConv, c.ID)
}

// mergeSources combines the stored and the incoming record of a conversation
// that two sources know (the export's uuid is the chat UUID in the Compliance
// API's href, and both key the conversation by it). The Compliance API copy
// is live and authoritative; the export fills what it lacks (summary,
// project, a title the API no longer shows). When the two name the owner
// differently — the API's user_… id, the export's account uuid — the account
// uuid becomes an alias of the API user, so both resolve to one person.
func mergeSources(stored, incoming model.Conversation) (merged model.Conversation, alias, primary string) {
	api, exp := incoming, stored
	if stored.Source == model.SourceComplianceAPI {
		api, exp = stored, incoming
	}
	merged = fillEmpty(api, exp)
	if api.OwnerID != "" && exp.OwnerID != "" && api.OwnerID != exp.OwnerID {
		alias, primary = exp.OwnerID, api.OwnerID
	}
	return merged, alias, primary
}

// fillEmpty returns c with its empty descriptive fields taken from from.
func fillEmpty(c, from model.Conversation) model.Conversation {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	if c.Title == "" && from.Title != "" {
		// A deleted chat is listed with name "": the archived title stays,
		// and so does whether it was inferred.
		c.Title, c.TitleDerived = from.Title, from.TitleDerived
	}
	fill(&c.Summary, from.Summary)
	fill(&c.ProjectID, from.ProjectID)
	fill(&c.OwnerID, from.OwnerID)
	fill(&c.Model, from.Model)
	fill(&c.URL, from.URL)
	fill(&c.OrgID, from.OrgID)
	fill(&c.ExternalID, from.ExternalID)
	fill((*string)(&c.Kind), string(from.Kind))
	fill(&c.Product, from.Product)
	fill(&c.Surface, from.Surface)
	fill(&c.Status, from.Status)
	fill(&c.AgentID, from.AgentID)
	fill(&c.StartedBy, from.StartedBy)
	fill(&c.WorkspaceID, from.WorkspaceID)
	fill(&c.Workdir, from.Workdir)
	return c
}
