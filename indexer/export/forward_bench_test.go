package export

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/forward/webhook"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/model"
)

// BenchmarkImportForwarding measures what forwarding every message to a
// SIEM costs an import: the same export is imported into a store with no
// destination (the baseline) and into one whose engine forwards every
// message to a webhook receiver on loopback, which checks each request's
// signature. The two alternate within each iteration so drift in machine
// load hits both alike. It reports seconds per import for each, their
// ratio, and how long after the import the receiver had every event.
//
// The 100,000 messages are CCSYNC_BENCH_EXPORT_MB=200:
//
//	CCSYNC_BENCH_EXPORT_MB=200 go test ./indexer/export -run '^$' -bench ImportForwarding -benchtime 2x -timeout 1h
func BenchmarkImportForwarding(b *testing.B) {
	mb := int64(4)
	if v, err := strconv.Atoi(os.Getenv("CCSYNC_BENCH_EXPORT_MB")); err == nil && v > 0 {
		mb = int64(v)
	}
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	dir := b.TempDir()
	users, convs, _ := writeBenchExport(b, dir, mb<<20)
	paths := []string{users, convs}

	const secret = "bench-webhook-secret-0123456789"
	var received atomic.Int64
	var rejected atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header.Get("X-Ccsync-Timestamp"), r.Header.Get("X-Ccsync-Signature"), body, time.Now(), 5*time.Minute); err != nil {
			rejected.Add(1)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p struct {
			Events []struct {
				ID string `json:"id"`
			} `json:"events"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		received.Add(int64(len(p.Events)))
	}))
	defer srv.Close()

	var plain, fwd, drain time.Duration
	var msgs int
	for i := 0; b.Loop(); i++ {
		importOnce := func(forwarding bool) {
			d := b.TempDir()
			ix := openIndexer(b, d)
			defer ix.Close()
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			if forwarding {
				ks, err := keystore.Open(keystore.Options{Dir: d, Meta: ix, Logger: quiet})
				if err != nil {
					b.Fatal(err)
				}
				e := forward.New(forward.Options{Store: ix, Secrets: ks, Logger: quiet})
				go func() { done <- e.Run(runCtx) }()
				if _, err := e.PutDestination(ctx, model.Destination{Name: "siem", Kind: model.DestWebhook, Stream: model.StreamMessages,
					Enabled: true, URL: srv.URL, Secret: secret}); err != nil {
					b.Fatal(err)
				}
				received.Store(0)
			} else {
				close(done)
			}
			start := time.Now()
			rep, err := Import(ctx, paths, Options{Sink: ix, Logger: quiet})
			if err != nil || rep.Outcome() != nil {
				b.Fatal(err, rep.Outcome())
			}
			took := time.Since(start)
			msgs = rep.Messages
			if forwarding {
				fwd += took
				end := time.Now()
				for received.Load() < int64(rep.Messages) {
					if time.Since(end) > 10*time.Minute {
						b.Fatalf("receiver has %d of %d events 10 minutes after the import", received.Load(), rep.Messages)
					}
					time.Sleep(5 * time.Millisecond)
				}
				drain += time.Since(end)
			} else {
				plain += took
			}
			stop()
			<-done
		}
		if i%2 == 0 {
			importOnce(false)
			importOnce(true)
		} else {
			importOnce(true)
			importOnce(false)
		}
	}
	if rejected.Load() > 0 {
		b.Fatalf("receiver rejected %d requests", rejected.Load())
	}
	n := float64(b.N)
	b.ReportMetric(float64(msgs), "msgs")
	b.ReportMetric(plain.Seconds()/n, "s/import")
	b.ReportMetric(fwd.Seconds()/n, "s/import-forwarding")
	b.ReportMetric(fwd.Seconds()/plain.Seconds(), "forwarding/plain")
	b.ReportMetric(drain.Seconds()/n, "s-drain-after-import")
	b.ReportMetric(0, "ns/op")
}
