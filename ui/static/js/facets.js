// The filter facets of the search views (Logs, Activity): one checkbox
// group per facet, with the selected terms kept even when the page's counts
// no longer list them, so a filter can always be taken off.
import { h, clear, fmtNum } from './dom.js';

// renderFacets fills box from the API's facets fs. state() is the view's
// current state, each filter's selected terms (and from, to), read again
// when a box is ticked: the view may have moved on since the render.
// update applies a change to it.
// label(name, t) is what a term shows; order(name, terms) may reorder a
// facet's terms in place; disableEmpty disables the empty term, counted
// but not filterable (a record without the field).
export function renderFacets(box, fs, { filters, titles, state: current, update, label, order, disableEmpty = false }) {
  const state = current();
  clear(box);
  box.append(h('h2', { class: 'sr-only' }, 'Filters'));
  if (filters.some((f) => state[f].length) || state.from || state.to) {
    box.append(h('button', { type: 'button', class: 'btn-link clear-filters', onclick: () => update(Object.fromEntries([...filters.map((f) => [f, []]), ['from', ''], ['to', '']])) }, 'Clear all filters'));
  }
  for (const name of filters) {
    const terms = [...(fs[name] || [])];
    if (order) order(name, terms);
    for (const sel of state[name]) if (!terms.some((t) => t.term === sel)) terms.push({ term: sel, count: 0 });
    if (terms.length === 0) continue;
    const group = h('fieldset', { class: 'facet', dataset: { facet: name } }, h('legend', null, titles[name]));
    terms.slice(0, 12).forEach((t, i) => {
      const id = `f-${name}-${i}`;
      const cb = h('input', {
        type: 'checkbox', id, value: t.term, checked: state[name].includes(t.term), disabled: disableEmpty && t.term === '',
        onchange: () => {
          const sel = current()[name];
          update({ [name]: cb.checked ? [...sel, t.term] : sel.filter((x) => x !== t.term) });
        },
      });
      group.append(h('div', { class: 'facet-row' }, cb, h('label', { for: id }, label(name, t)),
        h('span', { class: 'count', dataset: { term: t.term } }, fmtNum(t.count))));
    });
    box.append(group);
  }
}
