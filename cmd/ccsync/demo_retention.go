package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// demoMatter names the demo's legal hold.
const demoMatter = "Demo matter"

// demoPolicy deletes nothing of the demo data (a month old at most): it
// only gives the Retention screen something to show and preview.
var demoPolicy = model.RetentionPolicy{DefaultDays: 3 * 365, ActivityDays: 3 * 365,
	Rules: []model.RetentionRule{{Name: "flagged", Flagged: true, Days: 7 * 365}}}

// demoRetention sets the demo's policy and places one hold on one demo
// custodian, so the retention and hold screens are not empty. It leaves a
// policy or a demo hold already there alone (a restarted demo).
func demoRetention(ctx context.Context, ix *indexer.Indexer, log *slog.Logger) error {
	pol, err := ix.RetentionPolicy(ctx)
	if err != nil {
		return fmt.Errorf("demo retention: %w", err)
	}
	if pol.UpdatedAt.IsZero() {
		p := demoPolicy
		p.UpdatedAt, p.UpdatedBy = time.Now().UTC(), "demo"
		if err := api.RecordLocal(ix, "demo", "demo", "retention.set", "", api.PolicyDetail(p)); err != nil {
			return err
		}
		if err := ix.SetRetentionPolicy(ctx, p); err != nil {
			return fmt.Errorf("demo retention policy: %w", err)
		}
	}
	holds, err := ix.Holds(ctx, true)
	if err != nil {
		return fmt.Errorf("demo holds: %w", err)
	}
	if slices.ContainsFunc(holds, func(h model.Hold) bool { return h.Matter == demoMatter }) {
		return nil
	}
	users, err := ix.Users(ctx)
	if err != nil {
		return fmt.Errorf("demo holds: %w", err)
	}
	if len(users) == 0 {
		return fmt.Errorf("demo holds: no users synced")
	}
	slices.SortFunc(users, func(a, b model.User) int { return strings.Compare(a.ID, b.ID) })
	h, err := ix.AddHold(ctx, model.Hold{Matter: demoMatter, Reason: "Demo: a preservation notice for one custodian",
		CreatedBy: "demo", Custodians: []string{users[0].ID}})
	if err != nil {
		return fmt.Errorf("demo hold: %w", err)
	}
	log.Info("demo: retention policy set and a legal hold placed", "hold", h.ID, "custodian", users[0].ID,
		"messages", strconv.Itoa(h.Messages))
	return api.RecordLocal(ix, "demo", "demo", "hold.add", h.ID, api.HoldDetail(h))
}
