// Conversation view: the thread as claude.ai shows it, rendered in chunks so
// that a conversation of thousands of messages opens at once, with a
// highlight toggle, a findings side panel and next/previous flagged.
import { h, clear, icon, timeEl, fmtNum, errorBox, spinner } from '../dom.js';
import * as api from '../api.js';
import { avatar, providerLogo } from '../avatar.js';
import { badge } from '../findings.js';
import { lastLogs } from '../session.js';
import { renderMessage, findingId, findingRow } from '../thread.js';
import { messageMatters, conversationMatters } from '../holds.js';

const FIRST = 40; // messages drawn before the page is shown
const CHUNK = 120; // messages drawn each time the reader nears the end
const PANEL_MAX = 400;

const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

function plural(n, word) { return `${fmtNum(n)} ${word}${n === 1 ? '' : 's'}`; }

// Product facet values (model.Product*); a surface the API adds later is
// shown as its raw value.
const PRODUCTS = {
  claude_ai: 'Claude.ai', claude_code: 'Claude Code', cowork: 'Cowork', claude_science: 'Claude Science',
  office_agents: 'Microsoft 365', claude_in_chrome: 'Claude in Chrome', unknown_surface: 'Unknown surface',
};
export function productLabel(p) { return PRODUCTS[p || 'claude_ai'] || p; }

// pairTools maps each tool_use id to the message holding the call and the
// one holding its result: in sessions they are separate turns.
export function pairTools(messages) {
  const pairs = new Map();
  const get = (id) => { if (!pairs.has(id)) pairs.set(id, {}); return pairs.get(id); };
  messages.forEach((m, i) => {
    for (const b of m.blocks) {
      if (!b.tool_use_id) continue;
      if (b.type === 'tool_use') get(b.tool_use_id).call = { index: i, name: b.tool_name, input: b.tool_input || '' };
      else if (b.type === 'tool_result' && get(b.tool_use_id).result === undefined) get(b.tool_use_id).result = i;
    }
  });
  return pairs;
}

// artifactVersions lists each artifact's version ids in conversation order.
export function artifactVersions(messages) {
  const out = new Map();
  for (const m of messages) {
    for (const f of m.files || []) {
      if (f.kind !== 'artifact' || !f.artifact_id) continue;
      const v = f.version_id || f.id;
      const list = out.get(f.artifact_id) || [];
      if (!list.includes(v)) list.push(v);
      out.set(f.artifact_id, list);
    }
  }
  return out;
}

// deletedBanner says who removed the conversation upstream and that ccsync
// kept it.
export function deletedBanner(conv) {
  if (!conv.deleted_at) return null;
  let lead;
  if (conv.deleted_by === 'upstream') lead = [h('strong', null, 'Gone from the Compliance API'), ' since ', timeEl(conv.deleted_at), '; archived content kept.'];
  else if (conv.deleted_by === 'user') lead = [h('strong', null, 'Deleted by the user'), ' on ', timeEl(conv.deleted_at), '; archived content kept.'];
  else lead = [h('strong', null, 'Deleted in claude.ai'), ' on ', timeEl(conv.deleted_at), '. ccsync keeps the record because the audit trail must outlive the user\u2019s deletion.'];
  return h('div', { class: 'banner deleted', role: 'note', id: 'deleted-banner', dataset: { deletedBy: conv.deleted_by || '' } }, icon('trash'), h('span', null, ...lead));
}

// sessionMeta is the header line of an agent session: what the API says
// (surface, status, workspace, agent) and what ccsync inferred, labelled so.
export function sessionMeta(conv, startedBy) {
  if (conv.kind !== 'session') return null;
  const inferred = h('span', { class: 'inferred', title: 'The API gives sessions no such field: ccsync inferred it from the transcript' }, 'inferred');
  return h('div', { class: 'conv-meta session-meta', id: 'session-meta' },
    conv.surface ? h('span', { class: 'chip', title: 'product_surface as the API reports it' }, conv.surface) : null,
    conv.status ? h('span', { class: ['chip', 'status', `status-${conv.status}`], id: 'session-status' }, conv.status) : null,
    conv.workdir ? h('span', { class: 'workdir', id: 'session-workdir' }, 'Working directory ', h('code', null, conv.workdir), ' ', inferred.cloneNode(true)) : null,
    conv.agent_id ? h('span', { class: 'muted' }, 'Agent ', h('code', null, conv.agent_id)) : null,
    startedBy ? h('span', { class: 'muted' }, 'started by ', startedBy.display_name) : null,
    conv.workspace_id ? h('span', { class: 'muted' }, 'Workspace ', h('code', null, conv.workspace_id)) : null);
}

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
  const startedBy = data.started_by || null;
  const pairs = pairTools(messages);
  const versions = artifactVersions(messages);

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
    h('h1', null, h('span', { class: ['chip', 'product', `product-${conv.product || 'claude_ai'}`], id: 'product-badge' }, productLabel(conv.product)), ' ',
      conv.title || (conv.kind === 'session' ? 'Untitled session' : 'Untitled conversation'),
      conv.title && conv.title_derived ? h('span', { class: 'inferred', id: 'title-inferred', title: 'The API gives sessions no title: this is the first thing the user typed' }, 'inferred title') : null),
    h('div', { class: 'conv-meta' },
      user ? h('span', { class: 'owner' }, avatar(user.display_name, user.avatar_seed || user.id, 'sm'), h('span', null, user.display_name), user.email && user.email !== user.display_name ? h('span', { class: 'muted' }, user.email) : null) : null,
      conv.model ? h('span', { class: 'chip model' }, providerLogo(conv.provider, 'xs'), conv.model) : null,
      h('span', { class: 'muted' }, conv.source === 'export' ? 'Data export' : conv.kind === 'session' ? 'Compliance API · session' : 'Compliance API'),
      timeEl(conv.created_at),
      h('span', { class: 'muted' }, `${fmtNum(messages.length)} messages`),
      totalFindings ? h('span', { class: 'flag-count' }, icon('flag'), `${plural(totalFindings, 'finding')} in ${plural(flaggedIdx.length, 'message')}`) : null));
  const sm = sessionMeta(conv, startedBy);
  if (sm) head.append(sm);
  const holds = data.holds || {};
  const holdMatters = data.hold_matters || {};
  const heldMatters = conversationMatters(holds, holdMatters);
  if (heldMatters.length) {
    const n = Object.keys(holds).length;
    head.querySelector('h1').append(' ', h('span', { class: 'chip held', id: 'held-badge', title: `Under legal hold: ${heldMatters.join(', ')}` }, icon('lock'), 'Held'));
    head.append(h('div', { class: 'held-note', id: 'held-note', role: 'note' }, icon('lock'),
      h('span', null, `${plural(n, 'message')} under legal hold: `, h('span', { id: 'held-matters' }, heldMatters.join(', ')), '. Retention and deletion keep them.')));
  }
  page.append(head);

  const del = deletedBanner(conv);
  if (del) page.append(del);
  if (conv.truncated) {
    page.append(h('div', { class: 'banner truncated', role: 'note', id: 'truncated-banner' }, icon('flag'),
      h('span', null, h('strong', null, 'Truncated by the API'), ': the session has more than 100,000 calls and only the earliest 100,000 are returned.')));
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
      const r = renderMessage(m, { user, provider: conv.provider, siblings, index: i, link: `/messages/${encodeURIComponent(m.id)}`, pairs, jump: jumpToElement, artifactVersions: versions });
      rendered.push(r);
      const mm = messageMatters(holds, holdMatters, m.id);
      if (mm.length) {
        r.el.classList.add('held');
        r.el.querySelector('.msg-head')?.append(h('span', { class: 'chip held held-mark', title: `Under legal hold: ${mm.join(', ')}` }, icon('lock'), 'Held'));
      }
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
        const who = { human: 'User', assistant: 'Claude', tool: 'Tool output', system: 'Marker' }[m.role] || m.role;
        const label = `${who} · message ${i + 1}`;
        list.append(findingRow(m.findings[fi], label, () => jumpTo(i, fi)));
      }
    }
    panel.append(list);
    if (totalFindings > shown) panel.append(h('p', { class: 'muted small' }, `and ${fmtNum(totalFindings - shown)} more — use Next flagged to walk them.`));
  }

  // jumpToElement shows element elId inside message i (a paired tool call
  // or output).
  function jumpToElement(i, elId) {
    if (i >= rendered.length) renderUpTo(i + CHUNK);
    const el = document.getElementById(elId) || (rendered[i] && rendered[i].el);
    if (!el) return;
    if (el.tagName === 'DETAILS') el.open = true;
    el.scrollIntoView({ block: 'center', behavior: reducedMotion() ? 'auto' : 'smooth' });
    for (const x of thread.querySelectorAll('.flash')) x.classList.remove('flash');
    el.classList.add('flash');
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
