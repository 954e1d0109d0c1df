// Activity: the organisation's Activity Feed (sign-ins, key creation,
// exports, settings changes, every Compliance API call) with facets, the
// health of ccsync's own access, and the calls made by other keys, admin
// keys or from unknown addresses highlighted. The search lives in the URL,
// as in Logs.
import { h, clear, icon, timeEl, fmtNum, errorBox, spinner } from '../dom.js';
import * as api from '../api.js';
import { session } from '../session.js';
import { renderFacets as facetList } from '../facets.js';
import { firstPage, emptyNote } from '../results.js';
import { searchToolbar, syncToolbar } from '../toolbar.js';

const FILTERS = ['flag', 'family', 'type', 'actor', 'actor_type', 'ip', 'org', 'status'];
const FACET_TITLES = {
  flag: 'Flag', family: 'Type family', type: 'Type', actor: 'Actor', actor_type: 'Actor kind', ip: 'Address', org: 'Organisation', status: 'HTTP status', date: 'Date',
};
const FLAG_LABELS = { own_key: "ccsync's key", other_key: 'Other key', admin_key: 'Admin key', unknown_ip: 'Unknown address' };
const ALERT_FLAGS = ['other_key', 'admin_key', 'unknown_ip'];
const PAGE = 50;

function readState(q) {
  const s = { q: q.get('q') || '', flagged: q.get('flagged') === 'true', from: q.get('from') || '', to: q.get('to') || '', sort: q.get('sort') || '' };
  for (const f of FILTERS) s[f] = q.getAll(f);
  return s;
}

function toParams(s) {
  const p = { q: s.q, flagged: s.flagged ? 'true' : '', from: s.from, to: s.to, sort: s.sort };
  for (const f of FILTERS) p[f] = s[f];
  return p;
}

function termLabel(facet, term) {
  if (facet === 'flag') return FLAG_LABELS[term] || term;
  return term.replaceAll('_', ' ');
}

export async function activityView(main, ctx) {
  let state = readState(ctx.query);
  let ctrl = null;
  let next = '';

  const q = h('input', { id: 'q', type: 'search', name: 'q', value: state.q, placeholder: 'Search activity…  e.g. apikey_01… or "203.0.113.9"', 'aria-label': 'Search activity', autocomplete: 'off', spellcheck: 'false' });
  const searchForm = h('form', { class: 'searchbar', role: 'search', onsubmit: (e) => { e.preventDefault(); update({ q: q.value.trim() }); } },
    icon('search'), q, h('button', { type: 'submit', class: 'btn primary' }, 'Search'));
  const bar = searchToolbar(state, update, [['', 'Newest first'], ['oldest', 'Oldest first'], ['relevance', 'Most relevant']]);

  const health = h('section', { class: 'card activity-health', id: 'activity-health', 'aria-label': 'Compliance API access health' });
  const summary = h('div', { class: 'summary', 'aria-live': 'polite', id: 'summary' });
  const facets = h('aside', { class: 'facets', 'aria-label': 'Filters', id: 'facets' });
  const list = h('div', { class: 'results', id: 'results' });
  const more = h('div', { class: 'more' });

  main.append(h('div', { class: 'page logs activity' },
    h('div', { class: 'page-head' }, h('h1', null, 'Activity'),
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Show' },
        h('a', { class: 'btn', href: '/logs', id: 'tab-logs' }, 'Messages'),
        h('button', { type: 'button', class: 'on', 'aria-pressed': 'true', id: 'tab-activity' }, 'Activity'))),
    health, searchForm, bar.toolbar,
    h('div', { class: 'logs-body' }, facets, h('section', { class: 'results-col', 'aria-label': 'Results' }, summary, list, more))));
  ctx.onCleanup(() => { if (ctrl) ctrl.abort(); });

  function update(change) {
    state = { ...state, ...change };
    history.pushState(null, '', `/activity${api.qs(toParams(state))}`);
    run();
  }

  function syncInputs() {
    q.value = state.q;
    syncToolbar(bar, state, '/api/v1/activities/export', toParams(state));
  }

  async function run() {
    syncInputs();
    if (ctrl) ctrl.abort();
    ctrl = new AbortController();
    clear(more);
    return firstPage(list, () => api.get(`/activities${api.qs({ ...toParams(state), size: PAGE })}`, { signal: ctrl.signal }), (res) => {
      renderFacets(res.facets || {});
      summary.textContent = `${fmtNum(res.total)} event${res.total === 1 ? '' : 's'}`;
      summary.dataset.total = String(res.total);
      if (res.hits.length === 0) list.append(emptyNote('No activity matches.', 'The Activity Feed syncs with the other streams; try fewer filters.'));
      for (const a of res.hits) list.append(eventRow(a));
      setNext(res.next);
    });
  }

  function setNext(n) {
    next = n || '';
    clear(more);
    if (next) more.append(h('button', { type: 'button', class: 'btn', id: 'load-more', onclick: loadMore }, 'Load more'));
  }

  async function loadMore() {
    try {
      const res = await api.get(`/activities${api.qs({ ...toParams(state), size: PAGE, after: next, facets: 'none' })}`, { signal: ctrl.signal });
      for (const a of res.hits) list.append(eventRow(a));
      setNext(res.next);
    } catch (e) {
      if (e.name !== 'AbortError') more.append(errorBox(e));
    }
  }

  function renderFacets(fs) {
    facetList(facets, fs, { filters: FILTERS, titles: FACET_TITLES, state: () => state, update, label: (name, t) => termLabel(name, t.term) });
  }

  renderHealth(health);
  run();
}

// eventRow shows one event: who, what, from where; flagged calls are
// highlighted and say why.
function eventRow(a) {
  const alerts = (a.flags || []).filter((f) => ALERT_FLAGS.includes(f));
  const actor = a.actor || {};
  const who = actor.email || actor.id || actor.type || 'unknown actor';
  const acc = a.access;
  const subjects = Object.entries(a.subjects || {}).slice(0, 6);
  return h('article', { class: ['hit', 'activity-row', alerts.length && 'flagged'], dataset: { id: a.id, flags: (a.flags || []).join(' ') } },
    h('div', { class: 'hit-main' },
      h('div', { class: 'hit-meta' },
        h('strong', null, a.type || '(no type)'),
        h('span', { class: 'chip' }, (actor.type || 'unknown').replaceAll('_', ' ')),
        h('span', { class: 'muted' }, who),
        actor.ip ? h('span', { class: 'chip ip' }, actor.ip) : null,
        timeEl(a.created_at)),
      acc ? h('div', { class: 'mono small' }, `${acc.method || ''} ${acc.status || ''} ${acc.url || ''}`.trim(), acc.request_id ? h('span', { class: 'muted' }, ` · ${acc.request_id}`) : null) : null,
      subjects.length ? h('div', { class: 'muted small' }, subjects.map(([k, v]) => `${k}: ${v}`).join(' · ')) : null,
      h('div', { class: 'hit-foot' },
        h('div', { class: 'badges' }, ...(a.flags || []).map((f) => h('span', { class: ['chip', 'flag', ALERT_FLAGS.includes(f) ? 'flag-alert' : 'flag-own'], dataset: { flag: f } }, ALERT_FLAGS.includes(f) ? icon('flag') : null, FLAG_LABELS[f] || f))))));
}

async function renderHealth(box) {
  clear(box);
  box.append(h('h2', null, "ccsync's Compliance API access"), spinner('Loading…'));
  let res;
  try {
    res = await api.get('/activities/health?hours=48');
  } catch (e) {
    clear(box);
    box.append(h('h2', null, "ccsync's Compliance API access"), errorBox(e));
    return;
  }
  clear(box);
  const lagOf = (s) => (s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : s < 172800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} days`);
  const lag = res.lag_seconds == null ? 'no events yet' : lagOf(res.lag_seconds);
  const stat = (id, label, value, warn) => h('div', { class: ['stat', warn && 'warn'], id }, h('div', { class: 'stat-v' }, value), h('div', { class: 'stat-l' }, label));
  box.append(h('h2', null, "ccsync's Compliance API access", h('span', { class: 'muted small' }, ' · last 48 hours')));
  if (res.logging_alert) box.append(h('div', { class: 'notice error', role: 'alert', id: 'logging-alert' }, res.logging_alert));
  const flaggedTotal = Object.values(res.flagged || {}).reduce((x, y) => x + y, 0);
  box.append(h('div', { class: 'stats' },
    stat('own-calls', 'own calls', fmtNum(res.own_total)),
    stat('own-errors', 'errors (4xx/5xx)', fmtNum(res.own_errors), res.own_errors > 0),
    stat('own-429', 'rate limited', fmtNum(res.rate_limited), res.rate_limited > 0),
    stat('feed-lag', 'feed lag', lag),
    stat('flagged-calls', 'flagged calls', fmtNum(res.flagged_total), flaggedTotal > 0)));
  box.append(hourBars(res.own_calls || []));
  if ((res.own_keys || []).length) {
    box.append(h('p', { class: 'muted small', id: 'own-keys' }, "ccsync's key, learned from its own request ids: ",
      ...res.own_keys.map((k) => h('code', null, `${k.id} (${(k.ips || []).join(', ')})`))));
  }
  if (session() && session().role === 'admin') box.append(await settingsForm());
}

function hourBars(hours) {
  if (!hours.length) return h('p', { class: 'muted small' }, 'No calls by ccsync recorded in the feed in this window.');
  const total = (hr) => Object.values(hr.status).reduce((x, y) => x + y, 0);
  const max = Math.max(...hours.map(total), 1);
  const bars = h('div', { class: 'date-bars', id: 'own-hours' });
  for (const hr of hours) {
    const n = total(hr);
    const errors = Object.entries(hr.status).filter(([s]) => +s >= 400).reduce((x, [, c]) => x + c, 0);
    const bar = h('span', { class: ['bar', errors && 'warn'] });
    bar.style.height = `${Math.max(4, Math.round((n / max) * 100))}%`;
    const detail = Object.entries(hr.status).map(([s, c]) => `${s}: ${c}`).join(', ');
    bars.append(h('span', { class: 'date-bar', title: `${hr.hour}: ${detail}` }, bar));
  }
  return bars;
}

// settingsForm lets an admin label keys and give the address ranges calls
// are expected from; one key per line: "apikey_… role label".
async function settingsForm() {
  const st = await api.get('/activities/settings');
  const keys = h('textarea', { id: 'known-keys', rows: 3, spellcheck: 'false', placeholder: 'apikey_01… trusted SIEM connector' },
    (st.keys || []).map((k) => `${k.id} ${k.role} ${k.label}`.trim()).join('\n'));
  const cidrs = h('textarea', { id: 'known-cidrs', rows: 2, spellcheck: 'false', placeholder: '192.0.2.0/24' }, (st.cidrs || []).join('\n'));
  const msg = h('span', { class: 'muted small', role: 'status' });
  const form = h('form', { class: 'activity-settings', onsubmit: async (e) => {
    e.preventDefault();
    const body = {
      keys: keys.value.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
        const [id, role, ...label] = l.split(/\s+/);
        return { id, role: role || 'trusted', label: label.join(' ') };
      }),
      cidrs: cidrs.value.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean),
    };
    try {
      await api.put('/activities/settings', body);
      msg.textContent = 'Saved. Applies to events synced from now on.';
    } catch (err) {
      msg.textContent = err.message;
    }
  } },
  h('details', null, h('summary', null, 'Known keys and address ranges'),
    h('label', { for: 'known-keys' }, 'Keys (one per line: id, role own|trusted|admin, label)'), keys,
    h('label', { for: 'known-cidrs' }, 'Address ranges calls are expected from (CIDR)'), cidrs,
    h('div', null, h('button', { type: 'submit', class: 'btn' }, 'Save'), ' ', msg)));
  return form;
}
