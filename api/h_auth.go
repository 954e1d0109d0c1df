package api

import (
	"errors"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

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
		return err
	}
	if o := c.Get(fiber.HeaderOrigin); o != "" && o != s.cfg.Origin {
		return s.deny(c, nil, "origin", &apiError{fiber.StatusForbidden, "csrf", "cross-origin login refused"})
	}
	// LoginAttempts wrong passwords per client address per LoginWindow.
	addr := limiterKey(s.clientIP(c))
	if wait, ok := s.loginFailures.reserve(addr); !ok {
		// One entry per address and window, however fast it knocks.
		s.auditThrottled(c, nil, "login.rate_limited", addr, "", nil)
		return rateLimited(c, wait, "too many failed logins from this address")
	}
	acct, err := s.accounts.Authenticate(req.Name, req.Password)
	s.loginFailures.settle(addr, errors.Is(err, errBadLogin))
	if errors.Is(err, ErrBusy) {
		return busy(c)
	}
	if errors.Is(err, errBadLogin) {
		// The name is attacker-chosen; keep the audit entry small.
		_ = s.audit.record(c, nil, "login.failed", truncate(req.Name, 64), nil)
		return &apiError{fiber.StatusUnauthorized, "unauthenticated", errBadLogin.Error()}
	}
	if err != nil {
		return err
	}
	// Drop whatever session the client arrived with and mint a new one.
	_ = s.deleteSession(c.Cookies(sessionCookie))
	id, sess, err := s.newSession(acct)
	if err != nil {
		return err
	}
	s.setSessionCookie(c, id, sess.Expires)
	p := &principal{Account: acct.Name, Role: acct.Role, SessionID: id, Session: &sess}
	if err := s.audit.record(c, p, "login", acct.Name, nil); err != nil {
		return err
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
		return rateLimited(c, wait, "too many wrong current passwords")
	}
	_, err := s.accounts.Authenticate(p.Account, req.Current)
	s.pwFailures.settle(p.Account, errors.Is(err, errBadLogin))
	if err != nil {
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

// rateLimited is the 429 of a failure limiter, with Retry-After.
func rateLimited(c *fiber.Ctx, wait time.Duration, why string) error {
	secs := strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
	c.Set(fiber.HeaderRetryAfter, secs)
	return &apiError{fiber.StatusTooManyRequests, "rate_limited", why + "; retry after " + secs + " s"}
}

// limiterKey is the address a login limit applies to: an IPv4 address, or
// an IPv6 address's /64, which one client usually holds whole.
func limiterKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
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
