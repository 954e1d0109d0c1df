package api

import (
	"context"
	"errors"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

// Errors a SyncController or Importer returns so the API can answer with the
// right status; wrap them (fmt.Errorf("...: %w", api.ErrNoKey)).
var (
	ErrNoKey          = errors.New("no Compliance API key saved")         // 409
	ErrAlreadyRunning = errors.New("a sync is already running")           // 409
	ErrNotRunning     = errors.New("no sync is running")                  // 409
	ErrInvalidKey     = errors.New("the Compliance API key is not valid") // 400
	ErrInvalidInput   = errors.New("invalid input")                       // 400
	// ErrRescanRunning and ErrRescanNotRunning are a RescanController's 409s.
	ErrRescanRunning    = errors.New("a re-scan is already running")
	ErrRescanNotRunning = errors.New("no re-scan is running")
)

// SyncController runs the Compliance API sync. The sync package satisfies
// it; serve.go wires it in. Implementations must never put the key itself
// into an error, a log line or SyncStatus: only its hint.
type SyncController interface {
	// Start begins a run in the background and returns its job id, whose
	// progress is published on the indexer's event stream.
	Start(ctx context.Context) (jobID string, err error)
	// Cancel stops the running sync (ErrNotRunning when idle).
	Cancel() error
	Status(ctx context.Context) (SyncStatus, error)
	// SaveKey validates, encrypts and stores a new key, replacing the old.
	SaveKey(ctx context.Context, key string) (hint string, err error)
	// SetSchedule changes where the sync starts and whether it runs hourly.
	SetSchedule(ctx context.Context, s Schedule) error
}

// Schedule is the sync's start date and the hourly toggle.
type Schedule struct {
	SyncFrom time.Time `json:"sync_from"`
	Hourly   bool      `json:"hourly"`
}

// SyncStatus is what the settings page shows.
type SyncStatus struct {
	KeySaved bool      `json:"key_saved"`
	KeyHint  string    `json:"key_hint,omitempty"` // e.g. "sk-ant-a••••"
	SyncFrom time.Time `json:"sync_from,omitzero"`
	Hourly   bool      `json:"hourly"`
	Running  bool      `json:"running"`
	JobID    string    `json:"job_id,omitempty"`
	// LastRun is the sync package's own summary of the last run (counts,
	// errors, finish time); the API passes it through.
	LastRun any        `json:"last_run,omitempty"`
	NextRun *time.Time `json:"next_run,omitempty"`
	// Streams is each stream's state (chats, sessions, activities, files):
	// the running run's, else the last run's. Passed through like LastRun.
	Streams any `json:"streams,omitempty"`
	// RequestsPerMinute is the request budget the streams share.
	RequestsPerMinute int `json:"requests_per_minute,omitempty"`
}

// RetentionScheduler starts retention runs (api/retention.Scheduler is
// one). A run's progress is published by the indexer (job "retention").
type RetentionScheduler interface {
	// RunNow starts a run in the background; indexer.ErrBusy while one runs.
	RunNow(ctx context.Context) error
	Schedule() string    // daily run time "HH:MM" UTC, "" when off
	NextRun() *time.Time // nil when off
	Running() bool
	LastError() string // the last run's error in this process, "" if none
}

// Importer imports uploaded export files in the background.
// UploadDirPrefix names the per-upload spool directories under
// Config.UploadDir; an Importer removes them when its job ends.
const UploadDirPrefix = "ccsync-upload-"

type Importer interface {
	// Import starts importing the files (conversations.json, users.json)
	// and returns the job id whose progress is published on the indexer's
	// event stream. The files belong to the importer from then on: it
	// removes them when the job ends. ctx outlives the request.
	Import(ctx context.Context, paths []string) (jobID string, err error)
}

// RescanController re-runs the detectors over stored messages in the
// background (api/jobs.Rescan); progress goes to the indexer's event
// stream with kind "rescan".
type RescanController interface {
	// Start begins a re-scan of the stale messages (all of them with all)
	// and returns its job id; ErrRescanRunning while one runs.
	Start(ctx context.Context, all bool) (jobID string, err error)
	// Cancel stops the running re-scan (ErrRescanNotRunning when idle); the
	// next Start resumes it.
	Cancel() error
	Status(ctx context.Context) (RescanStatus, error)
}

// RescanStatus is the Re-scan card: the engine, how many messages an older
// engine or another detector configuration scanned, and the run.
type RescanStatus struct {
	indexer.RescanStatus
	JobID string `json:"job_id,omitempty"` // the running job
}
