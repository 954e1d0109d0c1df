package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// The search benchmark needs a large index, so it only runs when asked:
//
//	CCSYNC_API_BENCH_N=100000 CCSYNC_API_BENCH_DIR=/tmp/ccsync-bench \
//	  go test ./api -run '^$' -bench SearchLoopback -benchtime 200x
//
// CCSYNC_API_BENCH_DIR keeps the generated index between runs (it is
// generated when empty). Each case runs the same request through the
// indexer directly and through HTTP on loopback, so the HTTP layer's cost
// is a ratio measured in the same run.

var benchWords = strings.Fields(`the of and to in is you that it he was for on are as with his they at be this have from
or one had by word but not what all were we when your can said there use an each which she do how their if will up other
about out many then them these so some her would make like him into time has look two more write go see number no way
could people my than first water been call who oil its now find long down day did get come made may part budget rotate
invoice vendor contract renewal quarterly forecast pipeline migration deploy kubernetes terraform incident postmortem
latency database schema index replica backup restore customer churn revenue margin payroll audit compliance policy
security password token credential certificate rotation access review onboarding offboarding laptop ticket escalation`)

type benchEnv struct {
	ix     *indexer.Indexer
	srv    *Server
	base   string
	bearer string
	client *http.Client
	close  func()
}

var (
	benchOnce sync.Once
	benchE    *benchEnv
	benchErr  error
)

func genBatch(r *rand.Rand, zipf *rand.Zipf, start, n int, base time.Time) indexer.Batch {
	var b indexer.Batch
	const perConv = 20
	for i := start; i < start+n; i++ {
		conv := fmt.Sprintf("bc-%07d", i/perConv)
		user := fmt.Sprintf("bu-%03d", (i/perConv)%500)
		created := base.Add(time.Duration(i) * 30 * time.Second)
		if i%perConv == 0 {
			b.Conversations = append(b.Conversations, model.Conversation{ID: conv, Source: model.SourceComplianceAPI,
				Provider: model.ProviderAnthropic, Model: fmt.Sprintf("claude-model-%d", (i/perConv)%8), OwnerID: user,
				Title: "conversation " + conv, CreatedAt: created, UpdatedAt: created})
			if i/perConv < 500 {
				b.Users = append(b.Users, model.User{ID: user, Name: "User " + user, Email: user + "@corp.example"})
			}
		}
		nw := 30 + r.IntN(170)
		var sb strings.Builder
		for w := range nw {
			if w > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(benchWords[zipf.Uint64()])
		}
		if r.IntN(100) < 12 {
			sb.WriteString(" contact " + user + "@corp.example")
		}
		role := model.RoleHuman
		if i%2 == 1 {
			role = model.RoleAssistant
		}
		b.Messages = append(b.Messages, model.Message{ID: fmt.Sprintf("bm-%08d", i), ConversationID: conv, Seq: i % perConv,
			OnCurrentBranch: true, Role: role, CreatedAt: created, Blocks: []model.Block{{Type: model.BlockText, Text: sb.String()}}})
	}
	return b
}

func setupBench(b *testing.B) *benchEnv {
	n, _ := strconv.Atoi(os.Getenv("CCSYNC_API_BENCH_N"))
	if n <= 0 {
		b.Skip("set CCSYNC_API_BENCH_N (and optionally CCSYNC_API_BENCH_DIR) to run the search benchmark")
	}
	benchOnce.Do(func() { benchE, benchErr = newBenchEnv(n) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchE
}

func newBenchEnv(n int) (*benchEnv, error) {
	dir := os.Getenv("CCSYNC_API_BENCH_DIR")
	cleanup := func() {}
	if dir == "" {
		d, err := os.MkdirTemp("", "ccsync-api-bench-")
		if err != nil {
			return nil, err
		}
		dir, cleanup = d, func() { os.RemoveAll(d) }
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, Logger: log, Scanner: testScanner{}})
	if err != nil {
		return nil, err
	}
	st, err := ix.Stats(ctx)
	if err != nil {
		return nil, err
	}
	if st.Messages < n {
		r := rand.New(rand.NewPCG(1, 2))
		zipf := rand.NewZipf(r, 1.1, 2, uint64(len(benchWords)-1))
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		start := time.Now()
		for i := st.Messages; i < n; i += 1000 {
			if _, err := ix.Ingest(ctx, genBatch(r, zipf, i, min(1000, n-i), base)); err != nil {
				return nil, err
			}
		}
		fmt.Fprintf(os.Stderr, "bench: ingested %d messages in %v\n", n-st.Messages, time.Since(start).Round(time.Second))
	}
	srv, err := New(Config{Store: ix, Logger: log, Origin: "http://bench"})
	if err != nil {
		return nil, err
	}
	srv.accounts.argon = argonParams{Memory: 64, Time: 1, Threads: 1}
	_ = srv.accounts.Create("bench", RoleAuditor, "bench-password-1")
	secret, _, err := srv.createToken("bench", "bench")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	return &benchEnv{ix: ix, srv: srv, base: "http://" + ln.Addr().String(), bearer: secret,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
		close: func() {
			_ = srv.Shutdown(context.Background())
			_ = ix.Close()
			cleanup()
		}}, nil
}

func (be *benchEnv) get(path string) error {
	req, _ := http.NewRequest("GET", be.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+be.bearer)
	resp, err := be.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %d", path, resp.StatusCode)
	}
	return nil
}

// BenchmarkSearchLoopback compares the indexer's own search time with the
// same search through the API on loopback. The two are interleaved request
// by request, so load from other processes hits both alike and the
// overhead ratio stays meaningful on a shared machine.
func BenchmarkSearchLoopback(b *testing.B) {
	be := setupBench(b)
	three := []string{indexer.FacetUser, indexer.FacetModel, indexer.FacetFindingType}
	search := func(req indexer.SearchRequest) func() error {
		return func() error { _, err := be.ix.Search(context.Background(), req); return err }
	}
	cases := []struct {
		name string
		ix   func() error
		path string
	}{
		{"term+3facets+highlight", search(indexer.SearchRequest{Query: "budget", Facets: three}),
			"/api/v1/search?q=budget&facets=user,model,finding_type"},
		{"matchall+3facets", search(indexer.SearchRequest{Facets: three}), "/api/v1/search?facets=user,model,finding_type"},
		{"matchall+allfacets", search(indexer.SearchRequest{}), "/api/v1/search"},
		// The dashboard's counters kept at ingest, for comparison with
		// faceting every hit.
		{"stats", func() error { _, err := be.ix.Stats(context.Background()); return err }, "/api/v1/stats"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for range 5 { // warm caches and connections
				_ = tc.ix()
				_ = be.get(tc.path)
			}
			ixLat := make([]time.Duration, 0, b.N)
			httpLat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t := time.Now()
				if err := tc.ix(); err != nil {
					b.Fatal(err)
				}
				ixLat = append(ixLat, time.Since(t))
				t = time.Now()
				if err := be.get(tc.path); err != nil {
					b.Fatal(err)
				}
				httpLat = append(httpLat, time.Since(t))
			}
			ix50, ix99 := percentiles(ixLat)
			h50, h99 := percentiles(httpLat)
			b.ReportMetric(ix50, "ix-p50-ms")
			b.ReportMetric(ix99, "ix-p99-ms")
			b.ReportMetric(h50, "http-p50-ms")
			b.ReportMetric(h99, "http-p99-ms")
			b.ReportMetric(h50/ix50, "http/ix-p50")
			b.ReportMetric(0, "ns/op")
		})
	}
	b.Run("term+3facets/http-8clients", func(b *testing.B) {
		var mu sync.Mutex
		lat := make([]time.Duration, 0, b.N)
		start := time.Now()
		b.SetParallelism(4) // 4 x GOMAXPROCS(2) = 8 concurrent clients
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				t := time.Now()
				if err := be.get("/api/v1/search?q=budget&facets=user,model,finding_type"); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
		b.ReportMetric(float64(len(lat))/time.Since(start).Seconds(), "req/s")
		p50, p99 := percentiles(lat)
		b.ReportMetric(p50, "p50-ms")
		b.ReportMetric(p99, "p99-ms")
		b.ReportMetric(0, "ns/op")
	})
}

func percentiles(lat []time.Duration) (p50, p99 float64) {
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	return p(0.50), p(0.99)
}
