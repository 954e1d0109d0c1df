package indexer

import (
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// An archive must outlive its source: a user who deletes a chat makes the
// Compliance API list it with no name and no content, a session turn that
// ages out comes back as a retention placeholder, and a file whose fetch
// failed arrives without text. None of these may replace what was stored.
// The guards below run in putMessage and putConversation, inside the write
// lock, for every source.

// keepArchivedMessage returns the message to store when incoming replaces
// stored: incoming itself, or incoming with the stored content kept. The
// bool says whether the content changed from incoming's, in which case the
// caller must rescan (file text merged) or re-encode (content kept whole).
func keepArchivedMessage(incoming, stored *model.Message) (out *model.Message, rescan, changed bool) {
	if emptied(incoming) && !emptied(stored) {
		m := *incoming
		// The whole content, with the findings and scan stamp made from it
		// and the provenance that described it: the placeholder describes
		// what the source holds now, not what was archived.
		m.Blocks, m.Files, m.Findings, m.ScannedBy, m.Provenance =
			stored.Blocks, mergeFiles(incoming.Files, stored.Files), stored.Findings, stored.ScannedBy, stored.Provenance
		if m.Model == "" {
			m.Model = stored.Model
		}
		return &m, false, true
	}
	files, filled := keepFileText(incoming.Files, stored.Files)
	if !filled {
		return incoming, false, false
	}
	m := *incoming
	m.Files = files
	return &m, true, true
}

// emptied reports whether a message carries no content a person could read:
// no blocks, only blocks without text, or the source's "content unavailable"
// placeholder.
func emptied(m *model.Message) bool {
	if m.Unavailable() {
		return true
	}
	for _, b := range m.Blocks {
		if b.Text != "" || b.ToolInput != "" || b.Raw != "" {
			return false
		}
	}
	for _, f := range m.Files {
		if f.ExtractedText != "" {
			return false
		}
	}
	return true
}

// keepFileText gives each incoming file with no text the stored text of the
// same file id (with the fetch outcome that produced it). filled is false
// when nothing was taken from stored.
func keepFileText(incoming, stored []model.File) (out []model.File, filled bool) {
	if len(stored) == 0 {
		return incoming, false
	}
	byID := make(map[string]*model.File, len(stored))
	for i := range stored {
		if f := &stored[i]; f.ID != "" && f.ExtractedText != "" {
			byID[f.ID] = f
		}
	}
	for i := range incoming {
		f := &incoming[i]
		old := byID[f.ID]
		if f.ExtractedText != "" || old == nil {
			continue
		}
		if !filled {
			out = append([]model.File(nil), incoming...)
			filled = true
		}
		out[i].ExtractedText, out[i].Fetch, out[i].FetchedAt = old.ExtractedText, old.Fetch, old.FetchedAt
	}
	if !filled {
		return incoming, false
	}
	return out, true
}

// mergeFiles is the stored file list with the metadata of the same ids from
// incoming (a fetch outcome, say) laid over it, text kept: an emptied
// re-delivery lists no files at all (a deleted chat's are null).
func mergeFiles(incoming, stored []model.File) []model.File {
	if len(incoming) == 0 {
		return stored
	}
	byID := make(map[string]model.File, len(incoming))
	for _, f := range incoming {
		if f.ID != "" {
			byID[f.ID] = f
		}
	}
	out := append([]model.File(nil), stored...)
	for i := range out {
		if f, ok := byID[out[i].ID]; ok && out[i].ExtractedText == "" {
			out[i] = f
		}
	}
	return out
}

// reencode replaces e's message after a guard changed it, rescanning when
// its text changed.
func (w *writer) reencode(m *model.Message, rescan bool) (encodedMessage, error) {
	if rescan {
		w.ix.scanMessage(m)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return encodedMessage{}, err
	}
	return encodedMessage{msg: m, raw: raw}, nil
}

// keepDeletion carries a stored deletion mark over a re-delivery that has
// none: a chat the API lists again (or an export of it) does not un-delete
// it. A source that says the chat was deleted is taken at its word.
func keepDeletion(c *model.Conversation, stored model.Conversation) {
	if c.DeletedAt == nil {
		c.DeletedAt, c.DeletedBy = stored.DeletedAt, stored.DeletedBy
		return
	}
	if c.DeletedBy == "" {
		c.DeletedBy = model.DeletedByUser
	}
}
