// The result list of the search views (Logs, Activity).
import { h, clear, errorBox, spinner } from './dom.js';

// firstPage shows a search's first page in list: a spinner (and
// aria-busy, which tests wait on) while load() runs, then render(res), or
// the error. An aborted load was replaced by a newer search, which owns
// the list now, so it leaves the list alone.
export async function firstPage(list, load, render) {
  clear(list);
  list.setAttribute('aria-busy', 'true');
  list.append(spinner('Searching…'));
  try {
    const res = await load();
    clear(list);
    list.removeAttribute('aria-busy');
    render(res);
  } catch (e) {
    if (e.name === 'AbortError') return;
    clear(list);
    list.removeAttribute('aria-busy');
    list.append(errorBox(e));
  }
}

// emptyNote says that nothing matched, and what to try.
export function emptyNote(what, hint) {
  return h('div', { class: 'empty' }, h('p', null, what), h('p', { class: 'muted' }, hint));
}
