package benchmark

import (
	"context"
	"fmt"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// Retention against range deletion, on the same store: a retention run
// expiring the first month (every message goes: the partition is dropped
// whole, like DeleteRange's month), then one expiring the second month
// while a legal hold keeps ~1% of it (the month keeps messages, so its
// documents are deleted one by one). Months differ slightly in size, so
// the ratios compare time per message.

// retentionDays is the benchmark policy's period; "now" is chosen so that
// exactly the wanted month has expired.
const retentionDays = 30

// RetentionReport compares retention runs with the range deletion.
type RetentionReport struct {
	Month      string   `json:"month"`
	Messages   int      `json:"messages"`
	Seconds    float64  `json:"seconds"`
	MsgsPerSec float64  `json:"msgs_per_sec"`
	Partitions []string `json:"partitions,omitempty"`
	// PerMsgVsDelete is retention's time per message over DeleteRange's.
	PerMsgVsDelete float64 `json:"per_msg_vs_delete"`

	HeldMonth          string  `json:"held_month"`
	HeldMessages       int     `json:"held_messages"` // deleted in the held run
	HeldKept           int     `json:"held_kept"`     // kept by the hold
	HeldSeconds        float64 `json:"held_seconds"`
	HeldMsgsPerSec     float64 `json:"held_msgs_per_sec"`
	HeldPerMsgVsDelete float64 `json:"held_per_msg_vs_delete"`
	// HeldSkipped says why the held run did not run (holds unavailable).
	HeldSkipped string `json:"held_skipped,omitempty"`
}

// retention runs after the range deletion and the reindex, so both measure
// the store they always did.
func (b *bench) retention(ctx context.Context, ix *indexer.Indexer) error {
	if err := ix.SetRetentionPolicy(ctx, model.RetentionPolicy{DefaultDays: retentionDays}); err != nil {
		return fmt.Errorf("bench: retention policy: %w", err)
	}
	// Expired when created + 30 days <= now: now = next month + 30 days - 1 ns
	// expires everything before the next month.
	nowFor := func(month time.Time) time.Time {
		return month.AddDate(0, 1, retentionDays).Add(-time.Nanosecond)
	}
	perMsgVsDelete := func(rate float64) float64 {
		if d := b.report.Delete; d != nil && rate > 0 {
			return d.MsgsPerSec / rate
		}
		return 0
	}
	first := spanStart
	start := time.Now()
	rep, err := ix.RunRetention(ctx, nowFor(first))
	took := time.Since(start)
	if err != nil {
		return fmt.Errorf("bench: retention of %s: %w", first.Format("2006-01"), err)
	}
	r := &RetentionReport{Month: first.Format("2006-01"), Messages: rep.Messages, Seconds: took.Seconds(),
		MsgsPerSec: rate(rep.Messages, took), Partitions: rep.Partitions}
	r.PerMsgVsDelete = perMsgVsDelete(r.MsgsPerSec)
	b.report.Retention = r

	second := spanStart.AddDate(0, 1, 0)
	r.HeldMonth = second.Format("2006-01")
	// A frozen query over the month's first ~1% (7 hours of 30 days); on
	// a small corpus those hours may be empty, so the window widens until
	// the hold keeps something.
	month := second.AddDate(0, 1, 0).Sub(second)
	for span := month / 100; ; span *= 2 {
		h, err := ix.AddHold(ctx, model.Hold{Matter: "benchmark", Reason: "keep 1% of a month", CreatedBy: "bench",
			Query: &model.HoldQuery{From: second, To: second.Add(min(span, month))}})
		if err != nil {
			r.HeldSkipped = err.Error()
			return nil
		}
		if h.Query.Matched > 0 || span >= month {
			break
		}
		if _, err := ix.ReleaseHold(ctx, h.ID, "bench", "matched nothing; widening"); err != nil {
			return fmt.Errorf("bench: release an empty hold: %w", err)
		}
	}
	start = time.Now()
	rep, err = ix.RunRetention(ctx, nowFor(second))
	took = time.Since(start)
	if err != nil {
		return fmt.Errorf("bench: retention of %s with a hold: %w", r.HeldMonth, err)
	}
	r.HeldMessages, r.HeldKept, r.HeldSeconds = rep.Messages, rep.Held, took.Seconds()
	r.HeldMsgsPerSec = rate(rep.Messages, took)
	r.HeldPerMsgVsDelete = perMsgVsDelete(r.HeldMsgsPerSec)
	return nil
}
