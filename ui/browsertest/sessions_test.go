package browsertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	sessionsync "github.com/ccsync/ccsync/indexer/syncer/sessions"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// syncSession syncs one generated Claude Code session into the shared
// server through the real sessions stream and returns the fake org.
func syncSession(t *testing.T, s *server) *fakeapi.Org {
	t.Helper()
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	org := fakeapi.Generate(77, fakeapi.GenOptions{Users: 2, Chats: 1, Sessions: 1, Start: start, End: start.Add(24 * time.Hour)})
	const key = "sk-ant-api01-browsertest-sessions"
	hs := httptest.NewServer(fakeapi.New(org, fakeapi.Options{Key: key}))
	t.Cleanup(hs.Close)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := compliance.New(compliance.Config{BaseURL: hs.URL, Key: key, RequestsPerMinute: 1 << 20, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	en := &stream.Env{Client: c, Ix: s.ix, Now: time.Now, Log: quiet, SyncFrom: start, RunStart: time.Now(),
		Report: func(func(*stream.State)) {}}
	if err := sessionsync.New(sessionsync.Options{}).Run(context.Background(), en); err != nil {
		t.Fatal(err)
	}
	return org
}

// TestSessionPairsToolsAndHighlightsSecret: a Claude Code session shows its
// product and inferred title, pairs each tool output with the call that
// produced it (they are separate turns), and highlights the secret planted
// in the .env file a Read returned, inside that tool output.
func TestSessionPairsToolsAndHighlightsSecret(t *testing.T) {
	tb := newTab(t)
	org := syncSession(t, tb.srv)
	sess := org.Local[0]
	var secret, resultMsg string
	for _, p := range org.SessionPlants() {
		if p.Type == "anthropic_api_key" {
			secret, resultMsg = p.Value, p.MessageID
		}
	}
	if secret == "" {
		t.Fatal("no .env secret planted")
	}
	tb.login()
	tb.open("/conversations/" + sess.ID + "?highlight=1")
	tb.waitJS("thread", `document.querySelectorAll('#thread .msg').length > 10`)

	if got := js[string](tb, `document.getElementById('product-badge').textContent`); got != "Claude Code" {
		t.Errorf("product badge %q", got)
	}
	if !js[bool](tb, `!!document.getElementById('title-inferred') && !!document.querySelector('#session-workdir .inferred')`) {
		t.Error("inferred title or workdir not labelled as inferred")
	}
	if !js[bool](tb, `document.querySelector('#thread .msg.role-system .prov-marker') !== null`) {
		t.Error("the system prompt marker is not shown as a generated marker")
	}

	// The .env output sits in its own (tool) turn and is paired with the
	// Read call of the turn before.
	res := fmt.Sprintf(`document.querySelector('#m-%s details.tool.result')`, resultMsg)
	tb.waitJS("result card", res+` !== null`)
	pair := js[map[string]any](tb, `(() => { const r = `+res+`; const id = r.dataset.toolUseId;
		const call = document.getElementById('tu-' + id);
		return { paired: r.classList.contains('paired'), role: r.closest('.msg').classList.contains('role-tool'),
			sum: r.querySelector('summary').textContent, sameMsg: !!call && call.closest('.msg') === r.closest('.msg'),
			callExists: !!call, callName: call ? call.querySelector('summary code').textContent : '' }; })()`)
	if pair["paired"] != true || pair["role"] != true || pair["callExists"] != true || pair["sameMsg"] != false ||
		pair["callName"] != "Read" || !strings.Contains(pair["sum"].(string), "/.env") {
		t.Errorf("tool output not paired with its call across messages: %v", pair)
	}

	// The planted key is highlighted inside that tool output.
	tb.waitJS("marks", `document.querySelectorAll('#thread mark.hl').length > 0`)
	marked := js[string](tb, `(() => { const r = `+res+`; const ms = [...r.querySelectorAll('mark.hl')];
		const f = ms.length ? ms[0].dataset.finding : null;
		return ms.filter(m => m.dataset.finding === f).map(m => m.textContent).join(''); })()`)
	if marked != secret {
		t.Errorf("highlight in the .env output is %q, want the planted key", marked)
	}

	// "↑ Call" jumps to the call in the other message.
	tb.do(chromedp.Evaluate[chromedp.Void](res + `.querySelector('.pair-jump').click()`))
	tb.waitJS("jump to call", `(() => { const c = document.getElementById('tu-' + `+res+`.dataset.toolUseId); return c.classList.contains('flash') && c.open; })()`)

	// Claude Code tools get their own views: a Bash command, an Edit diff.
	if !js[bool](tb, `!!document.querySelector('#thread .tool-view.bash pre.cmd') && !!document.querySelector('#thread pre.diff .ins')`) {
		t.Error("Bash or Edit not rendered as command / diff")
	}
	if !js[bool](tb, `[...document.querySelectorAll('#thread details.tool.mcp summary code')].some(c => c.textContent === 'github / create_pull_request')`) {
		t.Error("mcp__github__create_pull_request not shown as server / tool")
	}
	if !js[bool](tb, `[...document.querySelectorAll('#thread .block.unavailable')].some(b => b.textContent.includes('never captured'))`) {
		t.Error("a not_captured turn is not shown as a placeholder saying why")
	}
	tb.screenshot("session")
	tb.noDialogsOrForeignRequests()
}
