package api

import (
	"context"
	"errors"
	"strings"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/model"
)

// Forwarder is the forwarding engine as the API uses it (*forward.Engine):
// destination configuration, test sends and dead letters.
type Forwarder interface {
	Destinations(ctx context.Context) ([]forward.DestinationStatus, error)
	Destination(ctx context.Context, id string) (forward.DestinationStatus, error)
	PutDestination(ctx context.Context, d model.Destination) (model.Destination, error)
	DeleteDestination(ctx context.Context, id string) error
	TestSend(ctx context.Context, id string) (forward.TestResult, error)
	DeadLetters(ctx context.Context, id string, limit int) ([]forward.DeadLetter, error)
	RetryDeadLetter(ctx context.Context, id, letter string) error
	DiscardDeadLetter(ctx context.Context, id, letter string) error
}

// AlertService is the alert evaluator as the API uses it
// (*alerts.Evaluator): rules and fired alerts.
type AlertService interface {
	Rules(ctx context.Context) ([]model.AlertRule, error)
	Rule(ctx context.Context, id string) (model.AlertRule, error)
	PutRule(ctx context.Context, r model.AlertRule) (model.AlertRule, error)
	DeleteRule(ctx context.Context, id string) error
	Alerts(ctx context.Context, before uint64, limit int) ([]model.Alert, error)
}

var (
	_ Forwarder    = (*forward.Engine)(nil)
	_ AlertService = (*alerts.Evaluator)(nil)
)

func (s *Server) forwarder() (Forwarder, error) {
	if s.cfg.Forward == nil {
		return nil, errUnavailable("log forwarding is not configured on this server")
	}
	return s.cfg.Forward, nil
}

func (s *Server) alertService() (AlertService, error) {
	if s.cfg.Alerts == nil {
		return nil, errUnavailable("alerting is not configured on this server")
	}
	return s.cfg.Alerts, nil
}

// maxForwardID bounds an id taken from a path (destination, rule, dead
// letter): longer is none of ours, and is not looked up.
const maxForwardID = 200

// forwardError maps the engine's and the evaluator's errors to the API's:
// validation → 400 (their messages name the field and carry no stored
// data), unknown → 404. secret, when set, is scrubbed from the message in
// case a validator quoted the value it refused.
func forwardError(err error, what, secret string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, forward.ErrNotFound), errors.Is(err, alerts.ErrNotFound):
		return errNotFound(what)
	case errors.Is(err, forward.ErrInvalid), errors.Is(err, alerts.ErrInvalid):
		return errBadRequest(scrub(invalidMessage(err), secret))
	}
	return err
}

// invalidMessage drops the sentinel's own words ("invalid destination: ")
// wherever they stand in the chain, keeping the part that names the field.
func invalidMessage(err error) string {
	msg := err.Error()
	for _, s := range []error{forward.ErrInvalid, alerts.ErrInvalid} {
		if i := strings.LastIndex(msg, s.Error()+": "); i >= 0 {
			return msg[i+len(s.Error())+2:]
		}
	}
	return msg
}

// scrub replaces every occurrence of secret in msg.
func scrub(msg, secret string) string {
	if secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "[secret]")
}

// idParam reads a path parameter that names a stored object; an empty or
// overlong one is answered as not found without a lookup.
func idParam(v, what string) (string, error) {
	if v == "" || len(v) > maxForwardID {
		return "", errNotFound(what)
	}
	return v, nil
}
