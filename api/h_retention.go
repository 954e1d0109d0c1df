package api

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// nowClock is the server's clock for its own retention scheduler: only
// Now matters there (it has no daily run), timers are real.
type nowClock func() time.Time

func (c nowClock) Now() time.Time                       { return c() }
func (nowClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

type retentionView struct {
	Policy   model.RetentionPolicy    `json:"policy"`
	Schedule string                   `json:"schedule"`
	NextRun  *time.Time               `json:"next_run"`
	Running  bool                     `json:"running"`
	LastRun  *indexer.RetentionReport `json:"last_run"`
	// LastError is the last run's failure in this process (a failed run
	// leaves no report).
	LastError string `json:"last_error,omitempty"`
}

// getRetention is the Retention card. Not audited: like the other
// settings reads, it shows configuration, not archived content.
func (s *Server) getRetention(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := s.store.RetentionPolicy(ctx)
	if err != nil {
		return fmt.Errorf("read retention policy: %w", err)
	}
	last, err := s.store.LastRetention(ctx)
	if err != nil {
		return fmt.Errorf("read last retention run: %w", err)
	}
	return c.JSON(retentionView{Policy: p, Schedule: s.retention.Schedule(), NextRun: s.retention.NextRun(),
		Running: s.retention.Running(), LastRun: last, LastError: s.retention.LastError()})
}

// putRetention stores a policy. It deletes nothing: the next run applies it.
func (s *Server) putRetention(c *fiber.Ctx) error {
	var p model.RetentionPolicy
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return errBadRequest(err.Error())
	}
	pr := principalOf(c)
	p.UpdatedAt, p.UpdatedBy = s.now().UTC(), pr.Account
	// Audited first: a change that cannot be accounted for is not made.
	if err := s.audit.record(c, pr, "retention.set", "", PolicyDetail(p)); err != nil {
		return err
	}
	if err := s.store.SetRetentionPolicy(c.UserContext(), p); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"policy": p})
}

// PolicyDetail sums a policy up for the audit trail: every period, so the
// trail alone says what was kept how long from when.
func PolicyDetail(p model.RetentionPolicy) map[string]string {
	rules := make([]string, 0, len(p.Rules))
	for _, r := range p.Rules {
		rules = append(rules, FormatRule(r))
	}
	return map[string]string{
		"default_days": strconv.Itoa(p.DefaultDays), "activity_days": strconv.Itoa(p.ActivityDays),
		"rules": strings.Join(rules, "; "),
	}
}

// FormatRule writes a rule in the CLI's --rule syntax
// (name=N,days=D[,flagged][,types=a|b][,min-severity=S][,users=u|v]).
func FormatRule(r model.RetentionRule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name=%s,days=%d", r.Name, r.Days)
	if r.Flagged {
		b.WriteString(",flagged")
	}
	if len(r.Types) > 0 {
		b.WriteString(",types=" + strings.Join(r.Types, "|"))
	}
	if r.MinSeverity != "" {
		b.WriteString(",min-severity=" + string(r.MinSeverity))
	}
	if len(r.Users) > 0 {
		b.WriteString(",users=" + strings.Join(r.Users, "|"))
	}
	return b.String()
}

type retentionPreviewRequest struct {
	Policy *model.RetentionPolicy `json:"policy,omitempty"`
}

// previewRetention is the dry run: what a run now would delete under the
// stored policy, or under the draft in the body before it is saved.
func (s *Server) previewRetention(c *fiber.Ctx) error {
	var req retentionPreviewRequest
	if len(c.Body()) > 0 || c.Get(fiber.HeaderContentType) != "" {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	if req.Policy != nil {
		if err := req.Policy.Validate(); err != nil {
			return errBadRequest("policy: " + err.Error())
		}
	}
	rep, err := s.store.PlanRetention(c.UserContext(), s.now().UTC(), req.Policy)
	if err != nil {
		return err
	}
	detail := map[string]string{"policy": "stored", "messages": strconv.Itoa(rep.Messages),
		"conversations": strconv.Itoa(rep.Conversations), "held": strconv.Itoa(rep.Held)}
	if req.Policy != nil {
		detail = mergeDetail(detail, PolicyDetail(*req.Policy))
		detail["policy"] = "draft"
	}
	if err := s.audit.record(c, principalOf(c), "retention.preview", "", detail); err != nil {
		return err
	}
	return c.JSON(rep)
}

func mergeDetail(a, b map[string]string) map[string]string {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// runRetention starts a run now: 202, or 409 while one runs. Progress is
// on the WebSocket (job "retention"); GET /retention shows the report.
func (s *Server) runRetention(c *fiber.Ctx) error {
	var req struct{}
	if len(c.Body()) > 0 || c.Get(fiber.HeaderContentType) != "" {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	// The run outlives the request: the server's context, cancelled at
	// shutdown (the run is crash-safe and resumes at the next Open).
	err := s.retention.RunNow(s.ctx)
	result := "started"
	if err != nil {
		result = "refused: " + rootMessage(err)
	}
	// A refused run is recorded too: someone asked for a deletion.
	if aerr := s.audit.record(c, principalOf(c), "retention.run", "", map[string]string{"result": result}); aerr != nil && err == nil {
		// Started but unaudited: the run goes on (stopping it midway helps
		// nobody); the caller learns the trail missed it.
		return aerr
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"started": true})
}
