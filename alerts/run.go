package alerts

import (
	"context"
	"time"
)

// Backoff after a failed batch, doubling up to maxBackoff; indexWait is
// how soon Run looks again while query rules wait for the search index,
// in case the store does not signal JournalNotify when it catches up.
const (
	minBackoff = 500 * time.Millisecond
	maxBackoff = time.Minute
	indexWait  = 100 * time.Millisecond
)

// Run evaluates journal entries as they arrive until ctx ends (it then
// returns nil). A failed batch is logged and retried after a backoff; as
// nothing of it was written, the retry evaluates it from the same state.
func (ev *Evaluator) Run(ctx context.Context) error {
	if err := ev.sweepState(ctx); err != nil && ctx.Err() == nil {
		ev.log.Warn("alert state sweep failed", "err", err)
	}
	var backoff time.Duration
	for {
		// Taken before reading, so an entry committed meanwhile wakes us.
		wake := ev.opts.Store.JournalNotify()
		n, fired, waiting, err := ev.step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := ev.opts.Poll
		switch {
		case err != nil:
			backoff = min(max(2*backoff, minBackoff), maxBackoff)
			ev.log.Error("alert evaluation failed; retrying", "err", err, "retry_in", backoff)
			wait, wake = backoff, nil
		case n > 0:
			backoff = 0
			if fired > 0 {
				ev.log.Info("alerts fired", "alerts", fired, "entries", n)
			}
			continue
		case waiting:
			backoff = 0
			wait = min(wait, indexWait)
		default:
			backoff = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}
