package forward_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/forward/webhook"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/model"
)

// BenchmarkAlertLatency measures the time from the start of an Ingest that
// brings a live message with a critical finding to the webhook receiver
// (on loopback, checking signatures) holding the alert it fired: the path
// ingest → journal → rule evaluation → alert log → sender. Each message is
// its own alert group, so no quiet period folds one into another. It
// reports p50, p99 and max over the iterations.
//
//	go test ./forward -run '^$' -bench AlertLatency -benchtime 300x
func BenchmarkAlertLatency(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	dir := b.TempDir()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	ks, err := keystore.Open(keystore.Options{Dir: dir, Meta: ix, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	const secret = "latency-secret-0123456789abcdef"
	var mu sync.Mutex
	arrived := map[string]time.Time{} // first message id of an alert → arrival
	got := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header.Get("X-Ccsync-Timestamp"), r.Header.Get("X-Ccsync-Signature"), body, now, 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p struct{ Events []model.ForwardEvent }
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, ev := range p.Events {
			if ev.Alert != nil && len(ev.Alert.Messages) > 0 {
				arrived[ev.Alert.Messages[0]] = now
			}
		}
		mu.Unlock()
		select {
		case got <- struct{}{}:
		default:
		}
	}))
	defer srv.Close()

	ev := alerts.New(alerts.Options{Store: ix, Logger: quiet})
	e := forward.New(forward.Options{Store: ix, Secrets: ks, Logger: quiet, AlertNotify: ev.Notify,
		JournalConsumers: func() (uint64, error) { return alerts.Cursor(ix) }})
	go ev.Run(ctx)
	go e.Run(ctx)
	if _, err := ev.PutRule(ctx, model.AlertRule{Name: "critical", Enabled: true, MinSeverity: model.SeverityCritical,
		GroupBy: model.AlertGroupMessage}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.PutDestination(ctx, model.Destination{Name: "pager", Kind: model.DestWebhook, Stream: model.StreamAlerts,
		Enabled: true, URL: srv.URL, Secret: secret}); err != nil {
		b.Fatal(err)
	}
	conv := model.Conversation{ID: "conv", OwnerID: "u1", CreatedAt: time.Now().UTC().Add(-time.Minute)}
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprintf("msg-%06d", i)
		m := model.Message{ID: id, ConversationID: conv.ID, Seq: i, Role: model.RoleHuman, OnCurrentBranch: true,
			CreatedAt: time.Now().UTC(), Blocks: []model.Block{{Type: model.BlockText, Text: "prod key AKIAUHJ4AOXKNP3M4L5V oops"}}}
		start := time.Now()
		if _, err := ix.Ingest(indexer.WithOrigin(ctx, indexer.OriginSync), indexer.Batch{
			Users: []model.User{{ID: "u1", Email: "u1@corp.example"}}, Conversations: []model.Conversation{conv}, Messages: []model.Message{m}}); err != nil {
			b.Fatal(err)
		}
		deadline := time.After(30 * time.Second)
		for {
			mu.Lock()
			at, ok := arrived[id]
			mu.Unlock()
			if ok {
				lat = append(lat, at.Sub(start))
				break
			}
			select {
			case <-got:
			case <-time.After(50 * time.Millisecond):
			case <-deadline:
				b.Fatalf("no alert for %s within 30 s", id)
			}
		}
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
	b.ReportMetric(0, "ns/op")
}
