// Package hec forwards events to a Splunk HTTP Event Collector (also
// spoken by CrowdStrike Falcon LogScale and other SIEMs).
//
// Wire format: POST <url>/services/collector/event (the path is appended
// when the URL has none), Authorization: Splunk <token>, body = one JSON
// object per event, concatenated:
//
//	{"time":1733212345.123,"host":"<hostname>","source":"ccsync",
//	 "sourcetype":"ccsync:<type>","index":"<index>","event":<ForwardEvent>}
//
// time is the event's time (message created, alert fired) in epoch
// seconds with milliseconds; sourcetype is the destination's Sourcetype
// when set; index is left out when the destination names none (the
// token's default index applies).
package hec

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/model"
)

// DefaultPath is appended to a URL without a path.
const DefaultPath = "/services/collector/event"

// Kind is the Splunk HEC destination kind.
var Kind = dest.Kind{
	Validate:       validate,
	New:            newSender,
	MaxBatch:       100,
	SecretRequired: true,
}

// Splunk index names: lowercase letters, digits, underscores and hyphens,
// not starting with an underscore or hyphen (those are internal indexes).
var indexRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,79}$`)

func validate(d *model.Destination) error {
	if _, err := dest.CheckURL("url", d.URL); err != nil {
		return err
	}
	if d.Index != "" && !indexRE.MatchString(d.Index) {
		return fmt.Errorf("%w: index: lowercase letters, digits, _ and - (not first), at most 80", dest.ErrInvalid)
	}
	if len(d.Sourcetype) > 256 || strings.ContainsFunc(d.Sourcetype, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("%w: sourcetype: at most 256 printable characters", dest.ErrInvalid)
	}
	if d.Secret != "" {
		if err := dest.CheckHeaderValue("secret", d.Secret); err != nil {
			return err
		}
	}
	return dest.CheckTLS(d.CACert, d.ServerName)
}

// Endpoint is the URL events are posted to: d.URL, with DefaultPath
// appended when it has no path.
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
	host     string
	channel  string
	http     *dest.HTTP
	now      func() time.Time
}

func newSender(cfg dest.Config) (dest.Sender, error) {
	d := cfg.Destination
	if err := validate(&d); err != nil {
		return nil, err
	}
	if d.Secret == "" {
		return nil, fmt.Errorf("%w: secret: the HEC token is required", dest.ErrInvalid)
	}
	ep, err := Endpoint(d.URL)
	if err != nil {
		return nil, err
	}
	u, _ := dest.CheckURL("url", ep)
	h, err := dest.NewHTTP(cfg, "HEC "+u.Scheme+"://"+u.Host, d.Secret)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &sender{d: d, endpoint: ep, host: cfg.Hostname, channel: newChannel(), http: h, now: now}, nil
}

// newChannel is a random UUID for X-Splunk-Request-Channel: a token with
// indexer acknowledgement enabled refuses requests without one (code 10),
// and Splunk ignores it otherwise.
func newChannel() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Event is one HEC event object; field order is the wire order.
type Event struct {
	Time       json.Number        `json:"time"`
	Host       string             `json:"host,omitempty"`
	Source     string             `json:"source"`
	Sourcetype string             `json:"sourcetype"`
	Index      string             `json:"index,omitempty"`
	Event      model.ForwardEvent `json:"event"`
}

// MaxRequestBytes bounds one HEC request body. Splunk's
// max_content_length was 1 MB before 8.x and is lower on some managed
// collectors, so a batch of large message events is sent as several
// requests; receivers deduplicate by event id if a retry repeats some.
const MaxRequestBytes = 1 << 20

// Encode returns the request bodies for events: concatenated HEC event
// objects, one per line (HEC needs no separator; the newline keeps the
// body readable), split where a body would pass MaxRequestBytes.
func Encode(d model.Destination, host string, events []model.ForwardEvent, now time.Time) ([][]byte, error) {
	var bodies [][]byte
	var buf bytes.Buffer
	var one bytes.Buffer
	enc := json.NewEncoder(&one)
	for _, e := range dest.Prepare(d, events) {
		st := d.Sourcetype
		if st == "" {
			st = "ccsync:" + e.Type
		}
		t := e.Time
		if t.IsZero() {
			t = e.IngestedAt
		}
		if t.IsZero() {
			t = now
		}
		one.Reset()
		if err := enc.Encode(Event{Time: epoch(t), Host: host, Source: "ccsync", Sourcetype: st, Index: d.Index, Event: e}); err != nil {
			return nil, fmt.Errorf("hec: encode event %s: %w", e.ID, err)
		}
		if buf.Len() > 0 && buf.Len()+one.Len() > MaxRequestBytes {
			bodies = append(bodies, bytes.Clone(buf.Bytes()))
			buf.Reset()
		}
		buf.Write(one.Bytes())
	}
	if buf.Len() > 0 {
		bodies = append(bodies, buf.Bytes())
	}
	return bodies, nil
}

// epoch is t in seconds with milliseconds, as HEC's time field wants.
func epoch(t time.Time) json.Number {
	ms := t.UnixMilli()
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	return json.Number(fmt.Sprintf("%s%d.%03d", sign, ms/1000, ms%1000))
}

func (s *sender) Send(ctx context.Context, events []model.ForwardEvent) error {
	if len(events) == 0 {
		return nil
	}
	bodies, err := Encode(s.d, s.host, events, s.now())
	if err != nil {
		return dest.Permanent(err)
	}
	for _, body := range bodies {
		if err := s.post(ctx, body); err != nil {
			return err
		}
	}
	return nil
}

func (s *sender) post(ctx context.Context, body []byte) error {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "Splunk "+s.d.Secret)
	h.Set("X-Splunk-Request-Channel", s.channel)
	resp, err := s.http.Post(ctx, s.endpoint, h, body)
	if err != nil {
		return err
	}
	return s.http.Redact(check(resp))
}

// Answer is HEC's JSON answer.
type Answer struct {
	Text string `json:"text"`
	Code *int   `json:"code"`
	// InvalidEventNumber is the 0-based index of the event HEC could not
	// parse (code 6); the ones before it were indexed.
	InvalidEventNumber *int `json:"invalid-event-number,omitempty"`
	AckID              *int `json:"ackId,omitempty"`
}

// check classifies HEC's answer. Codes are Splunk's documented ones
// (RESTinput, services/collector): 0 success; 1–4 token problems
// (401/403) and 5–7, 10–16 request or configuration problems (400) are
// permanent; 8 internal error (500) and 9 busy (503), and 18–20 unhealthy
// (503), are retried. The HTTP status decides when it is an error status;
// a 2xx carrying a non-zero code (a proxy or an unusual collector) is
// classified by the code.
func check(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	var a Answer
	parsed := json.Unmarshal(raw, &a) == nil && a.Code != nil
	summary := strings.TrimSpace(string(raw))
	if parsed {
		summary = fmt.Sprintf("HEC code %d: %s", *a.Code, a.Text)
		if a.InvalidEventNumber != nil {
			summary += fmt.Sprintf(" (invalid event number %d)", *a.InvalidEventNumber)
		}
		switch *a.Code {
		case 10, 11:
			summary += " (the token has indexer acknowledgement on; ccsync does not poll acks: turn it off for this token)"
		case 7:
			summary += " (the token may not write to this index)"
		}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if !parsed || *a.Code == 0 {
			return nil
		}
		err := fmt.Errorf("HEC refused the batch: %s", printable(summary, 512))
		switch *a.Code {
		case 8, 9, 18, 19, 20:
			return err
		}
		return dest.Permanent(err)
	}
	// Let CheckResponse apply the shared status rules to the summary.
	resp.Body = io.NopCloser(strings.NewReader(printable(summary, 512)))
	return dest.CheckResponse(resp)
}

func printable(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "?")
}

func (s *sender) Close() error { return s.http.Close() }
