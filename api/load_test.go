package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
)

// TestSearchUnderIngestLoad runs searches over HTTP on loopback while a
// stream of Ingest calls appends a fixed number of batches. Every search
// must answer 200 with a well-formed body, a search's total must never go
// down from one request to the next (the stream only appends), and once the
// stream stops the totals must count every appended message. The amount of
// work is fixed, not the time: on a loaded machine the test takes longer
// instead of failing.
func TestSearchUnderIngestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const (
		batches     = 25
		perBatch    = 200
		clients     = 4
		minSearches = 15 // per client, however fast the stream ends
	)
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: ix, Logger: log, Origin: "http://load"})
	if err != nil {
		t.Fatal(err)
	}
	srv.accounts.argon = argonParams{Memory: 64, Time: 1, Threads: 1}
	if err := srv.accounts.Create("load", RoleAuditor, "load-password-1"); err != nil {
		t.Fatal(err)
	}
	bearer, _, err := srv.createToken("load", "load")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		// Bounded: a keep-alive connection left open must fail the test,
		// not hang the package until go test's timeout.
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-served
		if err := ix.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}
	t.Cleanup(client.CloseIdleConnections) // runs before the server's shutdown above

	// The writer: batches of new messages (never an update or a delete),
	// so every count a search reports can only grow.
	var appended atomic.Int64
	var writing atomic.Bool
	writing.Store(true)
	writerDone := make(chan error, 1)
	go func() {
		defer writing.Store(false)
		r := rand.New(rand.NewPCG(1, 2))
		zipf := rand.NewZipf(r, 1.1, 2, uint64(len(benchWords)-1))
		start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range batches {
			if _, err := ix.Ingest(ctx, genBatch(r, zipf, i*perBatch, perBatch, start)); err != nil {
				writerDone <- err
				return
			}
			appended.Add(perBatch)
		}
		writerDone <- nil
	}()

	type searchBody struct {
		Total *uint64 `json:"total"`
		Hits  []struct {
			Kind           string    `json:"kind"`
			ID             string    `json:"id"`
			ConversationID string    `json:"conversation_id"`
			CreatedAt      time.Time `json:"created_at"`
		} `json:"hits"`
		Facets map[string][]indexer.FacetCount `json:"facets"`
		Took   *int64                          `json:"took_ns"`
	}
	queries := []string{
		"",         // match all, newest first
		"q=budget", // a frequent word, relevance
		"q=%2Bbudget+%2Bcontract&facets=user,model,finding_type",
		"q=corp.example&flagged=true&sort=oldest", // the planted e-mails
		"kind=conversation",
	}
	get := func(q string) (searchBody, time.Duration, error) {
		var body searchBody
		req, _ := http.NewRequest("GET", base+"/api/v1/search?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return body, time.Since(t0), err
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(t0)
		if err != nil {
			return body, took, err
		}
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			return body, took, fmt.Errorf("status %d, %s: %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			return body, took, fmt.Errorf("body: %v: %.300s", err, raw)
		}
		if body.Total == nil || body.Hits == nil || body.Took == nil {
			return body, took, fmt.Errorf("body lacks total, hits or took_ns: %.300s", raw)
		}
		if uint64(len(body.Hits)) > *body.Total {
			return body, took, fmt.Errorf("%d hits of a total of %d", len(body.Hits), *body.Total)
		}
		for _, h := range body.Hits {
			want := "message"
			if strings.Contains(q, "kind=conversation") {
				want = "conversation"
			}
			if h.Kind != want || h.ID == "" || h.ConversationID == "" || h.CreatedAt.IsZero() {
				return body, took, fmt.Errorf("malformed hit %+v", h)
			}
		}
		return body, took, nil
	}

	var (
		mu       sync.Mutex
		lat      []time.Duration
		failures []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := map[string]uint64{}
			for i := c; i < c+minSearches || writing.Load(); i++ {
				q := queries[i%len(queries)]
				body, took, err := get(q)
				mu.Lock()
				lat = append(lat, took)
				mu.Unlock()
				if err != nil {
					fail("client %d, %q: %v", c, q, err)
					continue
				}
				if *body.Total < last[q] {
					fail("client %d, %q: total went down from %d to %d", c, q, last[q], *body.Total)
				}
				last[q] = *body.Total
			}
		}()
	}
	wg.Wait()
	if err := <-writerDone; err != nil {
		t.Fatalf("ingest under search load: %v", err)
	}
	for _, f := range failures {
		t.Error(f)
	}
	n := appended.Load()
	// Everything appended is now searchable, by every path.
	if all, _, err := get(""); err != nil || *all.Total != uint64(n) {
		t.Errorf("after the stream: match-all: %v, %+v; want a total of %d", err, all.Total, n)
	}
	if word, _, err := get("q=budget"); err != nil || *word.Total == 0 || *word.Total >= uint64(n) {
		t.Errorf("after the stream: q=budget: %v, %+v; want a total between 1 and %d", err, word.Total, n-1)
	}
	if st, err := ix.Stats(ctx); err != nil || st.Messages != int(n) {
		t.Errorf("after the stream: stats count %d messages (%v), want %d", st.Messages, err, n)
	}
	if rep, err := ix.Verify(ctx); err != nil || !rep.OK() || rep.Messages != int(n) {
		t.Errorf("after the stream: verify %+v, %v", rep, err)
	}
	slices.Sort(lat)
	pct := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	t.Logf("%d searches by %d clients while %d messages were appended: p50 %s, p99 %s, max %s",
		len(lat), clients, n, pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
		lat[len(lat)-1].Round(time.Microsecond))
}
