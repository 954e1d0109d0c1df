package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/indexer"
)

// forwarding is serve's alert evaluator and forwarding engine.
type forwarding struct {
	alerts  *alerts.Evaluator
	forward *forward.Engine
}

// newForwarding builds the evaluator and the engine over ix. Secrets of
// destinations go in the keystore; baseURL (the server's origin) makes the
// links in events.
func newForwarding(ix *indexer.Indexer, secrets forward.Secrets, baseURL string, log *slog.Logger) forwarding {
	ev := alerts.New(alerts.Options{Store: ix, Logger: log})
	fw := forward.New(forward.Options{Store: ix, Secrets: secrets, Logger: log, BaseURL: baseURL,
		AlertNotify: ev.Notify,
		// The journal is trimmed behind the evaluator too, not only
		// behind the feeds.
		JournalConsumers: func() (uint64, error) { return alerts.Cursor(ix) }})
	return forwarding{alerts: ev, forward: fw}
}

// start runs both loops until ctx ends or stop is called; stop waits for
// them, so the indexer is not closed under a batch being evaluated or
// delivered (both are crash-safe: an interrupted batch is redone).
func (f forwarding) start(ctx context.Context, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	run := func(name string, fn func(context.Context) error) {
		defer func() { done <- struct{}{} }()
		if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
			log.Error(name+" stopped; restart serve to resume it (nothing is lost: it resumes from its cursor)", "err", err)
		}
	}
	go run("alert evaluation", f.alerts.Run)
	go run("log forwarding", f.forward.Run)
	return func() {
		cancel()
		<-done
		<-done
	}
}
