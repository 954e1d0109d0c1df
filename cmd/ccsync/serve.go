package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/api/jobs"
	"github.com/ccsync/ccsync/api/retention"
	"github.com/ccsync/ccsync/ui"
)

func init() {
	register(command{name: "serve", summary: "serve the web UI and the HTTP API", run: runServe})
}

func runServe(ctx context.Context, args []string, io stdio) (err error) {
	fs := newFlags("serve", io)
	cfg := bindSettings(fs, "data", "addr", "api-base", "api-rate", "keyset", "kek-file", "retention-at", "log-level", "log-format")
	origin := fs.String("origin", "", "the server's origin as browsers reach it (default http://<addr>); WebSockets and writes from other origins are refused")
	secure := fs.Bool("secure-cookies", false, "mark session cookies Secure even over plain HTTP (TLS terminated by a proxy)")
	proxyHeader := fs.String("proxy-header", "", `header with the client IP when behind a trusted proxy, e.g. "X-Forwarded-For"; the proxy must append the client IP, and the right-most value is used; its X-Forwarded-Proto is then believed too (HSTS, Secure cookie)`)
	uploadMB := fs.Int64("upload-limit-mb", 2048, "largest accepted import upload, in MiB")
	demo := fs.Bool("demo", false, "run against the fake Compliance API with demo data (development only)")
	closeTimeout := fs.Duration("close-timeout", defaultCloseTimeout, "at shutdown, how long closing the data directory may take before serve gives up on it and exits non-zero")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	retentionAt, err := retention.ParseAt(*cfg["retention-at"])
	if err != nil {
		return fmt.Errorf("--retention-at: %w", err)
	}
	if *origin == "" {
		var err error
		if *origin, err = defaultOrigin(*cfg["addr"]); err != nil {
			return err
		}
	}
	ix, log, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	// Deferred first, so it runs last: after the server, the sync and the
	// imports have stopped.
	defer func() {
		if cerr := closeWithin(ix.Close, *closeTimeout, *cfg["data"], log); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()

	uploads := filepath.Join(*cfg["data"], "uploads")
	if err := prepareUploadDir(uploads); err != nil {
		return err
	}
	assets, err := ui.FS()
	if err != nil {
		return err
	}
	srvCfg := api.Config{
		Store:         ix,
		Logger:        log,
		Origin:        *origin,
		SecureCookies: *secure,
		ProxyHeader:   *proxyHeader,
		UploadDir:     uploads,
		UploadLimit:   *uploadMB << 20,
		UI:            assets,
	}
	// Alerts and log forwarding: built before the sync starts, so the
	// demo's rule and destinations (demo_alerts.go) see its first sync.
	// One keystore for both: the Compliance key and destination secrets.
	keys, err := openKeystore(cfg, ix, log)
	if err != nil {
		return err
	}
	fwd := newForwarding(ix, keys, *origin, log)
	if *demo {
		stopReceiver, err := demoAlerts(ctx, ix, fwd, log)
		if err != nil {
			return err
		}
		defer stopReceiver() // after the engine has stopped sending to it
	}
	stopForwarding := fwd.start(ctx, log)
	defer stopForwarding() // like imports: the loops end before the indexer closes
	srvCfg.Forward, srvCfg.Alerts = fwd.forward, fwd.alerts

	// --demo swaps the Compliance API for the fake one on loopback, seeded with
	// a synthetic organisation, saves its key and starts a first sync.
	sc, stopSync, err := startSyncWithKeys(ctx, ix, keys, cfg, os.Getenv(envComplianceKey), log, *demo)
	if err != nil {
		return err
	}
	defer stopSync()
	srvCfg.Sync = sc
	// After the key store has opened: a wrong or missing key-encryption key
	// stops the start before the first account is created.
	accounts := api.NewAccounts(ix)
	created, generated, err := accounts.EnsureAdmin(os.Getenv("CCSYNC_ADMIN_PASSWORD"))
	if err != nil {
		return err
	}
	if created && generated != "" {
		// Printed once, to stdout and never to the log.
		fmt.Fprintf(io.out, "Created the first admin account.\n  name:     admin\n  password: %s\nIt is not shown again; change it with 'ccsync user passwd admin'.\n", generated)
	} else if created {
		log.Info("created the first admin account from CCSYNC_ADMIN_PASSWORD", "account", "admin")
	}

	importer := &jobs.Importer{Indexer: ix, Logger: log}
	// Deferred after closing the indexer, so it runs before: imports end
	// (their context is the server's, cancelled at shutdown) before the
	// indexer closes.
	defer importer.Wait()
	srvCfg.Importer = importer
	rescan := &jobs.Rescan{Indexer: ix, Logger: log}
	defer rescan.Wait() // like imports: the job ends before the indexer closes
	srvCfg.Rescan = rescan
	sched, stopRetention, err := startRetention(ctx, ix, retentionAt, log)
	if err != nil {
		return err
	}
	defer stopRetention() // like imports: a run ends before the indexer closes
	srvCfg.Retention = sched

	srv, err := api.New(srvCfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *cfg["addr"])
	if err != nil {
		return fmt.Errorf("listen %s: %w", *cfg["addr"], err)
	}
	log.Info("serving", "addr", ln.Addr().String(), "origin", *origin)
	return serveUntil(ctx, srv, ln)
}

// httpServer is what serveUntil runs; *api.Server is one.
type httpServer interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// serveUntil serves on ln until ctx ends, then shuts the server down,
// letting requests in flight finish for up to 10 s. It closes ln itself as
// well: fasthttp's Shutdown does nothing when it runs before Serve has
// taken the listener, and Serve then served for ever, so a SIGTERM that
// came right after start was lost.
func serveUntil(ctx context.Context, srv httpServer, ln net.Listener) error {
	stopped := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		_ = ln.Close()
		stopped <- err
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if ctx.Err() != nil {
		return <-stopped
	}
	return nil
}

// defaultCloseTimeout bounds closing the store at shutdown. Closing flushes
// Badger's memtables; on a data directory that became unwritable (disk
// gone, read-only remount, full) Badger retries that flush every second
// forever, and a SIGTERM would never end the process.
const defaultCloseTimeout = 30 * time.Second

// errCloseTimeout marks a store that did not close in time.
var errCloseTimeout = errors.New("the data directory did not close in time")

// closeWithin runs closeFn and waits at most d for it. Past d it logs what
// is at stake and returns an error, so the process exits non-zero instead
// of hanging; closeFn is left running, and the process exit ends it.
func closeWithin(closeFn func() error, d time.Duration, dataDir string, log *slog.Logger) error {
	done := make(chan error, 1)
	go func() { done <- closeFn() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			log.Error("closing the data directory failed; writes not yet flushed may be lost", "data", dataDir, "err", err)
			return fmt.Errorf("close data directory %s: %w", dataDir, err)
		}
		return nil
	case <-t.C:
		log.Error("closing the data directory did not finish: work still running held it, or the store cannot flush to it "+
			"(unwritable, read-only, full or gone?); exiting anyway. Writes not yet flushed may be lost: the store replays its "+
			"log at the next start and a sync resumes from its last saved checkpoint; check the disk if this repeats",
			"data", dataDir, "waited", d)
		return fmt.Errorf("close data directory %s: %w after %s (still busy, or not writable?)", dataDir, errCloseTimeout, d)
	}
}

// defaultOrigin derives the origin browsers use from the listen address.
func defaultOrigin(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q: %w", addr, err)
	}
	switch host {
	case "", "0.0.0.0", "::":
		return "", fmt.Errorf("--addr %q listens on every interface: set --origin to the URL browsers use (e.g. https://ccsync.example.com)", addr)
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// prepareUploadDir creates the spool directory and removes uploads left by
// a previous process: no import job survives a restart.
func prepareUploadDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("upload directory: %w", err)
	}
	stale, err := filepath.Glob(filepath.Join(dir, api.UploadDirPrefix+"*"))
	if err != nil {
		return fmt.Errorf("upload directory: %w", err)
	}
	for _, d := range stale {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("remove stale upload %s: %w", d, err)
		}
	}
	return nil
}
