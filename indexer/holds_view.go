package indexer

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// holdView is the set of active holds as of one Badger transaction, in the
// form deletions check messages against. Build it with ix.holdView(txn)
// inside the deleting transaction chain: every writer transaction of a
// deletion must call check (below) so that a hold committed while the
// deletion runs makes the deletion's next commit fail with
// badger.ErrConflict rather than delete what the hold now covers.
//
// Custodians are resolved to the owner ids their conversations carry when
// the view is loaded, and conversation owners are cached: load a view per
// operation, under ix.writes, so no ingest relinks users under it.
type holdView struct {
	version uint64
	active  map[string]*model.Hold
	convs   map[string][]string // conversation id → holds naming it
	owners  map[string][]string // owner id (as conversations carry it) → custodian holds
	queries []string            // active holds with a frozen query
	// convOwner caches conversation → owner id for heldBy calls that do
	// not pass the owner.
	convOwner map[string]string
}

// maxOwnerCache bounds convOwner over a deletion of many conversations;
// past it the cache starts again (a miss costs one read).
const maxOwnerCache = 100_000

// holdView loads the active holds visible to txn.
func (ix *Indexer) holdView(txn *badger.Txn) (*holdView, error) {
	v := &holdView{active: map[string]*model.Hold{}, convs: map[string][]string{}, owners: map[string][]string{},
		convOwner: map[string]string{}}
	var err error
	if v.version, err = readHoldVersion(txn); err != nil {
		return nil, fmt.Errorf("load holds: %w", err)
	}
	r := newCustodians(txn)
	err = eachHold(txn, func(h *model.Hold) error {
		if !h.Active() {
			return nil
		}
		v.active[h.ID] = h
		for _, c := range h.Conversations {
			v.convs[c] = appendUnique(v.convs[c], h.ID)
		}
		if len(h.Custodians) > 0 {
			owners, err := r.owners(h.Custodians)
			if err != nil {
				return fmt.Errorf("hold %s: custodians: %w", h.ID, err)
			}
			for o := range owners {
				v.owners[o] = appendUnique(v.owners[o], h.ID)
			}
		}
		if h.Query != nil {
			v.queries = append(v.queries, h.ID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load holds: %w", err)
	}
	return v, nil
}

// empty reports whether no hold is active (the fast path: no lookups).
func (v *holdView) empty() bool { return len(v.active) == 0 }

// pointLookups: up to this many query holds, heldBy probes each hold's key
// (Badger's bloom filters answer most misses without a disk read); beyond
// it, one prefix scan of the message's keys is cheaper.
const pointLookups = 8

// heldBy returns the ids of the active holds covering m (nil when none).
// m may be a stub (stub.go): ID, ConversationID and CreatedAt are set.
// ownerID is the conversation owner when the caller knows it ("" when not).
func (v *holdView) heldBy(txn *badger.Txn, m *model.Message, ownerID string) ([]string, error) {
	if v.empty() || m == nil {
		return nil, nil
	}
	out := slices.Clone(v.convs[m.ConversationID])
	if len(v.owners) > 0 {
		owner := ownerID
		if owner == "" {
			var err error
			if owner, err = v.ownerOf(txn, m.ConversationID); err != nil {
				return nil, err
			}
		}
		out = append(out, v.owners[owner]...)
	}
	if len(v.queries) > 0 {
		var err error
		if out, err = v.queryHolds(txn, m.ID, out); err != nil {
			return nil, fmt.Errorf("holds of message %q: %w", m.ID, err)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// queryHolds appends the active holds whose frozen query matched msg.
func (v *holdView) queryHolds(txn *badger.Txn, msg string, out []string) ([]string, error) {
	if len(v.queries) <= pointLookups {
		for _, h := range v.queries {
			_, err := txn.Get(holdMsgKey(msg, h))
			switch {
			case err == nil:
				out = append(out, h)
			case !errors.Is(err, badger.ErrKeyNotFound):
				return nil, err
			}
		}
		return out, nil
	}
	prefix := holdMsgPrefix(msg)
	err := scanKeys(txn, prefix, func(k []byte) error {
		// Keys of released holds, or of a hold a crash left unfinished,
		// may linger: only active holds count.
		if h := v.active[string(k[len(prefix):])]; h != nil && h.Query != nil {
			out = append(out, h.ID)
		}
		return nil
	})
	return out, err
}

func (v *holdView) ownerOf(txn *badger.Txn, conv string) (string, error) {
	if o, ok := v.convOwner[conv]; ok {
		return o, nil
	}
	var c model.Conversation
	if _, _, err := getJSON(txn, key(pConv, conv), &c); err != nil {
		return "", fmt.Errorf("owner of conversation %q: %w", conv, err)
	}
	if len(v.convOwner) >= maxOwnerCache {
		clear(v.convOwner)
	}
	v.convOwner[conv] = c.OwnerID // "" when the record has not arrived: no custodian covers it yet
	return c.OwnerID, nil
}

// convHeld reports whether a conversation record must be kept even when
// it has no message left (a held conversation or custodian's).
func (v *holdView) convHeld(c *model.Conversation) bool {
	if v.empty() || c == nil {
		return false
	}
	return len(v.convs[c.ID]) > 0 || len(v.owners[c.OwnerID]) > 0
}

// errHoldsChanged: a hold was placed or released after the view was
// loaded; the deletion must reload the view and look again.
var errHoldsChanged = errors.New("legal holds changed during the deletion")

// check reads the holds version key in txn. It returns errHoldsChanged
// when the version is not the view's, and the read makes Badger fail
// txn's commit with badger.ErrConflict if a hold changes before it
// commits. Every writer transaction of a deletion calls it just before
// committing.
func (v *holdView) check(txn *badger.Txn) error {
	got, err := readHoldVersion(txn)
	if err != nil {
		return err
	}
	if got != v.version {
		return errHoldsChanged
	}
	return nil
}

// custodians resolves the people holds name to the owner ids their
// conversations are filed under, with the same rule heldBy applies: an
// owner is covered when people resolves it to a named user id or email.
type custodians struct {
	txn     *badger.Txn
	p       *people
	byEmail map[string][]*model.User // loaded on the first email
}

func newCustodians(txn *badger.Txn) *custodians {
	return &custodians{txn: txn, p: newPeople(txn)}
}

// owners returns every owner id a conversation may carry and be covered by
// names: the named users' ids and aliases (found through their records,
// which list every alias), filtered through people.facts so that an id
// whose alias now points at someone else is left out.
func (r *custodians) owners(names []string) (map[string]bool, error) {
	canon, err := r.p.canonical(names)
	if err != nil {
		return nil, err
	}
	ids, emails, candidates := map[string]bool{}, map[string]bool{}, map[string]bool{}
	addUser := func(u *model.User) {
		candidates[u.ID] = true
		for _, a := range u.Aliases {
			candidates[a] = true
		}
	}
	for _, n := range canon {
		if strings.Contains(n, "@") {
			emails[n] = true
			if r.byEmail == nil {
				if r.byEmail, err = usersByEmail(r.txn); err != nil {
					return nil, err
				}
			}
			for _, u := range r.byEmail[n] {
				addUser(u)
			}
			continue
		}
		ids[n] = true
		u, err := r.p.user(n)
		if err != nil {
			return nil, err
		}
		if u != nil {
			addUser(u)
		} else {
			candidates[n] = true // named before the first sync brings the user
		}
	}
	out := make(map[string]bool, len(candidates))
	for o := range candidates {
		id, email, err := r.p.facts(o)
		if err != nil {
			return nil, err
		}
		if ids[id] || (email != "" && emails[email]) {
			out[o] = true
		}
	}
	return out, nil
}
