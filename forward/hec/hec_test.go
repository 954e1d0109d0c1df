package hec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/forward/dest/desttest"
	"github.com/ccsync/ccsync/model"
)

const token = "7f1c2f4e-0d4e-4b57-9d7e-5c1a1e2b3c4d"

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"text":"Success","code":0}`)
}

func testCase() desttest.Case {
	return desttest.Case{
		Kind: Kind,
		Dest: func(base string) model.Destination {
			return model.Destination{Kind: model.DestHEC, URL: base, Secret: token}
		},
		Secrets: []string{token},
		OK:      ok,
	}
}

func TestCommon(t *testing.T) { desttest.RunCommon(t, testCase()) }

// hecEvent is what an independent receiver decodes, strictly.
type hecEvent struct {
	Time       json.Number        `json:"time"`
	Host       string             `json:"host"`
	Source     string             `json:"source"`
	Sourcetype string             `json:"sourcetype"`
	Index      string             `json:"index"`
	Event      model.ForwardEvent `json:"event"`
}

// decode reads concatenated JSON objects the way HEC does.
func decode(t *testing.T, body []byte) []hecEvent {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var out []hecEvent
	for {
		var e hecEvent
		err := dec.Decode(&e)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("HEC body: %v\n%s", err, body)
		}
		out = append(out, e)
	}
}

var channelRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestWireFormat(t *testing.T) {
	cases := []struct {
		name, url, path, index, sourcetype string
	}{
		{"default path", "", "/services/collector/event", "", ""},
		{"root path", "/", "/services/collector/event", "", ""},
		{"LogScale path kept", "/api/v1/ingest/hec", "/api/v1/ingest/hec", "", ""},
		{"index and sourcetype", "/services/collector/event", "/services/collector/event", "ccsync_events", "ccsync:json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var problems []string
			r := desttest.NewReceiver(t, func(w http.ResponseWriter, req *http.Request) {
				if req.Method != http.MethodPost || req.URL.Path != c.path {
					problems = append(problems, "request "+req.Method+" "+req.URL.Path)
				}
				if a := req.Header.Get("Authorization"); a != "Splunk "+token {
					problems = append(problems, "authorization "+a)
				}
				if ct := req.Header.Get("Content-Type"); ct != "application/json" {
					problems = append(problems, "content-type "+ct)
				}
				if ch := req.Header.Get("X-Splunk-Request-Channel"); !channelRE.MatchString(ch) {
					problems = append(problems, "channel "+ch)
				}
				if ua := req.Header.Get("User-Agent"); ua != "ccsync" {
					problems = append(problems, "user-agent "+ua)
				}
				ok(w)
			})
			d := model.Destination{URL: r.URL + c.url, Secret: token, Index: c.index, Sourcetype: c.sourcetype}
			if err := Kind.Validate(&d); err != nil {
				t.Fatal(err)
			}
			s, err := Kind.New(dest.Config{Destination: d, Hostname: "ccsync-host"})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Send(context.Background(), desttest.Events()); err != nil {
				t.Fatal(err)
			}
			if len(problems) > 0 {
				t.Fatal(strings.Join(problems, "\n"))
			}
			body := r.Bodies()[0]
			got := decode(t, body)
			events := desttest.Events()
			if len(got) != len(events) {
				t.Fatalf("%d HEC events, want %d", len(got), len(events))
			}
			for i, e := range got {
				want := events[i]
				wantTime := fmt.Sprintf("%d.%03d", want.Time.Unix(), want.Time.Nanosecond()/1e6)
				st := c.sourcetype
				if st == "" {
					st = "ccsync:" + want.Type
				}
				if string(e.Time) != wantTime || e.Host != "ccsync-host" || e.Source != "ccsync" ||
					e.Sourcetype != st || e.Index != c.index || e.Event.ID != want.ID || e.Event.Type != want.Type {
					t.Errorf("event %d: %+v", i, e)
				}
			}
			if got[0].Event.Findings[0].Preview != events[0].Findings[0].Preview || got[2].Event.Alert.RuleName != events[2].Alert.RuleName {
				t.Errorf("event content lost: %s", body)
			}
			if !bytes.Contains(body, []byte(`"index"`)) != (c.index == "") {
				t.Errorf("index present=%v with index %q", bytes.Contains(body, []byte(`"index"`)), c.index)
			}
			if c.name == "default path" {
				desttest.Golden(t, "hec_body", body)
			}
		})
	}
}

// TestSplitLargeBatch: MaxBatch events with 16 KiB texts go as several
// requests of at most MaxRequestBytes, every event once, in order.
func TestSplitLargeBatch(t *testing.T) {
	r := desttest.NewReceiver(t, func(w http.ResponseWriter, _ *http.Request) { ok(w) })
	s := desttest.NewSender(t, testCase(), r.URL)
	base := desttest.Events()[0]
	base.Text = strings.Repeat("y", 16<<10)
	events := make([]model.ForwardEvent, Kind.MaxBatch)
	for i := range events {
		events[i] = base
		events[i].ID = fmt.Sprintf("inst1-m%d", i)
	}
	if err := s.Send(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	bodies := r.Bodies()
	if len(bodies) < 2 {
		t.Fatalf("%d requests for %d KiB", len(bodies), len(events)*16)
	}
	var ids []string
	for _, b := range bodies {
		if len(b) > MaxRequestBytes {
			t.Fatalf("request of %d bytes", len(b))
		}
		for _, e := range decode(t, b) {
			ids = append(ids, e.Event.ID)
		}
	}
	if len(ids) != len(events) {
		t.Fatalf("%d events arrived, want %d", len(ids), len(events))
	}
	for i := range ids {
		if ids[i] != events[i].ID {
			t.Fatalf("event %d is %s, want %s", i, ids[i], events[i].ID)
		}
	}
}

// TestAnswers covers HEC's JSON answers per Splunk's documented codes.
func TestAnswers(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		body      string
		want      string // "ok", "retry", "permanent"
		mentions  string
		retryWait time.Duration
	}{
		{"success", 200, `{"text":"Success","code":0}`, "ok", "", 0},
		{"ack id", 200, `{"text":"Success","code":0,"ackId":3}`, "ok", "", 0},
		{"2xx without JSON", 200, `OK`, "ok", "", 0},
		{"token disabled", 403, `{"text":"Token disabled","code":1}`, "permanent", "Token disabled", 0},
		{"token required", 401, `{"text":"Token is required","code":2}`, "permanent", "code 2", 0},
		{"invalid token", 403, `{"text":"Invalid token","code":4}`, "permanent", "Invalid token", 0},
		{"invalid data", 400, `{"text":"Invalid data format","code":6,"invalid-event-number":1}`, "permanent", "invalid event number 1", 0},
		{"incorrect index", 400, `{"text":"Incorrect index","code":7}`, "permanent", "index", 0},
		{"channel missing", 400, `{"text":"Data channel is missing","code":10}`, "permanent", "acknowledgement", 0},
		{"internal", 500, `{"text":"Internal server error","code":8}`, "retry", "code 8", 0},
		{"busy", 503, `{"text":"Server is busy","code":9}`, "retry", "Server is busy", 0},
		{"busy retry-after", 503, `{"text":"Server is busy","code":9}`, "retry", "busy", 30 * time.Second},
		{"2xx busy", 200, `{"text":"Server is busy","code":9}`, "retry", "busy", 0},
		{"2xx incorrect index", 200, `{"text":"Incorrect index","code":7}`, "permanent", "Incorrect index", 0},
		{"html 502", 502, `<html>bad gateway</html>`, "retry", "bad gateway", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := desttest.NewReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
				if c.retryWait > 0 {
					w.Header().Set("Retry-After", fmt.Sprint(int(c.retryWait.Seconds())))
				}
				w.WriteHeader(c.status)
				_, _ = io.WriteString(w, c.body)
			})
			s := desttest.NewSender(t, testCase(), r.URL)
			err := s.Send(context.Background(), desttest.Events()[:1])
			switch c.want {
			case "ok":
				if err != nil {
					t.Fatal(err)
				}
				return
			case "retry":
				if err == nil || dest.IsPermanent(err) {
					t.Fatalf("want retryable, got %v", err)
				}
			case "permanent":
				if !dest.IsPermanent(err) {
					t.Fatalf("want permanent, got %v", err)
				}
			}
			if !strings.Contains(err.Error(), c.mentions) {
				t.Errorf("error %q does not mention %q", err, c.mentions)
			}
			var ra *dest.RetryAfterError
			if c.retryWait > 0 && (!errors.As(err, &ra) || ra.After != c.retryWait) {
				t.Errorf("want RetryAfter %v, got %v", c.retryWait, err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		d     model.Destination
		field string
	}{
		{"ok", model.Destination{URL: "https://splunk.example.com:8088", Secret: token}, ""},
		{"ok index", model.Destination{URL: "https://splunk.example.com:8088", Index: "sec-ops_1"}, ""},
		{"no url", model.Destination{Secret: token}, "url"},
		{"userinfo", model.Destination{URL: "https://x:tok@splunk.example.com"}, "url"},
		{"bad index", model.Destination{URL: "https://splunk.example.com", Index: "_internal"}, "index"},
		{"upper index", model.Destination{URL: "https://splunk.example.com", Index: "Main"}, "index"},
		{"bad sourcetype", model.Destination{URL: "https://splunk.example.com", Sourcetype: "a\nb"}, "sourcetype"},
		{"token newline", model.Destination{URL: "https://splunk.example.com", Secret: "abc\r\nX-Evil: 1"}, "secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Kind.Validate(&c.d)
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, dest.ErrInvalid) || !strings.Contains(err.Error(), c.field+":") {
				t.Fatalf("want ErrInvalid naming %s, got %v", c.field, err)
			}
			if strings.Contains(err.Error(), "tok@") || strings.Contains(err.Error(), "X-Evil") {
				t.Fatalf("error quotes a secret: %v", err)
			}
		})
	}
}

func TestEpoch(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Unix(1733212345, 123999999), "1733212345.123"},
		{time.Unix(1733212345, 0), "1733212345.000"},
		{time.Unix(0, 5e6), "0.005"},
	} {
		if got := epoch(c.t); string(got) != c.want {
			t.Errorf("epoch(%v) = %s, want %s", c.t, got, c.want)
		}
	}
}
