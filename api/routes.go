package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// access is who may call a route.
type access int

const (
	public access = iota
	anyRole
	adminOnly
)

// route is one endpoint. The table is the single place that says who may
// call what; the authorisation test walks it, so a new route cannot ship
// without being checked for unauthenticated and under-privileged callers.
type route struct {
	Method  string
	Path    string
	Access  access
	Handler fiber.Handler
}

func (s *Server) routeTable() []route {
	const v1 = "/api/v1"
	get, post, put, patch, del := fiber.MethodGet, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete
	return []route{
		{Method: get, Path: "/healthz", Access: public, Handler: s.healthz},
		{Method: get, Path: "/metrics", Access: anyRole, Handler: s.serveMetrics},

		{Method: post, Path: v1 + "/auth/login", Access: public, Handler: s.login},
		{Method: post, Path: v1 + "/auth/logout", Access: anyRole, Handler: s.logout},
		{Method: get, Path: v1 + "/auth/me", Access: anyRole, Handler: s.me},
		{Method: put, Path: v1 + "/auth/password", Access: anyRole, Handler: s.changeOwnPassword},

		{Method: get, Path: v1 + "/tokens", Access: anyRole, Handler: s.listOwnTokens},
		{Method: post, Path: v1 + "/tokens", Access: anyRole, Handler: s.createOwnToken},
		{Method: del, Path: v1 + "/tokens/:id", Access: anyRole, Handler: s.deleteOwnToken},

		{Method: get, Path: v1 + "/accounts", Access: adminOnly, Handler: s.listAccounts},
		{Method: post, Path: v1 + "/accounts", Access: adminOnly, Handler: s.createAccount},
		{Method: patch, Path: v1 + "/accounts/:name", Access: adminOnly, Handler: s.updateAccount},
		{Method: del, Path: v1 + "/accounts/:name", Access: adminOnly, Handler: s.deleteAccount},
		{Method: get, Path: v1 + "/accounts/:name/tokens", Access: adminOnly, Handler: s.listAccountTokens},
		{Method: del, Path: v1 + "/accounts/:name/tokens", Access: adminOnly, Handler: s.deleteAccountTokens},
		{Method: del, Path: v1 + "/accounts/:name/tokens/:id", Access: adminOnly, Handler: s.deleteAccountToken},

		{Method: get, Path: v1 + "/search", Access: anyRole, Handler: s.search},
		{Method: get, Path: v1 + "/conversations", Access: anyRole, Handler: s.listConversations},
		{Method: get, Path: v1 + "/conversations/:id", Access: anyRole, Handler: s.getConversation},
		{Method: get, Path: v1 + "/messages/:id", Access: anyRole, Handler: s.getMessage},
		{Method: get, Path: v1 + "/users", Access: anyRole, Handler: s.listUsers},
		{Method: get, Path: v1 + "/users/:id", Access: anyRole, Handler: s.getUser},
		{Method: get, Path: v1 + "/export", Access: anyRole, Handler: s.export},
		{Method: get, Path: v1 + "/stats", Access: anyRole, Handler: s.stats},
		{Method: get, Path: v1 + "/analytics", Access: anyRole, Handler: s.analytics},
		{Method: get, Path: v1 + "/progress", Access: anyRole, Handler: s.progressSocket()},
		{Method: get, Path: v1 + "/activities", Access: anyRole, Handler: s.listActivities},
		{Method: get, Path: v1 + "/activities/health", Access: anyRole, Handler: s.activityHealth},
		{Method: get, Path: v1 + "/activities/export", Access: anyRole, Handler: s.exportActivities},
		{Method: get, Path: v1 + "/activities/settings", Access: adminOnly, Handler: s.getActivitySettings},
		{Method: put, Path: v1 + "/activities/settings", Access: adminOnly, Handler: s.putActivitySettings},

		{Method: get, Path: v1 + "/settings", Access: adminOnly, Handler: s.getSettings},
		{Method: put, Path: v1 + "/settings/key", Access: adminOnly, Handler: s.saveKey},
		{Method: put, Path: v1 + "/settings/schedule", Access: adminOnly, Handler: s.setSchedule},
		{Method: get, Path: v1 + "/sync", Access: anyRole, Handler: s.syncStatus},
		{Method: post, Path: v1 + "/sync", Access: adminOnly, Handler: s.startSync},
		{Method: post, Path: v1 + "/sync/cancel", Access: adminOnly, Handler: s.cancelSync},
		{Method: post, Path: v1 + "/imports", Access: adminOnly, Handler: s.upload},
		{Method: get, Path: v1 + "/rescan", Access: adminOnly, Handler: s.rescanStatus},
		{Method: post, Path: v1 + "/rescan", Access: adminOnly, Handler: s.startRescan},
		{Method: post, Path: v1 + "/rescan/cancel", Access: adminOnly, Handler: s.cancelRescan},
		{Method: post, Path: v1 + "/deletions/preview", Access: adminOnly, Handler: s.previewDeletion},
		{Method: post, Path: v1 + "/deletions", Access: adminOnly, Handler: s.deleteRange},
		{Method: get, Path: v1 + "/audit", Access: adminOnly, Handler: s.listAudit},

		{Method: get, Path: v1 + "/retention", Access: adminOnly, Handler: s.getRetention},
		{Method: put, Path: v1 + "/retention", Access: adminOnly, Handler: s.putRetention},
		{Method: post, Path: v1 + "/retention/preview", Access: adminOnly, Handler: s.previewRetention},
		{Method: post, Path: v1 + "/retention/run", Access: adminOnly, Handler: s.runRetention},
		{Method: get, Path: v1 + "/holds", Access: adminOnly, Handler: s.listHolds},
		{Method: post, Path: v1 + "/holds", Access: adminOnly, Handler: s.addHold},
		{Method: get, Path: v1 + "/holds/:id", Access: adminOnly, Handler: s.getHold},
		{Method: post, Path: v1 + "/holds/:id/release", Access: adminOnly, Handler: s.releaseHold},

		{Method: get, Path: v1 + "/destinations", Access: adminOnly, Handler: s.listDestinations},
		{Method: post, Path: v1 + "/destinations", Access: adminOnly, Handler: s.addDestination},
		{Method: get, Path: v1 + "/destinations/:id", Access: adminOnly, Handler: s.getDestination},
		{Method: put, Path: v1 + "/destinations/:id", Access: adminOnly, Handler: s.putDestination},
		{Method: del, Path: v1 + "/destinations/:id", Access: adminOnly, Handler: s.deleteDestination},
		{Method: post, Path: v1 + "/destinations/:id/test", Access: adminOnly, Handler: s.testDestination},
		{Method: get, Path: v1 + "/destinations/:id/dead-letters", Access: adminOnly, Handler: s.listDeadLetters},
		{Method: post, Path: v1 + "/destinations/:id/dead-letters/:letter/retry", Access: adminOnly, Handler: s.retryDeadLetter},
		{Method: del, Path: v1 + "/destinations/:id/dead-letters/:letter", Access: adminOnly, Handler: s.discardDeadLetter},
		{Method: get, Path: v1 + "/alert-rules", Access: adminOnly, Handler: s.listAlertRules},
		{Method: post, Path: v1 + "/alert-rules", Access: adminOnly, Handler: s.addAlertRule},
		{Method: get, Path: v1 + "/alert-rules/:id", Access: adminOnly, Handler: s.getAlertRule},
		{Method: put, Path: v1 + "/alert-rules/:id", Access: adminOnly, Handler: s.putAlertRule},
		{Method: del, Path: v1 + "/alert-rules/:id", Access: adminOnly, Handler: s.deleteAlertRule},
		{Method: get, Path: v1 + "/alerts", Access: anyRole, Handler: s.listAlerts},
	}
}

func (s *Server) mount() {
	// recover turns a handler panic into a 500 in the error shape instead
	// of killing the process; logRequests then logs it.
	s.app.Use(s.securityHeaders, s.logRequests, recover.New())
	s.routes = s.routeTable()
	for _, r := range s.routes {
		var hs []fiber.Handler
		switch r.Access {
		case anyRole:
			hs = append(hs, s.authenticate)
		case adminOnly:
			hs = append(hs, s.authenticate, s.requireAdmin)
		}
		hs = append(hs, s.queryGuards(r)...) // concurrency, time budget, disconnect (budget.go)
		hs = append(hs, r.Handler)
		s.app.Add(r.Method, r.Path, hs...)
	}
	// Anything else under the API is a 404 in the API's error shape, never
	// the UI's index page.
	// A path of the table asked with another method is a 405.
	s.app.Use("/api", s.noRoute("endpoint"))
	if s.cfg.UI != nil {
		// no-cache: browsers revalidate, so an upgrade never runs old
		// JavaScript against a new API (the assets are small and local).
		noCache := func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderCacheControl, "no-cache")
			return c.Next()
		}
		s.app.Use("/", noCache, filesystem.New(filesystem.Config{
			Root:         http.FS(s.cfg.UI),
			Index:        "index.html",
			NotFoundFile: "index.html", // client-side routes
		}))
	}
	s.app.Use(s.noRoute("page"))
}

// contentSecurityPolicy allows only the server's own scripts, styles and
// connections: no inline script, so an injected <script> in rendered chat
// content would not run even if sanitising failed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if s.scheme(c) == "https" {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		// Chat content must not linger in shared or disk caches.
		h.Set(fiber.HeaderCacheControl, "no-store")
	}
	return c.Next()
}

// logRequests logs one line per request. It handles the error itself so the
// status it logs is the one sent. It logs the path but never the query or
// body: queries can be sensitive search terms and bodies can hold the key.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		_ = writeError(c, s.log, err)
	}
	status := c.Response().StatusCode()
	s.metrics.observeRequest(status)
	attrs := []any{"method", c.Method(), "path", c.Path(), "status", status, "dur", time.Since(start)}
	if p := principalOf(c); p != nil {
		attrs = append(attrs, "account", p.Account)
	}
	s.log.Info("http", attrs...)
	return nil
}
