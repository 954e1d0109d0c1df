package main

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/api/retention"
	"github.com/ccsync/ccsync/indexer"
)

// startRetention runs the daily retention scheduler until ctx ends. stop
// cancels a run in flight (it is crash-safe: the next Open finishes it)
// and waits for it, so the indexer is not closed under it.
func startRetention(ctx context.Context, ix *indexer.Indexer, at retention.At, log *slog.Logger) (*retention.Scheduler, func(), error) {
	sched, err := retention.New(retention.Config{Runner: ix, At: at, Logger: log,
		OnRun: func(trigger string, rep indexer.RetentionReport, err error) {
			if trigger != "daily" {
				return // asked for through the API, which audited the request
			}
			detail := map[string]string{"result": "done", "messages": strconv.Itoa(rep.Messages),
				"conversations": strconv.Itoa(rep.Conversations), "activities": strconv.Itoa(rep.Activities),
				"held": strconv.Itoa(rep.Held)}
			if err != nil {
				detail["result"] = "failed"
			}
			if aerr := api.RecordLocal(ix, "scheduler", "scheduler", "retention.run", "", detail); aerr != nil {
				log.Error("audit entry lost", "action", "retention.run", "trigger", trigger, "err", aerr)
			}
		}})
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
