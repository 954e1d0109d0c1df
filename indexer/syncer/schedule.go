package syncer

import (
	"context"
	"errors"
	"time"
)

// Schedule runs a sync every Interval while automatic sync is on, until ctx
// ends. A run stopped by the hourly cap is resumed at its resume time if that
// comes sooner. Toggling SetAuto takes effect immediately.
func (e *Engine) Schedule(ctx context.Context) {
	for {
		if ctx.Err() != nil {
			return // the indexer may be closing: do not touch it
		}
		wait := e.cfg.Interval
		if set, err := e.Settings(); err == nil && set.Auto {
			if st, err := e.Status(); err == nil {
				wait = e.nextWait(st)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-e.kick:
			t.Stop()
			continue
		case <-t.C:
		}
		set, err := e.Settings()
		if err != nil || !set.Auto {
			continue
		}
		if _, err := e.RunOnce(ctx); err != nil && !errors.Is(err, ErrRunning) && ctx.Err() == nil {
			e.log.Warn("automatic sync failed", "err", err)
		}
	}
}

// nextWait is how long until the next automatic run: an hour after the last
// run started, or its cap resume time, whichever is sooner.
func (e *Engine) nextWait(st Status) time.Duration {
	now := e.cfg.Now()
	if st.LastRun == nil {
		return time.Second
	}
	next := st.LastRun.Start.Add(e.cfg.Interval)
	if st.ResumeAt != nil && st.ResumeAt.Before(next) {
		next = *st.ResumeAt
	}
	return max(next.Sub(now), time.Second)
}
