package api

import (
	"context"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// TestSessionConversationView: a session's conversation carries its kind,
// product, inferred title, status, deletion mark and the person who started
// it; its messages carry model and provenance.
func TestSessionConversationView(t *testing.T) {
	e := newTestEnv(t)
	del := t0.Add(2 * time.Hour)
	b := indexer.Batch{
		Users: []model.User{{ID: "user_bob", Name: "Bob", Email: "bob@example.com"}, {ID: "agent:cagt_1", Name: "Agent cagt_1"}},
		Conversations: []model.Conversation{{ID: "cse_1", ExternalID: "cse_1", Source: model.SourceComplianceAPI, Provider: model.ProviderAnthropic,
			Kind: model.KindSession, Product: model.ProductCowork, Surface: "cowork_remote", Status: "archived", AgentID: "cagt_1",
			OwnerID: "agent:cagt_1", StartedBy: "user_bob", Title: "Summarize feedback", TitleDerived: true, Workdir: "/mnt/work",
			Truncated: true, CreatedAt: t0, UpdatedAt: t0.Add(time.Hour), DeletedAt: &del, DeletedBy: model.DeletedByUpstream}},
		Messages: []model.Message{
			{ID: "m1", ConversationID: "cse_1", Seq: 0, OnCurrentBranch: true, Role: "system", Provenance: model.ProvenanceSyntheticMarker, CreatedAt: t0,
				Blocks: []model.Block{{Type: model.BlockText, Text: "[system prompt content not shown]", Truncated: true}}},
			{ID: "m2", ConversationID: "cse_1", Seq: 1, OnCurrentBranch: true, Role: model.RoleAssistant, Model: "claude-opus-5-5", CreatedAt: t0,
				Blocks: []model.Block{{Type: model.BlockToolUse, ToolName: "Bash", ToolUseID: "toolu_1", ToolInput: `{"command":"cat .env"}`}}},
			{ID: "m3", ConversationID: "cse_1", Seq: 2, OnCurrentBranch: true, Role: model.RoleTool, CreatedAt: t0,
				Blocks: []model.Block{{Type: model.BlockToolResult, ToolName: "Bash", ToolUseID: "toolu_1", Text: "KEY=1"}}},
			{ID: "m4", ConversationID: "cse_1", Seq: 3, OnCurrentBranch: true, Role: model.RoleAssistant, CreatedAt: t0,
				Provenance: model.ProvenanceUnavailable + ":client_aborted"},
		},
	}
	if _, err := e.ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	resp, body := e.do(e.auditor(), "GET", "/api/v1/conversations/cse_1", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var cv conversationResponse
	mustJSON(t, body, &cv)
	c := cv.Conversation
	if c.Kind != model.KindSession || c.Product != model.ProductCowork || c.Status != "archived" || !c.TitleDerived ||
		c.Workdir != "/mnt/work" || !c.Truncated || c.DeletedBy != model.DeletedByUpstream {
		t.Errorf("conversation %+v", c)
	}
	if cv.User == nil || cv.User.ID != "agent:cagt_1" || cv.StartedBy == nil || cv.StartedBy.Email != "bob@example.com" {
		t.Errorf("owner %+v started by %+v", cv.User, cv.StartedBy)
	}
	got := cv.Messages
	if got[0].Provenance != model.ProvenanceSyntheticMarker || got[1].Model != "claude-opus-5-5" || got[2].Role != model.RoleTool ||
		got[3].Provenance != "content_unavailable:client_aborted" {
		t.Errorf("messages %+v", got)
	}
}
