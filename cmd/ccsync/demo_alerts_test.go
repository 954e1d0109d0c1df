package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/model"
)

// TestDemoAlerts: the demo's two loopback destinations and its rule are
// set up once; the receiver verifies every delivery's signature (a test
// send to each is accepted), a critical finding fires the rule and the
// alert is delivered; a restarted demo re-points the same destinations at
// its new receiver with new secrets, without duplicates.
func TestDemoAlerts(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	keys, err := keystore.Open(keystore.Options{Dir: dir, Meta: ix})
	if err != nil {
		t.Fatal(err)
	}
	fwd := newForwarding(ix, keys, "http://127.0.0.1:8080", log)

	stop, err := demoAlerts(ctx, ix, fwd, log)
	if err != nil {
		t.Fatal(err)
	}
	stopLoops := fwd.start(ctx, log)
	ds, err := fwd.forward.Destinations(ctx)
	if err != nil || len(ds) != 2 {
		t.Fatalf("destinations %+v, %v", ds, err)
	}
	byName := map[string]model.Destination{}
	for _, d := range ds {
		byName[d.Name] = d.Destination
	}
	hook, feed := byName[demoWebhookName], byName[demoSIEMName]
	if hook.Stream != model.StreamAlerts || hook.Anonymous || feed.Stream != model.StreamFindings || !feed.Anonymous ||
		hook.SecretHint == "" || feed.SecretHint == "" {
		t.Fatalf("demo destinations %+v %+v", hook, feed)
	}
	for _, d := range []model.Destination{hook, feed} {
		if res, err := fwd.forward.TestSend(ctx, d.ID); err != nil || !res.OK {
			t.Fatalf("test send to %s: %+v %v", d.Name, res, err)
		}
	}
	rules, err := fwd.alerts.Rules(ctx)
	if err != nil || len(rules) != 1 || rules[0].Name != demoRuleName || rules[0].MinSeverity != model.SeverityCritical || !rules[0].IncludeBackfill {
		t.Fatalf("demo rules %+v, %v", rules, err)
	}

	// History with a critical finding fires the rule; the alert arrives.
	at := time.Now().Add(-72 * time.Hour).UTC()
	if _, err := ix.Ingest(ctx, indexer.Batch{
		Users:         []model.User{{ID: "u1", Email: "ada@example.com"}},
		Conversations: []model.Conversation{{ID: "c1", OwnerID: "u1", CreatedAt: at, Source: model.SourceComplianceAPI}},
		Messages: []model.Message{{ID: "m1", ConversationID: "c1", Role: model.RoleHuman, CreatedAt: at,
			Blocks: []model.Block{{Type: model.BlockText, Text: "deploy with AKIAQ3EGRVLKZT7XWJ5P please"}}}},
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := fwd.forward.Destination(ctx, hook.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status.Delivered >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no alert delivered to the demo webhook: %+v", d.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopLoops()
	stop()

	// A restart: new receiver, new secrets, the same destinations and rule.
	stop, err = demoAlerts(ctx, ix, fwd, log)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ds, err = fwd.forward.Destinations(ctx)
	if err != nil || len(ds) != 2 {
		t.Fatalf("after a restart: %+v, %v", ds, err)
	}
	for _, d := range ds {
		old := byName[d.Name]
		if d.ID != old.ID || d.URL == old.URL {
			t.Errorf("%s after a restart: id %s (was %s), url %s (was %s)", d.Name, d.ID, old.ID, d.URL, old.URL)
		}
		if res, err := fwd.forward.TestSend(ctx, d.ID); err != nil || !res.OK {
			t.Errorf("test send to %s after a restart: %+v %v", d.Name, res, err)
		}
	}
	if rules, err := fwd.alerts.Rules(ctx); err != nil || len(rules) != 1 {
		t.Errorf("rules after a restart: %+v, %v", rules, err)
	}
}
