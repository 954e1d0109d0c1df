// Conversation view: the thread as claude.ai shows it, rendered in chunks so
// that a conversation of thousands of messages opens at once, with a
// highlight toggle, a findings side panel and next/previous flagged.
import { h, clear, icon, timeEl, fmtNum, errorBox, spinner } from '../dom.js';
import * as api from '../api.js';
import { avatar, providerLogo } from '../avatar.js';
import { badge } from '../findings.js';
import { lastLogs } from '../session.js';
import { renderMessage, findingId, findingRow } from '../thread.js';

const FIRST = 40; // messages drawn before the page is shown
const CHUNK = 120; // messages drawn each time the reader nears the end
const PANEL_MAX = 400;

const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

function plural(n, word) { return `${fmtNum(n)} ${word}${n === 1 ? '' : 's'}`; }

export async function conversationView(main, ctx) {
  const id = ctx.params[0];
  const page = h('div', { class: 'page conv' });
  main.append(page);
  page.append(spinner('Loading conversation…'));
  const ctrl = new AbortController();
  let observer = null;
  ctx.onCleanup(() => { ctrl.abort(); if (observer) observer.disconnect(); document.removeEventListener('keydown', onKey); });

  let data;
  try {
    data = await api.get(`/conversations/${encodeURIComponent(id)}`, { signal: ctrl.signal });
  } catch (e) {
    clear(page);
    page.append(h('a', { href: '/logs', class: 'back' }, '← Logs'), errorBox(e));
    return;
  }
  clear(page);
  const { conversation: conv, user, messages } = data;

  // siblings counts versions of each turn (children of the same parent) to
  // mark edits and retries.
  const siblings = new Map();
  for (const m of messages) if (m.parent_id) siblings.set(m.parent_id, (siblings.get(m.parent_id) || 0) + 1);

  const flaggedIdx = [];
  messages.forEach((m, i) => { if (m.findings && m.findings.length) flaggedIdx.push(i); });
  const totalFindings = messages.reduce((n, m) => n + m.findings.length, 0);

  const rendered = []; // index -> {el, highlight}
  let hlOn = ctx.query.get('highlight') === '1';
  let cursor = -1; // position in flaggedIdx of the last jump

  const head = h('header', { class: 'conv-head' },
    h('a', { href: lastLogs(), class: 'back' }, '← Logs'),
    h('h1', null, conv.title || 'Untitled conversation'),
    h('div', { class: 'conv-meta' },
      user ? h('span', { class: 'owner' }, avatar(user.display_name, user.avatar_seed || user.id, 'sm'), h('span', null, user.display_name), user.email && user.email !== user.display_name ? h('span', { class: 'muted' }, user.email) : null) : null,
      conv.model ? h('span', { class: 'chip model' }, providerLogo(conv.provider, 'xs'), conv.model) : null,
      h('span', { class: 'muted' }, conv.source === 'export' ? 'Data export' : 'Compliance API'),
      timeEl(conv.created_at),
      h('span', { class: 'muted' }, `${fmtNum(messages.length)} messages`),
      totalFindings ? h('span', { class: 'flag-count' }, icon('flag'), `${plural(totalFindings, 'finding')} in ${plural(flaggedIdx.length, 'message')}`) : null));
  page.append(head);

  if (conv.deleted_at) {
    page.append(h('div', { class: 'banner deleted', role: 'note', id: 'deleted-banner' },
      icon('trash'), h('span', null, h('strong', null, 'Deleted in claude.ai'), ' on ', timeEl(conv.deleted_at),
        '. ccsync keeps the record because the audit trail must outlive the user\u2019s deletion.')));
  }

  const toggle = h('input', { type: 'checkbox', id: 'hl-toggle', checked: hlOn, onchange: () => setHighlight(toggle.checked) });
  const pos = h('span', { class: 'muted small', id: 'flag-pos', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'btn', id: 'prev-flagged', disabled: !flaggedIdx.length, onclick: () => step(-1), title: 'Previous flagged message (p)' }, icon('up'), 'Previous');
  const next = h('button', { type: 'button', class: 'btn', id: 'next-flagged', disabled: !flaggedIdx.length, onclick: () => step(1), title: 'Next flagged message (n)' }, icon('down'), 'Next flagged');
  page.append(h('div', { class: 'conv-toolbar' },
    h('label', { class: 'switch', for: 'hl-toggle' }, toggle, h('span', { class: 'track', 'aria-hidden': 'true' }), 'Highlight guardrail catches'),
    h('span', { class: 'grow' }),
    flaggedIdx.length ? pos : h('span', { class: 'muted small' }, 'No findings in this conversation'),
    prev, next));

  const thread = h('div', { class: 'thread', id: 'thread' });
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
  const panel = h('aside', { class: 'findings-panel', id: 'findings-panel', 'aria-label': 'Detected sensitive data', hidden: !hlOn });
  page.append(h('div', { class: ['conv-body', hlOn && 'with-panel'] }, h('div', { class: 'thread-col' }, thread, sentinel), panel));
  const body = page.querySelector('.conv-body');

  function renderUpTo(n) {
    n = Math.min(n, messages.length);
    const frag = document.createDocumentFragment();
    for (let i = rendered.length; i < n; i++) {
      const m = messages[i];
      const r = renderMessage(m, { user, provider: conv.provider, siblings, index: i, link: `/messages/${encodeURIComponent(m.id)}` });
      rendered.push(r);
      if (hlOn) r.highlight(true);
      frag.append(r.el);
    }
    thread.append(frag);
    sentinel.hidden = rendered.length >= messages.length;
  }

  observer = new IntersectionObserver((es) => { if (es.some((e) => e.isIntersecting)) renderUpTo(rendered.length + CHUNK); }, { rootMargin: '1200px' });
  observer.observe(sentinel);

  function setHighlight(on) {
    hlOn = on;
    toggle.checked = on;
    for (const r of rendered) r.highlight(on);
    panel.hidden = !on;
    body.classList.toggle('with-panel', on);
    const u = new URL(location.href);
    if (on) u.searchParams.set('highlight', '1'); else u.searchParams.delete('highlight');
    history.replaceState(null, '', u.pathname + u.search + u.hash);
    if (on) fillPanel();
  }

  let panelFilled = false;
  function fillPanel() {
    if (panelFilled) return;
    panelFilled = true;
    const counts = {};
    for (const m of messages) for (const f of m.findings) counts[f.type] = (counts[f.type] || 0) + 1;
    panel.append(h('h2', null, 'Detected sensitive data'),
      h('div', { class: 'legend' }, ...Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([t, n]) => badge(t, n))));
    if (!totalFindings) {
      panel.append(h('p', { class: 'muted' }, 'Nothing was detected in this conversation.'));
      return;
    }
    const list = h('ol', { class: 'finding-list' });
    let shown = 0;
    for (const i of flaggedIdx) {
      const m = messages[i];
      for (let fi = 0; fi < m.findings.length && shown < PANEL_MAX; fi++, shown++) {
        const label = `${m.role === 'human' ? 'User' : 'Claude'} · message ${i + 1}`;
        list.append(findingRow(m.findings[fi], label, () => jumpTo(i, fi)));
      }
    }
    panel.append(list);
    if (totalFindings > shown) panel.append(h('p', { class: 'muted small' }, `and ${fmtNum(totalFindings - shown)} more — use Next flagged to walk them.`));
  }

  // jumpTo shows message i (and finding fi in it when highlights are on).
  function jumpTo(i, fi) {
    if (i >= rendered.length) renderUpTo(i + CHUNK);
    const r = rendered[i];
    let target = r.el;
    if (fi !== undefined && hlOn) target = document.getElementById(findingId(i, fi)) || r.el;
    const d = target.closest('details');
    if (d) d.open = true;
    target.scrollIntoView({ block: 'center', behavior: reducedMotion() ? 'auto' : 'smooth' });
    target.focus({ preventScroll: true });
    for (const x of thread.querySelectorAll('.flash')) x.classList.remove('flash');
    target.classList.add('flash');
    const c = flaggedIdx.indexOf(i);
    if (c >= 0) cursor = c;
    updatePos();
    // The URL follows the reader, so a link shared now opens here.
    history.replaceState(null, '', `${location.pathname}${location.search}#m-${encodeURIComponent(messages[i].id)}`);
  }

  function step(dir) {
    if (!flaggedIdx.length) return;
    cursor = cursor < 0 ? (dir > 0 ? 0 : flaggedIdx.length - 1) : (cursor + dir + flaggedIdx.length) % flaggedIdx.length;
    jumpTo(flaggedIdx[cursor], hlOn ? 0 : undefined);
  }

  function updatePos() {
    pos.textContent = cursor < 0 ? `${flaggedIdx.length} flagged` : `${cursor + 1} of ${flaggedIdx.length} flagged`;
  }

  function onKey(e) {
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName) || e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === 'n') { e.preventDefault(); step(1); }
    if (e.key === 'p') { e.preventDefault(); step(-1); }
  }
  document.addEventListener('keydown', onKey);

  // Open at the anchored message (from a search hit) or at the top.
  const anchor = ctx.hash.startsWith('m-') ? decodeURIComponent(ctx.hash.slice(2)) : '';
  const at = anchor ? messages.findIndex((m) => m.id === anchor) : -1;
  renderUpTo(Math.max(FIRST, at + 20));
  updatePos();
  if (hlOn) fillPanel();
  if (at >= 0) {
    const el = rendered[at].el;
    el.classList.add('target');
    requestAnimationFrame(() => { el.scrollIntoView({ block: 'center' }); el.focus({ preventScroll: true }); });
    const c = flaggedIdx.indexOf(at);
    if (c >= 0) { cursor = c; updatePos(); }
  }
}
