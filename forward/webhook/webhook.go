// Package webhook forwards events to a generic HTTPS endpoint as JSON,
// signed with HMAC-SHA256 over a timestamp and the body so the receiver
// can check where a delivery came from and reject replays (Verify).
//
// Wire format: POST <url>, Content-Type: application/json, body
// {"events":[ForwardEvent,...]}, headers X-Ccsync-Timestamp (unix
// seconds), X-Ccsync-Signature (v1=<hex HMAC-SHA256(secret,
// "<timestamp>.<raw body>")>) and X-Ccsync-Delivery (the first event's
// id). Any 2xx accepts the batch.
package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/model"
)

// MinSecret is the shortest signing secret accepted (bytes); shorter
// keys make the signature guessable offline from one captured delivery.
const MinSecret = 16

// Kind is the webhook destination kind.
var Kind = dest.Kind{
	Validate:       validate,
	New:            newSender,
	MaxBatch:       100,
	SecretRequired: true,
}

func validate(d *model.Destination) error {
	if _, err := dest.CheckURL("url", d.URL); err != nil {
		return err
	}
	if d.Secret != "" && len(d.Secret) < MinSecret {
		return fmt.Errorf("%w: secret: at least %d characters (it keys the HMAC signature)", dest.ErrInvalid, MinSecret)
	}
	return dest.CheckTLS(d.CACert, d.ServerName)
}

type sender struct {
	d    model.Destination
	http *dest.HTTP
	now  func() time.Time
}

func newSender(cfg dest.Config) (dest.Sender, error) {
	d := cfg.Destination
	if err := validate(&d); err != nil {
		return nil, err
	}
	if d.Secret == "" {
		return nil, fmt.Errorf("%w: secret: required (it keys the HMAC signature)", dest.ErrInvalid)
	}
	u, _ := dest.CheckURL("url", d.URL)
	h, err := dest.NewHTTP(cfg, "webhook "+u.Scheme+"://"+u.Host, d.Secret)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &sender{d: d, http: h, now: now}, nil
}

// Body is a webhook request body.
type Body struct {
	Events []model.ForwardEvent `json:"events"`
}

func (s *sender) Send(ctx context.Context, events []model.ForwardEvent) error {
	if len(events) == 0 {
		return nil
	}
	body, err := json.Marshal(Body{Events: dest.Prepare(s.d, events)})
	if err != nil {
		return dest.Permanent(fmt.Errorf("webhook: encode events: %w", err))
	}
	ts := s.now().Unix()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(HeaderTimestamp, fmt.Sprint(ts))
	h.Set(HeaderSignature, Sign(s.d.Secret, ts, body))
	h.Set(HeaderDelivery, events[0].ID)
	resp, err := s.http.Post(ctx, s.d.URL, h, body)
	if err != nil {
		return err
	}
	return s.http.Redact(dest.CheckResponse(resp))
}

func (s *sender) Close() error { return s.http.Close() }
