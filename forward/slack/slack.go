// Package slack posts events to a Slack incoming webhook as a readable
// Block Kit message: severity, finding types with counts, the user,
// product and model, masked previews and a "View in ccsync" link; for
// alerts the rule, its group, the counts and what the quiet period
// folded in. Everything taken from chat content is mrkdwn-escaped, so a
// preview cannot mention a channel or disguise a link. Anonymous
// destinations get counts, types, severities and times only.
//
// The webhook URL is the credential (anyone holding it can post to the
// channel), so it is the destination's Secret, never its URL, and
// errors never show it.
package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/model"
)

// Kind is the Slack destination kind. A batch of up to 20 events is one
// message (2 blocks each plus a summary: 41 of Slack's 50); Slack allows
// about one message per second per webhook, so batching matters for a
// findings feed.
var Kind = dest.Kind{
	Validate:       validate,
	New:            newSender,
	MaxBatch:       20,
	SecretRequired: true,
}

func validate(d *model.Destination) error {
	if d.URL != "" {
		return fmt.Errorf("%w: url: leave empty; the Slack webhook URL is the secret (it is stored encrypted)", dest.ErrInvalid)
	}
	if d.Secret != "" {
		if _, err := CheckWebhookURL(d.Secret); err != nil {
			return err
		}
	}
	return dest.CheckTLS(d.CACert, d.ServerName)
}

// CheckWebhookURL validates an incoming-webhook URL: https with a host
// (Slack's is https://hooks.slack.com/services/…; Slack-compatible
// receivers such as Mattermost live elsewhere), or plain http to a
// loopback address for a local relay or a test. Errors never quote it.
func CheckWebhookURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: secret: not a webhook URL (https://hooks.slack.com/services/…)", dest.ErrInvalid)
	}
	switch {
	case u.User != nil:
		return nil, fmt.Errorf("%w: secret: webhook URL must not contain user:password", dest.ErrInvalid)
	case u.Fragment != "" || strings.ContainsAny(raw, "# \t\r\n"):
		return nil, fmt.Errorf("%w: secret: webhook URL must not contain spaces or a #fragment", dest.ErrInvalid)
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return u, nil
	case u.Scheme == "http":
		return nil, fmt.Errorf("%w: secret: webhook URL must be https (plain http only to 127.0.0.1 or localhost)", dest.ErrInvalid)
	}
	return nil, fmt.Errorf("%w: secret: webhook URL must be https", dest.ErrInvalid)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type sender struct {
	d    model.Destination
	url  string
	http *dest.HTTP
}

func newSender(cfg dest.Config) (dest.Sender, error) {
	d := cfg.Destination
	if d.Secret == "" {
		return nil, fmt.Errorf("%w: secret: the Slack webhook URL is required", dest.ErrInvalid)
	}
	if err := validate(&d); err != nil {
		return nil, err
	}
	u, _ := CheckWebhookURL(d.Secret)
	// Errors name the host only; the path is the credential. Scrub the
	// whole URL and its path in case a receiver echoes them.
	redact := []string{strings.TrimSpace(d.Secret), u.EscapedPath(), u.Path, u.RawQuery}
	for _, seg := range strings.Split(u.Path, "/") {
		if len(seg) >= 8 && seg != "services" {
			redact = append(redact, seg)
		}
	}
	h, err := dest.NewHTTP(cfg, "Slack webhook at "+u.Host, redact...)
	if err != nil {
		return nil, err
	}
	return &sender{d: d, url: u.String(), http: h}, nil
}

func (s *sender) Send(ctx context.Context, events []model.ForwardEvent) error {
	if len(events) == 0 {
		return nil
	}
	body, err := json.Marshal(Render(dest.Prepare(s.d, events)))
	if err != nil {
		return dest.Permanent(fmt.Errorf("slack: encode message: %w", err))
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	resp, err := s.http.Post(ctx, s.url, h, body)
	if err != nil {
		return err
	}
	return s.http.Redact(dest.CheckResponse(resp))
}

func (s *sender) Close() error { return s.http.Close() }
