package api

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// loginLimiter allows LoginAttempts failed logins per client IP per
// LoginWindow; successful logins are not counted. The limiter reads the
// response status right after the handler, which is why login writes its
// errors itself instead of returning them.
func (s *Server) loginLimiter() fiber.Handler {
	return limiter.New(limiter.Config{
		Max:                    s.cfg.LoginAttempts,
		Expiration:             s.cfg.LoginWindow,
		KeyGenerator:           s.clientIP,
		SkipSuccessfulRequests: true,
		LimitReached: func(c *fiber.Ctx) error {
			_ = s.audit.record(c, nil, "login.rate_limited", "", nil)
			return c.Status(fiber.StatusTooManyRequests).JSON(fiber.Map{"error": &apiError{
				Type:    "rate_limited",
				Message: "too many failed logins; retry after " + c.GetRespHeader(fiber.HeaderRetryAfter) + " s",
			}})
		},
	})
}

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type sessionInfo struct {
	Account   string    `json:"account"`
	Role      Role      `json:"role"`
	CSRFToken string    `json:"csrf_token,omitempty"` // send as X-CSRF-Token on writes
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return writeError(c, s.log, err)
	}
	if o := c.Get(fiber.HeaderOrigin); o != "" && o != s.cfg.Origin {
		return writeError(c, s.log, &apiError{fiber.StatusForbidden, "csrf", "cross-origin login refused"})
	}
	acct, err := s.accounts.Authenticate(req.Name, req.Password)
	if errors.Is(err, errBadLogin) {
		// The name is attacker-chosen; keep the audit entry small.
		_ = s.audit.record(c, nil, "login.failed", truncate(req.Name, 64), nil)
		return writeError(c, s.log, &apiError{fiber.StatusUnauthorized, "unauthenticated", errBadLogin.Error()})
	}
	if err != nil {
		return writeError(c, s.log, err)
	}
	// Drop whatever session the client arrived with and mint a new one.
	_ = s.deleteSession(c.Cookies(sessionCookie))
	id, sess, err := s.newSession(acct)
	if err != nil {
		return writeError(c, s.log, err)
	}
	s.setSessionCookie(c, id, sess.Expires)
	p := &principal{Account: acct.Name, Role: acct.Role, SessionID: id, Session: &sess}
	if err := s.audit.record(c, p, "login", acct.Name, nil); err != nil {
		return writeError(c, s.log, err)
	}
	return c.JSON(sessionInfo{Account: acct.Name, Role: acct.Role, CSRFToken: sess.CSRF, ExpiresAt: sess.Expires})
}

func (s *Server) setSessionCookie(c *fiber.Ctx, id string, expires time.Time) {
	ck := &fiber.Cookie{
		Name:     sessionCookie,
		Value:    id,
		Path:     "/",
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteStrictMode,
		Secure:   s.cfg.SecureCookies || c.Protocol() == "https",
	}
	if id == "" {
		ck.Expires = time.Unix(0, 0)
		ck.MaxAge = -1
	} else {
		ck.Expires = expires
		ck.MaxAge = int(expires.Sub(s.now()).Seconds())
	}
	c.Cookie(ck)
}

func (s *Server) logout(c *fiber.Ctx) error {
	p := principalOf(c)
	if err := s.deleteSession(p.SessionID); err != nil {
		return err
	}
	s.setSessionCookie(c, "", time.Time{})
	if err := s.audit.record(c, p, "logout", p.Account, nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) me(c *fiber.Ctx) error {
	p := principalOf(c)
	info := sessionInfo{Account: p.Account, Role: p.Role}
	if p.Session != nil {
		info.CSRFToken, info.ExpiresAt = p.Session.CSRF, p.Session.Expires
	}
	return c.JSON(info)
}

type passwordChange struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// changeOwnPassword needs the current password too, so a stolen session
// cannot lock the owner out.
func (s *Server) changeOwnPassword(c *fiber.Ctx) error {
	p := principalOf(c)
	var req passwordChange
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if _, err := s.accounts.Authenticate(p.Account, req.Current); err != nil {
		if errors.Is(err, errBadLogin) {
			return errForbidden("current password is wrong")
		}
		return err
	}
	if err := s.accounts.SetPassword(p.Account, req.New); err != nil {
		return accountError(err)
	}
	if err := s.audit.record(c, p, "account.password", p.Account, nil); err != nil {
		return err
	}
	// The epoch bump ended every session, this one included: issue a new
	// one so the browser that made the change stays logged in.
	if p.Session != nil {
		acct, err := s.accounts.Get(p.Account)
		if err != nil {
			return err
		}
		id, sess, err := s.newSession(acct)
		if err != nil {
			return err
		}
		_ = s.deleteSession(p.SessionID)
		s.setSessionCookie(c, id, sess.Expires)
		return c.JSON(sessionInfo{Account: acct.Name, Role: acct.Role, CSRFToken: sess.CSRF, ExpiresAt: sess.Expires})
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// accountError maps account-store errors to API errors.
func accountError(err error) error {
	switch {
	case errors.Is(err, ErrNoAccount):
		return errNotFound("account")
	case errors.Is(err, ErrAccountExists), errors.Is(err, ErrLastAdmin):
		return errConflict(rootAccountMessage(err))
	case errors.Is(err, ErrWeakPassword), errors.Is(err, ErrBadName), errors.Is(err, ErrBadRole):
		return errBadRequest(rootAccountMessage(err))
	}
	return err
}

func rootAccountMessage(err error) string {
	for _, e := range []error{ErrAccountExists, ErrLastAdmin, ErrWeakPassword, ErrBadName, ErrBadRole} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return err.Error()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
