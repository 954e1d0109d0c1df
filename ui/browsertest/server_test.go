package browsertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/api/jobs"
	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/indexer/syncer"
	"github.com/ccsync/ccsync/scanners"
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
	// The alert evaluator and the forwarding engine run for the suite's
	// life, with fast retries so a refusing receiver dead-letters at once.
	fw        *forward.Engine
	ev        *alerts.Evaluator
	stopLoops func()
}

func startServer(ctx context.Context) (*server, error) {
	dir, err := os.MkdirTemp("", "ccsync-browsertest-")
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The seed is scanned by "an older engine" (the same detectors under
	// another stamp), and the server runs with a detector configuration
	// that adds a rule: every seeded message is stale, and a re-scan from
	// Settings adds findings of a new type (rescan_test.go).
	ix, err := indexer.Open(ctx, indexer.Options{Dir: filepath.Join(dir, "data"), Logger: quiet, ScanConfigID: "older"})
	if err != nil {
		return nil, err
	}
	s := &server{ix: ix, dir: dir}
	if err := seed(ctx, ix); err != nil {
		s.close()
		return nil, err
	}
	if err := ix.Close(); err != nil {
		return nil, err
	}
	engine, err := scanners.New(rescanConfig)
	if err != nil {
		return nil, err
	}
	if s.ix, err = indexer.Open(ctx, indexer.Options{Dir: filepath.Join(dir, "data"), Logger: quiet,
		Scanner: attrScanner{engine}, ScanConfigID: "browsertest"}); err != nil {
		return nil, err
	}
	ix = s.ix
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
	s.ev = alerts.New(alerts.Options{Store: ix, Logger: quiet, Poll: 100 * time.Millisecond})
	s.fw = forward.New(forward.Options{Store: ix, Secrets: keys, Logger: quiet, BaseURL: s.url, AlertNotify: s.ev.Notify,
		Poll: 100 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, PermanentAttempts: 1,
		RetryFor: 2 * time.Second, JournalConsumers: func() (uint64, error) { return alerts.Cursor(ix) }})
	loopCtx, stopLoops := context.WithCancel(context.Background())
	var loops sync.WaitGroup
	loops.Add(2)
	go func() { defer loops.Done(); _ = s.ev.Run(loopCtx) }()
	go func() { defer loops.Done(); _ = s.fw.Run(loopCtx) }()
	s.stopLoops = func() { stopLoops(); loops.Wait() }
	s.srv, err = api.New(api.Config{
		Store: ix, Logger: quiet, Origin: s.url, UI: assets, UploadDir: uploads,
		Sync: jobs.Sync{Engine: eng}, Importer: &jobs.Importer{Indexer: ix, Logger: quiet},
		Rescan:  &jobs.Rescan{Indexer: ix, Logger: quiet},
		Forward: s.fw, Alerts: s.ev,
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
	if s.stopLoops != nil {
		s.stopLoops()
	}
	if s.ix != nil {
		_ = s.ix.Close()
	}
	_ = os.RemoveAll(s.dir)
}
