package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ccsync/ccsync/model"
	"github.com/ccsync/ccsync/scanners"
)

// rescanConfig is the server's detector configuration: the built-in
// detectors plus a rule that files the refund chat's card expiry under the
// new type "iban" (a stand-in: what matters is a type the UI must label).
// The seed was scanned without it, so only a re-scan adds those findings,
// and only to a message that is already flagged (no other test's counts move).
var rescanConfig = scanners.Config{Rules: []scanners.RuleConfig{{Name: "browsertest-iban", Type: "iban", Severity: "high",
	Regex: `exp 09/28`, Keywords: []string{"exp 09/28"}}}}

// attrScanner gives the rule's findings the attribute "obfuscated", as the
// engine does for a secret split by invisible characters, so the page's
// rendering of attributes is checked end to end.
type attrScanner struct{ scanners.Scanner }

func (a attrScanner) Scan(text string) []model.Finding {
	fs := a.Scanner.Scan(text)
	for i := range fs {
		if fs[i].Rule == "browsertest-iban" {
			fs[i].Attrs = []string{"obfuscated"}
		}
	}
	return fs
}

// TestRescanFromSettings: the Re-scan card shows the engine version and how
// many messages are stale; the button starts a re-scan whose progress
// arrives live and ends done with nothing stale; the new finding type then
// shows in the Logs facets under its label.
func TestRescanFromSettings(t *testing.T) {
	tb := newTab(t)
	tb.login()
	st, err := tb.srv.ix.RescanStatus()
	if err != nil || st.Stale == 0 {
		t.Fatalf("the seed should be stale under the server's configuration: %+v %v", st, err)
	}
	tb.open("/logs")
	tb.waitJS("facets", `!!document.querySelector('#facets [data-facet=finding_type]')`)
	if js[bool](tb, `!!document.querySelector('#facets [data-facet=finding_type] .count[data-term=iban]')`) {
		t.Fatal("an iban facet before the re-scan")
	}

	tb.open("/settings")
	tb.waitJS("re-scan card", `!!document.getElementById('rescan-start')`)
	if got := js[string](tb, `document.getElementById('rescan-engine').textContent`); got != scanners.Version {
		t.Errorf("engine shown %q, want %q", got, scanners.Version)
	}
	if got := js[string](tb, `document.getElementById('rescan-stale').textContent.replace(/\D/g, '')`); got != fmt.Sprint(st.Stale) {
		t.Errorf("stale shown %q, want %d", got, st.Stale)
	}
	tb.do(chromedp.Click(chromedp.ID("rescan-start")))
	tb.waitJS("re-scan done", `document.getElementById('rescan-progress').dataset.state === 'done'`)
	if !js[bool](tb, `(() => { const b = document.getElementById('rescan-progress-bar'); return b.max > 1 && b.value === b.max; })()`) {
		t.Error("re-scan progress bar is not full at done")
	}
	if got := js[string](tb, `document.querySelector('#rescan-progress .pcounts').textContent`); !strings.Contains(got, "scanned") {
		t.Errorf("re-scan progress shows %q, want the scanned count", got)
	}
	tb.waitJS("nothing stale", `document.getElementById('rescan-stale').textContent === '0'`)
	tb.screenshot("settings-rescan")
	if st, _ := tb.srv.ix.RescanStatus(); st.Stale != 0 || st.Running {
		t.Errorf("after the re-scan: %+v", st)
	}

	tb.open("/logs")
	tb.waitJS("iban facet", `!!document.querySelector('#facets [data-facet=finding_type] .count[data-term=iban]')`)
	label := js[string](tb, `document.querySelector('#facets [data-facet=finding_type] .count[data-term=iban]').closest('.facet-row').querySelector('label').textContent`)
	if !strings.Contains(label, "IBAN") || strings.Contains(label, "iban") {
		t.Errorf("the iban facet is labelled %q, want IBAN", label)
	}
	if n := js[string](tb, `document.querySelector('#facets [data-facet=finding_type] .count[data-term=iban]').textContent`); n != "1" {
		t.Errorf("iban facet counts %s messages, want 1", n)
	}

	// The new finding is marked in the thread; its tooltip and the panel
	// name the type and say what its attribute means.
	tb.open("/conversations/conv-refund?highlight=1")
	tb.waitJS("iban mark", `!!document.querySelector('#thread mark.hl[data-type=iban]')`)
	title := js[string](tb, `document.querySelector('#thread mark.hl[data-type=iban]').title`)
	if !strings.HasPrefix(title, "IBAN · high") || !strings.Contains(title, "obfuscated") || !strings.Contains(title, "invisible characters") {
		t.Errorf("the mark's tooltip is %q, want the label, severity and what obfuscated means", title)
	}
	tb.waitJS("findings panel", `!!document.querySelector('#findings-panel .attr-obfuscated')`)
	if got := js[string](tb, `document.querySelector('#findings-panel .attr-obfuscated').textContent`); got != "obfuscated" {
		t.Errorf("the panel's attribute chip says %q", got)
	}
}

// TestFindingLabelsUnit runs findings.js in the page: the new types'
// labels and colours, attributes in the tooltip, and severities.
func TestFindingLabelsUnit(t *testing.T) {
	tb := newTab(t)
	tb.open("/login")
	tb.waitJS("login page", `!!document.getElementById('login-name')`)
	fails, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](`(async () => {
		const f = await import('/js/findings.js');
		const fails = [];
		const expect = (what, got, want) => { if (JSON.stringify(got) !== JSON.stringify(want)) fails.push(what + ': got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want)); };
		const labels = { iban: 'IBAN', itin: 'US ITIN', uk_nino: 'UK NI number', ca_sin: 'Canadian SIN', passport: 'Passport number' };
		const classes = new Set();
		for (const [type, label] of Object.entries(labels)) {
			expect('label of ' + type, f.typeLabel(type), label);
			classes.add(f.typeClass(type));
		}
		for (const old of ['email', 'credit_card', 'ssn', 'api_key', 'phone']) classes.add(f.typeClass(old));
		expect('distinct colours', classes.size, 10);
		for (const [type, sev] of [['iban', 'high'], ['itin', 'critical'], ['uk_nino', 'critical'], ['ca_sin', 'critical'], ['passport', 'high']])
			expect('severity of ' + type, f.findingSeverity({ type }), sev);
		expect('a test card number', f.findingSeverity({ type: 'credit_card', attrs: ['test-number'] }), 'low');
		expect('a finding says its severity', f.findingSeverity({ type: 'credit_card', severity: 'low' }), 'low');
		const test = f.findingTitle({ type: 'credit_card', severity: 'low', attrs: ['test-number'], preview: '4111…1111' });
		expect('test number in the tooltip', test.includes('test number'), true);
		expect('tooltip starts with the label', test.startsWith('Credit card · low'), true);
		const obf = f.findingTitle({ type: 'api_key', severity: 'critical', attrs: ['obfuscated'], preview: 'ghp_…' });
		expect('obfuscated in the tooltip', obf.includes('obfuscated') && obf.includes('invisible characters'), true);
		const chips = f.attrChips({ attrs: ['test-number', 'obfuscated'] }).map((e) => e.textContent);
		expect('chips', chips, ['test number', 'obfuscated']);
		const el = document.createElement('span');
		el.className = f.typeClass('passport');
		document.body.append(el);
		expect('passport has its own colour', getComputedStyle(el).getPropertyValue('--c').trim() !== '', true);
		el.remove();
		return fails;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fails {
		t.Error(f)
	}
}
