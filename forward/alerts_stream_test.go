package forward

import (
	"context"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// TestAlertStreamFollowsRuleDestinations: an alert goes to the alert
// destinations its rule names (all of them when it names none), never to
// a feed, and an anonymous one loses every name.
func TestAlertStreamFollowsRuleDestinations(t *testing.T) {
	v := newEnv(t, nil)
	ev := alerts.New(alerts.Options{Store: v.ix, Logger: quiet()})
	v.e.opts.AlertNotify = ev.Notify
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ev.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	v.run(t)

	urlA, recA := receiver(t)
	urlB, recB := receiver(t)
	urlAnon, recAnon := receiver(t)
	urlFeed, recFeed := receiver(t)
	a := v.put(t, model.Destination{Name: "pager A", Kind: "capture", Stream: model.StreamAlerts, URL: urlA})
	v.put(t, model.Destination{Name: "pager B", Kind: "capture", Stream: model.StreamAlerts, URL: urlB})
	v.put(t, model.Destination{Name: "anon", Kind: "capture", Stream: model.StreamAlerts, URL: urlAnon, Anonymous: true})
	v.put(t, model.Destination{Name: "feed", Kind: "capture", Stream: model.StreamMessages, URL: urlFeed})
	if _, err := ev.PutRule(ctx, model.AlertRule{Name: "to A only", Enabled: true, MinSeverity: model.SeverityCritical,
		Destinations: []string{a.ID}, IncludeBackfill: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.PutRule(ctx, model.AlertRule{Name: "to everyone", Enabled: true, FindingTypes: []string{"aws_access_key"},
		IncludeBackfill: true}); err != nil {
		t.Fatal(err)
	}
	v.ingest(t, 9, indexer.OriginImport) // three keys of one user: one alert per rule
	waitFor(t, "alerts", func() bool { return len(recA.got()) == 2 && len(recB.got()) == 1 && len(recAnon.got()) == 1 })
	if n := len(recFeed.got()); n != 9 {
		t.Errorf("feed got %d events, want the 9 messages", n)
	}
	for _, e := range recFeed.got() {
		if e.Type != "message" {
			t.Errorf("feed got a %s event", e.Type)
		}
	}
	b := recB.got()[0]
	if b.Type != "alert" || b.Alert == nil || b.Alert.RuleName != "to everyone" || b.Alert.Findings != 3 ||
		b.UserID != "u1" || !strings.HasPrefix(b.Link, "https://ccsync.example/messages/") {
		t.Errorf("alert event = %+v (alert %+v)", b, b.Alert)
	}
	raw, _ := json.Marshal(recAnon.got()[0])
	for _, planted := range []string{"u1", "to everyone", "msg-x", "alice", "ccsync.example"} {
		if strings.Contains(string(raw), planted) {
			t.Errorf("anonymous alert carries %q: %s", planted, raw)
		}
	}
	if anon := recAnon.got()[0]; anon.Alert == nil || anon.Alert.Findings != 3 || anon.Alert.MaxSeverity != model.SeverityCritical {
		t.Errorf("anonymous alert lost its counts: %s", raw)
	}
}
