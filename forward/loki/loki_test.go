package loki

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/forward/dest/desttest"
	"github.com/ccsync/ccsync/model"
)

const password = "glc_lokipassword_0123456789"

func testCase() desttest.Case {
	return desttest.Case{
		Kind: Kind,
		Dest: func(base string) model.Destination {
			return model.Destination{Kind: model.DestLoki, URL: base, Username: "12345", Secret: password,
				TenantID: "team-a", Labels: map[string]string{"env": "prod"}}
		},
		Secrets: []string{password, base64.StdEncoding.EncodeToString([]byte("12345:" + password))},
		OK:      func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) },
	}
}

func TestCommon(t *testing.T) { desttest.RunCommon(t, testCase()) }

// decodePush decodes a push body strictly and checks what Loki checks:
// labels, timestamp strings of unix ns, strictly increasing across the
// request, lines that are ForwardEvent JSON.
func decodePush(t *testing.T, body []byte) (Push, []model.ForwardEvent) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var p struct {
		Streams []struct {
			Stream map[string]string `json:"stream"`
			Values [][]string        `json:"values"`
		} `json:"streams"`
	}
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("push body: %v\n%s", err, body)
	}
	var out Push
	var events []model.ForwardEvent
	type stamped struct {
		ts int64
		id string
	}
	var all []stamped
	for _, s := range p.Streams {
		for k := range s.Stream {
			if !labelNameRE.MatchString(k) {
				t.Errorf("bad label name %q", k)
			}
		}
		if s.Stream["service_name"] != "ccsync" {
			t.Errorf("stream labels %v", s.Stream)
		}
		st := Stream{Stream: s.Stream}
		var prev int64
		for _, v := range s.Values {
			if len(v) != 2 {
				t.Fatalf("value %v is not [ts, line]", v)
			}
			ts, err := strconv.ParseInt(v[0], 10, 64)
			if err != nil || ts <= prev {
				t.Errorf("timestamp %q not increasing after %d", v[0], prev)
			}
			prev = ts
			var e model.ForwardEvent
			if err := json.Unmarshal([]byte(v[1]), &e); err != nil {
				t.Fatalf("line: %v", err)
			}
			if StreamOf(e.Type) != s.Stream["ccsync_stream"] {
				t.Errorf("event %s of type %s in stream %v", e.ID, e.Type, s.Stream)
			}
			events = append(events, e)
			all = append(all, stamped{ts, e.ID})
			st.Values = append(st.Values, [2]string{v[0], v[1]})
		}
		out.Streams = append(out.Streams, st)
	}
	seen := map[int64]string{}
	for _, s := range all {
		if other, dup := seen[s.ts]; dup {
			t.Errorf("events %s and %s share timestamp %d", other, s.id, s.ts)
		}
		seen[s.ts] = s.id
	}
	return out, events
}

func TestWireFormat(t *testing.T) {
	var mu sync.Mutex
	var problems []string
	r := desttest.NewReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if req.Method != http.MethodPost || req.URL.Path != "/loki/api/v1/push" {
			problems = append(problems, "request "+req.Method+" "+req.URL.Path)
		}
		if ct := req.Header.Get("Content-Type"); ct != "application/json" {
			problems = append(problems, "content-type "+ct)
		}
		if o := req.Header.Get("X-Scope-OrgID"); o != "team-a" {
			problems = append(problems, "tenant "+o)
		}
		if u, p, ok := req.BasicAuth(); !ok || u != "12345" || p != password {
			problems = append(problems, "basic auth")
		}
		if ua := req.Header.Get("User-Agent"); ua != "ccsync" {
			problems = append(problems, "user-agent "+ua)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s := desttest.NewSender(t, testCase(), r.URL)
	if err := s.Send(context.Background(), desttest.Events()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(problems) > 0 {
		t.Fatal(strings.Join(problems, "\n"))
	}
	mu.Unlock()
	if ce := r.Headers()[0].Get("Content-Encoding"); ce != "" {
		t.Errorf("a small push is sent %s", ce)
	}
	body := r.Bodies()[0]
	p, events := decodePush(t, body)
	var names []string
	for _, st := range p.Streams {
		names = append(names, st.Stream["ccsync_stream"])
		if len(st.Stream) != 3 || st.Stream["env"] != "prod" {
			t.Errorf("labels %v", st.Stream)
		}
	}
	if strings.Join(names, ",") != "messages,findings,alerts" {
		t.Fatalf("streams %v", names)
	}
	in := desttest.Events()
	if len(events) != len(in) {
		t.Fatalf("%d lines, want %d", len(events), len(in))
	}
	// The first two share an ingest time: the second is one ns later.
	t0 := desttest.T0.UnixNano()
	wantTS := []string{strconv.FormatInt(t0, 10), strconv.FormatInt(t0+1, 10), strconv.FormatInt(in[2].Alert.FiredAt.UnixNano(), 10)}
	var gotTS []string
	for _, s := range p.Streams {
		for _, v := range s.Values {
			gotTS = append(gotTS, v[0])
		}
	}
	if strings.Join(gotTS, ",") != strings.Join(wantTS, ",") {
		t.Errorf("timestamps %v, want %v", gotTS, wantTS)
	}
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, body, "", "  ")
	desttest.Golden(t, "loki_body", pretty.Bytes())
}

// TestBigBatchGzipAndOrder sends MaxBatch events with equal and
// decreasing ingest times: the body is gzipped and timestamps still rise.
func TestBigBatchGzipAndOrder(t *testing.T) {
	r := desttest.NewReceiver(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })
	s := desttest.NewSender(t, testCase(), r.URL)
	base := desttest.Events()[0]
	events := make([]model.ForwardEvent, Kind.MaxBatch)
	for i := range events {
		e := base
		e.ID = fmt.Sprintf("inst1-m%d", i)
		e.IngestedAt = desttest.T0.Add(-time.Duration(i%7) * time.Millisecond) // clock steps back
		events[i] = e
	}
	if err := s.Send(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	if ce := r.Headers()[0].Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("Content-Encoding %q for a large push", ce)
	}
	_, got := decodePush(t, r.Bodies()[0])
	if len(got) != len(events) {
		t.Fatalf("%d lines, want %d", len(got), len(events))
	}
	for i := range got {
		if got[i].ID != events[i].ID {
			t.Fatalf("line %d is %s, want %s (order lost)", i, got[i].ID, events[i].ID)
		}
	}
}

// TestSplitLargeBatch: MaxBatch message events with 3 KiB texts do not
// fit Loki's default burst in one push; they go as several pushes of at
// most MaxPushBytes of lines, in order, timestamps rising across them.
func TestSplitLargeBatch(t *testing.T) {
	r := desttest.NewReceiver(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })
	s := desttest.NewSender(t, testCase(), r.URL)
	base := desttest.Events()[0]
	base.Text = strings.Repeat("x", 3<<10)
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
		t.Fatalf("%d pushes for %d KiB of lines", len(bodies), len(events)*3)
	}
	var ids []string
	var last int64
	for _, b := range bodies {
		p, got := decodePush(t, b)
		lineBytes := 0
		for _, st := range p.Streams {
			for _, v := range st.Values {
				lineBytes += len(v[1])
				ts, _ := strconv.ParseInt(v[0], 10, 64)
				if ts <= last {
					t.Fatalf("timestamp %d not after %d across pushes", ts, last)
				}
				last = ts
			}
		}
		if lineBytes > MaxPushBytes {
			t.Fatalf("push of %d line bytes", lineBytes)
		}
		for _, e := range got {
			ids = append(ids, e.ID)
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
	// A failure part-way reports an error for the whole batch.
	n := 0
	r.SetAnswer(func(w http.ResponseWriter, _ *http.Request) {
		n++
		if n == 2 {
			http.Error(w, "ingester busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(204)
	})
	if err := s.Send(context.Background(), events); err == nil || dest.IsPermanent(err) {
		t.Fatalf("want a retryable error when one push fails, got %v", err)
	}
}

func TestAuth(t *testing.T) {
	cases := []struct {
		name              string
		user, secret, tnt string
		wantAuth, wantOrg string
	}{
		{"bearer", "", "tok-0123456789", "", "Bearer tok-0123456789", ""},
		{"none", "", "", "", "", ""},
		{"basic and tenant", "u1", "pw-0123456789", "t1", "Basic " + base64.StdEncoding.EncodeToString([]byte("u1:pw-0123456789")), "t1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := desttest.NewReceiver(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })
			d := model.Destination{URL: r.URL + "/custom/push", Username: c.user, Secret: c.secret, TenantID: c.tnt}
			if err := Kind.Validate(&d); err != nil {
				t.Fatal(err)
			}
			s, err := Kind.New(dest.Config{Destination: d})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Send(context.Background(), desttest.Events()[:1]); err != nil {
				t.Fatal(err)
			}
			h := r.Headers()[0]
			if h.Get("Authorization") != c.wantAuth || h.Get("X-Scope-OrgID") != c.wantOrg {
				t.Fatalf("Authorization %q X-Scope-OrgID %q", h.Get("Authorization"), h.Get("X-Scope-OrgID"))
			}
		})
	}
	if _, err := Kind.New(dest.Config{Destination: model.Destination{URL: "http://127.0.0.1:1", Username: "u"}}); !errors.Is(err, dest.ErrInvalid) {
		t.Fatalf("username without password: %v", err)
	}
}

func TestValidate(t *testing.T) {
	long := strings.Repeat("v", MaxLabelValue+1)
	many := map[string]string{}
	for i := range MaxLabels + 1 {
		many[fmt.Sprintf("l%d", i)] = "x"
	}
	cases := []struct {
		name  string
		d     model.Destination
		field string
	}{
		{"ok", model.Destination{URL: "https://logs.example.com", Labels: map[string]string{"env": "prod", "_x9": "ü"}}, ""},
		{"no url", model.Destination{}, "url"},
		{"userinfo", model.Destination{URL: "https://u:pw@logs.example.com"}, "url"},
		{"label digit first", model.Destination{URL: "https://l.example.com", Labels: map[string]string{"9a": "x"}}, "labels"},
		{"label dash", model.Destination{URL: "https://l.example.com", Labels: map[string]string{"a-b": "x"}}, "labels"},
		{"label dunder", model.Destination{URL: "https://l.example.com", Labels: map[string]string{"__name__": "x"}}, "labels"},
		{"label reserved", model.Destination{URL: "https://l.example.com", Labels: map[string]string{"ccsync_stream": "x"}}, "labels"},
		{"label empty value", model.Destination{URL: "https://l.example.com", Labels: map[string]string{"a": ""}}, "labels"},
		{"label long value", model.Destination{URL: "https://l.example.com", Labels: map[string]string{"a": long}}, "labels"},
		{"label bad utf8", model.Destination{URL: "https://l.example.com", Labels: map[string]string{"a": "\xff"}}, "labels"},
		{"label newline", model.Destination{URL: "https://l.example.com", Labels: map[string]string{"a": "x\ny"}}, "labels"},
		{"too many labels", model.Destination{URL: "https://l.example.com", Labels: many}, "labels"},
		{"tenant pipe", model.Destination{URL: "https://l.example.com", TenantID: "a|b"}, "tenant_id"},
		{"tenant dots", model.Destination{URL: "https://l.example.com", TenantID: ".."}, "tenant_id"},
		{"username colon", model.Destination{URL: "https://l.example.com", Username: "a:b"}, "username"},
		{"secret newline", model.Destination{URL: "https://l.example.com", Secret: "a\nb"}, "secret"},
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
			if strings.Contains(err.Error(), "pw@") {
				t.Fatalf("error quotes the URL's password: %v", err)
			}
		})
	}
}
