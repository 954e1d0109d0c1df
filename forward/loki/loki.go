// Package loki forwards events to Grafana Loki's push API as JSON.
//
// Wire format: POST <url>/loki/api/v1/push (the path is appended when the
// URL has none), Content-Type: application/json, gzip-compressed
// (Content-Encoding: gzip) when larger than GzipAbove:
//
//	{"streams":[{"stream":{"service_name":"ccsync","ccsync_stream":"findings",...labels},
//	             "values":[["<unix ns>","<ForwardEvent JSON>"],...]}]}
//
// One stream per event kind in the batch (alerts, findings, messages).
// The timestamp is the ingest time (alerts: the firing time), made
// strictly increasing within a request: Loki refuses samples far older
// than a stream's newest, so the event's own time (message creation,
// possibly months back for an import) stays in the line. The same batch
// always gets the same timestamps, so a re-sent batch is deduplicated by
// Loki itself (same stream, timestamp and line). X-Scope-OrgID carries
// the tenant; authentication is basic (Username and Secret) or a bearer
// token (Secret alone).
package loki

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/model"
)

// DefaultPath is appended to a URL without a path.
const DefaultPath = "/loki/api/v1/push"

// GzipAbove is the body size from which requests are gzip-compressed.
const GzipAbove = 16 << 10

// Label limits: Loki's defaults allow 15 labels per stream (two are
// ccsync's own) and 2048-byte values; a label name follows Prometheus.
const (
	MaxLabels     = 13
	MaxLabelValue = 1024
)

// Kind is the Loki destination kind.
var Kind = dest.Kind{
	Validate: validate,
	New:      newSender,
	MaxBatch: 500,
	// A Loki behind no authentication (a private network, or a gateway
	// that adds it) needs no secret.
	SecretRequired: false,
}

var (
	labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	// Loki tenant ids: up to 150 of these characters (see Loki's
	// "tenant ID" docs); "|" would be read as several tenants.
	tenantRE = regexp.MustCompile(`^[a-zA-Z0-9!._*'()-]{1,150}$`)
)

// reserved labels are set by ccsync and may not be overridden.
var reserved = []string{"service_name", "ccsync_stream"}

func validate(d *model.Destination) error {
	if _, err := dest.CheckURL("url", d.URL); err != nil {
		return err
	}
	if len(d.Labels) > MaxLabels {
		return fmt.Errorf("%w: labels: at most %d", dest.ErrInvalid, MaxLabels)
	}
	names := make([]string, 0, len(d.Labels))
	for k := range d.Labels {
		names = append(names, k)
	}
	slices.Sort(names) // report the same bad label every time
	for _, k := range names {
		v := d.Labels[k]
		switch {
		case !labelNameRE.MatchString(k) || len(k) > 128:
			return fmt.Errorf("%w: labels: name %q must match [a-zA-Z_][a-zA-Z0-9_]* (at most 128)", dest.ErrInvalid, trunc(k))
		case strings.HasPrefix(k, "__"):
			return fmt.Errorf("%w: labels: name %q: names starting with __ are reserved by Loki", dest.ErrInvalid, k)
		case slices.Contains(reserved, k):
			return fmt.Errorf("%w: labels: %q is set by ccsync", dest.ErrInvalid, k)
		case v == "":
			return fmt.Errorf("%w: labels: %s: empty value (Loki drops the label)", dest.ErrInvalid, k)
		case !utf8.ValidString(v) || len(v) > MaxLabelValue || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			return fmt.Errorf("%w: labels: %s: value must be printable UTF-8 of at most %d bytes", dest.ErrInvalid, k, MaxLabelValue)
		}
	}
	if d.TenantID != "" && (!tenantRE.MatchString(d.TenantID) || d.TenantID == "." || d.TenantID == "..") {
		return fmt.Errorf("%w: tenant_id: up to 150 of a-z A-Z 0-9 ! - _ . * ' ( )", dest.ErrInvalid)
	}
	if d.Username != "" {
		if err := dest.CheckHeaderValue("username", d.Username); err != nil {
			return err
		}
		if strings.Contains(d.Username, ":") {
			return fmt.Errorf("%w: username: must not contain ':'", dest.ErrInvalid)
		}
	}
	if d.Secret != "" {
		if err := dest.CheckHeaderValue("secret", d.Secret); err != nil {
			return err
		}
	}
	return dest.CheckTLS(d.CACert, d.ServerName)
}

func trunc(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}

// Endpoint is the push URL: raw with DefaultPath appended when it has no
// path.
func Endpoint(raw string) (string, error) {
	u, err := dest.CheckURL("url", raw)
	if err != nil {
		return "", err
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = DefaultPath
		u.RawPath = ""
	}
	return u.String(), nil
}

type sender struct {
	d        model.Destination
	endpoint string
	auth     string // Authorization header value, "" for none
	http     *dest.HTTP
}

func newSender(cfg dest.Config) (dest.Sender, error) {
	d := cfg.Destination
	if err := validate(&d); err != nil {
		return nil, err
	}
	ep, err := Endpoint(d.URL)
	if err != nil {
		return nil, err
	}
	var auth string
	switch {
	case d.Username != "" && d.Secret == "":
		return nil, fmt.Errorf("%w: secret: the password is required with a username", dest.ErrInvalid)
	case d.Username != "":
		r, _ := http.NewRequest(http.MethodPost, ep, nil)
		r.SetBasicAuth(d.Username, d.Secret)
		auth = r.Header.Get("Authorization")
	case d.Secret != "":
		auth = "Bearer " + d.Secret
	}
	u, _ := dest.CheckURL("url", ep)
	h, err := dest.NewHTTP(cfg, "Loki "+u.Scheme+"://"+u.Host, d.Secret, auth, strings.TrimPrefix(auth, "Basic "))
	if err != nil {
		return nil, err
	}
	return &sender{d: d, endpoint: ep, auth: auth, http: h}, nil
}

// Push is the push API's JSON body.
type Push struct {
	Streams []Stream `json:"streams"`
}

// Stream is one stream of a push: its labels and [timestamp, line] pairs.
type Stream struct {
	Stream map[string]string `json:"stream"`
	Values [][2]string       `json:"values"`
}

// StreamOf names the ccsync_stream label of an event type.
func StreamOf(eventType string) string {
	switch eventType {
	case "alert":
		return model.StreamAlerts
	case "finding":
		return model.StreamFindings
	case "message":
		return model.StreamMessages
	}
	return "other"
}

// MaxPushBytes bounds the log-line bytes of one push request. Loki's
// default ingestion burst is 6 MB per tenant and a push larger than the
// burst is refused every time (429), so a batch of large message events
// is split; Loki deduplicates re-sent entries (same stream, timestamp
// and line), so a retry after a partial success is harmless.
const MaxPushBytes = 1 << 20

// Encode builds the push bodies for events (oldest first): usually one,
// more when the lines pass MaxPushBytes. Timestamps are assigned over the
// whole batch first, so they do not depend on the split.
func Encode(d model.Destination, events []model.ForwardEvent) ([]Push, error) {
	var pushes []Push
	var p Push
	idx := map[string]int{}
	size := 0
	var prev int64
	for _, e := range dest.Prepare(d, events) {
		line, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("loki: encode event %s: %w", e.ID, err)
		}
		// Strictly increasing: Loki keeps one of two entries with the same
		// stream, timestamp and line, and older versions reject entries
		// out of order; a nanosecond bump keeps both and the order.
		ts := stamp(e).UnixNano()
		if ts <= prev {
			ts = prev + 1
		}
		prev = ts
		if size > 0 && size+len(line) > MaxPushBytes {
			pushes = append(pushes, p)
			p, idx, size = Push{}, map[string]int{}, 0
		}
		size += len(line)
		name := StreamOf(e.Type)
		i, ok := idx[name]
		if !ok {
			labels := map[string]string{"service_name": "ccsync", "ccsync_stream": name}
			for k, v := range d.Labels {
				if !slices.Contains(reserved, k) {
					labels[k] = v
				}
			}
			i = len(p.Streams)
			idx[name] = i
			p.Streams = append(p.Streams, Stream{Stream: labels})
		}
		p.Streams[i].Values = append(p.Streams[i].Values, [2]string{strconv.FormatInt(ts, 10), string(line)})
	}
	if len(p.Streams) > 0 {
		pushes = append(pushes, p)
	}
	return pushes, nil
}

// stamp is the time an event is filed under in Loki.
func stamp(e model.ForwardEvent) time.Time {
	if e.Type == "alert" {
		if e.Alert != nil && !e.Alert.FiredAt.IsZero() {
			return e.Alert.FiredAt
		}
		if !e.Time.IsZero() {
			return e.Time
		}
	}
	if !e.IngestedAt.IsZero() {
		return e.IngestedAt
	}
	return e.Time
}

func (s *sender) Send(ctx context.Context, events []model.ForwardEvent) error {
	if len(events) == 0 {
		return nil
	}
	pushes, err := Encode(s.d, events)
	if err != nil {
		return dest.Permanent(err)
	}
	for _, p := range pushes {
		if err := s.push(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func (s *sender) push(ctx context.Context, p Push) error {
	body, err := json.Marshal(p)
	if err != nil {
		return dest.Permanent(fmt.Errorf("loki: encode push: %w", err))
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if len(body) > GzipAbove {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = buf.Bytes()
		h.Set("Content-Encoding", "gzip")
	}
	if s.d.TenantID != "" {
		h.Set("X-Scope-OrgID", s.d.TenantID)
	}
	if s.auth != "" {
		h.Set("Authorization", s.auth)
	}
	resp, err := s.http.Post(ctx, s.endpoint, h, body)
	if err != nil {
		return err
	}
	return s.http.Redact(dest.CheckResponse(resp))
}

func (s *sender) Close() error { return s.http.Close() }
