package api

import (
	"errors"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
)

const maxKeyLen = 512

func (s *Server) syncController() (SyncController, error) {
	if s.cfg.Sync == nil {
		return nil, errUnavailable("the Compliance API sync is not configured on this server")
	}
	return s.cfg.Sync, nil
}

func (s *Server) getSettings(c *fiber.Ctx) error {
	sc, err := s.syncController()
	if err != nil {
		return err
	}
	st, err := sc.Status(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(st)
}

type keyRequest struct {
	Key string `json:"key"`
}

// saveKey stores a new Compliance API key. The key is in this request only:
// it is never echoed, logged or put in the audit trail; the response and
// the audit entry carry the hint.
func (s *Server) saveKey(c *fiber.Ctx) error {
	sc, err := s.syncController()
	if err != nil {
		return err
	}
	var req keyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	key := strings.TrimSpace(req.Key)
	if key == "" || len(key) > maxKeyLen || strings.IndexFunc(key, unicode.IsSpace) >= 0 || strings.IndexFunc(key, unicode.IsControl) >= 0 {
		return errBadRequest("key must be 1-512 characters without spaces")
	}
	hint, err := sc.SaveKey(c.UserContext(), key)
	if err != nil {
		return scrubKey(err, key)
	}
	if err := s.audit.record(c, principalOf(c), "settings.key", "", map[string]string{"hint": hint}); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"key_saved": true, "key_hint": hint})
}

// scrubKey makes sure an error that quotes the key (a careless validator,
// an HTTP client error with the request in it) is never sent or logged.
func scrubKey(err error, key string) error {
	if !strings.Contains(err.Error(), key) {
		return err
	}
	switch {
	case errors.Is(err, ErrInvalidKey):
		return errBadRequest(ErrInvalidKey.Error())
	case errors.Is(err, ErrInvalidInput):
		return errBadRequest(ErrInvalidInput.Error())
	}
	return errors.New("save key failed (details withheld: the error quoted the key)")
}

type scheduleRequest struct {
	SyncFrom string `json:"sync_from"` // YYYY-MM-DD or RFC 3339
	Hourly   bool   `json:"hourly"`
}

func (s *Server) setSchedule(c *fiber.Ctx) error {
	sc, err := s.syncController()
	if err != nil {
		return err
	}
	var req scheduleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	from, err := parseTime("sync_from", req.SyncFrom, false)
	if err != nil {
		return err
	}
	if from.IsZero() {
		return errBadRequest(`"sync_from" is required`)
	}
	if from.After(s.now()) {
		return errBadRequest(`"sync_from" is in the future`)
	}
	if err := sc.SetSchedule(c.UserContext(), Schedule{SyncFrom: from, Hourly: req.Hourly}); err != nil {
		return err
	}
	detail := map[string]string{"sync_from": from.Format("2006-01-02T15:04:05Z07:00"), "hourly": boolString(req.Hourly)}
	if err := s.audit.record(c, principalOf(c), "settings.schedule", "", detail); err != nil {
		return err
	}
	st, err := sc.Status(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func (s *Server) syncStatus(c *fiber.Ctx) error {
	sc, err := s.syncController()
	if err != nil {
		return err
	}
	st, err := sc.Status(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// startSync answers 202 with the job id, or 409 when no key is saved or a
// run is already going.
func (s *Server) startSync(c *fiber.Ctx) error {
	sc, err := s.syncController()
	if err != nil {
		return err
	}
	job, err := sc.Start(s.ctx)
	if err != nil {
		return err
	}
	if err := s.audit.record(c, principalOf(c), "sync.start", job, nil); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"job_id": job})
}

func (s *Server) cancelSync(c *fiber.Ctx) error {
	sc, err := s.syncController()
	if err != nil {
		return err
	}
	if err := sc.Cancel(); err != nil {
		return err
	}
	if err := s.audit.record(c, principalOf(c), "sync.cancel", "", nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
