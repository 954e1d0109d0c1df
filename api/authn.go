package api

import (
	"crypto/subtle"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// localPrincipal is the Locals key of the authenticated caller. It is a
// string because the WebSocket middleware copies only string-keyed locals
// into the hijacked connection.
const localPrincipal = "ccsync.principal"

// principal is who is calling: an account, through a session or a token.
type principal struct {
	Account   string
	Role      Role
	SessionID string   // "" for token callers
	Session   *session // nil for token callers
	TokenID   string   // "" for session callers
	tokenHash string   // the token's storage key suffix, to re-check it
}

func principalOf(c *fiber.Ctx) *principal {
	p, _ := c.Locals(localPrincipal).(*principal)
	return p
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// authenticate requires a valid session cookie or bearer token and, for
// cookie callers, a CSRF token on every state-changing request. Bearer
// callers need no CSRF token: a browser never attaches the header on its own.
func (s *Server) authenticate(c *fiber.Ctx) error {
	p, err := s.identify(c)
	if err != nil {
		return err
	}
	if p.Session != nil && !safeMethod(c.Method()) {
		if o := c.Get(fiber.HeaderOrigin); o != "" && s.cfg.Origin != "" && o != s.cfg.Origin {
			return s.deny(c, p, "origin", &apiError{fiber.StatusForbidden, "csrf", "cross-origin request refused"})
		}
		got := c.Get(csrfHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.Session.CSRF)) != 1 {
			return s.deny(c, p, "csrf_token", &apiError{fiber.StatusForbidden, "csrf", "missing or wrong " + csrfHeader + " header"})
		}
	}
	c.Locals(localPrincipal, p)
	return c.Next()
}

func (s *Server) identify(c *fiber.Ctx) (*principal, error) {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, secret, _ := strings.Cut(h, " ")
		secret = strings.TrimSpace(secret)
		if !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(secret, tokenScheme) || len(secret) > 128 {
			return nil, errUnauthenticated()
		}
		return s.tokenPrincipal(hashSecret(secret))
	}
	return s.sessionPrincipal(c.Cookies(sessionCookie))
}

// sessionPrincipal authenticates a session id. The account is re-read on
// every request so that a deletion, role change or password change takes
// effect immediately. The nonce tells a re-created account of the same name
// from the one the session was issued for.
func (s *Server) sessionPrincipal(id string) (*principal, error) {
	sess, err := s.loadSession(id)
	if errors.Is(err, errNoSession) {
		return nil, errUnauthenticated()
	}
	if err != nil {
		return nil, err
	}
	acct, err := s.accounts.Get(sess.Account)
	if errors.Is(err, ErrNoAccount) || (err == nil && (acct.Epoch != sess.Epoch ||
		subtle.ConstantTimeCompare([]byte(acct.Nonce), []byte(sess.Nonce)) != 1)) {
		_ = s.deleteSession(id)
		return nil, errUnauthenticated()
	}
	if err != nil {
		return nil, err
	}
	return &principal{Account: acct.Name, Role: acct.Role, SessionID: id, Session: &sess}, nil
}

// recheck tells whether a principal authenticated earlier (a long-lived
// WebSocket's) still holds: its session or token is still valid, for the
// same account, with no lower role.
func (s *Server) recheck(p *principal) error {
	var now *principal
	var err error
	if p.tokenHash != "" {
		now, err = s.tokenPrincipal(p.tokenHash)
	} else {
		now, err = s.sessionPrincipal(p.SessionID)
	}
	if err != nil {
		return err
	}
	if now.Account != p.Account || (p.Role == RoleAdmin && now.Role != RoleAdmin) {
		return errUnauthenticated()
	}
	return nil
}

// requireAdmin refuses every caller that is not an admin.
func (s *Server) requireAdmin(c *fiber.Ctx) error {
	p := principalOf(c)
	if p == nil {
		return errUnauthenticated()
	}
	if p.Role != RoleAdmin {
		return s.deny(c, p, "role", errForbidden("this action needs the admin role"))
	}
	return c.Next()
}

// deny records a refused request (access.denied, with method, path and
// reason) and returns err, the refusal. Callers can send such requests as
// fast as they like, so the entries go through the audit throttle: one per
// caller, reason and route per window, the next carrying how many were left
// out.
// A refusal that cannot be audited is still a refusal.
func (s *Server) deny(c *fiber.Ctx, p *principal, reason string, err *apiError) error {
	who := "ip:" + s.clientIP(c)
	if p != nil {
		who = "account:" + p.Account
	}
	// Per route, not per path: the route table bounds the keys, and every
	// route probed leaves its own trace (per caller and reason only, a
	// harmless first refusal hid every later one for the window).
	route := c.Method() + " " + c.Route().Path
	s.auditThrottled(c, p, "access.denied", who+" "+reason+" "+route, "", map[string]string{
		"method": c.Method(), "path": truncate(c.Path(), 200), "reason": reason,
	})
	return err
}
