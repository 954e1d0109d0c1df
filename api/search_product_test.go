package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// seedSession adds a Claude Code session of Alice's whose tool output holds
// an email address.
func (e *testEnv) seedSession() {
	e.t.Helper()
	b := indexer.Batch{
		Conversations: []model.Conversation{{ID: "sess-1", Source: model.SourceComplianceAPI, Kind: model.KindSession,
			Product: model.ProductClaudeCode, Surface: "claude_code", OwnerID: "user_alice", CreatedAt: t0.Add(2 * time.Hour)}},
		Messages: []model.Message{
			{ID: "smsg-1", ConversationID: "sess-1", Role: model.RoleHuman, CreatedAt: t0.Add(2 * time.Hour),
				Blocks: []model.Block{{Type: model.BlockText, Text: "grep the rotation config"}}},
			{ID: "smsg-2", ConversationID: "sess-1", Seq: 1, Role: model.RoleTool, CreatedAt: t0.Add(2*time.Hour + time.Minute),
				Blocks: []model.Block{{Type: model.BlockToolResult, ToolName: "Bash", Text: "owner: carol@example.com rotation"}}},
		},
	}
	if _, err := e.ix.Ingest(context.Background(), b); err != nil {
		e.t.Fatal(err)
	}
}

func TestSearchProductAndKind(t *testing.T) {
	e := newTestEnv(t)
	e.seed()
	e.seedSession()
	c := e.tokenFor(e.auditor())
	for _, tc := range []struct {
		name, query string
		status      int
		want        string
	}{
		{"product", "product=claude_code&sort=oldest", 200, "smsg-1,smsg-2"},
		{"old records are claude.ai", "product=claude_ai&sort=oldest", 200, "msg-1,msg-2,msg-xss"},
		{"kind session", "kind=session&sort=oldest", 200, "smsg-1,smsg-2"},
		{"kind chat, conversations", "kind=conversation&kind=chat&sort=oldest", 200, "conv-1,conv-xss"},
		{"role tool", "role=tool", 200, "smsg-2"},
		{"words anywhere", "kind=conversation&q=rotation", 200, "conv-1,sess-1"},
		{"both result kinds", "kind=conversation&kind=message", 400, ""},
		{"unknown kind", "kind=sessions", 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(c, "GET", "/api/v1/search?"+tc.query, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, b, tc.status)
			}
			if tc.status != 200 {
				return
			}
			var res indexer.SearchResult
			mustJSON(t, b, &res)
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
			if tc.name == "words anywhere" {
				// Relevance order depends on scores; the set is what counts.
				if len(got) == 2 && got[0] > got[1] {
					got[0], got[1] = got[1], got[0]
				}
				for _, h := range res.Hits {
					if h.MatchCount == 0 || !strings.Contains(h.Snippet, "<mark>") {
						t.Errorf("%s: %d matches, snippet %q", h.ID, h.MatchCount, h.Snippet)
					}
				}
			}
			if g := strings.Join(got, ","); g != tc.want {
				t.Errorf("hits %s, want %s", g, tc.want)
			}
		})
	}
	resp, b := e.do(c, "GET", "/api/v1/analytics?product=claude_code", nil)
	var an analyticsResponse
	mustJSON(t, b, &an)
	if resp.StatusCode != 200 || an.MessagesPerProduct["claude_code"] != 2 || an.ConversationsPerKind["session"] != 1 ||
		an.FindingsPerProduct["claude_code"] != 1 || an.FindingsPerProduct["claude_ai"] != 1 {
		t.Errorf("analytics stats: %d %s", resp.StatusCode, b)
	}
	if len(an.FlaggedByProduct) != 2 {
		t.Errorf("flagged by product %+v, want claude_ai and claude_code", an.FlaggedByProduct)
	}
	// Alice is flagged in both products; filtered to Claude Code she has
	// one flagged message.
	if len(an.TopUsersByFindings) != 1 || an.TopUsersByFindings[0].Term != "user_alice" || an.TopUsersByFindings[0].Count != 1 {
		t.Errorf("top users for claude_code %+v", an.TopUsersByFindings)
	}
}
