// Logs: full-text and faceted search over messages or conversations. The
// whole search lives in the URL query, so a search can be bookmarked or
// shared, and Back walks through earlier searches.
import { h, clear, icon, timeEl, fmtNum, errorBox } from '../dom.js';
import * as api from '../api.js';
import { avatar, providerLogo } from '../avatar.js';
import { badge, typeLabel } from '../findings.js';
import { snippet } from '../snippet.js';
import { rememberLogs } from '../session.js';
import { productLabel, kindLabel, roleLabel } from '../products.js';
import { renderFacets as facetList } from '../facets.js';
import { firstPage, emptyNote } from '../results.js';
import { searchToolbar, syncToolbar } from '../toolbar.js';
import { isAdmin } from '../session.js';
import { searchToHoldURL } from '../holds.js';

const FILTERS = ['product', 'conversation_kind', 'finding_type', 'severity', 'user', 'model', 'role', 'tool', 'source'];
const FACET_TITLES = {
  product: 'Product', conversation_kind: 'Kind', finding_type: 'Detection type', severity: 'Severity', user: 'User', model: 'Model', role: 'Role', tool: 'Tool', source: 'Source', date: 'Date',
};
// The API's ?kind= carries both what a hit is (message, conversation: the
// tabs) and the conversation-kind filter (chat, session).
const CONV_KINDS = ['chat', 'session'];
const PAGE = 25;
const SEV_RANK = { critical: 4, high: 3, medium: 2, low: 1 };

// state <-> URL. Only non-default values are written, so URLs stay short.
function readState(q) {
  const kinds = q.getAll('kind');
  const s = { kind: kinds.includes('conversation') ? 'conversation' : 'message', q: q.get('q') || '', flagged: q.get('flagged') === 'true', from: q.get('from') || '', to: q.get('to') || '', sort: q.get('sort') || '' };
  for (const f of FILTERS) s[f] = q.getAll(f);
  s.conversation_kind = kinds.filter((k) => CONV_KINDS.includes(k));
  return s;
}

// toParams is the URL's query; withKind(s) the API's, which always names
// the tab's kind.
function toParams(s, tabKind = s.kind === 'conversation' ? 'conversation' : '') {
  const p = { q: s.q, flagged: s.flagged ? 'true' : '', from: s.from, to: s.to, sort: s.sort };
  for (const f of FILTERS) p[f] = s[f];
  delete p.conversation_kind;
  p.kind = [tabKind, ...s.conversation_kind].filter(Boolean);
  return p;
}

function withKind(s) { return toParams(s, s.kind); }

function sourceLabel(s) { return s === 'compliance_api' ? 'Compliance API' : s === 'export' ? 'Data export' : s; }

function termLabel(facet, t) {
  if (facet === 'finding_type') return typeLabel(t.term);
  if (facet === 'role') return roleLabel(t.term);
  if (facet === 'source') return sourceLabel(t.term);
  if (facet === 'product') return productLabel(t.term);
  if (facet === 'conversation_kind') return kindLabel(t.term);
  return t.label || t.term;
}

export async function logsView(main, ctx) {
  let state = readState(ctx.query);
  let ctrl = null;
  let next = '';
  let observer = null;

  const q = h('input', { id: 'q', type: 'search', name: 'q', value: state.q, placeholder: 'Search messages…  e.g. +aws -test title:"q3 plan"', 'aria-label': 'Search query', autocomplete: 'off', spellcheck: 'false' });
  const help = helpPopover();
  const searchForm = h('form', { class: 'searchbar', role: 'search', onsubmit: (e) => { e.preventDefault(); update({ q: q.value.trim() }); } },
    icon('search'), q, help.button, h('button', { type: 'submit', class: 'btn primary' }, 'Search'), help.panel);

  const tabs = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Show' },
    ...['message', 'conversation'].map((k) => h('button', {
      type: 'button', id: `tab-${k}`, 'aria-pressed': String(state.kind === k), class: state.kind === k ? 'on' : '',
      onclick: () => update({ kind: k, sort: '' }),
    }, k === 'message' ? 'Messages' : 'Conversations')),
    // The Activity Feed is a Logs mode of its own, with its own view.
    h('button', { type: 'button', id: 'tab-activity', 'aria-pressed': 'false', onclick: () => ctx.navigate('/activity') }, 'Activity'));

  const bar = searchToolbar(state, update, [['', 'Default order'], ['relevance', 'Most relevant'], ['newest', 'Newest first'], ['oldest', 'Oldest first']]);

  const summary = h('div', { class: 'summary', 'aria-live': 'polite', id: 'summary' });
  // Admins can freeze the current search into a legal hold.
  const holdLink = isAdmin() ? h('a', { class: 'btn', id: 'hold-results', href: '/holds?new=1', title: 'Place a legal hold on the messages this search matches now' }, icon('lock'), 'Hold these results') : null;
  const facets = h('aside', { class: 'facets', 'aria-label': 'Filters', id: 'facets' });
  const list = h('div', { class: 'results', id: 'results' });
  const more = h('div', { class: 'more' });

  main.append(h('div', { class: 'page logs' },
    h('div', { class: 'page-head' }, h('h1', null, 'Logs'), tabs, holdLink ? h('span', { class: 'grow' }) : null, holdLink),
    searchForm, bar.toolbar,
    h('div', { class: 'logs-body' }, facets, h('section', { class: 'results-col', 'aria-label': 'Results' }, summary, list, more))));

  ctx.onCleanup(() => { if (ctrl) ctrl.abort(); if (observer) observer.disconnect(); help.close(); });

  function update(change) {
    state = { ...state, ...change };
    const url = `/logs${api.qs(toParams(state))}`;
    history.pushState(null, '', url);
    run();
  }

  function remember() {
    rememberLogs(location.pathname + location.search);
  }

  function syncInputs() {
    q.value = state.q;
    for (const b of tabs.children) {
      const on = b.id === `tab-${state.kind}`;
      b.setAttribute('aria-pressed', String(on));
      b.className = on ? 'on' : '';
    }
    q.placeholder = state.kind === 'message' ? 'Search messages…  e.g. +aws -test title:"q3 plan"' : 'Search conversations…  words in any message, the title or the summary';
    syncToolbar(bar, state, '/api/v1/export', withKind(state));
    if (holdLink) holdLink.href = searchToHoldURL(api.qs(toParams(state)));
  }

  async function run() {
    remember();
    syncInputs();
    if (ctrl) ctrl.abort();
    ctrl = new AbortController();
    clear(more);
    summary.textContent = '';
    return firstPage(list, () => api.get(`/search${api.qs({ ...withKind(state), size: PAGE })}`, { signal: ctrl.signal }), (res) => {
      renderFacets(res.facets || {});
      summary.textContent = `${fmtNum(res.total)} ${state.kind === 'message' ? 'message' : 'conversation'}${res.total === 1 ? '' : 's'}` +
        (res.took_ns ? ` · ${(res.took_ns / 1e6).toFixed(0)} ms` : '');
      summary.dataset.total = String(res.total);
      if (res.hits.length === 0) list.append(emptyNote('Nothing matches this search.', 'Try fewer filters or a broader query.'));
      appendHits(res.hits);
      setNext(res.next);
    });
  }

  function setNext(n) {
    next = n || '';
    clear(more);
    if (observer) observer.disconnect();
    if (!next) return;
    const btn = h('button', { type: 'button', class: 'btn', id: 'load-more', onclick: loadMore }, 'Load more');
    more.append(btn);
    // Infinite scroll: the button loads itself when scrolled into view and
    // stays as the keyboard path.
    observer = new IntersectionObserver((es) => { if (es.some((x) => x.isIntersecting)) loadMore(); }, { rootMargin: '400px' });
    observer.observe(btn);
  }

  let loading = false;
  async function loadMore() {
    if (!next || loading) return;
    loading = true;
    try {
      const res = await api.get(`/search${api.qs({ ...withKind(state), size: PAGE, after: next, facets: 'none' })}`, { signal: ctrl.signal });
      appendHits(res.hits);
      setNext(res.next);
    } catch (e) {
      if (e.name !== 'AbortError') more.append(errorBox(e));
    } finally {
      loading = false;
    }
  }

  function appendHits(hits) {
    for (const hit of hits) list.append(state.kind === 'message' ? messageHit(hit) : conversationHit(hit));
  }

  function renderFacets(fs) {
    facetList(facets, fs, {
      filters: FILTERS, titles: FACET_TITLES, state: () => state, update, disableEmpty: true,
      order: (name, terms) => { if (name === 'severity') terms.sort((a, b) => (SEV_RANK[b.term] || 0) - (SEV_RANK[a.term] || 0)); },
      label: (name, t) => {
        if (name === 'finding_type') return badge(t.term);
        return t.term === '' ? '(not set)' : termLabel(name, t);
      },
    });
    const dates = fs.date || [];
    if (dates.length) facets.append(dateFacet(dates));
  }

  function dateFacet(dates) {
    const max = Math.max(...dates.map((d) => d.count), 1);
    const bars = h('div', { class: 'date-bars' });
    for (const d of dates) {
      const bar = h('span', { class: 'bar' });
      bar.style.height = `${Math.max(4, Math.round((d.count / max) * 100))}%`;
      bars.append(h('button', {
        type: 'button', class: 'date-bar', title: `${d.term}: ${fmtNum(d.count)}`, 'aria-label': `${d.term}: ${d.count} — filter to this period`,
        onclick: () => {
          const [y, m, day] = d.term.split('-');
          if (day) update({ from: d.term, to: d.term });
          else update({ from: `${y}-${m}-01`, to: new Date(Date.UTC(+y, +m, 0)).toISOString().slice(0, 10) });
        },
      }, bar));
    }
    return h('fieldset', { class: 'facet' }, h('legend', null, FACET_TITLES.date), bars,
      h('div', { class: 'date-range muted' }, h('span', null, dates[0].term), h('span', null, dates[dates.length - 1].term)));
  }

  run();
}

// who names a hit's user from the hit alone: search results carry the name,
// email and avatar seed, so no user directory is fetched.
function who(hit) {
  const name = hit.user_name || hit.user_email || hit.user_id || 'Unknown user';
  return { name, seed: hit.user_avatar_seed || hit.user_id || name };
}

function messageHit(hit) {
  const u = who(hit);
  const assistant = hit.role === 'assistant';
  const convURL = `/conversations/${encodeURIComponent(hit.conversation_id)}#m-${encodeURIComponent(hit.id)}`;
  return h('article', { class: ['hit', hit.finding_count > 0 && 'flagged'], dataset: { id: hit.id } },
    h('div', { class: 'hit-side' }, assistant ? providerLogo(hit.provider) : avatar(u.name, u.seed)),
    h('div', { class: 'hit-main' },
      h('div', { class: 'hit-meta' },
        h('strong', null, assistant ? 'Claude' : u.name),
        assistant ? h('span', { class: 'muted' }, `to ${u.name}`) : null,
        hit.model ? h('span', { class: 'chip model' }, hit.model) : null,
        productChip(hit),
        timeEl(hit.created_at),
        hit.source ? h('span', { class: 'muted small' }, sourceLabel(hit.source)) : null),
      h('a', { class: 'hit-title', href: convURL }, hit.title || 'Untitled conversation'),
      snippet(hit.snippet),
      h('div', { class: 'hit-foot' },
        h('div', { class: 'badges' }, ...(hit.finding_types || []).map((t) => badge(t)),
          ...(hit.tools || []).map((t) => h('span', { class: 'chip tool' }, icon('tool'), t))),
        h('a', { class: 'btn-link small', href: `/messages/${encodeURIComponent(hit.id)}` }, 'Message view'))));
}

function conversationHit(hit) {
  const u = who(hit);
  return h('article', { class: ['hit', hit.finding_count > 0 && 'flagged'], dataset: { id: hit.id } },
    h('div', { class: 'hit-side' }, avatar(u.name, u.seed)),
    h('div', { class: 'hit-main' },
      h('div', { class: 'hit-meta' }, h('strong', null, u.name), hit.model ? h('span', { class: 'chip model' }, providerLogo(hit.provider, 'xs'), hit.model) : null, productChip(hit), timeEl(hit.created_at)),
      h('a', { class: 'hit-title', href: `/conversations/${encodeURIComponent(hit.conversation_id || hit.id)}` }, hit.title || 'Untitled conversation'),
      snippet(hit.snippet),
      h('div', { class: 'hit-foot' },
        h('div', { class: 'badges' }, ...(hit.finding_types || []).map((t) => badge(t))),
        h('span', { class: 'muted small match-count', dataset: { matches: String(hit.match_count || 0) } },
          hit.match_count ? `${fmtNum(hit.match_count)} matching of ` : '', `${fmtNum(hit.message_count)} messages`,
          hit.finding_count ? ` · ${fmtNum(hit.finding_count)} flagged` : ''))));
}

// productChip names the product of a session, or of a chat outside
// claude.ai; ordinary claude.ai chats carry none, as before sessions.
function productChip(hit) {
  if (!hit.product || (hit.product === 'claude_ai' && hit.conversation_kind !== 'session')) return null;
  const label = productLabel(hit.product) + (hit.conversation_kind === 'session' ? ' session' : '');
  return h('span', { class: 'chip product', dataset: { product: hit.product } }, label);
}

// helpPopover explains the query syntax. It is a disclosure: a button with
// aria-expanded and a panel that Escape or a click outside closes.
function helpPopover() {
  const rows = [
    ['aws key', 'messages with both words (ranked)'],
    ['"api key"', 'the exact phrase'],
    ['+deploy -staging', 'must have deploy, must not have staging'],
    ['title:"q3 plan"', 'match in the conversation title'],
    ['model:claude-opus-4-1', 'field match (model, role, user_name, tool, finding_type)'],
    ['pass*', 'prefix wildcard'],
    ['secret~1', 'fuzzy: one edit away'],
  ];
  const panel = h('div', { class: 'popover', id: 'syntax-help', role: 'dialog', 'aria-label': 'Search syntax', hidden: true },
    h('h3', null, 'Search syntax'),
    h('p', { class: 'muted small' }, 'Bleve query-string syntax. Filters in the sidebar combine with the query.'),
    h('table', { class: 'syntax' }, h('tbody', null, ...rows.map(([a, b]) => h('tr', null, h('td', null, h('code', null, a)), h('td', null, b))))),
    h('p', { class: 'muted small' }, 'Press / anywhere to jump to the search box.'));
  const button = h('button', { type: 'button', class: 'btn-icon', id: 'syntax-help-btn', 'aria-expanded': 'false', 'aria-controls': 'syntax-help', title: 'Search syntax help', onclick: () => (panel.hidden ? open() : close()) }, icon('help', 'Search syntax help'));
  const onDoc = (e) => { if (!panel.contains(e.target) && !button.contains(e.target)) close(); };
  const onKey = (e) => { if (e.key === 'Escape') { close(); button.focus(); } };
  function open() {
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    document.addEventListener('mousedown', onDoc);
    document.addEventListener('keydown', onKey);
  }
  function close() {
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('mousedown', onDoc);
    document.removeEventListener('keydown', onKey);
  }
  return { button, panel, close };
}
