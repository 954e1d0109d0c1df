package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/indexer/syncer"
)

// syncController adapts *syncer.Engine to api.SyncController, translating
// errors into the API's sentinels.
type syncController struct {
	e *syncer.Engine
	// envKey is set when CCSYNC_COMPLIANCE_KEY supplies the key, which then
	// counts as saved although the key store holds none.
	envKey bool
}

var _ api.SyncController = syncController{}

func mapSyncErr(err error) error {
	switch {
	case errors.Is(err, syncer.ErrRunning):
		return fmt.Errorf("%w", api.ErrAlreadyRunning)
	case errors.Is(err, syncer.ErrNoKey):
		return fmt.Errorf("%w", api.ErrNoKey)
	}
	return err
}

func (c syncController) Start(ctx context.Context) (string, error) {
	id, err := c.e.Start(ctx)
	return id, mapSyncErr(err)
}

func (c syncController) Cancel() error {
	if !c.e.Cancel() {
		return api.ErrNotRunning
	}
	return nil
}

func (c syncController) Status(ctx context.Context) (api.SyncStatus, error) {
	st, err := c.e.Status()
	if err != nil {
		return api.SyncStatus{}, err
	}
	out := api.SyncStatus{KeySaved: st.KeyHint != "" || c.envKey, KeyHint: st.KeyHint, SyncFrom: st.SyncFrom,
		Hourly: st.Settings.Auto, Running: st.Running, NextRun: st.NextRun}
	if st.Progress != nil {
		out.JobID = st.Progress.ID
	}
	if st.LastRun != nil {
		out.LastRun = st.LastRun
	}
	return out, nil
}

func (c syncController) SaveKey(ctx context.Context, key string) (string, error) {
	hint, err := c.e.SaveKey(ctx, key)
	if errors.Is(err, compliance.ErrUnauthorized) || errors.Is(err, compliance.ErrForbidden) || errors.Is(err, compliance.ErrBadRequest) {
		return "", fmt.Errorf("%w: %v", api.ErrInvalidKey, err)
	}
	return hint, err
}

func (c syncController) SetSchedule(ctx context.Context, s api.Schedule) error {
	return c.e.SetSettings(syncer.Settings{SyncFrom: s.SyncFrom, Auto: s.Hourly})
}

// startSync builds the sync for `serve`: the engine with its key store and
// the hourly scheduler, running until ctx ends. With demo set it instead
// points the engine at a fake Compliance API on loopback serving a generated
// organisation, saves the demo key, and starts a first run, so a first-time
// user sees sync, detections and live progress at once. stop releases the
// demo server.
func startSync(ctx context.Context, ix *indexer.Indexer, dataDir, apiBase string, envKey string, log *slog.Logger, demo bool) (api.SyncController, func(), error) {
	keys, err := keystore.Open(keystore.Options{Dir: dataDir, Meta: ix})
	if err != nil {
		return nil, nil, err
	}
	stop := func() {}
	if demo {
		var key string
		apiBase, key, stop, err = fakeapi.StartDemo(ctx, 1)
		if err != nil {
			return nil, nil, err
		}
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
	}
	eng := syncer.New(ix, syncer.Config{BaseURL: apiBase, Key: envKey, Keys: keys, Logger: log})
	go eng.Schedule(ctx)
	if demo {
		if _, err := eng.Start(ctx); err != nil {
			log.Warn("demo: first sync did not start", "err", err)
		}
	}
	return syncController{e: eng, envKey: envKey != ""}, stop, nil
}
