package stream

import (
	"sync"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/model"
)

// KeyOwnRequests is where the request ids of ccsync's own recent calls are
// kept between runs: the Activity Feed logs every Compliance API call with
// its request id, and matching them is how the activity stream learns which
// api_key_id is ccsync's own without trusting any address.
const KeyOwnRequests = "sync/activity/own_requests"

// MaxOwnRequests bounds the remembered ids (about three minutes of calls at
// 600/min; the feed reports calls within seconds).
const MaxOwnRequests = 2000

// RequestIDs remembers the request ids of the responses ccsync received.
// The engine sets every stream client's Config.OnResponse to Observe.
type RequestIDs struct {
	mu  sync.Mutex
	ids []string
}

// Observe records r's request id.
func (q *RequestIDs) Observe(r compliance.Response) {
	if r.RequestID == "" {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(q.ids, r.RequestID)
	if n := len(q.ids) - MaxOwnRequests; n > 0 {
		q.ids = append(q.ids[:0], q.ids[n:]...)
	}
}

// Snapshot returns the remembered ids, oldest first.
func (q *RequestIDs) Snapshot() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.ids...)
}

// Load prepends the ids saved by earlier runs.
func (q *RequestIDs) Load(ix *indexer.Indexer) error {
	var saved []string
	if _, err := LoadJSON(ix, KeyOwnRequests, &saved); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(saved, q.ids...)
	if n := len(q.ids) - MaxOwnRequests; n > 0 {
		q.ids = q.ids[n:]
	}
	return nil
}

// Save stores the ids for the next run.
func (q *RequestIDs) Save(ix *indexer.Indexer) error {
	return ix.PutMeta(KeyOwnRequests, MustJSON(q.Snapshot()))
}

// QueueMessageFiles queues a fetch of every file m references, in b (the
// batch that stores m). deleted marks files of a chat its user deleted,
// whose content endpoints answer 404: the files stream records them without
// asking.
func QueueMessageFiles(b *indexer.Batch, m *model.Message, deleted bool) {
	for _, f := range m.Files {
		if f.ID == "" || f.Fetch == model.FetchText || f.Fetch == model.FetchGone {
			continue
		}
		QueueFile(b, PendingFile{FileID: f.ID, MessageID: m.ID, ConversationID: m.ConversationID,
			Kind: string(f.Kind), Size: f.Size, MimeType: f.MimeType, Deleted: deleted})
	}
}
