package api

import (
	"context"
	"errors"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer/keystore"
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
// the audit entry carry the hint. A failed save is audited too
// (settings.key.failed), with the class of error and, when it is safe, the
// hint.
func (s *Server) saveKey(c *fiber.Ctx) error {
	sc, err := s.syncController()
	if err != nil {
		return err
	}
	var req keyRequest
	hint, err := s.trySaveKey(c, sc, &req)
	if err != nil {
		detail := map[string]string{"error": keyErrorClass(err)}
		if h := failedKeyHint(req.Key, err); h != "" {
			detail["hint"] = h
		}
		if aerr := s.audit.record(c, principalOf(c), "settings.key.failed", "", detail); aerr != nil {
			s.log.Error("audit entry lost", "action", "settings.key.failed", "err", aerr)
		}
		return scrubKey(err, strings.TrimSpace(req.Key))
	}
	if err := s.audit.record(c, principalOf(c), "settings.key", "", map[string]string{"hint": hint}); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"key_saved": true, "key_hint": hint})
}

var errMalformedKey = errBadRequest("key must be 1-512 characters without spaces")

func (s *Server) trySaveKey(c *fiber.Ctx, sc SyncController, req *keyRequest) (string, error) {
	if err := decodeJSON(c, req); err != nil {
		return "", err
	}
	key := strings.TrimSpace(req.Key)
	if key == "" || len(key) > maxKeyLen || strings.IndexFunc(key, unicode.IsSpace) >= 0 || strings.IndexFunc(key, unicode.IsControl) >= 0 {
		return "", errMalformedKey
	}
	return sc.SaveKey(c.UserContext(), key)
}

// keyErrorClass names what kind of failure a key save met, for the audit
// trail: never its message, which may quote the key.
func keyErrorClass(err error) string {
	var ae *apiError
	switch {
	case err == errMalformedKey:
		return "malformed"
	case errors.Is(err, ErrInvalidKey):
		return "invalid_key"
	case errors.Is(err, ErrInvalidInput):
		return "invalid_input"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &ae):
		return ae.Type
	}
	return "internal"
}

// failedKeyHint is the hint of a key that failed to save, or "" when it
// would show more than a saved key's hint does. Only keys of the Compliance
// API's shape ("sk-ant-…", long enough) get one: their first eight
// characters are the public prefix; anything else may be another secret
// pasted by mistake, or not a key at all.
func failedKeyHint(key string, err error) string {
	key = strings.TrimSpace(key)
	if err == errMalformedKey || !strings.HasPrefix(key, "sk-ant-") || len(key) > maxKeyLen {
		return ""
	}
	if h := keystore.Hint(key); h != "••••" {
		return h
	}
	return ""
}

// scrubKey makes sure an error that quotes the key (a careless validator,
// an HTTP client error with the request in it) is never sent or logged.
func scrubKey(err error, key string) error {
	if key == "" || !strings.Contains(err.Error(), key) {
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
