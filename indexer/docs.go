package indexer

import (
	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/indexer/internal/docmap"
	"github.com/ccsync/ccsync/model"
)

// docLoader reads the records a document is built from, caching conversations
// and users because consecutive messages usually share them.
type docLoader struct {
	txn   *badger.Txn
	convs map[string]*model.Conversation
	users map[string]*model.User
}

func newDocLoader(ix *Indexer) *docLoader {
	return &docLoader{txn: ix.db.NewTransaction(false), convs: map[string]*model.Conversation{},
		users: map[string]*model.User{}}
}

func (l *docLoader) close() { l.txn.Discard() }

func (l *docLoader) message(id string) (*model.Message, error) {
	var m model.Message
	found, _, err := getJSON(l.txn, key(pMessage, id), &m)
	if !found || err != nil {
		return nil, err
	}
	return &m, nil
}

func (l *docLoader) agg(conv string) (*convAgg, error) {
	var a convAgg
	_, _, err := getJSON(l.txn, key(pConvAgg, conv), &a)
	return &a, err
}

// owner returns the conversation and its owner; either may be nil when not
// (yet) stored — messages can arrive before their conversation.
func (l *docLoader) owner(conv string) (*model.Conversation, *model.User, error) {
	c, ok := l.convs[conv]
	if !ok {
		var v model.Conversation
		found, _, err := getJSON(l.txn, key(pConv, conv), &v)
		if err != nil {
			return nil, nil, err
		}
		if found {
			c = &v
		}
		l.convs[conv] = c
	}
	if c == nil || c.OwnerID == "" {
		return c, nil, nil
	}
	u, ok := l.users[c.OwnerID]
	if !ok {
		var err error
		if u, err = lookupUser(l.txn, c.OwnerID); err != nil {
			return nil, nil, err
		}
		l.users[c.OwnerID] = u
	}
	return c, u, nil
}

// lookupUser finds a user by id or alias; nil when unknown. An alias wins
// over a record of the same id: an export account uuid that was linked to a
// Compliance API user is that user, even though users.json also made a
// record for the uuid.
func lookupUser(txn *badger.Txn, id string) (*model.User, error) {
	_, primary, err := getJSON(txn, key(pAlias, id), nil)
	if err != nil {
		return nil, err
	}
	if primary != nil {
		id = string(primary)
	}
	var u model.User
	found, _, err := getJSON(txn, key(pUser, id), &u)
	if err != nil || !found {
		return nil, err
	}
	return &u, nil
}

func messageDoc(m *model.Message, c *model.Conversation, u *model.User) *doc {
	return docmap.Message(m, c, u)
}

func conversationDoc(c *model.Conversation, a *convAgg, u *model.User) *doc {
	return docmap.Conversation(c, a, u)
}

func appendUnique(s []string, v string) []string { return docmap.AppendUnique(s, v) }

func sortedKeys(m map[string]int) []string { return docmap.SortedKeys(m) }
