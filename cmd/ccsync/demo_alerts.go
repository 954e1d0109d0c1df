package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/forward/webhook"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// Names of what the demo sets up; a restarted demo finds them by name.
const (
	demoWebhookName = "Demo webhook (loopback)"
	demoSIEMName    = "Demo SIEM feed (loopback, anonymous)"
	demoRuleName    = "Critical secrets (demo)"
)

// demoReceiver is the demo's stand-in for a SOC's webhook endpoint and a
// SIEM: an HTTP server on loopback that checks each request's signature as
// the README tells receivers to, and counts what it accepted.
type demoReceiver struct {
	url      string
	secrets  map[string]string // path → secret
	accepted atomic.Int64
	refused  atomic.Int64
	log      *slog.Logger
}

func (r *demoReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	secret, ok := r.secrets[req.URL.Path]
	if !ok || req.Method != http.MethodPost {
		http.NotFound(w, req)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	// As the README tells receivers: the signature over "<timestamp>.<raw
	// body>", and a timestamp within 5 minutes (a replay is refused).
	if err := webhook.Verify(secret, req.Header.Get("X-Ccsync-Timestamp"), req.Header.Get("X-Ccsync-Signature"), body, time.Now(), 0); err != nil {
		r.refused.Add(1)
		r.log.Warn("demo receiver: refused a request", "path", req.URL.Path, "err", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var b struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		http.Error(w, "body is not {\"events\":[...]}", http.StatusBadRequest)
		return
	}
	n := r.accepted.Add(int64(len(b.Events)))
	r.log.Debug("demo receiver: accepted", "path", req.URL.Path, "events", len(b.Events), "total", n)
	w.WriteHeader(http.StatusNoContent)
}

func randomSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "demo-" + hex.EncodeToString(b), nil
}

// demoAlerts starts the loopback receiver and points two destinations at
// it (alerts, and an anonymous findings feed) with secrets made now, and
// adds a rule that fires on the demo's critical findings, history
// included, so the Alerts page has alerts and deliveries right away. It
// runs before the demo's first sync, so the feed and the rule see all of
// it. A restarted demo re-points its destinations at the new receiver.
// stop shuts the receiver down.
func demoAlerts(ctx context.Context, ix *indexer.Indexer, fwd forwarding, log *slog.Logger) (stop func(), err error) {
	rcv := &demoReceiver{secrets: map[string]string{}, log: log}
	for _, p := range []string{"/alerts", "/siem"} {
		if rcv.secrets[p], err = randomSecret(); err != nil {
			return nil, fmt.Errorf("demo alerts: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo alerts: receiver: %w", err)
	}
	rcv.url = "http://" + ln.Addr().String()
	hs := &http.Server{Handler: rcv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		log.Info("demo receiver stopped", "accepted_events", rcv.accepted.Load(), "refused_requests", rcv.refused.Load())
	}
	existing, err := fwd.forward.Destinations(ctx)
	if err != nil {
		stop()
		return nil, fmt.Errorf("demo alerts: %w", err)
	}
	byName := map[string]model.Destination{}
	for _, d := range existing {
		byName[d.Name] = d.Destination
	}
	for _, want := range []model.Destination{
		{Name: demoWebhookName, Kind: model.DestWebhook, Stream: model.StreamAlerts, Enabled: true,
			URL: rcv.url + "/alerts", Secret: rcv.secrets["/alerts"]},
		{Name: demoSIEMName, Kind: model.DestWebhook, Stream: model.StreamFindings, Enabled: true, Anonymous: true,
			URL: rcv.url + "/siem", Secret: rcv.secrets["/siem"]},
	} {
		action := "destination.add"
		if old, ok := byName[want.Name]; ok {
			want.ID, want.CreatedBy, want.CreatedAt, action = old.ID, old.CreatedBy, old.CreatedAt, "destination.update"
		} else {
			want.CreatedBy = "demo"
		}
		saved, err := fwd.forward.PutDestination(ctx, want)
		if err != nil {
			stop()
			return nil, fmt.Errorf("demo destination %q: %w", want.Name, err)
		}
		detail := api.DestinationDetail(saved)
		detail["secret"] = "set"
		if err := api.RecordLocal(ix, "demo", "demo", action, saved.ID, detail); err != nil {
			stop()
			return nil, err
		}
	}
	rules, err := fwd.alerts.Rules(ctx)
	if err != nil {
		stop()
		return nil, fmt.Errorf("demo alerts: %w", err)
	}
	for _, r := range rules {
		if r.Name == demoRuleName {
			log.Info("demo: alert destinations re-pointed at the loopback receiver", "receiver", rcv.url)
			return stop, nil
		}
	}
	r, err := fwd.alerts.PutRule(ctx, model.AlertRule{Name: demoRuleName, Enabled: true, MinSeverity: model.SeverityCritical,
		IncludeBackfill: true, CreatedBy: "demo"})
	if err != nil {
		stop()
		return nil, fmt.Errorf("demo rule: %w", err)
	}
	if err := api.RecordLocal(ix, "demo", "demo", "alert.rule.add", r.ID, api.RuleDetail(r)); err != nil {
		stop()
		return nil, err
	}
	log.Info("demo: alert rule and two loopback destinations set up", "receiver", rcv.url, "rule", r.ID)
	return stop, nil
}
