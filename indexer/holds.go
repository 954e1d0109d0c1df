package indexer

import (
	"context"
	"errors"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// Legal holds (model.Hold). CONTRACT — owned by the holds work (see
// /work/notes/common15.md); bodies are stubs until it lands.

var errTODO = errors.New("not implemented yet")

// AddHold validates and places a hold, and returns it as stored (id,
// creation time, frozen query and counts filled in). It takes effect for
// every deletion that commits after it returns, including one running.
// ErrBadRequest wraps validation errors.
func (ix *Indexer) AddHold(ctx context.Context, h model.Hold) (model.Hold, error) {
	return model.Hold{}, errTODO
}

// Holds lists holds (released ones too when all is set), newest first,
// with the counts each covers now.
func (ix *Indexer) Holds(ctx context.Context, all bool) ([]model.Hold, error) { return nil, errTODO }

// Hold returns one hold with its counts; ErrNotFound when there is none.
func (ix *Indexer) Hold(ctx context.Context, id string) (model.Hold, error) {
	return model.Hold{}, errTODO
}

// ReleaseHold releases an active hold. Records it covered become subject
// to retention again at the next run; nothing is deleted by the release.
// ErrNotFound for an unknown id, ErrBadRequest when already released or
// the reason is empty.
func (ix *Indexer) ReleaseHold(ctx context.Context, id, by, reason string) (model.Hold, error) {
	return model.Hold{}, errTODO
}

// ConversationHolds returns, for a conversation, the ids of the active
// holds covering each of its messages (message id → hold ids), for the
// "held" badges of the conversation view.
func (ix *Indexer) ConversationHolds(ctx context.Context, conversationID string) (map[string][]string, error) {
	return nil, errTODO
}

// holdView is the set of active holds as of one Badger transaction, in the
// form deletions check messages against. Build it with ix.holdView(txn)
// inside the deleting transaction chain: every writer transaction of a
// deletion must call check (below) so that a hold committed while the
// deletion runs makes the deletion's next commit fail with
// badger.ErrConflict rather than delete what the hold now covers.
type holdView struct{}

// holdView loads the active holds visible to txn.
func (ix *Indexer) holdView(txn *badger.Txn) (*holdView, error) { return &holdView{}, nil }

// people (people.go) resolves custodians: a hold naming a user by id,
// alias or email covers every conversation that user owns under any id.

// empty reports whether no hold is active (the fast path: no lookups).
func (v *holdView) empty() bool { return true }

// heldBy returns the ids of the active holds covering m (nil when none).
// m may be a stub (stub.go): ID, ConversationID and CreatedAt are set.
// ownerID is the conversation owner when the caller knows it ("" when not).
func (v *holdView) heldBy(txn *badger.Txn, m *model.Message, ownerID string) ([]string, error) {
	return nil, nil
}

// convHeld reports whether a conversation record must be kept even when
// it has no message left (a held conversation or custodian's).
func (v *holdView) convHeld(c *model.Conversation) bool { return false }

// errHoldsChanged: a hold was placed or released after the view was
// loaded; the deletion must reload the view and look again.
var errHoldsChanged = errors.New("legal holds changed during the deletion")

// check reads the holds version key in txn. It returns errHoldsChanged
// when the version is not the view's, and the read makes Badger fail
// txn's commit with badger.ErrConflict if a hold changes before it
// commits. Every writer transaction of a deletion calls it just before
// committing.
func (v *holdView) check(txn *badger.Txn) error { return nil }
