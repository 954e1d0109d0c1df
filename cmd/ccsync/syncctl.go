package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/api/jobs"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/indexer/syncer"
)

// schedule runs the engine's scheduler until ctx ends; a variable so a test
// can hold the scheduler and see that stopping waits for it.
var schedule = func(ctx context.Context, eng *syncer.Engine) { eng.Schedule(ctx) }

// startSync builds the sync for `serve`: the engine with its key store and
// the hourly scheduler, running until ctx ends. With demo set it instead
// points the engine at a fake Compliance API on loopback serving a generated
// organisation, saves the demo key, and starts a first run, so a first-time
// user sees sync, detections and live progress at once. stop cancels a run in
// flight and releases the demo server; call it before closing ix.
func startSync(ctx context.Context, ix *indexer.Indexer, cfg map[string]*string, envKey string, log *slog.Logger, demo bool) (api.SyncController, func(), error) {
	keys, err := openKeystore(cfg, ix, log)
	if err != nil {
		return nil, nil, err
	}
	return startSyncWithKeys(ctx, ix, keys, cfg, envKey, log, demo)
}

// startSyncWithKeys is startSync with the keystore serve already opened
// (forwarding keeps destination secrets in the same one).
func startSyncWithKeys(ctx context.Context, ix *indexer.Indexer, keys *keystore.Store, cfg map[string]*string, envKey string, log *slog.Logger, demo bool) (api.SyncController, func(), error) {
	if !keys.Encrypted() {
		log.Warn("the keyset that encrypts the Compliance key is itself in clear: "+unencryptedKeysetRisk(keys.KeysetPath(), *cfg["data"])+
			"; keep a key-encryption key outside it with --kek-file, the systemd credential ccsync-kek or CCSYNC_KEK_PASSPHRASE (README: Keys at rest)",
			"keyset", keys.KeysetPath())
	}
	base, err := syncBase(cfg)
	if err != nil {
		return nil, nil, err
	}
	apiBase := base.BaseURL
	stop := func() {}
	var fake *fakeapi.Demo
	if demo {
		fake, err = fakeapi.StartDemo(ctx, 1)
		if err != nil {
			return nil, nil, err
		}
		apiBase, stop = fake.URL, fake.Stop
		key := fake.Key
		envKey = ""
		eng := syncer.New(ix, syncer.Config{BaseURL: apiBase, Keys: keys, Logger: log})
		if _, err := eng.SaveKey(ctx, key); err != nil {
			stop()
			return nil, nil, fmt.Errorf("demo: %w", err)
		}
		if err := eng.SetSettings(syncer.Settings{SyncFrom: time.Now().UTC().AddDate(0, 0, -30), Auto: true}); err != nil {
			stop()
			return nil, nil, fmt.Errorf("demo: %w", err)
		}
		log.Warn("demo mode: syncing from a fake Compliance API with generated data", "api", apiBase)
		if p := cfg["api-rate"]; p == nil || strings.TrimSpace(*p) == "" {
			base.RequestsPerMinute = fakeapi.DemoRequestsPerMinute
		}
	}
	base.BaseURL, base.Key, base.Keys, base.Logger = apiBase, envKey, keys, log
	eng := syncer.New(ix, base)
	schedCtx, stopSchedule := context.WithCancel(ctx)
	scheduled := make(chan struct{})
	go func() {
		defer close(scheduled)
		schedule(schedCtx, eng)
	}()
	demoRuns := make(chan struct{})
	if demo {
		go func() {
			defer close(demoRuns)
			demoSyncs(schedCtx, eng, fake, log, func(ctx context.Context) error { return demoRetention(ctx, ix, log) })
		}()
	} else {
		close(demoRuns)
	}
	stopAll := func() {
		// The scheduler is stopped and joined first, so it cannot start a
		// run once Cancel has returned; then a run still in flight ends
		// (and saves its summary) before the indexer closes: Cancel
		// returns once the run has finished.
		stopSchedule()
		<-scheduled
		<-demoRuns
		eng.Cancel()
		stop()
	}
	return jobs.Sync{Engine: eng, EnvKey: envKey != ""}, stopAll, nil
}

// demoSyncs runs the demo's first sync, then lets two of its users delete
// chats and the API lose a third, and syncs again, so that the archive shows
// what it keeps after a deletion without the user waiting an hour.
//
// loaded runs once the demo data is in (the retention policy and the demo
// hold, demo_retention.go): after both syncs, so it cannot delay the second
// past the hourly scheduler's first try.
func demoSyncs(ctx context.Context, eng *syncer.Engine, fake *fakeapi.Demo, log *slog.Logger, loaded func(context.Context) error) {
	if _, err := eng.RunOnce(ctx); err != nil {
		log.Warn("demo: first sync", "err", err)
		return
	}
	defer func() {
		if ctx.Err() != nil {
			return
		}
		if err := loaded(ctx); err != nil && ctx.Err() == nil {
			log.Warn("demo: retention and legal hold setup", "err", err)
		}
	}()
	if _, err := fake.AfterFirstSync(); err != nil {
		log.Warn("demo: deleting chats", "err", err)
		return
	}
	if _, err := eng.RunOnce(ctx); err != nil && ctx.Err() == nil {
		log.Warn("demo: second sync", "err", err)
	}
}
