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
		rep, err := export.Import(ctx, paths, export.Options{Sink: im.Indexer, Events: im.Indexer, Job: job, Logger: im.Logger})
		if err != nil {
			im.Logger.Error("import failed", "job", job, "err", err)
			return
		}
		im.Logger.Info("import finished", "job", job, "conversations", rep.Conversations, "messages", rep.Messages,
			"users", rep.Users, "skipped", rep.Skipped, "errors", len(rep.Errors))
	}()
	return job, nil
}
