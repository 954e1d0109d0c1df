package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/model"
)

const (
	defaultAlerts = 50
	maxAlerts     = 500
)

// listAlerts lists fired alerts newest first. Paging is by sequence:
// ?before=<seq of the last alert shown>; next_before is set when a full
// page came back (there may be more).
func (s *Server) listAlerts(c *fiber.Ctx) error {
	as, err := s.alertService()
	if err != nil {
		return err
	}
	limit, err := limitParam(c, defaultAlerts, maxAlerts)
	if err != nil {
		return err
	}
	var before uint64
	if v := c.Query("before"); v != "" {
		if before, err = strconv.ParseUint(v, 10, 64); err != nil || before == 0 {
			return errBadRequest("parameter \"before\": " + strconv.Quote(cut(v, 40)) + " is not an alert sequence number (a positive integer)")
		}
	}
	list, err := as.Alerts(c.UserContext(), before, limit)
	if err != nil {
		return err
	}
	if list == nil {
		list = []model.Alert{}
	}
	detail := map[string]string{"alerts": strconv.Itoa(len(list)), "limit": strconv.Itoa(limit)}
	if before > 0 {
		detail["before"] = strconv.FormatUint(before, 10)
	}
	if err := s.audit.record(c, principalOf(c), "alert.list", "", detail); err != nil {
		return err
	}
	out := fiber.Map{"alerts": list}
	if len(list) == limit && list[len(list)-1].Seq > 1 {
		out["next_before"] = list[len(list)-1].Seq
	}
	return c.JSON(out)
}
