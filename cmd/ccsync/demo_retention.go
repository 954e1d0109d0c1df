package main

import (
	"context"
	"errors"
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
	who, err := demoCustodian(ctx, ix)
	if err != nil {
		return fmt.Errorf("demo hold: %w", err)
	}
	h, err := ix.AddHold(ctx, model.Hold{Matter: demoMatter, Reason: "Demo: a preservation notice for one custodian",
		CreatedBy: "demo", Custodians: []string{who}})
	if err != nil {
		return fmt.Errorf("demo hold: %w", err)
	}
	log.Info("demo: retention policy set and a legal hold placed", "hold", h.ID, "custodian", who,
		"messages", strconv.Itoa(h.Messages))
	return api.RecordLocal(ix, "demo", "demo", "hold.add", h.ID, api.HoldDetail(h))
}

// demoCustodian picks the person (an account with an email, not an agent)
// with the most messages, so the hold covers a visible share of the demo.
func demoCustodian(ctx context.Context, ix *indexer.Indexer) (string, error) {
	users, err := ix.Users(ctx)
	if err != nil {
		return "", err
	}
	st, err := ix.Stats(ctx)
	if err != nil {
		return "", err
	}
	best, most := "", -1
	slices.SortFunc(users, func(a, b model.User) int { return strings.Compare(a.ID, b.ID) })
	for _, u := range users {
		if u.Email == "" {
			continue
		}
		if n := max(st.MessagesPerUser[u.ID], st.MessagesPerUser[u.Email]); n > most {
			best, most = u.ID, n
		}
	}
	if best == "" {
		return "", errors.New("no person among the synced users")
	}
	return best, nil
}
