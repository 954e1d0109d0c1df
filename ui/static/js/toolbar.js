// The toolbar of the search views (Logs, Activity).
import { h, icon } from './dom.js';
import * as api from './api.js';

// searchToolbar builds the controls the search views share: flagged only,
// the date range, the order (sortOptions, [value, label] pairs) and the
// export links. Each control applies its change through update.
export function searchToolbar(state, update, sortOptions) {
  const flagged = h('input', { type: 'checkbox', id: 'flagged', checked: state.flagged, onchange: () => update({ flagged: flagged.checked }) });
  const from = h('input', { type: 'date', id: 'from', value: state.from, onchange: () => update({ from: from.value }) });
  const to = h('input', { type: 'date', id: 'to', value: state.to, onchange: () => update({ to: to.value }) });
  const sort = h('select', { id: 'sort', onchange: () => update({ sort: sort.value }) },
    ...sortOptions.map(([value, label]) => h('option', { value }, label)));
  sort.value = state.sort;
  const csv = h('a', { class: 'btn', id: 'export-csv', download: '' }, icon('download'), 'CSV');
  const jsonl = h('a', { class: 'btn', id: 'export-jsonl', download: '' }, icon('download'), 'JSON Lines');
  const toolbar = h('div', { class: 'toolbar' },
    h('label', { class: 'switch', for: 'flagged' }, flagged, h('span', { class: 'track', 'aria-hidden': 'true' }), icon('flag'), 'Flagged only'),
    h('label', { class: 'inline', for: 'from' }, 'From', from),
    h('label', { class: 'inline', for: 'to' }, 'To', to),
    h('label', { class: 'inline', for: 'sort' }, h('span', { class: 'sr-only' }, 'Sort'), sort),
    h('span', { class: 'grow' }),
    h('span', { class: 'export' }, h('span', { class: 'muted' }, 'Export'), csv, jsonl));
  return { toolbar, flagged, from, to, sort, csv, jsonl };
}

// syncToolbar shows state in the controls (after Back, say) and points the
// export links at the same search: exportPath with params.
export function syncToolbar(t, state, exportPath, params) {
  t.flagged.checked = state.flagged;
  t.from.value = state.from;
  t.to.value = state.to;
  t.sort.value = state.sort;
  const ex = api.qs(params);
  t.csv.href = `${exportPath}${ex}${ex ? '&' : '?'}format=csv`;
  t.jsonl.href = `${exportPath}${ex}${ex ? '&' : '?'}format=jsonl`;
}
