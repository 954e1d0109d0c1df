package api

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/model"
)

// destinationRequest is what a caller may set on a destination; the server
// sets the id, creator, dates and hint. Secret is write-only: empty on an
// update keeps the saved one.
type destinationRequest struct {
	Name       string            `json:"name"`
	Kind       string            `json:"kind"`
	Stream     string            `json:"stream"`
	Enabled    *bool             `json:"enabled,omitempty"` // default true
	Anonymous  bool              `json:"anonymous,omitempty"`
	URL        string            `json:"url,omitempty"`
	Network    string            `json:"network,omitempty"`
	Format     string            `json:"format,omitempty"`
	CACert     string            `json:"ca_cert,omitempty"`
	ServerName string            `json:"server_name,omitempty"`
	Index      string            `json:"index,omitempty"`
	Sourcetype string            `json:"sourcetype,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	TenantID   string            `json:"tenant_id,omitempty"`
	Username   string            `json:"username,omitempty"`
	Secret     string            `json:"secret,omitempty"`
}

func (r destinationRequest) destination() model.Destination {
	enabled := r.Enabled == nil || *r.Enabled
	return model.Destination{Name: strings.TrimSpace(r.Name), Kind: strings.TrimSpace(r.Kind), Stream: strings.TrimSpace(r.Stream),
		Enabled: enabled, Anonymous: r.Anonymous, URL: strings.TrimSpace(r.URL), Network: r.Network, Format: r.Format,
		CACert: r.CACert, ServerName: r.ServerName, Index: r.Index, Sourcetype: r.Sourcetype, Labels: r.Labels,
		TenantID: r.TenantID, Username: r.Username, Secret: r.Secret}
}

// DestinationDetail is what the audit trail keeps of a destination: where
// events go and which, never the secret (only whether one was given) and
// never a URL's credentials or query, which some receivers use for tokens.
func DestinationDetail(d model.Destination) map[string]string {
	secret := "unchanged"
	if d.Secret != "" {
		secret = "set"
	}
	return map[string]string{"name": d.Name, "kind": d.Kind, "stream": d.Stream, "enabled": boolString(d.Enabled),
		"anonymous": boolString(d.Anonymous), "url": RedactURL(d.URL), "secret": secret}
}

// RedactURL keeps a URL's scheme, host and path: enough to say where
// events went, without userinfo, query or fragment. A syslog host:port is
// kept as it is.
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if strings.ContainsAny(raw, "/?@#") {
			return "(unparsable)"
		}
		return raw // host:port
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

func (s *Server) listDestinations(c *fiber.Ctx) error {
	fw, err := s.forwarder()
	if err != nil {
		return err
	}
	ds, err := fw.Destinations(c.UserContext())
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []forward.DestinationStatus{}
	}
	for i := range ds {
		ds[i].Secret = "" // the engine strips it; this keeps it so
	}
	if err := s.audit.record(c, principalOf(c), "destination.list", "", map[string]string{"destinations": strconv.Itoa(len(ds))}); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"destinations": ds})
}

func (s *Server) getDestination(c *fiber.Ctx) error {
	fw, id, err := s.destinationTarget(c)
	if err != nil {
		return err
	}
	d, err := fw.Destination(c.UserContext(), id)
	if err != nil {
		return forwardError(err, "destination", "")
	}
	d.Secret = ""
	if err := s.audit.record(c, principalOf(c), "destination.view", id, map[string]string{"name": d.Name}); err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) addDestination(c *fiber.Ctx) error {
	fw, err := s.forwarder()
	if err != nil {
		return err
	}
	var req destinationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p := principalOf(c)
	d := req.destination()
	d.CreatedBy = p.Account
	saved, err := fw.PutDestination(c.UserContext(), d)
	if err != nil {
		return forwardError(err, "destination", req.Secret)
	}
	saved.Secret = ""
	detail := DestinationDetail(saved)
	detail["secret"] = DestinationDetail(d)["secret"]
	if err := s.audit.record(c, p, "destination.add", saved.ID, detail); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(saved)
}

// putDestination replaces a destination's configuration. The creator and
// creation time stay; an empty secret keeps the saved one.
func (s *Server) putDestination(c *fiber.Ctx) error {
	fw, id, err := s.destinationTarget(c)
	if err != nil {
		return err
	}
	var req destinationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	old, err := fw.Destination(c.UserContext(), id)
	if err != nil {
		return forwardError(err, "destination", "")
	}
	d := req.destination()
	d.ID, d.CreatedBy, d.CreatedAt = id, old.CreatedBy, old.CreatedAt
	saved, err := fw.PutDestination(c.UserContext(), d)
	if err != nil {
		return forwardError(err, "destination", req.Secret)
	}
	saved.Secret = ""
	detail := DestinationDetail(saved)
	detail["secret"] = DestinationDetail(d)["secret"]
	if err := s.audit.record(c, principalOf(c), "destination.update", id, detail); err != nil {
		return err
	}
	return c.JSON(saved)
}

func (s *Server) deleteDestination(c *fiber.Ctx) error {
	fw, id, err := s.destinationTarget(c)
	if err != nil {
		return err
	}
	old, err := fw.Destination(c.UserContext(), id)
	if err != nil {
		return forwardError(err, "destination", "")
	}
	// Audited first: a destination removed without a trace would be an
	// unexplained gap in the SIEM.
	if err := s.audit.record(c, principalOf(c), "destination.delete", id, map[string]string{"name": old.Name,
		"kind": old.Kind, "stream": old.Stream, "backlog": strconv.FormatUint(old.Status.Backlog, 10),
		"dead_letters": strconv.Itoa(old.Status.DeadLetters)}); err != nil {
		return err
	}
	if err := fw.DeleteDestination(c.UserContext(), id); err != nil {
		return forwardError(err, "destination", "")
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// sendTimeout bounds a test send or a dead letter's retry, which wait on a
// receiver: well within the response's write timeout.
const sendTimeout = 30 * time.Second

// testDestination sends one synthetic event now. A receiver's refusal is
// the result (200, ok false), not an error of this request.
func (s *Server) testDestination(c *fiber.Ctx) error {
	fw, id, err := s.destinationTarget(c)
	if err != nil {
		return err
	}
	if err := optionalEmptyBody(c); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), sendTimeout)
	defer cancel()
	res, err := fw.TestSend(ctx, id)
	if err != nil {
		return forwardError(err, "destination", "")
	}
	detail := map[string]string{"ok": boolString(res.OK), "event": res.EventID, "ms": strconv.FormatInt(res.Duration.Milliseconds(), 10)}
	if res.Error != "" {
		detail["error"] = cut(res.Error, 300)
	}
	if err := s.audit.record(c, principalOf(c), "destination.test", id, detail); err != nil {
		return err
	}
	return c.JSON(res)
}

// optionalEmptyBody accepts no body or an empty JSON object: the action
// takes no input, but a client that sends {} is not wrong.
func optionalEmptyBody(c *fiber.Ctx) error {
	if len(c.Body()) == 0 && c.Get(fiber.HeaderContentType) == "" {
		return nil
	}
	var req struct{}
	return decodeJSON(c, &req)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s[:n])
	return string(r[:len(r)-1]) + "…"
}

const (
	defaultDeadLetters = 100
	maxDeadLetters     = 500
)

func (s *Server) listDeadLetters(c *fiber.Ctx) error {
	fw, id, err := s.destinationTarget(c)
	if err != nil {
		return err
	}
	limit, err := limitParam(c, defaultDeadLetters, maxDeadLetters)
	if err != nil {
		return err
	}
	dl, err := fw.DeadLetters(c.UserContext(), id, limit)
	if err != nil {
		return forwardError(err, "destination", "")
	}
	if dl == nil {
		dl = []forward.DeadLetter{}
	}
	if err := s.audit.record(c, principalOf(c), "destination.dead_letter.list", id, map[string]string{"dead_letters": strconv.Itoa(len(dl))}); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"dead_letters": dl})
}

// retryDeadLetter sends a dead letter again now. The receiver's refusal
// is the result (200, ok false; the letter stays), not an error of this
// request.
func (s *Server) retryDeadLetter(c *fiber.Ctx) error {
	fw, id, err := s.destinationTarget(c)
	if err != nil {
		return err
	}
	letter, err := idParam(c.Params("letter"), "dead letter")
	if err != nil {
		return err
	}
	if err := optionalEmptyBody(c); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), sendTimeout)
	defer cancel()
	serr := fw.RetryDeadLetter(ctx, id, letter)
	if errors.Is(serr, forward.ErrNotFound) {
		return errNotFound("dead letter")
	}
	res := fiber.Map{"ok": serr == nil}
	detail := map[string]string{"letter": letter, "ok": boolString(serr == nil)}
	if serr != nil {
		res["error"] = serr.Error()
		detail["error"] = cut(serr.Error(), 300)
	}
	if err := s.audit.record(c, principalOf(c), "destination.dead_letter.retry", id, detail); err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) discardDeadLetter(c *fiber.Ctx) error {
	fw, id, err := s.destinationTarget(c)
	if err != nil {
		return err
	}
	letter, err := idParam(c.Params("letter"), "dead letter")
	if err != nil {
		return err
	}
	// Discarded, then audited: an unknown letter (404) is no discard.
	if err := fw.DiscardDeadLetter(c.UserContext(), id, letter); err != nil {
		return forwardError(err, "dead letter", "")
	}
	if err := s.audit.record(c, principalOf(c), "destination.dead_letter.discard", id, map[string]string{"letter": letter}); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// limitParam reads ?limit= (1 to max; def when absent).
func limitParam(c *fiber.Ctx, def, max int) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, errBadRequest("parameter \"limit\": " + strconv.Quote(cut(v, 40)) + " is not a number from 1 to " + strconv.Itoa(max))
	}
	return n, nil
}

// destinationTarget is the engine and the destination id a per-destination
// route acts on.
func (s *Server) destinationTarget(c *fiber.Ctx) (Forwarder, string, error) {
	fw, err := s.forwarder()
	if err != nil {
		return nil, "", err
	}
	id, err := idParam(c.Params("id"), "destination")
	return fw, id, err
}
