package browsertest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// Issue 16's page: destinations (create, test send, dead letters with
// Retry), rules (create, a validation error next to its field) and fired
// alerts, against the real engine and evaluator, with webhook receivers
// on loopback that verify the signature as the README tells them to.

const (
	xssDestName  = `<img src=x onerror=alert(11)>SOC pager`
	xssRuleName  = `<svg onload=alert(12)>Critical keys`
	hostileError = `<img src=x onerror=alert(13)> receiver down`
	alertsSecret = "browser-PLANTED-webhook-secret-5e1c"
	feedSecret   = "browser-PLANTED-feed-secret-77b0a2"
)

// hookReceiver verifies X-Ccsync-Signature over "<timestamp>.<body>" with
// its secret and keeps the events it accepted; with fail set it answers
// 400 with a hostile body.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	fail   bool
	events []model.ForwardEvent
	forged int
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 8<<20))
	r.mu.Lock()
	defer r.mu.Unlock()
	ts := req.Header.Get("X-Ccsync-Timestamp")
	mac := hmac.New(sha256.New, []byte(r.secret))
	mac.Write([]byte(ts + "." + string(body)))
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute ||
		!hmac.Equal([]byte(req.Header.Get("X-Ccsync-Signature")), []byte("v1="+hex.EncodeToString(mac.Sum(nil)))) {
		r.forged++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.fail {
		http.Error(w, hostileError, http.StatusBadRequest)
		return
	}
	var b struct {
		Events []model.ForwardEvent `json:"events"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	r.events = append(r.events, b.Events...)
	w.WriteHeader(http.StatusNoContent)
}

func (r *hookReceiver) setFail(f bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = f
}

func (r *hookReceiver) got() ([]model.ForwardEvent, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]model.ForwardEvent(nil), r.events...), r.forged
}

// refreshUntil clicks the page's Refresh until cond holds (the page does
// not poll; delivery happens in the background).
func (tb *tab) refreshUntil(what, cond string) {
	tb.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !js[bool](tb, cond) {
		if time.Now().After(deadline) {
			state, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.getElementById("main").innerText.slice(0, 1500)`))
			tb.t.Fatalf("timed out waiting for %s (%s); page: %s", what, cond, state)
		}
		tb.do(chromedp.Click(chromedp.ID("alerts-refresh")))
		time.Sleep(150 * time.Millisecond)
	}
}

func TestAlertsPage(t *testing.T) {
	tb := tab15(t, false) // digits()
	s := tb.srv
	alertsRecv := &hookReceiver{secret: alertsSecret}
	feedRecv := &hookReceiver{secret: feedSecret, fail: true}
	ah := httptest.NewServer(alertsRecv)
	defer ah.Close()
	fh := httptest.NewServer(feedRecv)
	defer fh.Close()
	t.Cleanup(func() {
		ctx := context.Background()
		if ds, err := s.fw.Destinations(ctx); err == nil {
			for _, d := range ds {
				_ = s.fw.DeleteDestination(ctx, d.ID)
			}
		}
		if rs, err := s.ev.Rules(ctx); err == nil {
			for _, r := range rs {
				_ = s.ev.DeleteRule(ctx, r.ID)
			}
		}
	})

	tb.login()
	tb.open("/alerts")
	tb.waitJS("alerts page", `document.getElementById('dest-list') && document.getElementById('dest-list').dataset.rev === '1' && document.getElementById('rules-list').dataset.rev === '1'`)
	if got := js[string](tb, `document.querySelector('nav a.active').textContent`); got != "Alerts" {
		t.Errorf("active nav item %q, want Alerts", got)
	}

	// A webhook destination for alerts, named with an XSS payload.
	tb.do(chromedp.Click(chromedp.ID("dest-new")))
	tb.waitJS("destination dialog", `!!document.querySelector('dialog#dest-dialog[open]')`)
	if js[bool](tb, `!document.querySelector('[data-opt=index]').hidden || document.querySelector('[data-opt=url]').hidden`) {
		t.Error("webhook form shows HEC fields or hides the URL")
	}
	tb.do(chromedp.SetValue(chromedp.ID("dest-kind"), "splunk_hec"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('dest-kind').dispatchEvent(new Event('change'))`))
	if !js[bool](tb, `!document.querySelector('[data-opt=index]').hidden && document.querySelector('[data-opt=url] label').textContent === 'HEC URL'`) {
		t.Error("choosing Splunk HEC does not show its fields")
	}
	tb.do(chromedp.SetValue(chromedp.ID("dest-kind"), "webhook"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('dest-kind').dispatchEvent(new Event('change'))`),
		typeInto("#dest-name", xssDestName), typeInto("#dest-url", ah.URL+"/hook"), typeInto("#dest-secret", alertsSecret),
		chromedp.Click(chromedp.ID("dest-dialog-save")))
	tb.waitJS("destination row", `!document.getElementById('dest-dialog') && !!document.querySelector('#dest-table tr[data-id]')`)
	id := js[string](tb, `document.querySelector('#dest-table tr[data-id]').dataset.id`)
	row := fmt.Sprintf(`document.querySelector('#dest-table tr[data-id=%q]')`, id)
	if got := js[string](tb, row+`.querySelector('.dest-name').textContent`); got != xssDestName {
		t.Errorf("destination name shown %q, want the payload as text", got)
	}
	stored, err := s.fw.Destination(context.Background(), id)
	if err != nil || stored.Name != xssDestName || stored.URL != ah.URL+"/hook" || stored.SecretHint == "" || stored.CreatedBy != adminName {
		t.Fatalf("stored destination %+v, %v", stored, err)
	}

	// Test send: the receiver verifies the signature, the page says so.
	tb.do(chromedp.Click(chromedp.CSS(`#dest-table tr[data-id="` + id + `"] .dest-test`)))
	tb.waitJS("test result", `document.getElementById('dest-test-result').dataset.ok === 'true'`)
	evs, forged := alertsRecv.got()
	if forged > 0 || len(evs) != 1 {
		t.Fatalf("receiver: %d events, %d forged; want the test event", len(evs), forged)
	}
	if got := js[string](tb, `document.querySelector('#dest-test-result code').textContent`); got != evs[0].ID {
		t.Errorf("page shows test event %q; the receiver got %q", got, evs[0].ID)
	}

	// Edit: the secret is write-only; its hint is shown, never the value.
	tb.do(chromedp.Click(chromedp.CSS(`#dest-table tr[data-id="` + id + `"] .dest-edit`)))
	tb.waitJS("edit dialog", `!!document.querySelector('dialog#dest-dialog[open]')`)
	if got := js[string](tb, `document.getElementById('dest-secret').value + '|' + document.getElementById('dest-secret').placeholder`); got != "|saved: "+stored.SecretHint+" — leave empty to keep" {
		t.Errorf("secret field %q; want empty with the hint %q", got, stored.SecretHint)
	}
	tb.do(chromedp.Click(chromedp.ID("dest-dialog-cancel")))
	if js[bool](tb, `document.documentElement.outerHTML.includes(`+strconv.Quote(alertsSecret)+`)`) {
		t.Error("the secret is in the page")
	}

	// An anonymous findings feed whose receiver refuses (hostile error).
	tb.do(chromedp.Click(chromedp.ID("dest-new")))
	tb.waitJS("destination dialog", `!!document.querySelector('dialog#dest-dialog[open]')`)
	tb.do(typeInto("#dest-name", "SIEM feed"), chromedp.SetValue(chromedp.ID("dest-stream"), "findings"),
		chromedp.Click(chromedp.ID("dest-anonymous")), typeInto("#dest-url", fh.URL+"/siem"), typeInto("#dest-secret", feedSecret),
		chromedp.Click(chromedp.ID("dest-dialog-save")))
	tb.waitJS("two destinations", `!document.getElementById('dest-dialog') && document.querySelectorAll('#dest-table tr[data-id]').length === 2`)
	feedID := js[string](tb, `[...document.querySelectorAll('#dest-table tr[data-id]')].find(r => r.dataset.id !== `+strconv.Quote(id)+`).dataset.id`)
	feedRow := fmt.Sprintf(`document.querySelector('#dest-table tr[data-id=%q]')`, feedID)
	if !js[bool](tb, feedRow+`.querySelector('.chip.anon') !== null`) {
		t.Error("the anonymous feed has no anonymous badge")
	}

	// A rule: without a name it is refused next to the name field.
	tb.do(chromedp.Click(chromedp.ID("rule-new")))
	tb.waitJS("rule dialog", `!!document.querySelector('dialog#rule-dialog[open]')`)
	if got := js[int](tb, `document.querySelectorAll('#rule-destinations input').length`); got != 1 {
		t.Errorf("rule dialog offers %d destinations; only the alerts one may be picked", got)
	}
	tb.do(chromedp.Click(chromedp.ID("rule-dialog-save")))
	tb.waitJS("name error", `!!document.querySelector('#rule-dialog .field-error')`)
	if got := js[string](tb, `(() => { const e = document.querySelector('#rule-dialog .field-error'); return e.dataset.for + '|' + e.closest('.field').contains(document.getElementById('rule-name')); })()`); got != "name|true" {
		t.Errorf("validation error %q; want it next to Name", got)
	}
	tb.do(typeInto("#rule-name", xssRuleName), chromedp.SetValue(chromedp.ID("rule-min-severity"), "critical"),
		chromedp.Click(chromedp.ID("rule-backfill")), chromedp.Click(chromedp.CSS(`#rule-destinations input`)),
		chromedp.Click(chromedp.ID("rule-dialog-save")))
	tb.waitJS("rule row", `!document.getElementById('rule-dialog') && !!document.querySelector('#rules-table tr[data-id]')`)
	if got := js[string](tb, `document.querySelector('#rules-table .rule-name').textContent + '|' + document.querySelector('#rules-table .rule-dests').textContent`); got != xssRuleName+"|"+xssDestName {
		t.Errorf("rule row %q; want the name and destination as text", got)
	}
	rs, err := s.ev.Rules(context.Background())
	if err != nil || len(rs) != 1 || rs[0].MinSeverity != model.SeverityCritical || !rs[0].IncludeBackfill || len(rs[0].Destinations) != 1 || rs[0].Destinations[0] != id {
		t.Fatalf("stored rules %+v, %v", rs, err)
	}

	// Edit both (realistic names from here on): the destination keeps its
	// secret when the field is left empty (a test send still verifies), the
	// rule keeps its settings.
	tb.do(chromedp.Click(chromedp.CSS(`#dest-table tr[data-id="` + id + `"] .dest-edit`)))
	tb.waitJS("edit dialog", `!!document.querySelector('dialog#dest-dialog[open]')`)
	tb.do(typeInto("#dest-name", "SOC pager"), chromedp.Click(chromedp.ID("dest-dialog-save")))
	tb.waitJS("renamed", `!document.getElementById('dest-dialog') && `+row+` && `+row+`.querySelector('.dest-name').textContent === 'SOC pager'`)
	if d, err := s.fw.Destination(context.Background(), id); err != nil || d.SecretHint != stored.SecretHint || d.CreatedBy != adminName {
		t.Errorf("after the edit: %+v, %v", d, err)
	}
	tb.do(chromedp.Click(chromedp.CSS(`#dest-table tr[data-id="` + id + `"] .dest-test`)))
	tb.waitJS("test after edit", `document.getElementById('dest-test-result').dataset.ok === 'true'`)
	tb.do(chromedp.Click(chromedp.CSS(`#rules-table .rule-edit`)))
	tb.waitJS("rule edit dialog", `!!document.querySelector('dialog#rule-dialog[open]')`)
	if got := js[string](tb, `document.getElementById('rule-min-severity').value + '|' + document.getElementById('rule-backfill').checked + '|' + document.querySelector('#rule-destinations input').checked`); got != "critical|true|true" {
		t.Errorf("rule dialog shows %q; want the stored rule", got)
	}
	tb.do(typeInto("#rule-name", "Critical secrets"), chromedp.Click(chromedp.ID("rule-dialog-save")))
	tb.waitJS("rule renamed", `!document.getElementById('rule-dialog') && document.querySelector('#rules-table .rule-name').textContent === 'Critical secrets'`)
	if rs, err := s.ev.Rules(context.Background()); err != nil || len(rs) != 1 || rs[0].Name != "Critical secrets" || rs[0].MinSeverity != model.SeverityCritical || len(rs[0].Destinations) != 1 {
		t.Errorf("rule after the edit: %+v, %v", rs, err)
	}

	// New messages with a critical finding: the rule fires, the alert
	// reaches the webhook, the feed's batch is refused and dead-lettered.
	now := time.Now().UTC()
	b := indexer.Batch{}
	for i, u := range []model.User{alice, bob, carol} {
		conv := fmt.Sprintf("conv-alerts-%d", i)
		b.Conversations = append(b.Conversations, model.Conversation{ID: conv, Source: model.SourceComplianceAPI,
			Provider: model.ProviderAnthropic, Model: "claude-opus-4", Title: "Deploy keys", OwnerID: u.ID, CreatedAt: now, UpdatedAt: now})
		text := "use " + plantedAWSKey + " for the deploy"
		if i == 1 {
			text += ", and charge " + plantedCard
		}
		b.Messages = append(b.Messages, model.Message{ID: fmt.Sprintf("msg-alerts-%d", i), ConversationID: conv, OnCurrentBranch: true,
			Role: model.RoleHuman, CreatedAt: now.Add(time.Duration(i) * time.Second), Blocks: []model.Block{{Type: model.BlockText, Text: text}}})
	}
	if _, err := s.ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	tb.refreshUntil("three fired alerts and a dead letter", `document.querySelectorAll('#alerts-table tr[data-seq]').length === 3 && `+
		feedRow+` && digits(`+feedRow+`.querySelector('[data-k=dead]').textContent) !== '0'`)
	arow := `[...document.querySelectorAll('#alerts-table tr[data-seq]')].find(r => r.querySelector('.alert-about').textContent.includes('alice@acme-corp.com'))`
	if got := js[string](tb, `(() => { const r = `+arow+`; return r ? r.querySelector('.alert-rule').textContent + '|' + r.querySelector('.alert-severity').textContent + '|' + r.querySelector('a.alert-msg').getAttribute('href') : 'no row about alice'; })()`); got != "Critical secrets|critical|/messages/msg-alerts-0" {
		t.Errorf("fired alert row %q", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, _ := alertsRecv.got()
		n := 0
		for _, ev := range evs {
			if ev.Type == "alert" && ev.Alert != nil && ev.Alert.RuleName == "Critical secrets" {
				n++
			}
		}
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the three alerts did not reach the webhook: %+v", evs)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Dead letters: retry while the receiver still refuses keeps the
	// letter (its hostile error shown as text); after it recovers, retry
	// delivers it.
	tb.do(chromedp.Click(chromedp.CSS(`#dest-table tr[data-id="` + feedID + `"] .dest-dead`)))
	tb.waitJS("dead letters", `!!document.querySelector('#dead-table tr[data-letter]')`)
	if got := js[string](tb, `document.querySelector('#dead-panel .dead-dest').textContent`); got != "SIEM feed" {
		t.Errorf("dead-letter panel names %q", got)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('dead-panel').scrollIntoView({ block: 'center' })`))
	if got := js[string](tb, `document.querySelector('#dead-table .dead-error').textContent`); !strings.Contains(got, hostileError) {
		t.Errorf("dead letter error %q; want the receiver's answer, as text", got)
	}
	tb.screenshot("alerts-dead-letters")
	rev := js[string](tb, `document.getElementById('dead-panel').dataset.rev`)
	tb.do(chromedp.Click(chromedp.CSS(`#dead-table .dead-retry`)))
	tb.waitJS("dead letters reloaded", `document.getElementById('dead-panel').dataset.rev !== `+strconv.Quote(rev))
	if !js[bool](tb, `!!document.querySelector('#dead-table tr[data-letter]')`) {
		t.Fatal("a retry the receiver refused removed the dead letter")
	}
	if !js[bool](tb, `document.getElementById('toast').textContent.startsWith('Still refused')`) {
		t.Errorf("toast %q after a refused retry", js[string](tb, `document.getElementById('toast').textContent`))
	}
	feedRecv.setFail(false)
	rev = js[string](tb, `document.getElementById('dead-panel').dataset.rev`)
	tb.do(chromedp.Click(chromedp.CSS(`#dead-table .dead-retry`)))
	tb.waitJS("dead letters reloaded", `document.getElementById('dead-panel').dataset.rev !== `+strconv.Quote(rev))
	tb.waitJS("no dead letters", `!!document.getElementById('dead-empty')`)
	fevs, forged := feedRecv.got()
	if forged > 0 || len(fevs) == 0 {
		t.Fatalf("feed receiver: %d events, %d forged after the retry", len(fevs), forged)
	}
	for _, ev := range fevs {
		if !ev.Anonymous || ev.UserEmail != "" || ev.UserID != "" || ev.Text != "" || ev.Type != "finding" {
			t.Errorf("anonymous feed sent %+v", ev)
		}
	}

	// Hostile strings stayed text everywhere.
	tb.do(chromedp.Click(chromedp.ID("dead-close")))
	if n := js[int](tb, `document.querySelectorAll('#main img[src="x"], #main svg[onload]').length`); n != 0 {
		t.Errorf("%d injected elements on the page", n)
	}
	tb.do(chromedp.Click(chromedp.ID("alerts-refresh")))
	tb.waitJS("refreshed", `document.getElementById('toast').className = 'toast', !!document.querySelector('#alerts-table tr[data-seq]')`)
	tb.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	tb.screenshot("alerts")
	tb.noDialogsOrForeignRequests()
}

// TestAlertsUnit runs alerts.js in the page: the field an API error
// names, label parsing, rule summaries and counts.
func TestAlertsUnit(t *testing.T) {
	tb := newTab(t)
	tb.open("/login")
	tb.waitJS("login page", `!!document.getElementById('login-name')`)
	fails, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](`(async () => {
		const m = await import('/js/alerts.js');
		const fails = [];
		const expect = (what, got, want) => { if (JSON.stringify(got) !== JSON.stringify(want)) fails.push(what + ': got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want)); };
		const fields = ['name', 'url', 'labels', 'destinations', 'min_severity', 'secret'];
		for (const [msg, want] of [
			['name: required', 'name'],
			['url: want https://, not "ftp://x"', 'url'],
			['bad request: labels.env: not a Loki label name', 'labels'],
			['destinations[1]: no destination "x"', 'destinations'],
			['min_severity: "dire" is not a severity', 'min_severity'],
			['kind: unknown kind "x"', ''],
			['the server could not be reached: try again', ''],
		]) expect('errorFieldIn ' + msg, m.errorFieldIn(msg, fields), want);
		expect('parseLabels', m.parseLabels(' env = prod\nteam=sec, bad,=x\n\n'), { labels: { env: 'prod', team: 'sec' }, bad: ['bad', '=x'] });
		expect('formatLabels', m.formatLabels({ env: 'prod', team: 'sec' }), 'env=prod\nteam=sec');
		expect('ruleSummary bare', m.ruleSummary({}), 'every new finding · one alert per user · quiet 60 min');
		expect('ruleSummary', m.ruleSummary({ finding_types: ['api_key', 'custom_x'], min_severity: 'high', users: ['u1'], query: 'prod', threshold: 5, window_minutes: 10, group_by: 'message', quiet_minutes: 15, include_backfill: true }),
			'types: API key, custom x · severity ≥ high · users: u1 · query: prod · more than 5 in 10 min · one alert per message · quiet 15 min · history and imports too');
		expect('countsText', m.countsText({ email: 1, api_key: 3, ssn: 1 }), 'API key 3, Email 1, SSN 1');
		expect('kindLabel unknown', m.kindLabel('pigeon'), 'pigeon');
		expect('secretLabel', [m.secretLabel('webhook'), m.secretLabel('slack'), m.secretLabel('splunk_hec')], ['Signing secret', 'Slack webhook URL', 'HEC token']);
		return fails;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run the unit in the page: %v", err)
	}
	for _, f := range fails {
		t.Error(f)
	}
}
