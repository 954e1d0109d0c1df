package browsertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/export"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/indexer/syncer"
	"github.com/ccsync/ccsync/ui"
)

const (
	adminName     = "admin"
	adminPassword = "correct-horse-battery-staple-42"
)

// server is a real ccsync server on loopback.
type server struct {
	url           string
	ix            *indexer.Indexer
	srv           *api.Server
	dir           string
	complianceKey string // the fake Compliance API's key, typed into Settings
	fake          *fakeapi.Server
	stopFake      func()
}

func startServer(ctx context.Context) (*server, error) {
	dir, err := os.MkdirTemp("", "ccsync-browsertest-")
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ix, err := indexer.Open(ctx, indexer.Options{Dir: filepath.Join(dir, "data"), Logger: quiet})
	if err != nil {
		return nil, err
	}
	s := &server{ix: ix, dir: dir}
	if err := seed(ctx, ix); err != nil {
		s.close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.close()
		return nil, err
	}
	s.url = "http://" + ln.Addr().String()
	assets, err := ui.FS()
	if err != nil {
		s.close()
		return nil, err
	}
	// The sync is real; only Anthropic's Compliance API is a fake, on
	// loopback, serving a generated organisation.
	now := time.Now().UTC()
	s.complianceKey = "sk-ant-api01-uitest" + strings.Repeat("x7Q2", 8)
	s.fake = fakeapi.New(fakeapi.Generate(5, fakeapi.GenOptions{Users: 4, Chats: 24, MaxMessages: 6,
		Start: now.Add(-10 * 24 * time.Hour), End: now.Add(-time.Hour)}), fakeapi.Options{Key: s.complianceKey})
	fakeSrv := httptest.NewServer(s.fake)
	s.stopFake = fakeSrv.Close
	fakeURL := fakeSrv.URL
	keys, err := keystore.Open(keystore.Options{Dir: filepath.Join(dir, "data"), Meta: ix})
	if err != nil {
		s.close()
		return nil, err
	}
	eng := syncer.New(ix, syncer.Config{BaseURL: fakeURL, Keys: keys, Logger: quiet})
	uploads := filepath.Join(dir, "uploads")
	if err := os.MkdirAll(uploads, 0o700); err != nil {
		s.close()
		return nil, err
	}
	s.srv, err = api.New(api.Config{
		Store: ix, Logger: quiet, Origin: s.url, UI: assets, UploadDir: uploads,
		Sync: syncController{e: eng}, Importer: &exportImporter{ix: ix, log: quiet},
	})
	if err != nil {
		s.close()
		return nil, err
	}
	if err := s.srv.Accounts().Create(adminName, api.RoleAdmin, adminPassword); err != nil {
		s.close()
		return nil, fmt.Errorf("create admin: %w", err)
	}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *server) close() {
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.srv.Shutdown(ctx)
		cancel()
	}
	if s.stopFake != nil {
		s.stopFake()
	}
	if s.ix != nil {
		_ = s.ix.Close()
	}
	_ = os.RemoveAll(s.dir)
}

// exportImporter is the api.Importer the server uses in production terms:
// the real export importer publishing progress on the indexer's stream.
type exportImporter struct {
	ix  *indexer.Indexer
	log *slog.Logger
	n   atomic.Int64
}

func (e *exportImporter) Import(ctx context.Context, paths []string) (string, error) {
	job := fmt.Sprintf("import-%d", e.n.Add(1))
	go func() {
		defer func() {
			for _, p := range paths {
				_ = os.RemoveAll(filepath.Dir(p))
			}
		}()
		rep, err := export.Import(ctx, paths, export.Options{Sink: e.ix, Events: e.ix, Job: job, Logger: e.log})
		if err != nil {
			e.log.Error("import failed", "job", job, "err", err, "report", rep)
		}
	}()
	return job, nil
}

// syncController adapts the real sync engine to api.SyncController, as
// cmd/ccsync does (its adapter is in package main, so it cannot be shared).
type syncController struct{ e *syncer.Engine }

func (c syncController) Start(ctx context.Context) (string, error) {
	id, err := c.e.Start(ctx)
	switch {
	case errors.Is(err, syncer.ErrRunning):
		return "", fmt.Errorf("%w", api.ErrAlreadyRunning)
	case errors.Is(err, syncer.ErrNoKey):
		return "", fmt.Errorf("%w", api.ErrNoKey)
	}
	return id, err
}

func (c syncController) Cancel() error {
	if !c.e.Cancel() {
		return api.ErrNotRunning
	}
	return nil
}

func (c syncController) Status(context.Context) (api.SyncStatus, error) {
	st, err := c.e.Status()
	if err != nil {
		return api.SyncStatus{}, err
	}
	out := api.SyncStatus{KeySaved: st.KeyHint != "", KeyHint: st.KeyHint, SyncFrom: st.SyncFrom,
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

func (c syncController) SetSchedule(_ context.Context, s api.Schedule) error {
	return c.e.SetSettings(syncer.Settings{SyncFrom: s.SyncFrom, Auto: s.Hourly})
}
