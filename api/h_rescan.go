package api

import (
	"github.com/gofiber/fiber/v2"
)

func (s *Server) rescanController() (RescanController, error) {
	if s.cfg.Rescan == nil {
		return nil, errUnavailable("re-scanning is not configured on this server")
	}
	return s.cfg.Rescan, nil
}

func (s *Server) rescanStatus(c *fiber.Ctx) error {
	rc, err := s.rescanController()
	if err != nil {
		return err
	}
	st, err := rc.Status(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(st)
}

type rescanRequest struct {
	All bool `json:"all"`
}

// startRescan answers 202 with the job id, or 409 while a re-scan runs. The
// body is optional ({"all":true} re-scans every message).
func (s *Server) startRescan(c *fiber.Ctx) error {
	rc, err := s.rescanController()
	if err != nil {
		return err
	}
	var req rescanRequest
	if len(c.Body()) > 0 || c.Get(fiber.HeaderContentType) != "" {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	// The job outlives the request: the server's context, cancelled at shutdown.
	job, err := rc.Start(s.ctx, req.All)
	if err != nil {
		return err
	}
	if err := s.audit.record(c, principalOf(c), "rescan.start", job, map[string]string{"all": boolString(req.All)}); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"job_id": job})
}

func (s *Server) cancelRescan(c *fiber.Ctx) error {
	rc, err := s.rescanController()
	if err != nil {
		return err
	}
	if err := rc.Cancel(); err != nil {
		return err
	}
	if err := s.audit.record(c, principalOf(c), "rescan.cancel", "", nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
