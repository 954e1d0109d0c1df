// charts.js draws small SVG charts. Every bar or point has a <title> (the
// browser's own tooltip, read by screen readers too) and a hover readout;
// every chart comes with the same numbers as a table.
import { h, fmtNum } from './dom.js';

const W = 640;
const H = 220;
const PAD = { l: 44, r: 16, t: 12, b: 28 };

// niceMax rounds the axis up so its four steps are whole, round numbers
// (counts have no fractions).
function niceMax(v) {
  const raw = Math.max(1, v) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= raw && Number.isInteger(m * p)) return Math.max(4, m * p * 4);
  return Math.ceil(raw) * 4;
}

function axis(svg, max) {
  const ih = H - PAD.t - PAD.b;
  for (let i = 0; i <= 4; i++) {
    const y = PAD.t + ih - (ih * i) / 4;
    svg.append(h('svg:line', { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, class: 'grid' }),
      h('svg:text', { x: PAD.l - 6, y: y + 4, class: 'tick', 'text-anchor': 'end' }, fmtNum(Math.round((max * i) / 4))));
  }
}

function readout() {
  return h('div', { class: 'readout', 'aria-hidden': 'true' }, '\u00a0');
}

// barChart: data [{label, value}] in order.
export function barChart(title, data, opts = {}) {
  const svg = h('svg:svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  const ro = readout();
  if (!data.length) return chartBox(title, h('p', { class: 'muted' }, 'No data yet.'), data, opts);
  const max = niceMax(Math.max(...data.map((d) => d.value)));
  axis(svg, max);
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const bw = iw / data.length;
  const every = Math.ceil(data.length / 8);
  data.forEach((d, i) => {
    const bh = (d.value / max) * ih;
    const x = PAD.l + i * bw;
    const rect = h('svg:rect', { x: x + bw * 0.12, y: PAD.t + ih - bh, width: Math.max(1, bw * 0.76), height: Math.max(0, bh), rx: 2, class: `bar ${opts.cls || ''}`, tabindex: '0' },
      h('svg:title', null, `${d.label}: ${fmtNum(d.value)}`));
    const show = () => { ro.textContent = `${d.label}: ${fmtNum(d.value)}`; };
    rect.addEventListener('mouseenter', show);
    rect.addEventListener('focus', show);
    svg.append(rect);
    if (i % every === 0) svg.append(h('svg:text', { x: x + bw / 2, y: H - 8, class: 'tick', 'text-anchor': 'middle' }, short(d.label)));
  });
  return chartBox(title, h('div', null, svg, ro), data, opts);
}

// lineChart: series [{name, cls, points: [{label, value}]}] over shared labels.
export function lineChart(title, labels, series) {
  const svg = h('svg:svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  const ro = readout();
  const all = series.flatMap((s) => s.points.map((p) => p.value));
  if (!labels.length || !all.length) return chartBox(title, h('p', { class: 'muted' }, 'No data yet.'), []);
  const max = niceMax(Math.max(...all));
  axis(svg, max);
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const x = (i) => PAD.l + (labels.length === 1 ? iw / 2 : (iw * i) / (labels.length - 1));
  const y = (v) => PAD.t + ih - (v / max) * ih;
  for (const s of series) {
    const byLabel = new Map(s.points.map((p) => [p.label, p.value]));
    const pts = labels.map((l, i) => [x(i), y(byLabel.get(l) || 0), l, byLabel.get(l) || 0]);
    svg.append(h('svg:polyline', { points: pts.map((p) => `${p[0]},${p[1]}`).join(' '), class: `line ${s.cls}` }));
    for (const [px, py, l, v] of pts) {
      const c = h('svg:circle', { cx: px, cy: py, r: 3.5, class: `pt ${s.cls}`, tabindex: '0' }, h('svg:title', null, `${s.name} · ${l}: ${fmtNum(v)}`));
      const show = () => { ro.textContent = `${s.name} · ${l}: ${fmtNum(v)}`; };
      c.addEventListener('mouseenter', show);
      c.addEventListener('focus', show);
      svg.append(c);
    }
  }
  const every = Math.ceil(labels.length / 8);
  labels.forEach((l, i) => {
    if (i % every !== 0) return;
    const anchor = labels.length > 1 && i === labels.length - 1 ? 'end' : labels.length > 1 && i === 0 ? 'start' : 'middle';
    svg.append(h('svg:text', { x: x(i), y: H - 8, class: 'tick', 'text-anchor': anchor }, short(l)));
  });
  const legend = h('div', { class: 'legend' }, ...series.map((s) => h('span', { class: `key ${s.cls}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), s.name)));
  const rows = labels.map((l) => ({ label: l, values: series.map((s) => (s.points.find((p) => p.label === l) || { value: 0 }).value) }));
  return chartBox(title, h('div', null, legend, svg, ro), null, { table: tableOf(['Date', ...series.map((s) => s.name)], rows.map((r) => [r.label, ...r.values.map(fmtNum)])) });
}

function short(l) { return l.length > 12 ? `${l.slice(0, 11)}…` : l; }

function tableOf(head, rows) {
  return h('table', { class: 'data' }, h('thead', null, h('tr', null, ...head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, ...rows.map((r) => h('tr', null, ...r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', null, c)))))));
}

function chartBox(title, chart, data, opts = {}) {
  const table = opts.table || (data && data.length ? tableOf([opts.labelHead || 'Label', opts.valueHead || 'Count'], data.map((d) => [d.label, fmtNum(d.value)])) : null);
  return h('section', { class: 'card chart-card' }, h('h2', null, title), chart,
    table ? h('details', { class: 'chart-table' }, h('summary', null, 'Show as table'), h('div', { class: 'table-wrap' }, table)) : null);
}
