package indexer

import (
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// retentionJudge decides whether the policy expires a message. The run and
// ingest both use it, so what ingest drops is exactly what a run would
// delete: users named by rules and conversation owners are resolved the
// same way (people.go) on both paths.
type retentionJudge struct {
	pol model.RetentionPolicy // rules' users made canonical
	ppl *people               // nil when no rule names users
}

func newRetentionJudge(txn *badger.Txn, pol model.RetentionPolicy) (*retentionJudge, error) {
	j := &retentionJudge{pol: pol}
	if !pol.NeedsUsers() {
		return j, nil
	}
	j.ppl = newPeople(txn)
	var err error
	if j.pol, err = j.ppl.canonicalPolicy(pol); err != nil {
		return nil, fmt.Errorf("resolve the users the policy names: %w", err)
	}
	return j, nil
}

// needsOwner reports whether expired needs the conversation owner.
func (j *retentionJudge) needsOwner() bool { return j.ppl != nil }

// expired reports whether m is past its period at now, and the rule that
// set the period ("default" when none did). owner is the conversation
// owner as stored ("" when unknown or not needed).
func (j *retentionJudge) expired(m *model.Message, owner string, now time.Time) (bool, string, error) {
	f := model.RetentionFacts{CreatedAt: m.CreatedAt, Findings: m.Findings}
	if j.ppl != nil && owner != "" {
		var err error
		if f.UserID, f.UserEmail, err = j.ppl.facts(owner); err != nil {
			return false, "", fmt.Errorf("owner %s of message %s: %w", owner, m.ID, err)
		}
	}
	days, rule := j.pol.PeriodFor(f)
	if days == 0 || m.CreatedAt.AddDate(0, 0, days).After(now) {
		return false, "", nil
	}
	if rule == model.NoRule {
		return true, "default", nil
	}
	return true, j.pol.Rules[rule].Name, nil
}
