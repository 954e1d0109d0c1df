import { h, clear, fmtNum, fmtBytes, timeEl } from './dom.js';

// progressWidget shows one job's progress. Its element carries data-state
// (idle, running, waiting, done, failed, cancelled) for styling and tests.
export function progressWidget(id, label, hiddenUntilUsed) {
  const bar = h('progress', { id: `${id}-bar`, max: 1, value: 0, 'aria-label': label });
  const state = h('span', { class: 'pstate' }, 'Idle');
  const counts = h('span', { class: 'pcounts' });
  const note = h('div', { class: 'pnote muted small', 'aria-live': 'polite' });
  // waits keeps the job's waits (rate limits, retries) after they pass:
  // a run that was slowed down should say so when it is done.
  const waits = h('ul', { class: 'pwaits muted small', 'aria-label': 'Waits during this run' });
  let job = '';
  const el = h('div', { class: 'progress-box', id, dataset: { state: 'idle' }, hidden: !!hiddenUntilUsed },
    h('div', { class: 'prow' }, h('strong', null, label), state, h('span', { class: 'grow' }), counts), bar, note, waits);
  return {
    el,
    reset(text) {
      el.hidden = false;
      el.dataset.state = 'idle';
      bar.max = 1;
      bar.value = 0;
      state.textContent = text || 'Idle';
      counts.textContent = '';
      note.textContent = '';
      clear(waits);
      job = '';
    },
    // show renders a job event; eta is an optional estimate string.
    show(ev, eta) {
      el.hidden = false;
      if (ev.job !== job) {
        job = ev.job;
        clear(waits);
      }
      if (ev.state === 'waiting' && ev.message && waits.lastChild?.textContent !== ev.message) {
        waits.append(h('li', null, ev.message));
        while (waits.children.length > 5) waits.firstChild.remove();
      }
      el.dataset.state = ev.state;
      el.dataset.job = ev.job;
      const total = ev.total > 0 ? ev.total : 0;
      if (total) {
        bar.max = total;
        bar.value = Math.min(ev.done, total);
      } else if (ev.state === 'done') {
        bar.max = 1;
        bar.value = 1;
      } else if (ev.state === 'failed' || ev.state === 'cancelled') {
        // An ended job must not look busy: an empty bar, not a moving one.
        bar.max = 1;
        bar.value = 0;
      } else {
        bar.removeAttribute('value'); // indeterminate
      }
      const unit = ev.unit ? ` ${ev.unit}` : '';
      state.textContent = { running: 'Running', waiting: 'Waiting', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' }[ev.state] || ev.state;
      const c = ev.counters || {};
      // Zero counters other than the main ones are noise; a counter that
      // repeats the unit is already in "done / total".
      const main = ['chats', 'conversations', 'messages'];
      const parts = Object.entries(c).filter(([k, v]) => (v || main.includes(k)) && k !== ev.unit).map(([k, v]) => `${fmtNum(v)} ${k.replace(/_/g, ' ')}`);
      const n = (v) => (ev.unit === 'bytes' ? fmtBytes(v) || '0 B' : `${fmtNum(v)}${unit}`);
      const head = total ? `${ev.unit === 'bytes' ? fmtBytes(ev.done) || '0 B' : fmtNum(ev.done)} / ${n(total)}` : ev.done || ev.unit in c ? n(ev.done) : '';
      counts.textContent = [head, ...parts].filter(Boolean).join(' · ');
      note.textContent = [ev.message, eta].filter(Boolean).join(' — ');
    },
  };
}

// kvTable renders an arbitrary summary object (the sync's last run) as a
// definition list, all values as text; arrays of errors become a list.
export function kvTable(obj) {
  const dl = h('dl', { class: 'kv' });
  const lists = [];
  for (const [k, v] of Object.entries(obj || {})) {
    if (v === null || v === undefined || v === '') continue;
    const label = k.replace(/_/g, ' ');
    if (Array.isArray(v)) {
      if (v.length === 0) continue;
      lists.push(h('div', { class: 'kv-list' }, h('h4', null, `${label} (${v.length})`),
        h('ul', { class: label.includes('error') ? 'errors' : '' }, ...v.slice(0, 50).map((x) => h('li', null, typeof x === 'object' ? Object.values(x).join(' — ') : String(x))))));
      continue;
    }
    let val;
    if (typeof v === 'object') val = h('code', null, JSON.stringify(v));
    else if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) val = timeEl(v);
    else if (typeof v === 'number') val = fmtNum(v);
    else val = String(v);
    dl.append(h('dt', null, label), h('dd', null, val));
  }
  return h('div', null, dl, ...lists);
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

export function field(label, input, hint) {
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hint ? h('p', { class: 'hint', id: `${input.id}-hint` }, hint) : null);
}


