package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
)

// Rescan runs indexer.Rescan as a background job for the API: one at a
// time, cancellable, its progress on the indexer's event stream (kind
// "rescan"). A cancelled or interrupted run is resumed by the next Start.
type Rescan struct {
	Indexer *indexer.Indexer
	Logger  *slog.Logger
	// Progress, when set, is called after each batch of the running job,
	// synchronously (tests hold a job mid-run with it).
	Progress func(indexer.RescanProgress)
	// BatchSize is the messages per batch (0: the indexer's default).
	BatchSize int

	mu      sync.Mutex
	job     string             // the running job, "" when idle
	cancel  context.CancelFunc // of the running job
	running sync.WaitGroup
}

var _ api.RescanController = (*Rescan)(nil)

// Wait blocks until the running job has ended; serve calls it after
// cancelling the jobs' context and before closing the indexer.
func (r *Rescan) Wait() { r.running.Wait() }

// Start begins a job and returns its id, or api.ErrRescanRunning. The
// check and the claim happen together, so of two concurrent starts exactly
// one gets a job.
func (r *Rescan) Start(ctx context.Context, all bool) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.job != "" {
		return "", fmt.Errorf("rescan: %w", api.ErrRescanRunning)
	}
	st, err := r.Indexer.RescanStatus()
	if err != nil {
		return "", err
	}
	if st.Running { // a re-scan started outside this controller
		return "", fmt.Errorf("rescan: %w", api.ErrRescanRunning)
	}
	job := "rescan-" + time.Now().UTC().Format("20060102T150405.000")
	if cp := st.Interrupted; cp != nil && cp.Stamp == st.Stamp && cp.All == all && cp.Job != "" {
		job = cp.Job // resuming: the same job, so the progress bar carries on
	}
	jctx, cancel := context.WithCancel(ctx)
	r.job, r.cancel = job, cancel
	r.running.Add(1)
	go func() {
		defer r.running.Done()
		defer cancel()
		p, err := r.Indexer.Rescan(jctx, indexer.RescanOptions{All: all, Job: job, Progress: r.Progress, BatchSize: r.BatchSize})
		switch {
		case errors.Is(err, indexer.ErrRescanRunning):
			// Lost a race with a re-scan started elsewhere: say so on the
			// job's stream, which the caller is watching.
			r.Indexer.Publish(indexer.Event{Job: job, Kind: "rescan", State: "failed", Message: api.ErrRescanRunning.Error()})
		case err != nil && jctx.Err() != nil:
			r.Logger.Info("rescan cancelled", "job", job, "done", p.Done, "total", p.Total)
		case err != nil:
			r.Logger.Error("rescan failed", "job", job, "err", err)
		default:
			r.Logger.Info("rescan finished", "job", job, "scanned", p.Scanned, "updated", p.Updated, "skipped", p.Skipped,
				"findings", p.Findings, "stamp", p.Stamp)
		}
		r.mu.Lock()
		r.job, r.cancel = "", nil
		r.mu.Unlock()
	}()
	return job, nil
}

// Cancel stops the running job (api.ErrRescanNotRunning when idle).
func (r *Rescan) Cancel() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.job == "" {
		return api.ErrRescanNotRunning
	}
	r.cancel()
	return nil
}

// Status is the indexer's re-scan status with the running job's id.
func (r *Rescan) Status(context.Context) (api.RescanStatus, error) {
	st, err := r.Indexer.RescanStatus()
	if err != nil {
		return api.RescanStatus{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := api.RescanStatus{RescanStatus: st, JobID: r.job}
	out.Running = out.Running || r.job != ""
	return out, nil
}
