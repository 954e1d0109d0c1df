import { h, errorBox, spinner, fmtNum, clear } from '../dom.js';
import * as api from '../api.js';
import { barChart, lineChart } from '../charts.js';
import { typeClass, typeLabel } from '../findings.js';
import { users } from '../users.js';
import { productLabel } from '../products.js';

export async function analyticsView(main, ctx) {
  const page = h('div', { class: 'page analytics' }, h('div', { class: 'page-head' }, h('h1', null, 'Analytics')));
  main.append(page);
  page.append(spinner());
  const from = ctx.query.get('from') || '';
  const to = ctx.query.get('to') || '';
  const product = ctx.query.get('product') || '';
  let a;
  try {
    a = await api.get(`/analytics${api.qs({ from, to, product })}`);
  } catch (e) {
    clear(page);
    page.append(errorBox(e));
    return;
  }
  const dir = await users();
  clear(page);
  // The range applies to the index-backed charts (findings over time, top
  // users); the counters are all-time, as the API documents.
  const fromIn = h('input', { type: 'date', id: 'an-from', value: from });
  const toIn = h('input', { type: 'date', id: 'an-to', value: to });
  // The product filter narrows the top users and the trend, like the range.
  const products = Object.keys(a.messages_per_product || {}).sort();
  if (product && !products.includes(product)) products.push(product);
  const productIn = h('select', { id: 'an-product' }, h('option', { value: '' }, 'All products'),
    ...products.map((p) => h('option', { value: p }, productLabel(p))));
  productIn.value = product;
  const apply = () => ctx.navigate(`/analytics${api.qs({ from: fromIn.value, to: toIn.value, product: productIn.value })}`);
  fromIn.addEventListener('change', apply);
  toIn.addEventListener('change', apply);
  productIn.addEventListener('change', apply);
  page.append(h('div', { class: 'page-head' }, h('h1', null, 'Analytics'), h('span', { class: 'grow' }),
    h('label', { class: 'inline', for: 'an-from' }, 'Findings from', fromIn), h('label', { class: 'inline', for: 'an-to' }, 'to', toIn),
    h('label', { class: 'inline', for: 'an-product' }, 'in', productIn)));
  const stat = (label, v, cls) => h('div', { class: ['stat', cls] }, h('span', { class: 'stat-v' }, fmtNum(v)), h('span', { class: 'stat-l' }, label));
  page.append(h('div', { class: 'stats' },
    stat('Messages', a.messages), stat('Conversations', a.conversations),
    stat('Sessions', (a.conversations_per_kind || {}).session || 0), stat('Users', a.users),
    stat('Flagged messages', a.flagged_messages, 'warn')));

  const entries = (o) => Object.entries(o || {});
  const perDay = entries(a.messages_per_day).sort((x, y) => x[0].localeCompare(y[0])).map(([label, value]) => ({ label, value }));
  const name = (id) => (dir.get(id) ? dir.get(id).display_name : id);
  const perUser = entries(a.messages_per_user).map(([id, value]) => ({ label: name(id), value })).sort((x, y) => y.value - x.value).slice(0, 20);
  const perModel = entries(a.messages_per_model).map(([label, value]) => ({ label, value })).sort((x, y) => y.value - x.value);
  const top = (a.top_users_by_findings || []).map((t) => ({ label: t.label || name(t.term), value: t.count }));
  const byProduct = (o) => entries(o).map(([p, value]) => ({ label: productLabel(p), value })).sort((x, y) => y.value - x.value);

  const trend = entries(a.findings_over_time);
  const labels = [...new Set(trend.flatMap(([, b]) => (b || []).map((x) => x.term)))].sort();
  const series = trend.map(([t, b]) => ({ name: typeLabel(t), cls: typeClass(t), points: (b || []).map((x) => ({ label: x.term, value: x.count })) }));

  page.append(h('div', { class: 'charts' },
    barChart('Messages per day', perDay, { labelHead: 'Day' }),
    lineChart('Flagged messages by detection type', labels, series),
    barChart('Messages per user', perUser, { labelHead: 'User', cls: 'alt' }),
    barChart('Messages per model', perModel, { labelHead: 'Model', cls: 'alt2' }),
    barChart('Findings by product', byProduct(a.findings_per_product), { labelHead: 'Product', cls: 'warn' }),
    barChart('Messages by product', byProduct(a.messages_per_product), { labelHead: 'Product', cls: 'alt' }),
    barChart(product ? `Top users by flagged messages in ${productLabel(product)}` : 'Top users by flagged messages', top, { labelHead: 'User', cls: 'warn' })));
}
