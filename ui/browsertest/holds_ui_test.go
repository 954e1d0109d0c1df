package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ccsync/ccsync/model"
)

// Issue 15's UI: the Retention card, Legal holds, held badges and "Hold
// these results". Each scenario runs twice: against the real API (the
// plain test name; it needs the API and indexer work merged) and against
// fake15JS (…Stubbed), which answers the new endpoints in the page by the
// contract's shapes. Expectations are read from the same API the page
// uses (so both runs check the page shows what the API says), plus, on
// the real run, from the indexer itself.

const xssMatter = `<img src=x onerror=alert(1)>`

// apiCall runs a request through the page's own api.js (session cookie,
// CSRF header and, in stubbed runs, the stub) and returns the JSON.
func apiCall[T any](t *testing.T, tb *tab, method, path string, body any) T {
	t.Helper()
	b, _ := json.Marshal(body)
	arg := "undefined"
	if body != nil {
		arg = string(b)
	}
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](fmt.Sprintf(`(async () => {
		const a = await import('/js/api.js');
		return a.request(%q, %q, %s);
	})()`, method, path, arg), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s %s from the page: %v", method, path, err)
	}
	return v
}

// digitsJS reads a number as the page formats it (grouping varies by
// locale); page expressions call digits().
const digitsJS = `window.digits = (s) => String(s).replace(/\D/g, '');`

// tab15 is a tab with digits() and, when stubbed, fake15JS.
func tab15(t *testing.T, stubbed bool) *tab {
	t.Helper()
	tb := newTab(t)
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: digitsJS}); err != nil {
		t.Fatalf("install digits(): %v", err)
	}
	if stubbed {
		stub15(t, tb)
	}
	return tb
}

// typeInto replaces an input's value as a user would.
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	clear := chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = ''; e.focus(); })()`, sel))
	keys := chromedp.SendKeys(chromedp.CSS(sel), text)
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := clear(ctx, tg); err != nil {
			return chromedp.Void{}, err
		}
		return keys(ctx, tg)
	}
}

type report struct {
	Messages      int `json:"messages"`
	Conversations int `json:"conversations"`
	Held          int `json:"held"`
	Months        []struct {
		Month    string `json:"month"`
		Messages int    `json:"messages"`
	} `json:"months"`
}

func TestRetentionCard(t *testing.T)        { retentionCardScenario(t, false) }
func TestRetentionCardStubbed(t *testing.T) { retentionCardScenario(t, true) }

// retentionCardScenario: edit the policy (a rule added), see a validation
// error next to the field it names, preview the edited policy per month
// with totals equal to the API's dry run, save it and see it stored, then
// Run now through a confirm dialog that states the preview's numbers.
func retentionCardScenario(t *testing.T, stubbed bool) {
	tb := tab15(t, stubbed)
	if !stubbed {
		t.Cleanup(func() { _ = tb.srv.ix.SetRetentionPolicy(context.Background(), model.RetentionPolicy{}) })
	}
	tb.login()
	tb.open("/settings")
	tb.waitJS("retention card", `!!document.getElementById('ret-edit')`)
	tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('retention-card').scrollIntoView()`),
		chromedp.Click(chromedp.ID("ret-edit")))
	tb.waitJS("policy form", `!document.getElementById('ret-form').hidden`)

	// A rule without a name: the API's error is shown next to the name.
	tb.do(typeInto("#ret-default-days", "1"), chromedp.Click(chromedp.ID("ret-add-rule")))
	tb.waitJS("rule row", `document.querySelectorAll('#ret-rule-rows tr').length === 1`)
	tb.do(chromedp.Click(chromedp.CSS(`#ret-rule-rows [data-k=flagged]`)), typeInto(`#ret-rule-rows [data-k=days]`, "2555"),
		chromedp.Click(chromedp.ID("ret-save")))
	tb.waitJS("validation error", `!!document.querySelector('#ret-form .field-error')`)
	if got := js[string](tb, `(() => { const e = document.querySelector('#ret-form .field-error'); return e.dataset.for + '|' + (e.closest('td') && e.closest('td').querySelector('[data-k=name]') ? 'by name' : 'elsewhere') + '|' + e.textContent; })()`); !strings.HasPrefix(got, "rules[0].name|by name|") {
		t.Errorf("validation error %q; want it next to the rule's name, naming rules[0].name", got)
	}

	// Preview checks the edited policy too, and names the same field.
	// (The Save's error is taken away first, so the wait sees the Preview's.)
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#ret-form .field-error').forEach(e => e.remove())`),
		chromedp.Click(chromedp.ID("ret-preview")))
	tb.waitJS("preview validation error", `!!document.querySelector('#ret-form .field-error') && !document.getElementById('ret-preview-result')`)
	if got := js[string](tb, `(() => { const e = document.querySelector('#ret-form .field-error'); return e.dataset.for + '|' + (e.closest('td') && e.closest('td').querySelector('[data-k=name]') ? 'by name' : 'elsewhere'); })()`); got != "rules[0].name|by name" {
		t.Errorf("preview's validation error %q; want it next to the rule's name", got)
	}

	// Preview the edited, unsaved policy.
	tb.do(typeInto(`#ret-rule-rows [data-k=name]`, "Flagged 7 years"), chromedp.Click(chromedp.ID("ret-preview")))
	tb.waitJS("preview", `!!document.getElementById('ret-preview-result')`)
	if js[int](tb, `document.querySelectorAll('#ret-form .field-error').length`) != 0 {
		t.Error("the validation error stays after the fix")
	}
	edited := map[string]any{"default_days": 1, "activity_days": 0, "rules": []map[string]any{{"name": "Flagged 7 years", "flagged": true, "days": 2555}}}
	want := apiCall[report](t, tb, "POST", "/retention/preview", map[string]any{"policy": edited})
	got := js[[]string](tb, `[...document.querySelectorAll('#ret-total td')].map(e => digits(e.textContent))`)
	if fmt.Sprint(got) != fmt.Sprint([]string{fmt.Sprint(want.Messages), fmt.Sprint(want.Conversations), fmt.Sprint(want.Held)}) {
		t.Errorf("preview totals %q; the API's dry run says messages %d, conversations %d, held %d", got, want.Messages, want.Conversations, want.Held)
	}
	months := js[[]string](tb, `[...document.querySelectorAll('#ret-months tbody tr')].map(r => r.dataset.month + ':' + digits(r.cells[1].textContent))`)
	if len(months) != len(want.Months) {
		t.Errorf("preview shows %d months %q; the dry run has %d", len(months), months, len(want.Months))
	}
	for i, m := range want.Months {
		if i < len(months) && months[i] != fmt.Sprintf("%s:%d", m.Month, m.Messages) {
			t.Errorf("preview month %d shows %q, want %s:%d", i, months[i], m.Month, m.Messages)
		}
	}
	if !stubbed && want.Messages == 0 {
		t.Error("a 1-day default previews no deletion over a seed months old; the dry run is not counting")
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('ret-edit').scrollIntoView({ block: 'start' })`))
	tb.screenshot("settings-retention")

	// Save a policy that keeps everything this seed has (the run below
	// must not delete what other tests use).
	tb.do(typeInto("#ret-default-days", "36500"), chromedp.Click(chromedp.ID("ret-save")))
	tb.waitJS("saved policy shown", `document.getElementById('ret-default') && document.getElementById('ret-default').textContent.startsWith('100 years')`)
	if got := js[string](tb, `document.querySelector('#ret-rules tbody tr') ? document.querySelector('#ret-rules tbody tr').textContent : ''`); !strings.Contains(got, "Flagged 7 years") || !strings.Contains(got, "flagged") || !strings.Contains(got, "7 years") {
		t.Errorf("rules table row %q; want the rule's name, criterion and period", got)
	}
	if !stubbed {
		p, err := tb.srv.ix.RetentionPolicy(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if p.DefaultDays != 36500 || len(p.Rules) != 1 || p.Rules[0].Days != 2555 || !p.Rules[0].Flagged || p.UpdatedBy != adminName {
			t.Errorf("stored policy %+v; want the form's", p)
		}
	}

	// Run now: the dialog states what the stored policy would delete.
	plan := apiCall[report](t, tb, "POST", "/retention/preview", map[string]any{})
	tb.do(chromedp.Click(chromedp.ID("ret-run")))
	tb.waitJS("confirm dialog", `!!document.querySelector('dialog#confirm-dialog[open]')`)
	if got := js[string](tb, `[...document.querySelectorAll('#confirm-numbers strong')].map(e => e.dataset.k + '=' + digits(e.textContent)).join(' ')`); !strings.HasPrefix(got, fmt.Sprintf("messages=%d conversations=%d ", plan.Messages, plan.Conversations)) {
		t.Errorf("confirm dialog says %q; the dry run says %d messages, %d conversations", got, plan.Messages, plan.Conversations)
	}
	tb.do(chromedp.Click(chromedp.ID("confirm-ok")))
	tb.waitJS("last run shown", `!!document.querySelector('details#ret-last [data-k=messages]')`)
	if got := js[string](tb, `digits(document.querySelector('#ret-last [data-k=messages]').textContent)`); got != fmt.Sprint(plan.Messages) {
		t.Errorf("last run deleted %s messages; the dry run said %d", got, plan.Messages)
	}
	if !stubbed {
		// The run's job events reach the progress widget over the socket.
		tb.waitJS("retention progress done", `document.getElementById('retention-progress').dataset.state === 'done'`)
	}
}

func TestHoldLifecycle(t *testing.T)        { holdLifecycleScenario(t, false) }
func TestHoldLifecycleStubbed(t *testing.T) { holdLifecycleScenario(t, true) }

type holdJSON struct {
	ID                string `json:"id"`
	Matter            string `json:"matter"`
	Messages          int    `json:"messages"`
	ConversationCount int    `json:"conversation_count"`
	ReleasedAt        string `json:"released_at"`
	ReleaseReason     string `json:"release_reason"`
}

// holdLifecycleScenario: create (an empty matter refused next to its
// field), list with the API's counts, release with a reason through the
// confirm dialog, gone from the active list and back with Show released.
// The matter is an XSS payload and stays text throughout.
func holdLifecycleScenario(t *testing.T, stubbed bool) {
	tb := tab15(t, stubbed)
	tb.login()
	tb.open("/holds")
	tb.waitJS("holds page", `!!document.getElementById('hold-new') && document.getElementById('holds-list').dataset.rev === '1'`)
	tb.do(chromedp.Click(chromedp.ID("hold-new")))
	tb.waitJS("hold form", `!document.getElementById('hold-form').hidden`)
	tb.do(typeInto("#hold-reason", "Litigation: Acme v. Example"), typeInto("#hold-custodians", "user_bob,\nbob@acme-corp.com\nuser_carol"),
		chromedp.Click(chromedp.ID("hold-create")))
	tb.waitJS("matter error", `!!document.querySelector('#hold-form .field-error')`)
	if got := js[string](tb, `(() => { const e = document.querySelector('#hold-form .field-error'); return e.dataset.for + '|' + (e.closest('.field') && e.closest('.field').contains(document.getElementById('hold-matter'))); })()`); got != "matter|true" {
		t.Errorf("empty matter error %q; want it next to Matter", got)
	}

	tb.do(typeInto("#hold-matter", xssMatter), chromedp.Click(chromedp.ID("hold-create")))
	tb.waitJS("hold detail", `location.pathname.startsWith('/holds/') && !!document.getElementById('hold-title')`)
	id := js[string](tb, `decodeURIComponent(location.pathname.slice('/holds/'.length))`)
	if !stubbed {
		t.Cleanup(func() { _, _ = tb.srv.ix.ReleaseHold(context.Background(), id, adminName, "test cleanup") })
		h, err := tb.srv.ix.Hold(context.Background(), id)
		if err != nil {
			t.Fatalf("the hold the page placed: %v", err)
		}
		if h.Matter != xssMatter || h.CreatedBy != adminName || fmt.Sprint(h.Custodians) != "[user_bob bob@acme-corp.com user_carol]" {
			t.Errorf("stored hold %+v; want the form's matter, custodians and creator", h)
		}
	}
	if got := js[string](tb, `document.getElementById('hold-title').textContent`); got != xssMatter {
		t.Errorf("detail title %q, want the matter as text", got)
	}
	if got := js[string](tb, `document.getElementById('hold-custodian-list').textContent`); got != "user_bobbob@acme-corp.comuser_carol" {
		t.Errorf("custodians shown %q", got)
	}

	tb.open("/holds")
	tb.waitJS("list", `!!document.querySelector('#holds-table tr[data-id]')`)
	holds := apiCall[struct{ Holds []holdJSON }](t, tb, "GET", "/holds", nil).Holds
	var want *holdJSON
	for i := range holds {
		if holds[i].ID == id {
			want = &holds[i]
		}
	}
	if want == nil {
		t.Fatalf("GET /holds does not list %s", id)
	}
	row := fmt.Sprintf(`document.querySelector('#holds-table tr[data-id=%q]')`, id)
	if got := js[string](tb, row+`.querySelector('.hold-matter').textContent + '|' + `+`digits(`+row+`.querySelector('[data-k=messages]').textContent) + '|' + digits(`+row+`.querySelector('[data-k=conversations]').textContent) + '|' + `+row+`.dataset.status`); got != fmt.Sprintf("%s|%d|%d|active", xssMatter, want.Messages, want.ConversationCount) {
		t.Errorf("list row %q; the API says %s|%d|%d|active", got, xssMatter, want.Messages, want.ConversationCount)
	}
	if got := js[string](tb, row+`.querySelector('.hold-scope').textContent`); !strings.HasPrefix(got, "3 custodians: user_bob, bob@acme-corp.com, user_carol") {
		t.Errorf("scope %q", got)
	}
	tb.screenshot("settings-holds")

	// Release: the reason is required before the dialog confirms.
	tb.do(chromedp.Click(chromedp.CSS(`#holds-table tr[data-id="` + id + `"] a.hold-matter`)))
	tb.waitJS("detail", `!!document.getElementById('hold-release')`)
	tb.do(chromedp.Click(chromedp.ID("hold-release")))
	tb.waitJS("release dialog", `!!document.querySelector('dialog#confirm-dialog[open] #confirm-reason')`)
	if !js[bool](tb, `document.getElementById('confirm-ok').disabled`) {
		t.Error("Release is possible without a reason")
	}
	const reason = "Matter settled <b>2026</b>"
	tb.do(chromedp.SendKeys(chromedp.ID("confirm-reason"), reason), chromedp.Click(chromedp.ID("confirm-ok")))
	tb.waitJS("released", `document.getElementById('hold-detail').dataset.status === 'released'`)
	if got := js[string](tb, `document.getElementById('hold-release-reason').textContent`); got != reason {
		t.Errorf("release reason shown %q, want %q", got, reason)
	}
	if !stubbed {
		h, err := tb.srv.ix.Hold(context.Background(), id)
		if err != nil || h.Active() || h.ReleaseReason != reason || h.ReleasedBy != adminName {
			t.Errorf("stored hold after release: %+v, %v", h, err)
		}
	}
	tb.open("/holds")
	tb.waitJS("list again", `document.getElementById('holds-list').dataset.rev === '1'`)
	if js[bool](tb, row+` !== null`) {
		t.Error("a released hold is in the active list")
	}
	tb.do(chromedp.Click(chromedp.CSS(`label[for=holds-all]`)))
	tb.waitJS("released listed", row+` !== null && `+row+`.dataset.status === 'released'`)
	if js[int](tb, `document.querySelectorAll('#main img[src=x], #main img:not([src^="/"]):not([src^="data:"])').length`) != 0 || js[bool](tb, `!!window.__xss`) {
		t.Error("the matter's markup became an element")
	}
	tb.noDialogsOrForeignRequests()
}

func TestConversationHeldBadge(t *testing.T)        { heldBadgeScenario(t, false) }
func TestConversationHeldBadgeStubbed(t *testing.T) { heldBadgeScenario(t, true) }

// heldBadgeScenario: a hold on a conversation marks its header (naming the
// matter, as text) and each held message.
func heldBadgeScenario(t *testing.T, stubbed bool) {
	tb := tab15(t, stubbed)
	tb.login()
	tb.open("/logs")
	tb.waitJS("logs", `!!document.getElementById('summary').dataset.total`)
	h := apiCall[holdJSON](t, tb, "POST", "/holds", map[string]any{"matter": xssMatter, "reason": "badge test", "conversations": []string{deployConvID}})
	if !stubbed {
		t.Cleanup(func() { _, _ = tb.srv.ix.ReleaseHold(context.Background(), h.ID, adminName, "test cleanup") })
	}
	tb.open("/conversations/" + deployConvID)
	tb.waitJS("thread", `document.querySelectorAll('#thread .msg').length > 0`)
	if got := js[string](tb, `document.getElementById('held-badge') ? document.getElementById('held-badge').textContent + '|' + document.getElementById('held-matters').textContent : 'none'`); got != "Held|"+xssMatter {
		t.Errorf("header badge %q; want Held naming the matter", got)
	}
	msgs, held := js[int](tb, `document.querySelectorAll('#thread .msg').length`), js[int](tb, `document.querySelectorAll('#thread .msg .held-mark').length`)
	if held != msgs {
		t.Errorf("%d of %d messages carry a Held mark; the hold covers the whole conversation", held, msgs)
	}
	if js[bool](tb, `!!window.__xss`) || js[int](tb, `document.querySelectorAll('#main img[src=x]').length`) != 0 {
		t.Error("the matter's markup ran")
	}
	tb.screenshot("conversation-held")
	// A conversation no hold names has no badge.
	tb.open("/conversations/" + xssConvID)
	tb.waitJS("thread", `document.querySelectorAll('#thread .msg').length > 0`)
	if js[bool](tb, `!!document.getElementById('held-badge') || !!document.querySelector('.held-mark')`) {
		t.Error("an unheld conversation shows a Held badge")
	}
	tb.noDialogsOrForeignRequests()
}

func TestHoldTheseResults(t *testing.T)        { holdResultsScenario(t, false) }
func TestHoldTheseResultsStubbed(t *testing.T) { holdResultsScenario(t, true) }

// holdResultsScenario: "Hold these results" on a Logs search opens the
// create-hold form with the search as its frozen query, naming filters a
// hold query cannot carry, and places it.
func holdResultsScenario(t *testing.T, stubbed bool) {
	tb := tab15(t, stubbed)
	tb.login()
	tb.open("/logs?q=AKIA&flagged=true&finding_type=aws_access_key&severity=critical&from=2020-01-01&to=2030-12-31")
	tb.waitJS("results", `!!document.getElementById('summary').dataset.total && !!document.getElementById('hold-results')`)
	tb.do(chromedp.Click(chromedp.ID("hold-results")))
	tb.waitJS("prefilled form", `location.pathname === '/holds' && !!document.getElementById('hold-form') && !document.getElementById('hold-form').hidden`)
	got := js[string](tb, `[document.getElementById('hold-q').value, document.getElementById('hold-flagged').checked, [...document.querySelectorAll('#hold-types input:checked')].map(b => b.value).join(','), document.getElementById('hold-dropped') ? document.getElementById('hold-dropped').textContent : '', document.getElementById('hold-carried') ? document.getElementById('hold-carried').textContent : ''].join('|')`)
	parts := strings.Split(got, "|")
	if len(parts) != 5 || parts[0] != "AKIA" || parts[1] != "true" || parts[2] != "aws_access_key" || !strings.Contains(parts[3], "severity") || !strings.Contains(parts[4], "from 2020-01-01") || !strings.Contains(parts[4], "before 2031-01-01") {
		t.Errorf("prefilled form %q; want query AKIA, flagged, aws_access_key, severity named as not carried, dates carried", got)
	}
	tb.screenshot("holds-from-search")
	tb.do(typeInto("#hold-matter", "Key leak review"), typeInto("#hold-reason", "Incident 42"), chromedp.Click(chromedp.ID("hold-create")))
	tb.waitJS("hold detail", `location.pathname.startsWith('/holds/') && !!document.getElementById('hold-query')`)
	id := js[string](tb, `decodeURIComponent(location.pathname.slice('/holds/'.length))`)
	if got := js[string](tb, `document.getElementById('hold-query').textContent`); !strings.Contains(got, "“AKIA”") || !strings.Contains(got, "flagged only") {
		t.Errorf("frozen query shown %q", got)
	}
	if !stubbed {
		t.Cleanup(func() { _, _ = tb.srv.ix.ReleaseHold(context.Background(), id, adminName, "test cleanup") })
		h, err := tb.srv.ix.Hold(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if q := h.Query; q == nil || q.Text != "AKIA" || !q.FlaggedOnly || fmt.Sprint(q.FindingTypes) != "[aws_access_key]" || q.FrozenAt.IsZero() || q.From.Format("2006-01-02") != "2020-01-01" {
			t.Errorf("stored frozen query %+v", h.Query)
		}
	}
}

func TestDangerZoneHeld(t *testing.T)        { dangerHeldScenario(t, false) }
func TestDangerZoneHeldStubbed(t *testing.T) { dangerHeldScenario(t, true) }

// dangerHeldScenario: the danger zone's dry run says how many held
// messages the deletion would keep, by matter. Nothing is deleted.
func dangerHeldScenario(t *testing.T, stubbed bool) {
	tb := tab15(t, stubbed)
	tb.login()
	tb.open("/settings")
	tb.waitJS("danger zone", `!!document.getElementById('del-preview')`)
	h := apiCall[holdJSON](t, tb, "POST", "/holds", map[string]any{"matter": xssMatter, "reason": "danger zone test", "conversations": []string{oldConvPrefix + "0"}})
	if !stubbed {
		t.Cleanup(func() { _, _ = tb.srv.ix.ReleaseHold(context.Background(), h.ID, adminName, "test cleanup") })
	}
	want := apiCall[struct {
		Held   int            `json:"held"`
		HeldBy map[string]int `json:"held_by"`
	}](t, tb, "POST", "/deletions/preview", map[string]any{"from": "2025-12-01", "to": "2025-12-31"})
	if want.Held == 0 || want.HeldBy[h.ID] == 0 {
		t.Fatalf("the dry run keeps %+v; want the hold on %s0 counted", want, oldConvPrefix)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => { for (const [id, v] of [['del-from', '2025-12-01'], ['del-to', '2025-12-31']]) { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('change')); } })()`),
		chromedp.Click(chromedp.ID("del-preview")))
	tb.waitJS("held note", `!!document.getElementById('del-held')`)
	wantText := fmt.Sprintf("%d held messages will be kept (%s: %d).", want.Held, xssMatter, want.HeldBy[h.ID])
	if want.Held == 1 {
		wantText = fmt.Sprintf("1 held message will be kept (%s: 1).", xssMatter)
	}
	if got := js[string](tb, `document.getElementById('del-held').textContent`); got != wantText {
		t.Errorf("danger zone says %q, want %q", got, wantText)
	}
	if js[bool](tb, `!!window.__xss`) {
		t.Error("the matter's markup ran")
	}
	tb.noDialogsOrForeignRequests()
}

// TestHoldsUnit runs holds.js in the page: list parsing, period labels,
// rule criteria, the field an API error names, held summaries, and a Logs
// search turned into a frozen hold query.
func TestHoldsUnit(t *testing.T) {
	tb := newTab(t)
	tb.open("/login")
	tb.waitJS("login page", `!!document.getElementById('login-name')`)
	fails, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](`(async () => {
		const m = await import('/js/holds.js');
		const fails = [];
		const expect = (what, got, want) => { if (JSON.stringify(got) !== JSON.stringify(want)) fails.push(what + ': got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want)); };
		expect('splitList', m.splitList(' a, b\n\nc,a ,\r\n b '), ['a', 'b', 'c']);
		expect('splitList empty', m.splitList(''), []);
		for (const [d, want] of [[0, 'Forever'], [1, '1 day'], [30, '30 days'], [365, '1 year (365 days)'], [2555, '7 years (2,555 days)'], ['', 'Forever']])
			expect('daysLabel ' + d, m.daysLabel(d), want);
		expect('ruleCriteria', m.ruleCriteria({ flagged: true, types: ['ssn', 'custom_thing'], min_severity: 'high', users: ['u1', 'b@x.io'] }), 'flagged · types: SSN, custom thing · severity ≥ high · users: u1, b@x.io');
		for (const [msg, want] of [
			['rules[2].days: -1 days; give 0 (forever) or 1 to 36500', 'rules[2].days'],
			['bad request: rules[0].name: required', 'rules[0].name'],
			['policy.rules[0].name: required', 'rules[0].name'],
			['retention policy: rules[3]: sets no criterion (flagged, types, min_severity or users); that is the default', 'rules[3]'],
			['default_days: 40000 days; give 0', 'default_days'],
			['matter: required', 'matter'],
			['custodians[4]: "" is not a user id or email', 'custodians[4]'],
			['query.text: 5000 bytes, at most 4,096', 'query.text'],
			['a hold names custodians, conversations or a query', ''],
			['the server could not be reached', ''],
		]) expect('errorField ' + msg, m.errorField(msg), want);
		expect('heldSummary none', m.heldSummary(0, {}, {}), '');
		expect('heldSummary', m.heldSummary(3, { h1: 1, h2: 2, h3: 1 }, { h1: 'Matter A', h2: 'Matter B' }), '3 held messages will be kept (Matter B: 2, Matter A: 1, h3: 1).');
		expect('heldSummary one, done', m.heldSummary(1, { h1: 1 }, { h1: 'A' }, true), '1 held message was kept (A: 1).');
		expect('holdScope', m.holdScope({ custodians: ['a', 'b', 'c', 'd'], conversations: ['x'], query: { text: 'aws', flagged_only: true } }), '4 custodians: a, b, c, … · 1 conversation · query “aws” · flagged only');
		expect('messageMatters', m.messageMatters({ m1: ['h1', 'h2', 'h1'] }, { h1: 'A' }, 'm1'), ['A', 'h2']);
		expect('messageMatters unheld', m.messageMatters({ m1: ['h1'] }, { h1: 'A' }, 'm2'), []);
		expect('conversationMatters', m.conversationMatters({ m1: ['h2'], m2: ['h1', 'h2'] }, { h1: 'B', h2: 'A' }), ['A', 'B']);
		const q = m.holdQueryFromSearch(new URLSearchParams('q=+aws+&flagged=true&finding_type=ssn&finding_type=email&user=u1&model=claude-x&product=claude_code&severity=high&role=human&from=2025-01-01&to=2025-12-31&kind=conversation'));
		expect('holdQueryFromSearch', q, { query: { text: 'aws', flagged_only: true, finding_types: ['ssn', 'email'], users: ['u1'], models: ['claude-x'], products: ['claude_code'], from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, dropped: ['severity', 'role'] });
		expect('holdQueryFromSearch bare', m.holdQueryFromSearch(new URLSearchParams('')), { query: { text: '' }, dropped: [] });
		expect('searchToHoldURL', m.searchToHoldURL('?q=a+b&kind=conversation&sort=newest&flagged=true'), '/holds?new=1&q=a+b&flagged=true');
		for (const [ns, want] of [[0, '0 ms'], [2.5e8, '250 ms'], [1.5e9, '1.5 s'], [3e11, '5.0 min']]) expect('tookLabel ' + ns, m.tookLabel(ns), want);
		return fails;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run the unit in the page: %v", err)
	}
	for _, f := range fails {
		t.Error(f)
	}
}
