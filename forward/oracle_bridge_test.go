package forward

// A stand-in webhook sender written from the wire format, registered only
// while forward/webhook is not in the kinds table yet, so the oracle can
// drive the engine before the real sender lands. Once kinds has a
// "webhook" entry this file changes nothing.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/model"
)

// OracleWebhookStandIn reports whether the oracle's stand-in is in use.
var OracleWebhookStandIn bool

func init() {
	if _, ok := kinds[model.DestWebhook]; ok {
		return
	}
	OracleWebhookStandIn = true
	kinds[model.DestWebhook] = dest.Kind{
		MaxBatch:       100,
		SecretRequired: true,
		Validate: func(d *model.Destination) error {
			if d.URL == "" {
				return fmt.Errorf("%w: url: required", dest.ErrInvalid)
			}
			return nil
		},
		New: func(cfg dest.Config) (dest.Sender, error) {
			c := cfg.HTTPClient
			if c == nil {
				c = &http.Client{Timeout: 30 * time.Second}
			}
			now := cfg.Now
			if now == nil {
				now = time.Now
			}
			return &standIn{d: cfg.Destination, c: c, now: now}, nil
		},
	}
}

type standIn struct {
	d   model.Destination
	c   *http.Client
	now func() time.Time
}

func (s *standIn) Send(ctx context.Context, events []model.ForwardEvent) error {
	body, err := json.Marshal(map[string]any{"events": events})
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(s.d.Secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.d.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Ccsync-Timestamp", ts)
	req.Header.Set("X-Ccsync-Signature", "v1="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-Ccsync-Delivery", events[0].ID)
	resp, err := s.c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook post: %w", err)
	}
	return dest.CheckResponse(resp)
}

func (s *standIn) Close() error { s.c.CloseIdleConnections(); return nil }
