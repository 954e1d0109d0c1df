package main

import (
	"context"
	"log/slog"

	"github.com/ccsync/ccsync/api/retention"
	"github.com/ccsync/ccsync/indexer"
)

// startRetention runs the daily retention scheduler until ctx ends. stop
// cancels a run in flight (it is crash-safe: the next Open finishes it)
// and waits for it, so the indexer is not closed under it.
func startRetention(ctx context.Context, ix *indexer.Indexer, at retention.At, log *slog.Logger) (*retention.Scheduler, func(), error) {
	sched, err := retention.New(retention.Config{Runner: ix, At: at, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	looped := make(chan struct{})
	go func() {
		defer close(looped)
		sched.Loop(rctx)
	}()
	if at.Off {
		log.Info("daily retention run off; runs only when asked for")
	} else {
		log.Info("daily retention run scheduled", "at_utc", at.String())
	}
	return sched, func() {
		cancel()
		<-looped
		sched.Wait()
	}, nil
}
