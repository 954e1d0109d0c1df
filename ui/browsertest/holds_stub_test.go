package browsertest

import (
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// fake15JS stands in, inside the page, for the issue-15 endpoints
// (retention, holds, and the conversation API's holds fields) while they
// are built in parallel: it wraps fetch and answers only those paths, by
// the shapes in the API contract, and passes everything else to the real
// server. Its state lives in sessionStorage so it survives navigations in
// the tab. The *Stubbed tests use it; the same scenarios run against the
// real API in the tests without the suffix.
const fake15JS = `(() => {
	const KEY = '__fake15';
	const load = () => JSON.parse(sessionStorage.getItem(KEY) || 'null') || { policy: { default_days: 0, activity_days: 0 }, holds: [], seq: 0, last: null };
	const save = (s) => sessionStorage.setItem(KEY, JSON.stringify(s));
	const orig = window.fetch.bind(window);
	const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
	const bad = (msg) => json(400, { error: { type: 'bad_request', message: 'bad request: ' + msg } });
	const SEV = ['low', 'medium', 'high', 'critical'];
	const days = (f, d) => (d < 0 || d > 36500 ? f + ': ' + d + ' days; give 0 (forever) or 1 to 36500' : '');
	function validate(p) {
		let e = days('default_days', p.default_days) || days('activity_days', p.activity_days || 0);
		if (e) return e;
		const names = {};
		for (const [i, r] of (p.rules || []).entries()) {
			const w = 'rules[' + i + ']';
			if (!String(r.name || '').trim()) return w + '.name: required';
			if (names[r.name]) return w + '.name: "' + r.name + '" is used by another rule';
			names[r.name] = 1;
			if ((e = days(w + '.days', r.days))) return e;
			if (!r.flagged && !(r.types || []).length && !r.min_severity && !(r.users || []).length) return w + ': sets no criterion (flagged, types, min_severity or users); that is the default';
			if (r.min_severity && !SEV.includes(r.min_severity)) return w + '.min_severity: not a severity';
		}
		return '';
	}
	function plan(p, s) {
		const held = s.holds.filter((x) => !x.released_at);
		const report = { now: new Date().toISOString(), dry_run: true, policy: p, months: [], messages: 0, conversations: 0, activities: 0, held: 0 };
		if (p.default_days === 0 || p.default_days > 3650) return report;
		report.months = [{ month: '2025-11', messages: 4, conversations: 2, held: held.length ? 1 : 0 }, { month: '2025-12', messages: 6, conversations: 3, held: 0 }];
		report.messages = 10; report.conversations = 5; report.activities = 2;
		report.held = held.length ? 1 : 0;
		if (held.length) report.held_by = { [held[0].id]: 1 };
		report.by_rule = { default: 6 };
		if ((p.rules || []).length) report.by_rule[p.rules[0].name] = 4; else report.by_rule.default = 10;
		return report;
	}
	window.fetch = async (input, init = {}) => {
		const u = new URL(typeof input === 'string' ? input : input.url, location.href);
		const p = u.pathname, m = (init.method || 'GET').toUpperCase();
		const body = init.body ? JSON.parse(init.body) : null;
		const s = load();
		if (p === '/api/v1/retention' && m === 'GET') return json(200, { policy: s.policy, schedule: '03:00', next_run: '2030-01-02T03:00:00Z', running: false, last_run: s.last });
		if (p === '/api/v1/retention' && m === 'PUT') {
			const e = validate(body);
			if (e) return bad(e);
			s.policy = { ...body, updated_by: 'admin', updated_at: new Date().toISOString() };
			save(s);
			return json(200, { policy: s.policy });
		}
		if (p === '/api/v1/retention/preview' && m === 'POST') {
			const pol = (body && body.policy) || s.policy;
			const e = validate(pol);
			return e ? bad((body && body.policy ? 'policy.' : '') + e) : json(200, plan(pol, s));
		}
		if (p === '/api/v1/retention/run' && m === 'POST') {
			s.last = { ...plan(s.policy, s), dry_run: false, took_ns: 1234567 };
			save(s);
			return json(202, { started: true });
		}
		if (p === '/api/v1/holds' && m === 'GET') return json(200, { holds: s.holds.filter((x) => u.searchParams.get('all') === '1' || !x.released_at) });
		if (p === '/api/v1/holds' && m === 'POST') {
			if (!String(body.matter || '').trim()) return bad('matter: required');
			if (!String(body.reason || '').trim()) return bad('reason: required');
			if (!(body.custodians || []).length && !(body.conversations || []).length && !body.query) return bad('a hold names custodians, conversations or a query');
			const x = { ...body, id: 'hold-' + (++s.seq), created_by: 'admin', created_at: new Date().toISOString(), messages: 7, conversation_count: 2 };
			if (x.query) x.query = { ...x.query, frozen_at: x.created_at, matched: 5 };
			s.holds.push(x);
			save(s);
			return json(201, x);
		}
		const hm = /^\/api\/v1\/holds\/([^/]+)(\/release)?$/.exec(p);
		if (hm) {
			const x = s.holds.find((y) => y.id === decodeURIComponent(hm[1]));
			if (!x) return json(404, { error: { type: 'not_found', message: 'hold not found' } });
			if (hm[2]) {
				if (!String((body || {}).reason || '').trim()) return bad('reason: required');
				if (x.released_at) return json(409, { error: { type: 'conflict', message: 'already released' } });
				Object.assign(x, { released_at: new Date().toISOString(), released_by: 'admin', release_reason: body.reason });
				save(s);
			}
			return json(200, x);
		}
		if (p === '/api/v1/deletions/preview' && m === 'POST') {
			const r = await orig(input, init);
			if (!r.ok) return r;
			const d = await r.json();
			const active = s.holds.filter((x) => !x.released_at);
			d.held = 2 * active.length;
			if (active.length) d.held_by = Object.fromEntries(active.map((x) => [x.id, 2]));
			return json(200, d);
		}
		const cm = /^\/api\/v1\/conversations\/([^/]+)$/.exec(p);
		if (cm && m === 'GET') {
			const r = await orig(input, init);
			if (!r.ok) return r;
			const d = await r.json();
			const id = decodeURIComponent(cm[1]);
			d.holds = {}; d.hold_matters = {};
			for (const x of s.holds) {
				if (x.released_at || !(x.conversations || []).includes(id)) continue;
				d.hold_matters[x.id] = x.matter;
				for (const msg of d.messages) (d.holds[msg.id] = d.holds[msg.id] || []).push(x.id);
			}
			return json(200, d);
		}
		return orig(input, init);
	};
})();`

// stub15 installs fake15JS in the tab, before any page script runs.
func stub15(t *testing.T, tb *tab) {
	t.Helper()
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fake15JS}); err != nil {
		t.Fatalf("install the API stub: %v", err)
	}
}
