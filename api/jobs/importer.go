package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/export"
)

// Importer runs uploaded exports through the export importer in the
// background; progress goes to the indexer's event stream under the job id.
type Importer struct {
	Indexer *indexer.Indexer
	Logger  *slog.Logger
	n       atomic.Int64
	running sync.WaitGroup
}

// Wait blocks until every started job has ended; serve calls it after
// cancelling the jobs' context and before closing the indexer.
func (im *Importer) Wait() { im.running.Wait() }

var _ api.Importer = (*Importer)(nil)

// Import starts a job and returns its id. The upload directories holding
// paths belong to the job and are removed when it ends.
func (im *Importer) Import(ctx context.Context, paths []string) (string, error) {
	job := fmt.Sprintf("import-%s-%d", time.Now().UTC().Format("20060102T150405"), im.n.Add(1))
	im.running.Add(1)
	go func() {
		defer im.running.Done()
		defer func() {
			for _, p := range paths {
				// Only the API's per-upload spool directories, never a
				// directory a person pointed us at.
				if dir := filepath.Dir(p); strings.HasPrefix(filepath.Base(dir), api.UploadDirPrefix) {
					_ = os.RemoveAll(dir)
				}
			}
		}()
		ev := &jobEvents{out: im.Indexer}
		for _, p := range paths {
			if dir := filepath.Dir(p); strings.HasPrefix(filepath.Base(dir), api.UploadDirPrefix) {
				ev.trim = append(ev.trim, dir+string(filepath.Separator))
			}
		}
		rep, err := export.Import(ctx, paths, export.Options{Sink: im.Indexer, Events: ev, Job: job, Logger: im.Logger})
		if err != nil {
			im.Logger.Error("import failed", "job", job, "err", err)
			if !ev.ended.Load() {
				// Import stopped before it could publish an end (no input
				// found, say): the browser must still learn why.
				state := "failed"
				if ctx.Err() != nil {
					state = "cancelled"
				}
				ev.Publish(indexer.Event{Job: job, Kind: "import", State: state, Message: err.Error()})
			}
			return
		}
		if oerr := rep.Outcome(); oerr != nil {
			first := ""
			if len(rep.Errors) > 0 {
				first = rep.Errors[0].Err
			}
			im.Logger.Warn("import finished with records not imported", "job", job, "outcome", oerr, "first", first)
			return
		}
		im.Logger.Info("import finished", "job", job, "conversations", rep.Conversations, "messages", rep.Messages,
			"users", rep.Users, "skipped", rep.Skipped, "errors", len(rep.Errors))
	}()
	return job, nil
}

// jobEvents relays one job's events to the indexer's stream. It cuts the
// spool directories from messages (the uploader knows the files by name,
// not by the server's paths) and notes whether the job's end went out.
type jobEvents struct {
	out   export.Publisher
	trim  []string // directory prefixes, separator included
	ended atomic.Bool
}

func (j *jobEvents) Publish(e indexer.Event) {
	for _, p := range j.trim {
		e.Message = strings.ReplaceAll(e.Message, p, "")
	}
	if e.State != "running" && e.State != "waiting" {
		j.ended.Store(true)
	}
	j.out.Publish(e)
}
