package api

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/model"
)

// ruleRequest is what a caller may set on an alert rule; the server sets
// the id, creator and dates.
type ruleRequest struct {
	Name            string         `json:"name"`
	Enabled         *bool          `json:"enabled,omitempty"` // default true
	FindingTypes    []string       `json:"finding_types,omitempty"`
	MinSeverity     model.Severity `json:"min_severity,omitempty"`
	Users           []string       `json:"users,omitempty"`
	Models          []string       `json:"models,omitempty"`
	Products        []string       `json:"products,omitempty"`
	Query           string         `json:"query,omitempty"`
	Threshold       int            `json:"threshold,omitempty"`
	WindowMinutes   int            `json:"window_minutes,omitempty"`
	QuietMinutes    int            `json:"quiet_minutes,omitempty"`
	GroupBy         string         `json:"group_by,omitempty"`
	IncludeBackfill bool           `json:"include_backfill,omitempty"`
	Destinations    []string       `json:"destinations,omitempty"`
}

func (r ruleRequest) rule() model.AlertRule {
	return model.AlertRule{Name: strings.TrimSpace(r.Name), Enabled: r.Enabled == nil || *r.Enabled,
		FindingTypes: r.FindingTypes, MinSeverity: r.MinSeverity, Users: r.Users, Models: r.Models, Products: r.Products,
		Query: strings.TrimSpace(r.Query), Threshold: r.Threshold, WindowMinutes: r.WindowMinutes, QuietMinutes: r.QuietMinutes,
		GroupBy: r.GroupBy, IncludeBackfill: r.IncludeBackfill, Destinations: r.Destinations}
}

// maxRuleDestinations bounds the destinations one rule names (each is
// looked up).
const maxRuleDestinations = 50

// checkRuleDestinations is CheckRuleDestinations for a request.
func (s *Server) checkRuleDestinations(ctx context.Context, ids []string) error {
	if len(ids) > 0 && s.cfg.Forward == nil {
		return errBadRequest("destinations: log forwarding is not configured on this server")
	}
	err := CheckRuleDestinations(ctx, s.cfg.Forward, ids)
	var ie *InputError
	if errors.As(err, &ie) {
		return errBadRequest(ie.Msg)
	}
	return err
}

// InputError is a caller's mistake; Msg names the field.
type InputError struct{ Msg string }

func (e *InputError) Error() string        { return e.Msg }
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// CheckRuleDestinations refuses a rule that names a destination which
// does not exist or does not receive alerts: its alerts would go nowhere
// while the rule looks wired up. The CLI checks with it too.
func CheckRuleDestinations(ctx context.Context, fw Forwarder, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if len(ids) > maxRuleDestinations {
		return &InputError{fmt.Sprintf("destinations: %d given, at most %d", len(ids), maxRuleDestinations)}
	}
	for i, id := range ids {
		field := fmt.Sprintf("destinations[%d]", i)
		if id == "" || len(id) > maxForwardID {
			return &InputError{field + ": not a destination id"}
		}
		d, err := fw.Destination(ctx, id)
		if errors.Is(err, forward.ErrNotFound) {
			return &InputError{fmt.Sprintf("%s: no destination %q", field, id)}
		}
		if err != nil {
			return fmt.Errorf("look up destination %s: %w", id, err)
		}
		if d.Stream != model.StreamAlerts {
			return &InputError{fmt.Sprintf("%s: %q receives the %s stream, not alerts", field, d.Name, d.Stream)}
		}
	}
	return nil
}

// RuleDetail is what the audit trail keeps of a rule: its filter and
// where it reports.
func RuleDetail(r model.AlertRule) map[string]string {
	d := map[string]string{"name": r.Name, "enabled": boolString(r.Enabled), "min_severity": string(r.MinSeverity),
		"finding_types": strings.Join(r.FindingTypes, ","), "users": strings.Join(r.Users, ","),
		"models": strings.Join(r.Models, ","), "products": strings.Join(r.Products, ","), "query": r.Query,
		"group_by": r.GroupBy, "include_backfill": boolString(r.IncludeBackfill),
		"destinations": strings.Join(r.Destinations, ",")}
	if r.Threshold > 0 {
		d["threshold"] = strconv.Itoa(r.Threshold)
		d["window_minutes"] = strconv.Itoa(r.WindowMinutes)
	}
	if r.QuietMinutes > 0 {
		d["quiet_minutes"] = strconv.Itoa(r.QuietMinutes)
	}
	for k, v := range d {
		if v == "" {
			delete(d, k)
		}
	}
	return d
}

func (s *Server) listAlertRules(c *fiber.Ctx) error {
	as, err := s.alertService()
	if err != nil {
		return err
	}
	rs, err := as.Rules(c.UserContext())
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []model.AlertRule{}
	}
	if err := s.audit.record(c, principalOf(c), "alert.rule.list", "", map[string]string{"rules": strconv.Itoa(len(rs))}); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"rules": rs})
}

func (s *Server) getAlertRule(c *fiber.Ctx) error {
	as, id, err := s.alertRuleTarget(c)
	if err != nil {
		return err
	}
	r, err := as.Rule(c.UserContext(), id)
	if err != nil {
		return forwardError(err, "alert rule", "")
	}
	if err := s.audit.record(c, principalOf(c), "alert.rule.view", id, map[string]string{"name": r.Name}); err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) addAlertRule(c *fiber.Ctx) error {
	as, err := s.alertService()
	if err != nil {
		return err
	}
	var req ruleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.checkRuleDestinations(c.UserContext(), req.Destinations); err != nil {
		return err
	}
	p := principalOf(c)
	r := req.rule()
	r.CreatedBy = p.Account
	saved, err := as.PutRule(c.UserContext(), r)
	if err != nil {
		return forwardError(err, "alert rule", "")
	}
	if err := s.audit.record(c, p, "alert.rule.add", saved.ID, RuleDetail(saved)); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(saved)
}

// putAlertRule replaces a rule; its creator and creation time stay.
func (s *Server) putAlertRule(c *fiber.Ctx) error {
	as, id, err := s.alertRuleTarget(c)
	if err != nil {
		return err
	}
	var req ruleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	old, err := as.Rule(c.UserContext(), id)
	if err != nil {
		return forwardError(err, "alert rule", "")
	}
	if err := s.checkRuleDestinations(c.UserContext(), req.Destinations); err != nil {
		return err
	}
	r := req.rule()
	r.ID, r.CreatedBy, r.CreatedAt = id, old.CreatedBy, old.CreatedAt
	saved, err := as.PutRule(c.UserContext(), r)
	if err != nil {
		return forwardError(err, "alert rule", "")
	}
	if err := s.audit.record(c, principalOf(c), "alert.rule.update", id, RuleDetail(saved)); err != nil {
		return err
	}
	return c.JSON(saved)
}

func (s *Server) deleteAlertRule(c *fiber.Ctx) error {
	as, id, err := s.alertRuleTarget(c)
	if err != nil {
		return err
	}
	old, err := as.Rule(c.UserContext(), id)
	if err != nil {
		return forwardError(err, "alert rule", "")
	}
	if err := s.audit.record(c, principalOf(c), "alert.rule.delete", id, map[string]string{"name": old.Name}); err != nil {
		return err
	}
	if err := as.DeleteRule(c.UserContext(), id); err != nil {
		return forwardError(err, "alert rule", "")
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// alertRuleTarget is the evaluator and the rule id a per-rule route acts on.
func (s *Server) alertRuleTarget(c *fiber.Ctx) (AlertService, string, error) {
	as, err := s.alertService()
	if err != nil {
		return nil, "", err
	}
	id, err := idParam(c.Params("id"), "alert rule")
	return as, id, err
}
