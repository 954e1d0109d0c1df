package benchmark

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRunSmall(t *testing.T) {
	var progress bytes.Buffer
	// Small messages and few of them: the race detector slows indexing ~20×.
	const n, convs = 1000, 1000 / messagesPerConv
	cfg := Config{Messages: n, Seed: 1, TextBytes: 120, Dir: t.TempDir(), Queries: 5,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	r, err := Run(context.Background(), cfg, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if r.Org.Messages != n || r.Ingest.Messages != n || r.Org.Users != 20 || r.Org.Conversations != convs {
		t.Errorf("org %+v, ingested %d", r.Org, r.Ingest.Messages)
	}
	if r.Ingest.MsgsPerSec <= 0 || r.Ingest.Findings < n/secretEvery {
		t.Errorf("ingest %+v", r.Ingest)
	}
	sum := 0
	for _, tr := range r.Ingest.Tenths {
		if tr.MsgsPerSec <= 0 {
			t.Errorf("tenth %d has no rate: %+v", tr.Tenth, tr)
		}
		sum += tr.Messages
	}
	if sum != n {
		t.Errorf("tenths sum to %d messages", sum)
	}
	if len(r.Search) != 7 {
		t.Fatalf("%d queries", len(r.Search))
	}
	for _, q := range r.Search {
		if q.Runs != 5 || q.P50Ms <= 0 || q.P50Ms > q.P99Ms || q.P99Ms > q.MaxMs {
			t.Errorf("query %+v", q)
		}
		// The rare term may miss at this size; the rest must match.
		if q.Hits == 0 && !strings.HasPrefix(q.Name, "rare") {
			t.Errorf("query %q (%s) matched nothing", q.Name, q.Query)
		}
	}
	if d := r.Delete; d == nil || d.Messages == 0 || d.Fraction < 1.0/20 || d.Fraction > 1.0/8 {
		t.Errorf("delete %+v, want about 1/12 of the messages", d)
	}
	if x := r.Reindex; x == nil || x.Docs < n-r.Delete.Messages || x.DocsPerSec <= 0 {
		t.Errorf("reindex %+v", x)
	}
	if x := r.Retention; x == nil || x.Messages == 0 || len(x.Partitions) != 1 || x.Partitions[0] != "2026-01" || x.PerMsgVsDelete <= 0 ||
		(x.HeldSkipped == "" && (x.HeldKept == 0 || x.HeldMessages == 0 || x.HeldPerMsgVsDelete <= 0)) {
		t.Errorf("retention %+v", x)
	}
	if r.Disk.AfterIngest <= 0 || r.Disk.BytesPerMessage < 100 {
		t.Errorf("disk %+v", r.Disk)
	}
	if r.Memory.PeakRSS > 0 && r.Memory.PeakRSS < r.Memory.RSSAfterIngest/2 {
		t.Errorf("memory %+v", r.Memory)
	}
	b := r.Baseline
	if b == nil || b.Messages != n || b.Docs != n+convs || b.MsgsPerSec <= 0 || b.Ratio <= 0 {
		t.Errorf("baseline %+v", b)
	}
	if !strings.Contains(progress.String(), "(100%)") {
		t.Errorf("no final progress line in:\n%s", progress.String())
	}

	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("JSON does not round-trip:\n%s", js.String())
	}
	var table bytes.Buffer
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"INGEST", "last/first tenth", "dashboard: match all", "DELETE", "month 2026-03:", "REINDEX", "PIPELINE / BLEVE"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

func TestRunRejectsNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if _, err := Run(context.Background(), Config{Messages: 20, TextBytes: 50, Dir: dir}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), Config{Messages: 20, TextBytes: 50, Dir: dir}, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second run into the same dir: %v", err)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i))
	}
	s := sortedCopy(d)
	if p50, p99 := percentile(s, 0.5), percentile(s, 0.99); p50 != 50 || p99 != 99 {
		t.Errorf("p50 %d, p99 %d", p50, p99)
	}
	if p := percentile(s[:1], 0.99); p != 1 {
		t.Errorf("p99 of one sample: %d", p)
	}
}
