package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/syncer"
)

// Sync adapts *syncer.Engine to api.SyncController, translating errors into
// the API's sentinels.
type Sync struct {
	Engine *syncer.Engine
	// EnvKey is set when CCSYNC_COMPLIANCE_KEY supplies the key, which then
	// counts as saved although the key store holds none.
	EnvKey bool
}

var _ api.SyncController = Sync{}

func (s Sync) Start(ctx context.Context) (string, error) {
	id, err := s.Engine.Start(ctx)
	switch {
	case errors.Is(err, syncer.ErrRunning):
		return "", fmt.Errorf("%w", api.ErrAlreadyRunning)
	case errors.Is(err, syncer.ErrNoKey):
		return "", fmt.Errorf("%w", api.ErrNoKey)
	}
	return id, err
}

func (s Sync) Cancel() error {
	if !s.Engine.Cancel() {
		return api.ErrNotRunning
	}
	return nil
}

func (s Sync) Status(ctx context.Context) (api.SyncStatus, error) {
	st, err := s.Engine.Status()
	if err != nil {
		return api.SyncStatus{}, err
	}
	out := api.SyncStatus{KeySaved: st.KeyHint != "" || s.EnvKey, KeyHint: st.KeyHint, SyncFrom: st.SyncFrom,
		Hourly: st.Settings.Auto, Running: st.Running, NextRun: st.NextRun, RequestsPerMinute: st.RequestsPerMinute}
	if st.Progress != nil {
		out.JobID = st.Progress.ID
	}
	if st.LastRun != nil {
		out.LastRun = st.LastRun
	}
	if len(st.Streams) > 0 {
		out.Streams = st.Streams
	}
	return out, nil
}

func (s Sync) SaveKey(ctx context.Context, key string) (string, error) {
	hint, err := s.Engine.SaveKey(ctx, key)
	if errors.Is(err, compliance.ErrUnauthorized) || errors.Is(err, compliance.ErrKeyNotAccepted) ||
		errors.Is(err, compliance.ErrForbidden) || errors.Is(err, compliance.ErrBadRequest) {
		return "", fmt.Errorf("%w: %v", api.ErrInvalidKey, err)
	}
	return hint, err
}

func (s Sync) SetSchedule(ctx context.Context, sc api.Schedule) error {
	return s.Engine.SetSettings(syncer.Settings{SyncFrom: sc.SyncFrom, Auto: sc.Hourly})
}
