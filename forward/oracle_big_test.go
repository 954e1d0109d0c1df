package forward_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// TestOracleBigMessages: a message with 150 keys yields 150 finding events,
// sent in requests of at most 100; a 200 KiB message's text is cut to
// 16 KiB of valid UTF-8 (a multi-byte character straddles the cut) with
// every key masked, including those past the cut.
func TestOracleBigMessages(t *testing.T) {
	e := newEnv(t, envOpts{Poll: 50 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	ds := oracleDests(t, e)
	r := rand.New(rand.NewPCG(7, 7))
	var many strings.Builder
	many.WriteString("PLANTTEXT keys: ")
	for range 150 {
		fmt.Fprintf(&many, "%s, ", awsKey(r))
	}
	var big strings.Builder
	big.WriteString("PLANTTEXT big ")
	for big.Len() < 16384-20 {
		big.WriteString("plant words ")
	}
	for big.Len() < 16383 {
		big.WriteString("x")
	}
	big.WriteString("éééé ") // straddles 16 KiB
	for big.Len() < 200<<10 {
		fmt.Fprintf(&big, "more text %s ", awsKey(r))
	}
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	u := userOf(0)
	conv := model.Conversation{ID: "PLANTCONV-big", Source: model.SourceComplianceAPI, OwnerID: u.ID, CreatedAt: base, UpdatedAt: base,
		Product: model.ProductClaudeAI, Title: "PLANTTITLE big"}
	b := indexer.Batch{Users: []model.User{u}, Conversations: []model.Conversation{conv}, Origin: indexer.OriginSync}
	for i, text := range []string{many.String(), big.String()} {
		b.Messages = append(b.Messages, model.Message{ID: fmt.Sprintf("PLANTMSG-big-%d", i), ConversationID: conv.ID, Seq: i,
			OnCurrentBranch: true, Role: model.RoleHuman, CreatedAt: base.Add(time.Duration(i) * time.Second),
			Blocks: []model.Block{{Type: model.BlockText, Text: text}}})
	}
	en := e.ingest(b)
	if len(en[0].Fresh) != 150 {
		t.Fatalf("scanner found %d keys of 150", len(en[0].Fresh))
	}
	waitDelivered(t, ds, e.oracle.Entries, 30*time.Second)
	checkAll(t, e, ds, nil)
	for _, d := range ds {
		if d.stream != model.StreamMessages || d.anon {
			continue
		}
		acc, _, _ := d.rec.snapshot()
		for _, a := range acc {
			// Cut at 16 KiB; a trailing "…" marks the cut.
			if n := len(strings.TrimSuffix(a.Event.Text, "…")); n > 16<<10 || !utf8.ValidString(a.Event.Text) {
				t.Errorf("%s: %s text of %d bytes (valid UTF-8 %v), want at most 16 KiB; ends %q", d.name, a.Event.ID, n, utf8.ValidString(a.Event.Text), a.Event.Text[max(0, len(a.Event.Text)-30):])
			}
		}
	}
}
