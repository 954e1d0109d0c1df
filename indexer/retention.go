package indexer

import (
	"context"
	"time"

	"github.com/ccsync/ccsync/model"
)

// Retention (model.RetentionPolicy). CONTRACT — owned by the retention
// work (see /work/notes/common15.md); bodies are stubs until it lands.

// RetentionReport is what a retention run deleted, or on a dry run
// (PlanRetention) what it would delete, per month of message creation.
type RetentionReport struct {
	Now           time.Time             `json:"now"`
	DryRun        bool                  `json:"dry_run"`
	Policy        model.RetentionPolicy `json:"policy"`
	Months        []RetentionMonth      `json:"months"`
	Messages      int                   `json:"messages"`
	Conversations int                   `json:"conversations"`
	Activities    int                   `json:"activities"`
	// Held counts expired messages kept because a hold covers them;
	// HeldBy splits them by hold id.
	Held   int            `json:"held"`
	HeldBy map[string]int `json:"held_by,omitempty"`
	// ByRule counts deleted messages by the rule that expired them
	// (rule name, or "default").
	ByRule map[string]int `json:"by_rule,omitempty"`
	// Partitions are the months whose whole index partition was dropped.
	Partitions []string      `json:"partitions,omitempty"`
	Took       time.Duration `json:"took_ns"`
}

// RetentionMonth is one month's share of a RetentionReport.
type RetentionMonth struct {
	Month         string `json:"month"` // YYYY-MM (UTC)
	Messages      int    `json:"messages"`
	Conversations int    `json:"conversations"`
	Held          int    `json:"held"`
}

// RetentionPolicy returns the stored policy (the zero policy, keep
// everything forever, when none was set).
func (ix *Indexer) RetentionPolicy(ctx context.Context) (model.RetentionPolicy, error) {
	return model.RetentionPolicy{}, errTODO
}

// SetRetentionPolicy validates and stores p (ErrBadRequest wraps what is
// wrong). It deletes nothing: the next run applies it.
func (ix *Indexer) SetRetentionPolicy(ctx context.Context, p model.RetentionPolicy) error {
	return errTODO
}

// PlanRetention is the dry run: what RunRetention(now) would delete under
// policy p, or under the stored policy when p is nil (so an admin can see
// what a policy would delete before saving it).
func (ix *Indexer) PlanRetention(ctx context.Context, now time.Time, p *model.RetentionPolicy) (RetentionReport, error) {
	return RetentionReport{}, errTODO
}

// RunRetention deletes what the policy expires at now and no hold covers.
// It is crash-safe like DeleteRange: the run is recorded as pending in its
// first transaction and finished by the next Open.
func (ix *Indexer) RunRetention(ctx context.Context, now time.Time) (RetentionReport, error) {
	return RetentionReport{}, errTODO
}
