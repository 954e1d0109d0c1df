package indexer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// TestHoldQueryScale freezes a query over 20,000 matches and times the
// costs a hold adds: placing it, listing it, and the per-message check a
// deletion makes. Not in -short: it ingests 20,000 messages.
func TestHoldQueryScale(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 20,000 messages")
	}
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	const convs, per = 200, 100
	var b Batch
	for c := range convs {
		id := fmt.Sprintf("conv%03d", c)
		b.Conversations = append(b.Conversations, model.Conversation{ID: id, OwnerID: fmt.Sprintf("user%d", c%20), Source: model.SourceComplianceAPI,
			Provider: model.ProviderAnthropic, CreatedAt: t0})
		for m := range per {
			b.Messages = append(b.Messages, holdMsg(id, m, t0.Add(time.Duration(c*per+m)*time.Second), "merger memo"))
		}
	}
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h := addHold(t, ix, model.Hold{Query: &model.HoldQuery{Text: "merger"}, Custodians: []string{"user1"}})
	place := time.Since(start)
	if h.Query.Matched != convs*per || h.Messages != convs*per {
		t.Fatalf("matched %d, covers %d; want %d", h.Query.Matched, h.Messages, convs*per)
	}
	start = time.Now()
	if _, err := ix.Holds(ctx, false); err != nil {
		t.Fatal(err)
	}
	list := time.Since(start)
	start = time.Now()
	n := 0
	err := ix.db.View(func(txn *badger.Txn) error {
		v, err := ix.holdView(txn)
		if err != nil {
			return err
		}
		for c := range convs {
			for m := range per {
				id := fmt.Sprintf("conv%03d", c)
				got, err := v.heldBy(txn, &model.Message{ID: fmt.Sprintf("%s-m%d", id, m), ConversationID: id}, "")
				if err != nil {
					return err
				}
				n += len(got)
			}
		}
		return nil
	})
	if err != nil || n != convs*per { // one hold, counted once per message though two criteria cover some
		t.Fatalf("heldBy: %d coverings, %v", n, err)
	}
	check := time.Since(start)
	start = time.Now()
	if err := ix.settleHold(ctx, h.ID); err != nil { // all present: keeps every key
		t.Fatal(err)
	}
	settle := time.Since(start)
	if got, err := ix.Hold(ctx, h.ID); err != nil || got.Messages != convs*per {
		t.Fatalf("after settling again: %d messages, %v", got.Messages, err)
	}
	t.Logf("%d matches: AddHold %v (of which settling ~%v), Holds %v, heldBy %v per message",
		convs*per, place, settle, list, check/time.Duration(convs*per))
}
