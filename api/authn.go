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
			return &apiError{fiber.StatusForbidden, "csrf", "cross-origin request refused"}
		}
		got := c.Get(csrfHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.Session.CSRF)) != 1 {
			return &apiError{fiber.StatusForbidden, "csrf", "missing or wrong " + csrfHeader + " header"}
		}
	}
	c.Locals(localPrincipal, p)
	return c.Next()
}

func (s *Server) identify(c *fiber.Ctx) (*principal, error) {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, errUnauthenticated()
		}
		tok, err := s.lookupToken(strings.TrimSpace(secret))
		if errors.Is(err, errNoToken) {
			return nil, errUnauthenticated()
		}
		if err != nil {
			return nil, err
		}
		acct, err := s.accounts.Get(tok.Account)
		if errors.Is(err, ErrNoAccount) {
			return nil, errUnauthenticated()
		}
		if err != nil {
			return nil, err
		}
		return &principal{Account: acct.Name, Role: acct.Role, TokenID: tok.ID}, nil
	}
	id := c.Cookies(sessionCookie)
	sess, err := s.loadSession(id)
	if errors.Is(err, errNoSession) {
		return nil, errUnauthenticated()
	}
	if err != nil {
		return nil, err
	}
	// The account is re-read on every request so that a deletion, role
	// change or password change takes effect immediately. The nonce tells a
	// re-created account of the same name from the one the session was
	// issued for.
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

// requireAdmin refuses every caller that is not an admin.
func requireAdmin(c *fiber.Ctx) error {
	p := principalOf(c)
	if p == nil {
		return errUnauthenticated()
	}
	if p.Role != RoleAdmin {
		return errForbidden("this action needs the admin role")
	}
	return c.Next()
}
