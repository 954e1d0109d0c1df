package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
)

func TestLogin(t *testing.T) {
	tb := newTab(t)
	// Tabs share one browser, and tests before this one logged in.
	if _, err := chromedp.Call(tb.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	tb.open("/logs?q=deploy")
	// Unauthenticated: the app sends the reader to the login page and
	// remembers where they were going.
	tb.waitJS("login page", `location.pathname === "/login" && !!document.getElementById("login-name")`)
	tb.do(chromedp.SendKeys(chromedp.ID("login-name"), adminName),
		chromedp.SendKeys(chromedp.ID("login-password"), "wrong password"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)))
	tb.waitJS("login error", `[...document.querySelectorAll('.login-card [role=alert]')].some(e => !e.hidden && e.textContent.includes("Wrong name or password"))`)
	tb.screenshot("login")
	tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("login-password").value = ""`),
		chromedp.SendKeys(chromedp.ID("login-password"), adminPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)))
	tb.waitJS("header", `!!document.querySelector('[data-testid=account]')`)
	if got := js[string](tb, `location.pathname + location.search`); got != "/logs?q=deploy" {
		t.Errorf("after login at %q, want the page asked for first", got)
	}
	if got := js[string](tb, `document.querySelector('[data-testid=account]').textContent + "/" + document.querySelector('[data-testid=role]').textContent`); got != "admin/admin" {
		t.Errorf("header shows %q, want admin/admin", got)
	}
	tb.do(chromedp.Click(chromedp.ID("logout")))
	tb.waitJS("login page after logout", `location.pathname === "/login"`)
	// The session is gone server-side too: a reload stays on the login page.
	tb.open("/analytics")
	tb.waitJS("login page after reload", `location.pathname === "/login"`)
}

func TestSearchFacetsAndFlagged(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.open("/logs?q=deploy")
	tb.waitJS("results", `document.querySelectorAll('#results .hit').length > 0`)
	// Every snippet mark highlights the query word.
	marks := js[[]string](tb, `[...document.querySelectorAll('#results .snippet mark')].map(m => m.textContent.toLowerCase())`)
	if len(marks) == 0 {
		t.Fatal("no highlighted hits in the snippets")
	}
	for _, m := range marks {
		if !strings.HasPrefix(m, "deploy") {
			t.Errorf("snippet marks %q, want the query word", m)
		}
	}
	total := js[int](tb, `+document.getElementById('summary').dataset.total`)
	tb.screenshot("logs")

	// Click the Bob facet: the total becomes that facet's count and the
	// URL carries the filter.
	want := js[int](tb, `+document.querySelector('#facets [data-facet=user] .count[data-term=user_bob]').textContent`)
	if want == 0 || want >= total {
		t.Fatalf("user facet count for Bob is %d of %d; the seed should give a strict subset", want, total)
	}
	tb.do(chromedp.Click(chromedp.CSS(`#facets [data-facet=user] input[value=user_bob]`)))
	tb.waitJS("filtered total", fmt.Sprintf(`+document.getElementById('summary').dataset.total === %d`, want))
	if u := js[string](tb, `location.search`); !strings.Contains(u, "user=user_bob") {
		t.Errorf("URL %q does not carry the user filter", u)
	}
	if n := js[int](tb, `document.querySelectorAll('#results .hit').length`); n != want {
		t.Errorf("%d hits listed, want %d", n, want)
	}

	// Flagged only, on everything: every hit carries a detection badge.
	tb.open("/logs")
	tb.waitJS("all results", `document.querySelectorAll('#results .hit').length > 0`)
	all := js[int](tb, `+document.getElementById('summary').dataset.total`)
	// Paging: scrolling to the end loads the next page by its cursor.
	if n := js[int](tb, `document.querySelectorAll('#results .hit').length`); n != 25 || all <= 25 {
		t.Fatalf("first page lists %d of %d hits, want 25 of more", n, all)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`))
	tb.waitJS("second page", `document.querySelectorAll('#results .hit').length === 50`)
	if n := js[int](tb, `new Set([...document.querySelectorAll('#results .hit')].map(h => h.dataset.id)).size`); n != 50 {
		t.Errorf("pages overlap: %d distinct hits of 50", n)
	}
	tb.do(chromedp.Click(chromedp.CSS(`label[for=flagged]`)))
	tb.waitJS("flagged results", fmt.Sprintf(`location.search.includes('flagged=true') && +document.getElementById('summary').dataset.total < %d && document.querySelectorAll('#results .hit').length > 0`, all))
	unflagged := js[int](tb, `[...document.querySelectorAll('#results .hit')].filter(h => !h.querySelector('.badge.ftype')).length`)
	if unflagged != 0 {
		t.Errorf("%d hits without a detection badge under Flagged only", unflagged)
	}
	// Detection type facet narrows to one type.
	tb.do(chromedp.Click(chromedp.CSS(`#facets [data-facet=finding_type] input[value=aws_access_key]`)))
	tb.waitJS("aws hits", `location.search.includes('finding_type=aws_access_key') && document.querySelectorAll('#results .hit').length === +document.getElementById('summary').dataset.total`)
	types := js[[]string](tb, `[...document.querySelectorAll('#results .hit')].map(h => h.textContent)`)
	for _, tx := range types {
		if !strings.Contains(tx, "AWS access key") {
			t.Errorf("hit without the AWS badge under the aws_access_key filter: %.80q", tx)
		}
	}
	// Export links carry the same search.
	href := js[string](tb, `document.getElementById('export-csv').getAttribute('href')`)
	if !strings.Contains(href, "finding_type=aws_access_key") || !strings.Contains(href, "format=csv") || !strings.Contains(href, "flagged=true") {
		t.Errorf("CSV export link %q does not match the search", href)
	}
	tb.screenshot("logs-flagged")

	// The Conversations tab keeps the filters and lists conversations.
	tb.do(chromedp.Click(chromedp.ID("tab-conversation")))
	tb.waitJS("conversation hits", `location.search.includes('kind=conversation') && location.search.includes('flagged=true') && document.querySelectorAll('#results .hit').length > 0 && [...document.querySelectorAll('#results .hit-title')].every(a => a.getAttribute('href').startsWith('/conversations/'))`)
	tb.screenshot("logs-conversations")
}

func TestConversationHighlights(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.open("/conversations/" + deployConvID)
	tb.waitJS("thread", `document.querySelectorAll('#thread .msg').length === 4`)
	if n := js[int](tb, `document.querySelectorAll('#thread mark').length`); n != 0 {
		t.Fatalf("%d marks before highlighting was turned on", n)
	}
	tb.do(chromedp.Click(chromedp.CSS(`label[for=hl-toggle]`)))
	tb.waitJS("marks", `document.querySelectorAll('#thread mark.hl').length > 0`)
	marked := js[map[string]string](tb, `Object.fromEntries([...document.querySelectorAll('#thread mark.hl[id]')].map(m => {
		const where = m.closest('.code') ? 'code' : m.closest('pre.json') ? 'tool_input' : m.closest('pre.file-text') ? 'file' : 'prose';
		const full = [...document.querySelectorAll('#thread mark.hl[data-finding="' + m.dataset.finding + '"]')].filter(x => x.closest('.msg') === m.closest('.msg')).map(x => x.textContent).join('');
		return [full, where];
	}))`)
	for lit, where := range map[string]string{plantedAWSKey: "code", plantedEmail: "prose", plantedToolEmail: "tool_input"} {
		if got, ok := marked[lit]; !ok {
			t.Errorf("%s is not marked; marks: %v", lit, marked)
		} else if got != where {
			t.Errorf("%s marked in %s, want %s", lit, got, where)
		}
	}
	// The side panel lists every finding with its masked value only.
	rows := js[[]string](tb, `[...document.querySelectorAll('#findings-panel .finding .masked')].map(e => e.textContent)`)
	if len(rows) < 3 {
		t.Errorf("side panel lists %d findings, want at least 3", len(rows))
	}
	for _, r := range rows {
		for _, secret := range []string{plantedAWSKey, plantedEmail, plantedToolEmail} {
			if r == secret {
				t.Errorf("side panel shows %q unmasked", r)
			}
		}
	}
	// Next flagged walks the flagged messages.
	tb.do(chromedp.Click(chromedp.ID("next-flagged")))
	tb.waitJS("position", `document.getElementById('flag-pos').textContent.startsWith('1 of')`)
	// The keyboard walks them too: n for next, p for previous.
	tb.do(chromedp.KeyEvent("n"))
	tb.waitJS("position 2", `document.getElementById('flag-pos').textContent.startsWith('2 of')`)
	tb.do(chromedp.Click(chromedp.ID("prev-flagged")))
	tb.waitJS("position 1 again", `document.getElementById('flag-pos').textContent.startsWith('1 of')`)
	// Code blocks have copy buttons; thinking starts collapsed; the
	// failed tool result is marked as an error.
	if n := js[int](tb, `document.querySelectorAll('#thread .code .copy').length`); n < 2 {
		t.Errorf("%d copy buttons, want one per code block (2)", n)
	}
	if open := js[bool](tb, `document.querySelector('#thread details.thinking').open`); open {
		t.Error("thinking block is expanded, want collapsed")
	}
	if n := js[int](tb, `document.querySelectorAll('#thread details.tool.result.is-error .err-badge').length`); n != 1 {
		t.Errorf("%d tool results marked as errors, want 1", n)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	tb.screenshot("conversation")

	// Toggling off removes every mark and restores the text.
	tb.do(chromedp.Click(chromedp.CSS(`label[for=hl-toggle]`)))
	tb.waitJS("marks gone", `document.querySelectorAll('#thread mark').length === 0`)
	if !js[bool](tb, fmt.Sprintf(`document.getElementById('thread').textContent.includes(%q)`, plantedAWSKey)) {
		t.Error("unmarking lost the text")
	}

	// Raw view of the first message keeps its highlight, now in the
	// verbatim text, and goes back to formatted markdown.
	first := "#m-" + deployConvID + "-m0000"
	tb.do(chromedp.Click(chromedp.CSS(`label[for=hl-toggle]`)),
		chromedp.Click(chromedp.CSS(first+` .raw-toggle`)))
	tb.waitJS("raw view", fmt.Sprintf(`!document.querySelector('%s .md') && [...document.querySelectorAll('%s pre.raw mark.hl')].some(m => m.textContent === %q)`, first, first, plantedAWSKey))
	tb.do(chromedp.Click(chromedp.CSS(first + ` .raw-toggle`)))
	tb.waitJS("formatted view", fmt.Sprintf(`!document.querySelector('%s pre.raw') && !!document.querySelector('%s .code mark.hl')`, first, first))
}

// TestAuditorSeesNoAdminPages: an auditor reviews but cannot reach the
// settings or admin pages from the UI.
func TestAuditorSeesNoAdminPages(t *testing.T) {
	tb := newTab(t)
	const name, password = "auditor1", "another-long-passphrase-77"
	if err := tb.srv.srv.Accounts().Create(name, api.RoleAuditor, password); err != nil {
		t.Fatal(err)
	}
	tb.open("/login")
	tb.do(chromedp.WaitVisible(chromedp.ID("login-name")),
		chromedp.SendKeys(chromedp.ID("login-name"), name),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)))
	tb.waitJS("header", `document.querySelector('[data-testid=role]')?.textContent === 'auditor'`)
	if links := js[[]string](tb, `[...document.querySelectorAll('.top nav a')].map(a => a.textContent)`); strings.Join(links, ",") != "Logs,Activity,Analytics,Alerts" {
		t.Errorf("auditor nav shows %v, want Logs, Activity, Analytics and Alerts", links)
	}
	// Alerts: the fired alerts only, not the rules or destinations.
	tb.open("/alerts")
	tb.waitJS("fired alerts", `document.getElementById('alerts-list') && document.getElementById('alerts-list').dataset.rev === '1'`)
	if js[bool](tb, `!!document.getElementById('dest-card') || !!document.getElementById('rules-card') || !!document.getElementById('dest-new')`) {
		t.Error("an auditor is shown the destinations or rules")
	}
	tb.open("/settings")
	tb.waitJS("refusal", `document.getElementById('main').textContent.includes('needs the admin role')`)
	tb.open("/holds")
	tb.waitJS("refusal", `document.getElementById('main').textContent.includes('needs the admin role')`)
	// Placing a hold is an admin's: Logs offers it to admins only.
	tb.open("/logs?q=deploy")
	tb.waitJS("results", `!!document.getElementById('summary').dataset.total`)
	if js[bool](tb, `!!document.getElementById('hold-results')`) {
		t.Error("an auditor is offered Hold these results")
	}
	tb.do(chromedp.Click(chromedp.ID("logout")))
	tb.waitJS("logged out", `location.pathname === "/login"`)
}

func TestSingleMessageLinksToConversation(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.open("/messages/" + deployConvID + "-m0002")
	tb.waitJS("message", `document.querySelectorAll('.msg').length === 1 && document.querySelectorAll('mark.hl').length > 0`)
	tb.do(chromedp.Click(chromedp.ID("open-conversation")))
	tb.waitJS("conversation at the message", `location.pathname === '/conversations/`+deployConvID+`' && document.activeElement && document.activeElement.id === 'm-`+deployConvID+`-m0002'`)
}

func TestXSSIsInert(t *testing.T) {
	tb := newTab(t)
	tb.login()
	for _, pg := range []struct{ path, ready string }{
		{"/conversations/" + xssConvID + "?highlight=1", `document.querySelectorAll('#thread .msg').length === 2`},
		{"/logs?q=onerror", `document.querySelectorAll('#results .hit').length > 0`},
		{"/logs?kind=conversation&user=user_mallory", `document.querySelectorAll('#results .hit').length > 0`},
		{"/messages/" + xssConvID + "-m0001", `document.querySelectorAll('.msg').length === 1`},
		{"/analytics", `document.querySelectorAll('svg.chart').length > 0`},
	} {
		tb.open(pg.path)
		tb.waitJS(pg.path, pg.ready)
		// Open every collapsed card so its content is rendered too.
		tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => d.open = true)`))
		if strings.HasPrefix(pg.path, "/conversations/") {
			tb.waitJS("deleted banner", `!!document.getElementById('deleted-banner')`)
			// The email sits in a paragraph of raw HTML, which is shown as
			// inert text: the finding is marked where it stands, in the
			// rendered view, next to the visible markup.
			tb.waitJS("email marked in the rendered raw HTML", `[...document.querySelectorAll('#thread .md mark.hl')].some(m => m.textContent === 'mallory.leak@acme-corp.com')`)
			if !js[bool](tb, `[...document.querySelectorAll('#thread .md')].some(e => e.textContent.includes('<iframe src="http://evil.example/frame"></iframe>'))`) {
				t.Error("the raw HTML the user typed is not shown as text")
			}
			// An email only in a link's URL is shown after the link and
			// marked there; so is every address typed where markdown used to
			// hide it. None needs the raw-text fallback.
			tb.waitJS("email marked in the link's shown destination", `[...document.querySelectorAll('#thread .md .md-dest mark.hl')].some(m => m.textContent === '`+hiddenLinkEmail+`')`)
			for _, e := range plantedInMarkdown {
				if !js[bool](tb, `[...document.querySelectorAll('#thread .md mark.hl')].some(m => m.textContent === '`+e+`')`) {
					t.Errorf("%s is not marked in the rendered message", e)
				}
			}
			// A code block's info string is its label, in the bar, and is
			// marked there; the code itself (what Copy copies) lacks it.
			if !js[bool](tb, `[...document.querySelectorAll('#thread .code-bar .md-info mark.hl')].some(m => m.textContent === '`+plantedInMarkdown[4]+`')`) {
				t.Error("the code block's info string is not its label, marked")
			}
			if js[bool](tb, `[...document.querySelectorAll('#thread .code pre')].some(p => p.querySelector('.md-info') || p.textContent.includes('owner='))`) {
				t.Error("the info string is left inside the code")
			}
			if n := js[int](tb, `document.querySelectorAll('#thread .raw-note, #thread pre.raw').length`); n != 0 {
				t.Errorf("%d blocks fell back to raw text; the rendered view should show every finding", n)
			}
			tb.screenshot("xss-inert")
		}
		// The CSP would stop most payloads even if the UI let them in; the
		// UI must not let them in, so check the DOM itself.
		bad := js[[]string](tb, `[...document.querySelectorAll('#main script, #main iframe, #main object, #main embed, #main img:not([src="/img/anthropic.svg"]):not([src="/img/logo.svg"]), #main [onload], #main [onerror], #main [onmouseover], #main [ontoggle], #main a[href^="javascript"], #main b')].map(e => e.outerHTML)`)
		if len(bad) > 0 {
			t.Errorf("%s: payload elements in the page: %q", pg.path, bad)
		}
		if v := js[bool](tb, `window.__xss === undefined`); !v {
			t.Errorf("%s: a payload ran: window.__xss is set", pg.path)
		}
	}
	tb.noDialogsOrForeignRequests()
}

func TestLargeConversationRendersIncrementally(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.open("/conversations/" + bigConvID)
	tb.waitJS("thread", `document.querySelectorAll('#thread .msg').length > 0`)
	first := js[int](tb, `document.querySelectorAll('#thread .msg').length`)
	if first >= bigMessages {
		t.Errorf("all %d messages drawn up front; want incremental rendering", first)
	}
	// Jumping to the last flagged message draws up to it.
	tb.do(chromedp.Click(chromedp.CSS(`label[for=hl-toggle]`)),
		chromedp.Click(chromedp.ID("prev-flagged")))
	tb.waitJS("late flagged message", fmt.Sprintf(`!!document.getElementById('m-%s-m%04d') && document.querySelector('#m-%s-m%04d mark.hl') !== null`, bigConvID, bigFlaggedAt, bigConvID, bigFlaggedAt))
}

func TestSettingsSyncProgress(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.open("/settings")
	tb.waitJS("settings", `!!document.getElementById('sync-now')`)
	if !js[bool](tb, `document.getElementById('sync-now').disabled && document.getElementById('sync-reason').textContent.includes('key')`) {
		t.Error("Sync now is enabled (or has no reason shown) before a key is saved")
	}
	key := tb.srv.complianceKey
	tb.do(chromedp.SendKeys(chromedp.ID("key-input"), key), chromedp.Click(chromedp.ID("save-key")))
	tb.waitJS("hint", `!!document.getElementById('key-hint') && !document.getElementById('sync-now').disabled`)
	if page := js[string](tb, `document.documentElement.outerHTML + document.getElementById('key-input').value`); strings.Contains(page, key) {
		t.Error("the saved key is still in the page")
	}
	// Sync from a day in the fake organisation's range, then sync.
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => { const e = document.getElementById('sync-from'); e.value = new Date(Date.now() - 30*864e5).toISOString().slice(0, 10); e.dispatchEvent(new Event('change')); })()`))
	tb.waitJS("schedule saved", `document.getElementById('sync-card').dataset.rev === '3'`)
	// The first API call of the run fails once (503): the page shows the
	// engine waiting to retry, then the run's progress, then done. (A 429
	// would show the same way, but the client then rightly waits for the
	// fake's quota minute to reset, which is too slow for a test.)
	tb.srv.fake.FailNext(1, 503)
	tb.do(chromedp.Click(chromedp.ID("sync-now")))
	tb.waitJS("sync done", `document.getElementById('sync-progress').dataset.state === 'done'`)
	if got := js[string](tb, `document.querySelector('#sync-progress .pwaits').textContent`); !strings.Contains(got, "retrying") {
		t.Errorf("the run's waits show %q, want the retry after the 503", got)
	}
	if got := js[string](tb, `document.querySelector('#sync-progress .pcounts').textContent`); !strings.Contains(got, "24 chats") {
		t.Errorf("sync progress at done shows %q, want the 24 chats of the fake organisation", got)
	}
	if !js[bool](tb, `(() => { const b = document.getElementById('sync-progress-bar'); return b.value === b.max && b.max >= 1; })()`) {
		t.Error("progress bar is not full at done")
	}
	tb.waitJS("last run summary", `/chats\s*\d+/i.test(document.getElementById('last-run').textContent)`)
	// One row per stream, with the state and what it stored and spent.
	tb.waitJS("streams table", `(() => { const r = document.querySelector('#sync-streams tr[data-stream=chats]'); return !!r && r.dataset.state === 'done' && r.querySelector('[data-col=items]').textContent === '24' && +r.querySelector('[data-col=requests]').textContent > 24; })()`)
	tb.screenshot("settings")
}

func TestImportProgress(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.open("/settings")
	tb.waitJS("import form", `!!document.getElementById('import-files')`)
	file, err := filepath.Abs("testdata/conversations.json")
	if err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.SetUploadFiles(chromedp.ID("import-files"), []string{file}))
	tb.waitJS("import enabled", `!document.getElementById('import-start').disabled`)
	tb.do(chromedp.Click(chromedp.ID("import-start")))
	tb.waitJS("import done", `document.getElementById('import-progress').dataset.state === 'done'`)
	if !js[bool](tb, `(() => { const b = document.getElementById('import-progress-bar'); return b.max > 1 && b.value === b.max; })()`) {
		t.Error("import progress bar is not full at done")
	}
	if got := js[string](tb, `document.querySelector('#import-progress .pcounts').textContent`); !strings.Contains(got, "conversations") {
		t.Errorf("import progress shows %q, want a conversations count", got)
	}
	tb.screenshot("settings-import")
	// The imported chats are searchable.
	tb.open(`/logs?kind=conversation&q=title:haiku`)
	tb.waitJS("imported conversation", `[...document.querySelectorAll('#results .hit-title')].some(a => a.textContent === 'Haiku about rotating keys')`)
}

// TestImportFailureShown: why an import failed must reach the browser,
// not only the server log. A file that cannot be JSON is refused at upload
// (400, shown at once); one whose damage lies further in ends its job
// "failed", and the progress box shows the file, byte offset and reason.
func TestImportFailureShown(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.open("/settings")
	tb.waitJS("import form", `!!document.getElementById('import-files')`)
	upload := func(content string) {
		dir := t.TempDir()
		file := filepath.Join(dir, "conversations.json")
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		tb.do(chromedp.SetUploadFiles(chromedp.ID("import-files"), []string{file}))
		tb.waitJS("import enabled", `!document.getElementById('import-start').disabled`)
		tb.do(chromedp.Click(chromedp.ID("import-start")))
	}

	upload(strings.Repeat("[", 3000) + strings.Repeat("]", 3000))
	tb.waitJS("import failed", `document.getElementById('import-progress').dataset.state === 'failed'`)
	note := js[string](tb, `document.querySelector('#import-progress .pnote').textContent`)
	for _, want := range []string{"conversations.json", "at byte 1", "nesting deeper than 256 levels"} {
		if !strings.Contains(note, want) {
			t.Errorf("import progress says %q; want it to name %q", note, want)
		}
	}
	if strings.Contains(note, "ccsync-upload") || strings.Contains(note, "/tmp/") {
		t.Errorf("import progress shows a server path: %q", note)
	}
	if got := js[string](tb, `document.querySelector('#import-progress .pstate').textContent`); got != "Failed" {
		t.Errorf("import state shows %q", got)
	}
	tb.screenshot("settings-import-failed")

	upload("")
	tb.waitJS("upload refused", `document.getElementById('upload-progress').dataset.state === 'failed'`)
	if got := js[string](tb, `document.querySelector('#upload-progress .pnote').textContent`); !strings.Contains(got, "conversations.json is empty") {
		t.Errorf("upload progress says %q; want the empty file named", got)
	}
}

func TestDangerZone(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.open("/settings")
	tb.waitJS("danger zone", `!!document.getElementById('del-preview')`)
	setDate := func(id, v string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event('change')); })()`, id, v))
	}
	tb.do(setDate("del-from", "2025-12-01"), setDate("del-to", "2025-12-31"))
	if !js[bool](tb, `document.getElementById('del-go').disabled`) {
		t.Fatal("Delete logs is enabled before a dry run")
	}
	tb.do(chromedp.Click(chromedp.ID("del-preview")))
	tb.waitJS("dry-run count", `!!document.getElementById('del-messages')`)
	if n := js[string](tb, `document.getElementById('del-messages').textContent`); n != "6" {
		t.Errorf("dry run counts %s messages, want 6", n)
	}
	if !js[bool](tb, `document.getElementById('del-go').disabled`) {
		t.Fatal("Delete logs is enabled before the acknowledgement is ticked")
	}
	tb.do(chromedp.Click(chromedp.ID("del-ack")))
	tb.waitJS("delete enabled", `!document.getElementById('del-go').disabled`)
	tb.screenshot("danger-zone")
	// Nothing is gone until the button is pressed.
	if _, err := tb.srv.ix.Conversation(context.Background(), oldConvPrefix+"0"); err != nil {
		t.Fatalf("conversation gone before the delete: %v", err)
	}
	tb.do(chromedp.Click(chromedp.ID("del-go")))
	tb.waitJS("deleted", `document.getElementById('del-result').textContent.includes('Deleted 6 messages')`)
	for i := range 3 {
		if _, err := tb.srv.ix.Conversation(context.Background(), fmt.Sprintf("%s%d", oldConvPrefix, i)); !errors.Is(err, indexer.ErrNotFound) {
			t.Errorf("conversation %s%d after delete: err %v, want not found", oldConvPrefix, i, err)
		}
	}
	if _, err := tb.srv.ix.Conversation(context.Background(), deployConvID); err != nil {
		t.Errorf("a conversation outside the range is gone: %v", err)
	}
}

func TestAnalyticsAndAdmin(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.open("/analytics")
	tb.waitJS("charts", `document.querySelectorAll('svg.chart rect.bar').length > 0`)
	// Hover numbers: every bar has a title; the same numbers are in tables.
	if !js[bool](tb, `[...document.querySelectorAll('svg.chart rect.bar')].every(r => /: \d/.test(r.querySelector('title').textContent))`) {
		t.Error("a chart bar has no hover number")
	}
	if n := js[int](tb, `document.querySelectorAll('.chart-table table').length`); n < 4 {
		t.Errorf("%d chart tables, want one per chart", n)
	}
	tb.screenshot("analytics")
	tb.open("/admin")
	tb.waitJS("accounts and audit", `document.querySelectorAll('#accounts tbody tr').length > 0 && document.querySelectorAll('#audit tbody tr').length > 0`)
	actions := js[[]string](tb, `[...document.querySelectorAll('#audit tbody tr td:nth-child(3)')].map(td => td.textContent)`)
	if !contains(actions, "login") {
		t.Errorf("audit trail has no login entry: %v", actions)
	}
	tb.screenshot("admin")

	// An API token is shown once, then listed by name only, and revoked.
	tb.do(chromedp.SendKeys(chromedp.ID("token-name"), "nightly export"), chromedp.Click(chromedp.CSS(`#token-name ~ * button, form:has(#token-name) button[type=submit]`)))
	tb.waitJS("token secret", `(document.getElementById('secret-once')?.textContent || '').startsWith('ccs_')`)
	secret := js[string](tb, `document.getElementById('secret-once').textContent`)
	tb.open("/admin")
	tb.waitJS("token listed", `[...document.querySelectorAll('table.data th[scope=row]')].some(th => th.textContent === 'nightly export')`)
	if js[bool](tb, fmt.Sprintf(`document.body.textContent.includes(%q)`, secret)) {
		t.Error("the token secret is shown again after a reload")
	}
	tb.do(chromedp.Click(chromedp.CSS(`button[aria-label="Revoke token nightly export"]`)))
	tb.waitJS("token revoked", `![...document.querySelectorAll('table.data th[scope=row]')].some(th => th.textContent === 'nightly export')`)

	// An admin sees every account's token count and revokes them all in
	// two clicks (issue 12: no way to end another account's tokens).
	for _, name := range []string{"ci one", "ci two"} {
		tb.do(chromedp.SendKeys(chromedp.ID("token-name"), name),
			chromedp.Click(chromedp.CSS(`form:has(#token-name) button[type=submit]`)))
		tb.waitJS("token "+name+" listed", fmt.Sprintf(`[...document.querySelectorAll('table.data th[scope=row]')].some(th => th.textContent === %q)`, name))
	}
	tb.open("/admin")
	me := `document.querySelector('.account-tokens[data-account="admin"]')`
	tb.waitJS("the admin's token count", me+`?.querySelector('.count')?.textContent === '2'`)
	revokeAll := chromedp.CSS(`button[aria-label="Revoke all API tokens of admin"]`)
	tb.do(chromedp.Click(revokeAll))
	if got := js[string](tb, me+`.querySelector('.count').textContent`); got != "2" {
		t.Errorf("one click revoked tokens (count %s): revoking all needs a confirmation", got)
	}
	tb.do(chromedp.Click(revokeAll))
	tb.waitJS("tokens revoked, own list redrawn", me+`.querySelector('.count').textContent === '0' && !document.querySelector('button[aria-label^="Revoke token "]')`)
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// TestFindingsMarkedExactly compares, for messages of every shape, the text
// the browser marks for each finding with the finding's span cut from the
// message's flat text in Go: byte offsets, UTF-16, markdown and the markers
// standing for hidden characters must agree.
func TestFindingsMarkedExactly(t *testing.T) {
	tb := newTab(t)
	tb.login()
	for _, tc := range []struct {
		name, id string
	}{
		{"code block", deployConvID + "-m0000"},
		{"tool input", deployConvID + "-m0001"},
		{"prose and file", deployConvID + "-m0002"},
		{"after multi-byte text", "conv-refund-m0003"},
		{"raw HTML, link targets, image, info string, surplus cell, definition shown as text", xssConvID + "-m0000"},
		{"long conversation", fmt.Sprintf("%s-m%04d", bigConvID, bigFlaggedAt)},
		{"across and between bidi and invisible characters, shown as markers", bidiConvID + "-m0000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tb.srv.ix.Message(context.Background(), tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Findings) == 0 {
				t.Fatalf("message %s has no findings; the seed should plant one", tc.id)
			}
			flat := m.FlatText()
			tb.open("/messages/" + tc.id)
			tb.waitJS("marks", `document.querySelectorAll('.msg mark.hl').length > 0`)
			// A marker for an invisible or bidi character reads as that
			// character (its data-cp): the marked text is compared as stored.
			got := js[map[string]string](tb, `(() => { `+storedJS+`
				const out = {};
				for (const m of document.querySelectorAll('.msg mark.hl')) out[m.dataset.finding] = (out[m.dataset.finding] || '') + stored(m);
				return out;
			})()`)
			for i, f := range m.Findings {
				want := flat[f.Start:f.End]
				if got[fmt.Sprint(i)] != want {
					t.Errorf("finding %d (%s): marked %q, want %q", i, f.Type, got[fmt.Sprint(i)], want)
				}
			}
		})
	}
}

// TestTabletLayout checks the main pages fit a tablet in portrait without
// sideways scrolling.
func TestTabletLayout(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.do(chromedp.EmulateViewport(820, 1180))
	for _, pg := range []struct{ name, path, ready string }{
		{"tablet-logs", "/logs?flagged=true", `document.querySelectorAll('#results .hit').length > 0`},
		{"tablet-conversation", "/conversations/" + deployConvID + "?highlight=1", `document.querySelectorAll('#thread mark.hl').length > 0`},
		{"tablet-settings", "/settings", `!!document.getElementById('sync-now')`},
		{"tablet-analytics", "/analytics", `document.querySelectorAll('svg.chart').length > 0`},
		{"tablet-holds", "/holds?new=1&q=deploy&severity=high", `!!document.getElementById('hold-dropped')`},
		{"tablet-alerts", "/alerts", `!!document.getElementById('rules-list') && document.getElementById('rules-list').dataset.rev === '1'`},
	} {
		tb.open(pg.path)
		tb.waitJS(pg.name, pg.ready)
		if w := js[int](tb, `document.documentElement.scrollWidth`); w > 820 {
			t.Errorf("%s: page is %d px wide on an 820 px screen", pg.path, w)
		}
		if pg.name == "tablet-logs" || pg.name == "tablet-conversation" {
			tb.screenshot(pg.name)
		}
	}
}

// TestBranchesAndFiles: an edited turn shows its versions, the edited-away
// branch is marked, and attachments are listed with their text.
func TestBranchesAndFiles(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.open("/conversations/conv-refund")
	tb.waitJS("thread", `document.querySelectorAll('#thread .msg').length === 5`)
	if got := js[string](tb, `document.querySelector('#m-conv-refund-m0002 .branch.off')?.textContent || ''`); got != "Earlier branch" {
		t.Errorf("edited-away turn marked %q, want Earlier branch", got)
	}
	if got := js[string](tb, `document.querySelector('#m-conv-refund-m0003 .branch')?.textContent || ''`); got != "Edited · 2 versions" {
		t.Errorf("edited turn marked %q, want Edited · 2 versions", got)
	}
	tb.open("/conversations/" + deployConvID)
	tb.waitJS("thread", `document.querySelectorAll('#thread .msg').length === 4`)
	if got := js[string](tb, `[...document.querySelectorAll('#thread .file')].map(f => f.querySelector('.file-name').textContent + '|' + f.querySelector('pre').textContent).join()`); got != "deploy.log|step 4/9: upload failed: AccessDenied" {
		t.Errorf("files listed as %q", got)
	}
}

// TestKeyboardOnly: sign in, search and use the syntax help without a mouse.
func TestKeyboardOnly(t *testing.T) {
	tb := newTab(t)
	tb.open("/login")
	tb.waitJS("login focus", `document.activeElement && document.activeElement.id === 'login-name'`)
	tb.do(chromedp.KeyEvent(adminName), chromedp.KeyEvent("\t"), chromedp.KeyEvent(adminPassword), chromedp.KeyEvent("\r"))
	tb.waitJS("logged in", `!!document.querySelector('[data-testid=account]') && location.pathname === '/logs'`)
	tb.waitJS("results", `document.querySelectorAll('#results .hit').length > 0`)
	// "/" jumps to the search box; Enter searches.
	// (The key is dispatched as a DOM event: CDP's synthetic key press
	// would also type the "/" into the newly focused box.)
	tb.do(chromedp.Evaluate[chromedp.Void](`document.activeElement.blur(); document.dispatchEvent(new KeyboardEvent('keydown', { key: '/', bubbles: true, cancelable: true }))`))
	tb.waitJS("search focused", `document.activeElement.id === 'q'`)
	tb.do(chromedp.KeyEvent("rotate\r"))
	tb.waitJS("searched", `location.search.includes('q=rotate') && [...document.querySelectorAll('#results .snippet mark')].some(m => m.textContent.toLowerCase() === 'rotate')`)
	// The help popover opens from the keyboard and Escape closes it,
	// returning focus to its button.
	tb.do(chromedp.Focus(chromedp.ID("syntax-help-btn")), chromedp.KeyEvent("\r"))
	tb.waitJS("help open", `!document.getElementById('syntax-help').hidden && document.getElementById('syntax-help-btn').getAttribute('aria-expanded') === 'true'`)
	tb.do(chromedp.KeyEvent("\x1b"))
	tb.waitJS("help closed", `document.getElementById('syntax-help').hidden && document.activeElement.id === 'syntax-help-btn'`)
}
