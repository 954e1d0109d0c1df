package api

import (
	"errors"
	"math"
	"strconv"
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
			// One entry per address and window, however fast it knocks.
			s.auditThrottled(c, nil, "login.rate_limited", s.clientIP(c), "", nil)
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
		return writeError(c, s.log, s.deny(c, nil, "origin", &apiError{fiber.StatusForbidden, "csrf", "cross-origin login refused"}))
	}
	acct, err := s.accounts.Authenticate(req.Name, req.Password)
	if errors.Is(err, ErrBusy) {
		return writeError(c, s.log, busy(c))
	}
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
		Secure:   s.cfg.SecureCookies || s.scheme(c) == "https",
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
	// KeepTokens carries the account's API tokens over to the new
	// password; by default a password change revokes them.
	KeepTokens bool `json:"keep_tokens,omitempty"`
}

// changeOwnPassword needs the current password too, so a stolen session
// cannot lock the owner out. Wrong current passwords are limited per
// account (LoginAttempts per LoginWindow, like logins per address), since
// each one costs an argon2 hash and is a guess at the password.
func (s *Server) changeOwnPassword(c *fiber.Ctx) error {
	p := principalOf(c)
	var req passwordChange
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	wait, ok := s.pwFailures.reserve(p.Account)
	if !ok {
		s.auditThrottled(c, p, "account.password.rate_limited", p.Account, p.Account, nil)
		secs := strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
		c.Set(fiber.HeaderRetryAfter, secs)
		return &apiError{fiber.StatusTooManyRequests, "rate_limited", "too many wrong current passwords; retry after " + secs + " s"}
	}
	if _, err := s.accounts.Authenticate(p.Account, req.Current); err != nil {
		if !errors.Is(err, errBadLogin) {
			s.pwFailures.release(p.Account)
		}
		switch {
		case errors.Is(err, errBadLogin):
			// Bounded by the limiter above: at most LoginAttempts per
			// account per window reach this point.
			if err := s.audit.record(c, p, "account.password.failed", p.Account, map[string]string{"reason": "wrong current password"}); err != nil {
				return err
			}
			return errForbidden("current password is wrong")
		case errors.Is(err, ErrBusy):
			return busy(c)
		}
		return err
	}
	s.pwFailures.release(p.Account)
	revoked, err := s.accounts.SetPassword(p.Account, req.New, req.KeepTokens)
	if errors.Is(err, ErrBusy) {
		return busy(c)
	}
	if err != nil {
		return accountError(err)
	}
	detail := map[string]string{"tokens_revoked": strconv.Itoa(revoked)}
	if req.KeepTokens {
		detail = map[string]string{"tokens": "kept"}
	}
	if err := s.audit.record(c, p, "account.password", p.Account, detail); err != nil {
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

// busy is the answer when the argon2 gate is full: 503 with Retry-After,
// nothing tried, so the caller can simply retry.
func busy(c *fiber.Ctx) error {
	c.Set(fiber.HeaderRetryAfter, "1")
	return &apiError{fiber.StatusServiceUnavailable, "busy", ErrBusy.Error()}
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
