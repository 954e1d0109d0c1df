package indexer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// Retention (model.RetentionPolicy): the stored policy, its dry run and its
// run. A run deletes through the deletion engine (sweep.go), so it keeps
// what legal holds cover, drops whole month partitions where nothing in the
// month is kept, and is finished by the next Open when a crash interrupts it.

// ErrBusy: a retention run is already running.
var ErrBusy = errors.New("a retention run is already running")

const (
	metaRetentionPolicy  = "retention/policy"
	metaRetentionPending = "retention/pending"
	metaRetentionLast    = "retention/last"
)

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

// retentionRun is a run recorded as pending: the next Open repeats it with
// the same instant and policy, so the finished result is the one the
// interrupted run would have had.
type retentionRun struct {
	Now    time.Time             `json:"now"`
	Policy model.RetentionPolicy `json:"policy"`
	// Done is what the run had committed (updated with each transaction).
	Done *sweepStats `json:"done,omitempty"`
}

// RetentionPolicy returns the stored policy (the zero policy, keep
// everything forever, when none was set).
func (ix *Indexer) RetentionPolicy(ctx context.Context) (model.RetentionPolicy, error) {
	if p := ix.retention.Load(); p != nil {
		return *p, nil
	}
	return ix.readRetentionPolicy()
}

func (ix *Indexer) readRetentionPolicy() (model.RetentionPolicy, error) {
	var p model.RetentionPolicy
	raw, err := ix.Meta(metaRetentionPolicy)
	if errors.Is(err, ErrNotFound) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("retention policy: %w", err)
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("retention policy: meta %s: %w", metaRetentionPolicy, err)
	}
	return p, nil
}

// loadRetention caches the stored policy for Ingest; it runs at Open.
func (ix *Indexer) loadRetention() error {
	p, err := ix.readRetentionPolicy()
	if err != nil {
		return err
	}
	ix.retention.Store(&p)
	return nil
}

// SetRetentionPolicy validates and stores p (ErrBadRequest wraps what is
// wrong). It deletes nothing: the next run applies it.
func (ix *Indexer) SetRetentionPolicy(ctx context.Context, p model.RetentionPolicy) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("retention policy: %w: %w", ErrBadRequest, err)
	}
	raw, err := json.Marshal(&p)
	if err != nil {
		return fmt.Errorf("retention policy: %w", err)
	}
	if err := ix.PutMeta(metaRetentionPolicy, raw); err != nil {
		return fmt.Errorf("retention policy: store: %w", err)
	}
	ix.retention.Store(&p)
	return nil
}

// LastRetention returns the report of the last finished run, nil when
// none has run.
func (ix *Indexer) LastRetention(ctx context.Context) (*RetentionReport, error) {
	raw, err := ix.Meta(metaRetentionLast)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("last retention run: %w", err)
	}
	var r RetentionReport
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("last retention run: meta %s: %w", metaRetentionLast, err)
	}
	return &r, nil
}

// RetentionRunning reports whether a retention run is in progress.
func (ix *Indexer) RetentionRunning() bool { return ix.retaining.Load() }

// PlanRetention is the dry run: what RunRetention(now) would delete under
// policy p, or under the stored policy when p is nil (so an admin can see
// what a policy would delete before saving it). It reads one snapshot and
// does not wait for a running deletion.
func (ix *Indexer) PlanRetention(ctx context.Context, now time.Time, p *model.RetentionPolicy) (RetentionReport, error) {
	var pol model.RetentionPolicy
	if p == nil {
		var err error
		if pol, err = ix.RetentionPolicy(ctx); err != nil {
			return RetentionReport{}, err
		}
	} else {
		if err := p.Validate(); err != nil {
			return RetentionReport{}, fmt.Errorf("retention plan: %w: %w", ErrBadRequest, err)
		}
		pol = *p
	}
	rep, err := ix.retain(ctx, retentionRun{Now: now, Policy: pol}, true)
	if err != nil {
		return rep, fmt.Errorf("retention plan: %w", err)
	}
	return rep, nil
}

// RunRetention deletes what the policy expires at now and no hold covers.
// It is crash-safe like DeleteRange: the run is recorded as pending before
// it deletes anything and finished by the next Open. ErrBusy when a run is
// already running.
func (ix *Indexer) RunRetention(ctx context.Context, now time.Time) (RetentionReport, error) {
	if !ix.retaining.CompareAndSwap(false, true) {
		return RetentionReport{}, fmt.Errorf("retention: %w", ErrBusy)
	}
	defer ix.retaining.Store(false)
	pol, err := ix.RetentionPolicy(ctx)
	if err != nil {
		return RetentionReport{}, err
	}
	ix.writes.Lock()
	defer ix.writes.Unlock()
	if err := ix.checkOpen(); err != nil {
		return RetentionReport{}, err
	}
	// A deletion writes before it frees (tombstones, the index update).
	if err := ix.checkSpace(); err != nil {
		return RetentionReport{}, fmt.Errorf("retention: %w", err)
	}
	return ix.runRetention(ctx, retentionRun{Now: now, Policy: pol})
}

// runRetention records run as pending, deletes, and stores the report
// while clearing the pending record. ix.writes must be held.
func (ix *Indexer) runRetention(ctx context.Context, run retentionRun) (rep RetentionReport, err error) {
	defer func() {
		if err != nil {
			ix.Publish(Event{Job: "retention", Kind: "retention", State: "failed", Done: int64(rep.Messages),
				Unit: "messages", Message: err.Error()})
			err = fmt.Errorf("retention: %w", err)
		}
	}()
	raw, err := json.Marshal(&run)
	if err != nil {
		return rep, err
	}
	if err := ix.db.Update(func(txn *badger.Txn) error {
		return txn.Set(key(pMeta, metaRetentionPending), raw)
	}); err != nil {
		return rep, fmt.Errorf("record the run: %w", err)
	}
	rep, err = ix.retain(ctx, run, false)
	if err != nil {
		return rep, err
	}
	last, err := json.Marshal(&rep)
	if err != nil {
		return rep, err
	}
	if err := ix.db.Update(func(txn *badger.Txn) error {
		if err := txn.Delete(key(pMeta, metaRetentionPending)); err != nil {
			return err
		}
		return txn.Set(key(pMeta, metaRetentionLast), last)
	}); err != nil {
		return rep, fmt.Errorf("record the finished run: %w", err)
	}
	if err := ix.applyOutbox(ctx, nil); err != nil {
		return rep, fmt.Errorf("stored, but the index update is pending: %w", err)
	}
	ix.requestGC()
	ix.Publish(Event{Job: "retention", Kind: "retention", State: "done", Done: int64(rep.Messages),
		Total: int64(rep.Messages + rep.Held), Unit: "messages"})
	return rep, nil
}

// resumeRetention finishes a run a crash interrupted; it runs at Open.
func (ix *Indexer) resumeRetention(ctx context.Context) error {
	raw, err := ix.Meta(metaRetentionPending)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("interrupted retention run: %w", err)
	}
	var run retentionRun
	if err := json.Unmarshal(raw, &run); err != nil {
		return fmt.Errorf("interrupted retention run: meta %s: %w", metaRetentionPending, err)
	}
	ix.log.Warn("finishing an interrupted retention run", "now", run.Now)
	ix.retaining.Store(true)
	defer ix.retaining.Store(false)
	ix.writes.Lock()
	defer ix.writes.Unlock()
	rep, err := ix.runRetention(ctx, run)
	if err != nil {
		return fmt.Errorf("finish retention run of %s: %w", run.Now.Format(time.RFC3339), err)
	}
	ix.log.Info("interrupted retention run finished", "messages", rep.Messages, "conversations", rep.Conversations)
	return nil
}

// retain runs (or, dry, counts) run's policy: messages, their
// conversations and Activity Feed events.
func (ix *Indexer) retain(ctx context.Context, run retentionRun, dry bool) (RetentionReport, error) {
	start := time.Now()
	rep := RetentionReport{Now: run.Now, DryRun: dry, Policy: run.Policy, Months: []RetentionMonth{}}
	if s := retentionSweep(run, dry); s != nil {
		if !dry {
			s.base = run.Done
			s.progress = func(txn *badger.Txn, sofar sweepStats) error {
				r := run
				r.Done = &sofar
				raw, err := json.Marshal(&r)
				if err != nil {
					return err
				}
				return txn.Set(key(pMeta, metaRetentionPending), raw)
			}
		}
		st, err := ix.runSweep(ctx, s)
		fillReport(&rep, st)
		if err != nil {
			return rep, err
		}
	}
	if d := run.Policy.ActivityDays; d > 0 {
		// Expired when created + d days <= now, so up to and including the cutoff.
		to := run.Now.AddDate(0, 0, -d).Add(time.Nanosecond)
		if to.After(MinTime) {
			n, err := ix.deleteActivities(ctx, MinTime, minTime(to, MaxTime), dry)
			rep.Activities = n
			if err != nil {
				return rep, fmt.Errorf("activities: %w", err)
			}
		}
	}
	rep.Took = time.Since(start)
	return rep, nil
}

func fillReport(rep *RetentionReport, st sweepStats) {
	rep.Messages, rep.Conversations, rep.Held = st.Messages, st.Conversations, st.Held
	if len(st.HeldBy) > 0 {
		rep.HeldBy = st.HeldBy
	}
	if len(st.ByLabel) > 0 {
		rep.ByRule = st.ByLabel
	}
	rep.Partitions = st.Partitions
	for _, m := range slices.Sorted(maps.Keys(st.Months)) {
		rep.Months = append(rep.Months, *st.Months[m])
	}
}

// retentionSweep is the deletion a policy asks for at run.Now; nil when it
// deletes no message. Nothing created after now minus the shortest
// non-zero period can have expired, so the scan stops there.
func retentionSweep(run retentionRun, dry bool) *sweep {
	pol := run.Policy
	shortest := pol.DefaultDays
	for _, r := range pol.Rules {
		if r.Days > 0 && (shortest == 0 || r.Days < shortest) {
			shortest = r.Days
		}
	}
	if shortest == 0 {
		return nil
	}
	to := run.Now.AddDate(0, 0, -shortest).Add(time.Nanosecond) // expiry <= now: the cutoff itself is expired
	if !to.After(MinTime) {
		return nil
	}
	to = minTime(to, MaxTime)
	var judge *retentionJudge
	s := &sweep{job: "retention", from: MinTime, to: to, dry: dry, needOwner: pol.NeedsUsers()}
	s.prepare = func(txn *badger.Txn) error {
		var err error
		judge, err = newRetentionJudge(txn, pol)
		return err
	}
	s.pick = func(txn *badger.Txn, m *model.Message, owner string) (bool, string, error) {
		return judge.expired(m, owner, run.Now)
	}
	return s
}
