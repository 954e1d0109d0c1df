package indexer

import (
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// Retention rules and legal holds name people the way an admin knows them:
// a user id, an export account uuid that was later linked to that user (an
// alias), or an email. Conversations carry whichever id their source used.
// people resolves both sides to the one user record, so a rule or hold that
// names a person covers every conversation of that person, whatever id it
// was filed under — an oracle test found rules naming "u13" missing the
// chats imported under u13's export uuid.
type people struct {
	txn    *badger.Txn
	owners map[string]*model.User
}

func newPeople(txn *badger.Txn) *people {
	return &people{txn: txn, owners: map[string]*model.User{}}
}

// user returns the record id (a user id or an alias) resolves to; nil
// when no record exists.
func (p *people) user(id string) (*model.User, error) {
	if u, ok := p.owners[id]; ok {
		return u, nil
	}
	u, err := lookupUser(p.txn, id)
	if err != nil {
		return nil, err
	}
	p.owners[id] = u
	return u, nil
}

// canonical rewrites names (ids, aliases, emails) so that matchesPerson
// can compare them with a resolved owner: aliases become their user's id,
// emails are lower-cased, unknown ids are kept as given (a user may be
// named before the first sync brings their record).
func (p *people) canonical(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		n = strings.TrimSpace(n)
		if strings.Contains(n, "@") {
			out = append(out, strings.ToLower(n))
			continue
		}
		u, err := p.user(n)
		if err != nil {
			return nil, err
		}
		if u != nil {
			n = u.ID
		}
		out = append(out, n)
	}
	return out, nil
}

// facts returns the user fields of model.RetentionFacts for a conversation
// owner: the resolved user's id and email, or the bare id when no user
// record exists.
func (p *people) facts(ownerID string) (id, email string, err error) {
	u, err := p.user(ownerID)
	if err != nil || u == nil {
		return ownerID, "", err
	}
	return u.ID, strings.ToLower(u.Email), nil
}

// canonicalPolicy returns p with every rule's users made canonical, for
// matching against facts from people.facts (RetentionRule.Matches compares
// ids exactly and emails without case).
func (p *people) canonicalPolicy(pol model.RetentionPolicy) (model.RetentionPolicy, error) {
	rules := make([]model.RetentionRule, len(pol.Rules))
	for i, r := range pol.Rules {
		if len(r.Users) > 0 {
			users, err := p.canonical(r.Users)
			if err != nil {
				return pol, err
			}
			r.Users = users
		}
		rules[i] = r
	}
	pol.Rules = rules
	return pol, nil
}
