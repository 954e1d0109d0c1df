package browsertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// sessionWord is in the session below and nowhere in the seed.
const sessionWord = "quokkastack"

// addSession stores a Claude Code session of Bob's: his request, and a tool
// result (a user-role turn of tool output) holding an email address. It is
// added to the shared store, so this file's tests run last (file order) and
// nothing before them sees it.
func addSession(t *testing.T, ix *indexer.Indexer) {
	t.Helper()
	at := day0.Add(40 * 24 * time.Hour)
	b := indexer.Batch{
		Conversations: []model.Conversation{{ID: "sess-ui-1", Source: model.SourceComplianceAPI, Kind: model.KindSession,
			Product: model.ProductClaudeCode, Surface: "claude_code", OwnerID: bob.ID, CreatedAt: at,
			Title: "Fix the " + sessionWord + " deploy", TitleDerived: true}},
		Messages: []model.Message{
			{ID: "sess-ui-m1", ConversationID: "sess-ui-1", Role: model.RoleHuman, CreatedAt: at, OnCurrentBranch: true,
				Blocks: []model.Block{text("why does the " + sessionWord + " deploy fail")}},
			{ID: "sess-ui-m2", ConversationID: "sess-ui-1", Seq: 1, Role: model.RoleTool, CreatedAt: at.Add(time.Minute), OnCurrentBranch: true,
				Blocks: []model.Block{{Type: model.BlockToolResult, ToolName: "Bash", ToolUseID: "tu1",
					Text: "deploy owner: dana.ops@acme-corp.com (" + sessionWord + ")"}}},
		},
	}
	if _, err := ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

func TestSessionsInLogsAndAnalytics(t *testing.T) {
	tb := newTab(t)
	addSession(t, tb.srv.ix)
	tb.login()

	// Messages: the product facet names Claude Code, the role facet the
	// tool output.
	tb.open("/logs?q=" + sessionWord)
	tb.waitJS("message hits", `+document.getElementById('summary').dataset.total === 2`)
	if got := js[string](tb, `document.querySelector('#facets [data-facet=product] label').textContent`); got != "Claude Code" {
		t.Errorf("product facet label %q", got)
	}
	if got := js[string](tb, `[...document.querySelectorAll('#facets [data-facet=role] label')].map(l => l.textContent).sort().join(",")`); got != "Tool output,User" {
		t.Errorf("role facet labels %q", got)
	}
	if n := js[int](tb, `document.querySelectorAll('#results .chip.product[data-product=claude_code]').length`); n != 2 {
		t.Errorf("%d hits carry the Claude Code chip, want 2", n)
	}
	tb.do(chromedp.Click(chromedp.CSS(`#facets [data-facet=role] input[value=tool]`)))
	tb.waitJS("tool output only", `+document.getElementById('summary').dataset.total === 1 && location.search.includes('role=tool')`)

	// Conversations: found by words in its messages, with the match count.
	tb.open("/logs?kind=conversation&q=" + sessionWord)
	tb.waitJS("conversation hit", `document.querySelectorAll('#results .hit').length === 1`)
	if got := js[string](tb, `document.querySelector('#results .match-count').dataset.matches`); got != "2" {
		t.Errorf("match count %q, want 2", got)
	}
	if got := js[string](tb, `document.querySelector('#results .snippet mark').textContent.toLowerCase()`); got != sessionWord {
		t.Errorf("snippet marks %q", got)
	}
	// The kind filter: sessions only keeps it, chats only drops it.
	tb.do(chromedp.Click(chromedp.CSS(`#facets [data-facet=conversation_kind] input[value=session]`)))
	tb.waitJS("sessions only", `location.search.includes('kind=session') && location.search.includes('kind=conversation') && document.querySelectorAll('#results .hit').length === 1`)
	tb.open("/logs?kind=conversation&kind=chat&q=" + sessionWord)
	tb.waitJS("chats only", `document.getElementById('summary').dataset.total === '0'`)
	tb.screenshot("logs-sessions")

	// Analytics: findings by product, and top users narrowed to a product.
	tb.open("/analytics")
	tb.waitJS("charts", `[...document.querySelectorAll('.chart-card h2')].some(h => h.textContent === 'Findings by product')`)
	card := `[...document.querySelectorAll('.chart-card')].find(c => c.querySelector('h2').textContent === 'Findings by product')`
	if got := js[string](tb, card+`.querySelector('table').textContent`); !strings.Contains(got, "Claude Code") || !strings.Contains(got, "Claude.ai") {
		t.Errorf("findings by product table %q", got)
	}
	// Choosing a product navigates (a change event, as a person's choice fires).
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('an-product'); s.value = 'claude_code'; s.dispatchEvent(new Event('change')); })()`))
	tb.waitJS("filtered top users", `location.search.includes('product=claude_code') && [...document.querySelectorAll('.chart-card h2')].some(h => h.textContent === 'Top users by flagged messages in Claude Code')`)
	top := `[...document.querySelectorAll('.chart-card')].find(c => c.querySelector('h2').textContent.startsWith('Top users'))`
	if got := js[string](tb, top+`.querySelector('table').textContent`); !strings.Contains(got, "Bob Martins") || strings.Contains(got, "Alice") {
		t.Errorf("top users in Claude Code %q, want Bob only", got)
	}
	tb.screenshot("analytics-products")
}
