// DOM helpers. Everything the UI shows from the API goes through h() or
// text(), which only ever create nodes and set textContent: chat content is
// hostile, so no string from the server becomes markup here. The two
// exceptions (sanitized markdown HTML and <mark>-only snippets) live in
// markdown.js and snippet.js.
//
// Every string shown also goes through reveal.js: invisible and
// direction-changing characters become visible markers, so no text on any
// page can hide or reorder itself (titles, names, file names, previews).
import { revealParts, revealString } from './reveal.js';

// Attributes a reader sees (tooltips, labels) get the text form of the
// markers; the others (href, data-*, value) carry data and stay exact.
const SHOWN_ATTRS = new Set(['title', 'aria-label', 'alt', 'placeholder']);
// Elements whose content is text only: markers there are written as text.
const TEXT_ONLY = new Set(['OPTION', 'TITLE', 'TEXTAREA', 'STYLE', 'SCRIPT']);

// h builds an element. attrs: class, text, on* listeners (functions),
// dataset (object), boolean attributes (true/false), anything else as an
// attribute. Children may be nodes, strings (as text) or arrays; null and
// false are skipped.
export function h(tag, attrs, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
      else if (k === 'text') append(el, [v]);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value' && 'value' in el) el.value = v;
      else if (k === 'checked' || k === 'selected') el[k] = !!v;
      else if (SHOWN_ATTRS.has(k)) el.setAttribute(k, v === true ? '' : revealString(String(v)));
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  const textOnly = el.namespaceURI !== 'http://www.w3.org/1999/xhtml' || TEXT_ONLY.has(el.tagName);
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    if (c instanceof Node) el.append(c);
    else if (textOnly) el.append(document.createTextNode(revealString(String(c))));
    else el.append(...revealParts(String(c))); // strings become Text nodes, never markup
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const timeFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function fmtDate(s) {
  const d = new Date(s);
  return isNaN(d) ? '' : dateFmt.format(d);
}

export function fmtTime(s) {
  const d = new Date(s);
  return isNaN(d) ? '' : timeFmt.format(d);
}

// timeEl is a <time> whose title carries the exact UTC instant.
export function timeEl(s, short) {
  if (!s || s.startsWith('0001-')) return null;
  return h('time', { datetime: s, title: s }, short ? fmtDate(s) : fmtTime(s));
}

export function fmtNum(n) {
  return new Intl.NumberFormat().format(n || 0);
}

export function fmtBytes(n) {
  if (!n) return '';
  const u = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

// isoDay is the YYYY-MM-DD of a date in UTC, for <input type=date> values.
export function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

let toastTimer;
export function toast(msg, kind) {
  const el = document.getElementById('toast');
  el.textContent = msg;
  el.className = `toast show ${kind || ''}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = 'toast'; }, 4000);
}

// errorBox shows an API or network error inline, as text.
export function errorBox(err) {
  return h('div', { class: 'notice error', role: 'alert' }, err && err.message ? err.message : String(err));
}

export function spinner(label) {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spin', 'aria-hidden': 'true' }), label || 'Loading…');
}

// icon returns a small inline SVG from a fixed set of paths (no external
// sprite: CSP and offline use).
const ICONS = {
  search: 'M11 4a7 7 0 1 0 4.2 12.6l4.1 4.1 1.4-1.4-4.1-4.1A7 7 0 0 0 11 4zm0 2a5 5 0 1 1 0 10 5 5 0 0 1 0-10z',
  flag: 'M5 3h2v18H5zM8 4h10l-2 4 2 4H8z',
  copy: 'M8 8h11v13H8zM5 3h11v3H7v11H5z',
  check: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z',
  chevron: 'M8 5l8 7-8 7z',
  up: 'M12 6l7 8H5z',
  down: 'M12 18l-7-8h14z',
  help: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 15h-2v-2h2zm1.9-7.2-.9.9c-.7.7-1 1.3-1 2.3h-2v-.5c0-1.1.4-2 1.1-2.8l1.2-1.2A1.7 1.7 0 0 0 12 7.5a1.7 1.7 0 0 0-1.7 1.7H8.5a3.5 3.5 0 1 1 6.4 2z',
  download: 'M11 3h2v10l3.5-3.5 1.4 1.4L12 16.8l-5.9-5.9 1.4-1.4L11 13zM4 19h16v2H4z',
  tool: 'M21 7.5 17.5 11 13 6.5 16.5 3a5 5 0 0 0-6.3 6.3L3 16.5 7.5 21l7.2-7.2A5 5 0 0 0 21 7.5z',
  file: 'M6 2h8l6 6v14H6zM13 3.5V9h5.5',
  brain: 'M9 3a3 3 0 0 0-3 3 3 3 0 0 0-2 5 3 3 0 0 0 2 5 3 3 0 0 0 3 3 3 3 0 0 0 3-1 3 3 0 0 0 3 1 3 3 0 0 0 3-3 3 3 0 0 0 2-5 3 3 0 0 0-2-5 3 3 0 0 0-3-3 3 3 0 0 0-3 1 3 3 0 0 0-3-1z',
  branch: 'M6 3a2 2 0 1 0 1 3.7V17.3A2 2 0 1 0 8 21a2 2 0 0 0-1-3.7v-3.1c1.2 1 2.9 1.8 5 1.8h2.3a2 2 0 1 0 0-2H12c-2.8 0-5-1.8-5-4V6.7A2 2 0 0 0 6 3z',
  trash: 'M9 3h6l1 2h4v2H4V5h4zM6 8h12l-1 13H7z',
  lock: 'M12 2a5 5 0 0 0-5 5v3H5v12h14V10h-2V7a5 5 0 0 0-5-5zm-3 8V7a3 3 0 0 1 6 0v3z',
  link: 'M10.6 13.4a1 1 0 0 0 1.4 0l4-4a3 3 0 0 0-4.2-4.2l-1.3 1.3 1.4 1.4 1.3-1.3a1 1 0 0 1 1.4 1.4l-4 4a1 1 0 0 0 0 1.4zm2.8-2.8a1 1 0 0 0-1.4 0l-4 4a3 3 0 0 0 4.2 4.2l1.3-1.3-1.4-1.4-1.3 1.3a1 1 0 0 1-1.4-1.4l4-4a1 1 0 0 0 0-1.4z',
};

export function icon(name, label) {
  const svg = h('svg:svg', { viewBox: '0 0 24 24', class: `icon icon-${name}`, 'aria-hidden': label ? null : 'true', role: label ? 'img' : null, focusable: 'false' });
  if (label) svg.append(h('svg:title', null, label));
  svg.append(h('svg:path', { d: ICONS[name] || '', fill: 'currentColor' }));
  return svg;
}
