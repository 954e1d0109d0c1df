package api

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/api/retention"
)

// Config configures a Server. Only Store is required.
type Config struct {
	Store  Store
	Logger *slog.Logger // nil means slog.Default()
	// Origin is the server's own origin as browsers see it, e.g.
	// "http://127.0.0.1:8080". WebSocket handshakes are accepted only from
	// it and cookie-authenticated writes carrying another Origin are
	// refused. Required: an empty Origin would let any site open the
	// progress socket with the user's cookie.
	Origin string
	// SecureCookies marks the session cookie Secure even when the request
	// arrived over plain HTTP (TLS terminated by a proxy). Requests that
	// arrive over TLS always get Secure cookies.
	SecureCookies bool
	// ProxyHeader names the header holding the client IP (e.g.
	// "X-Forwarded-For") when behind a trusted reverse proxy; empty uses the
	// connection's address. It decides login rate limiting and audit IPs.
	// The proxy must append the client's address to the header: only the
	// right-most comma-separated value is used (everything to its left came
	// from the client and may be forged); if it is not an IP address the
	// connection's address is used. Setting it also makes the proxy's
	// X-Forwarded-Proto believed (HSTS, Secure cookies).
	ProxyHeader   string
	SessionTTL    time.Duration // default 12h
	LoginAttempts int           // failed logins per IP, and wrong current passwords per account, per LoginWindow; default 10
	LoginWindow   time.Duration // default 15m
	UploadDir     string        // where uploads are spooled; default os.TempDir()
	UploadLimit   int64         // bytes per import request; default 2 GiB
	// ReadTimeout bounds reading a request's headers and small body
	// (default 30s), so a client sending half a request is dropped
	// (slowloris). An upload's body instead has a deadline of the same
	// length that every read renews: it may take as long as it keeps
	// moving.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response (default 60s). Streamed
	// responses (exports) renew it with every write, so only a reader that
	// stops reading is dropped.
	WriteTimeout time.Duration
	// QueryTimeout is the time budget of a search-like request (search,
	// conversations, analytics, stats) and of each page of an export
	// (default 10s); beyond it the request is answered 504.
	QueryTimeout time.Duration
	// QueryConcurrency bounds the search-like requests running at once
	// (default 2 per CPU, at least 4); QueryWait is how long one waits for
	// a turn (default 2s) before a 503 with Retry-After.
	QueryConcurrency int
	QueryWait        time.Duration
	// Sync and Importer are the sync and import jobs; nil answers their
	// endpoints with 503.
	Sync     SyncController
	Importer Importer
	// Rescan re-runs the detectors over stored messages; nil answers its
	// endpoints with 503.
	Rescan RescanController
	// Retention runs retention on demand and on its daily schedule; nil
	// gives the server its own, on demand only (no daily run).
	Retention RetentionScheduler
	// Forward is log forwarding (destinations, test sends, dead letters)
	// and Alerts the alert rules and fired alerts; nil answers their
	// endpoints with 503.
	Forward Forwarder
	Alerts  AlertService
	// UI is the static web UI (must contain index.html); nil serves none.
	UI  fs.FS
	Now func() time.Time // nil means time.Now; tests move time
}

// Server is the HTTP API.
type Server struct {
	cfg       Config
	store     Store
	accounts  *Accounts
	log       *slog.Logger
	app       *fiber.App
	md        *renderer
	audit     *auditLog
	hub       *progressHub
	streams   streamSet
	metrics   *metrics
	deletions *confirmations
	retention RetentionScheduler
	// ownRetention is the scheduler New built when Config had none;
	// Shutdown waits for its run.
	ownRetention *retention.Scheduler
	queries      *gate
	cursors      *cursorSealer
	routes       []route
	// throttle bounds audit entries callers can cause by being refused;
	// pwFailures limits wrong current passwords per account.
	throttle   *auditThrottle
	pwFailures *failureLimiter
	// loginFailures limits wrong passwords per client address.
	loginFailures *failureLimiter
	wsPing        time.Duration // progress sockets ping and re-check their credential this often
	now           func() time.Time
	// ctx outlives requests: background imports and streamed exports use
	// it, and Shutdown cancels it.
	ctx    context.Context
	cancel context.CancelFunc
}

// New builds the server and its routes. It prunes expired sessions but does
// not create accounts: call Accounts().EnsureAdmin first.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("api: Config.Store is required")
	}
	if cfg.Origin == "" {
		return nil, errors.New("api: Config.Origin is required (the server's own origin, e.g. http://127.0.0.1:8080)")
	}
	origin, err := normalizeOrigin(cfg.Origin)
	if err != nil {
		return nil, err
	}
	cfg.Origin = origin
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.LoginAttempts <= 0 {
		cfg.LoginAttempts = 10
	}
	if cfg.LoginWindow <= 0 {
		cfg.LoginWindow = 15 * time.Minute
	}
	if cfg.UploadDir == "" {
		cfg.UploadDir = os.TempDir()
	}
	if cfg.UploadLimit <= 0 {
		cfg.UploadLimit = 2 << 30
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 60 * time.Second
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = 10 * time.Second
	}
	if cfg.QueryConcurrency <= 0 {
		cfg.QueryConcurrency = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if cfg.QueryWait <= 0 {
		cfg.QueryWait = 2 * time.Second
	}
	if cfg.UI != nil {
		if _, err := fs.Stat(cfg.UI, "index.html"); err != nil {
			return nil, fmt.Errorf("api: UI assets have no index.html: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:       cfg,
		store:     cfg.Store,
		accounts:  NewAccounts(cfg.Store),
		log:       cfg.Logger,
		md:        newRenderer(),
		hub:       newProgressHub(),
		metrics:   newMetrics(),
		deletions: newConfirmations(),
		wsPing:    wsPingEvery,
		now:       cfg.Now,
		ctx:       ctx,
		cancel:    cancel,
	}
	s.accounts.now = cfg.Now
	s.retention = cfg.Retention
	if s.retention == nil {
		own, err := retention.New(retention.Config{Runner: cfg.Store, At: retention.At{Off: true}, Logger: cfg.Logger,
			Clock: nowClock(cfg.Now)})
		if err != nil {
			cancel()
			return nil, err
		}
		s.retention, s.ownRetention = own, own
	}
	s.audit = newAuditLog(cfg.Store, cfg.Now)
	s.audit.ip = s.clientIP
	s.throttle = &auditThrottle{w: newWindowCounter(cfg.LoginWindow, cfg.Now)}
	s.pwFailures = &failureLimiter{w: newWindowCounter(cfg.LoginWindow, cfg.Now), max: cfg.LoginAttempts}
	s.loginFailures = &failureLimiter{w: newWindowCounter(cfg.LoginWindow, cfg.Now), max: cfg.LoginAttempts}
	s.loginFailures.w.maxKeys = maxLoginKeys
	if err := s.pruneSessions(); err != nil {
		cancel()
		return nil, err
	}
	if err := s.pruneTokens(); err != nil {
		cancel()
		return nil, err
	}
	key, err := loadCursorKey(cfg.Store)
	if err != nil {
		cancel()
		return nil, err
	}
	s.cursors = &cursorSealer{key: key, now: cfg.Now}
	s.queries = newGate(cfg.QueryConcurrency, queryQueue*cfg.QueryConcurrency, cfg.QueryWait)
	s.app = fiber.New(fiber.Config{
		AppName:               "ccsync",
		DisableStartupMessage: true,
		JSONEncoder:           json.Marshal,
		JSONDecoder:           json.Unmarshal,
		ErrorHandler:          s.errorHandler,
		// ProxyHeader is deliberately not passed to Fiber: c.IP() would
		// then return the raw, client-controlled header. clientIP parses it.
		// Bodies are streamed so an upload goes to disk as it arrives;
		// BodyLimit is then only what fasthttp buffers before the handler.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		BodyLimit:                    maxJSONBody,
		IdleTimeout:                  2 * time.Minute,
		// fasthttp sets ReadTimeout once, before the headers, and it then
		// covers the whole request, a streamed body included; the upload
		// handler renews it as the body arrives (renewReadDeadline).
		// WriteTimeout is likewise set once per response; streamed bodies
		// renew it (streamBody).
		ReadTimeout:  cfg.ReadTimeout,
		WriteTimeout: cfg.WriteTimeout,
	})
	s.mount()
	return s, nil
}

// App returns the Fiber app (for tests and for serving on a listener).
func (s *Server) App() *fiber.App { return s.app }

// Accounts returns the account store.
func (s *Server) Accounts() *Accounts { return s.accounts }

// Serve serves on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting requests, cancels running queries, cuts
// running exports (recorded as cut, reason "shutdown"), closes every
// progress WebSocket (Fiber does not track hijacked connections) and waits
// for in-flight requests until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.cancel()
	s.hub.closeAll()
	s.streams.closeAll()
	if err := s.app.ShutdownWithContext(ctx); err != nil {
		return fmt.Errorf("shutdown: requests still running were cut: %w", err)
	}
	if s.ownRetention != nil {
		s.ownRetention.Wait() // its run's context was s.ctx, cancelled above
	}
	return nil
}

func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	return writeError(c, s.log, err)
}

// clientIP is the caller's address for rate limiting and the audit trail:
// the connection's address, or with Config.ProxyHeader the right-most value
// of that header (the one the trusted proxy appended).
func (s *Server) clientIP(c *fiber.Ctx) string {
	if s.cfg.ProxyHeader != "" {
		if ip := forwardedIP(c.Get(s.cfg.ProxyHeader)); ip != "" {
			return ip
		}
	}
	return c.IP()
}

// scheme is how the client reached us, "https" or "http"; it decides HSTS
// and Secure cookies. A TLS connection is https. Otherwise only a trusted
// proxy's X-Forwarded-Proto counts, and only when the operator said one is
// in front (Config.ProxyHeader): Fiber's c.Protocol() believes the header
// from any client. As with the address, the right-most value is the one
// the proxy set.
func (s *Server) scheme(c *fiber.Ctx) string {
	if c.Context().IsTLS() {
		return "https"
	}
	if s.cfg.ProxyHeader != "" {
		h := c.Get(fiber.HeaderXForwardedProto)
		if i := strings.LastIndexByte(h, ','); i >= 0 {
			h = h[i+1:]
		}
		if strings.EqualFold(strings.TrimSpace(h), "https") {
			return "https"
		}
	}
	return "http"
}

// forwardedIP returns the right-most comma-separated entry of a
// forwarding header, normalised, or "" if it is not an IP address.
func forwardedIP(h string) string {
	if i := strings.LastIndexByte(h, ','); i >= 0 {
		h = h[i+1:]
	}
	ip := net.ParseIP(strings.TrimSpace(h))
	if ip == nil {
		return ""
	}
	return ip.String()
}

// normalizeOrigin reduces a URL to the scheme://host[:port] form browsers
// send in the Origin header, so "https://ccsync.example.com/" matches.
func normalizeOrigin(o string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("api: Config.Origin %q is not an origin like https://ccsync.example.com", o)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}
