// The Re-scan card of Settings (admins): the detection engine's version,
// how many stored messages an older engine or another detector
// configuration scanned, a start button and the run's live progress over
// the progress socket (job kind "rescan").
import { h, clear, toast, fmtNum, timeEl, spinner } from '../dom.js';
import * as api from '../api.js';
import { subscribe, tracker } from '../progress.js';
import { progressWidget, card } from '../widgets.js';

export function rescanCard(ctx) {
  // data-rev counts redraws, so tests can tell a refresh landed.
  const holder = h('div', { id: 'rescan-card', dataset: { rev: '0' } }, spinner());
  const progress = progressWidget('rescan-progress', 'Re-scan progress', true);
  const eta = tracker();
  let status = null;

  const unsub = subscribe((ev) => {
    if (ev.kind !== 'rescan') return;
    if (status && status.job_id && ev.job !== status.job_id && ev.state !== 'running') return;
    progress.show(ev, eta(ev));
    if (['done', 'failed', 'cancelled'].includes(ev.state) && status && (status.running || status.job_id === ev.job)) refresh();
  });
  ctx.onCleanup(unsub);

  async function refresh() {
    try {
      status = await api.get('/rescan');
    } catch (e) {
      clear(holder);
      holder.append(card('Re-scan', h('p', { class: 'notice' }, e.message)));
      return;
    }
    draw();
  }

  function draw() {
    const st = status;
    const all = h('input', { id: 'rescan-all', type: 'checkbox' });
    const reason = st.running ? 'A re-scan is running.' : '';
    const start = h('button', {
      type: 'button', class: 'btn primary', id: 'rescan-start', disabled: !!reason, 'aria-describedby': 'rescan-reason',
      onclick: async () => {
        start.disabled = true;
        try {
          const r = await api.post('/rescan', { all: all.checked });
          status.running = true;
          status.job_id = r.job_id;
          // The job's first events can beat this response over the socket.
          if (progress.el.dataset.job !== r.job_id) progress.reset('Starting…');
          draw();
        } catch (e) {
          toast(e.message, 'error');
          start.disabled = false;
        }
      },
    }, st.interrupted && st.interrupted.stamp === st.stamp ? 'Resume re-scan' : 'Re-scan');
    const cancel = st.running ? h('button', {
      type: 'button', class: 'btn', id: 'rescan-cancel',
      onclick: async () => { try { await api.post('/rescan/cancel'); } catch (e) { toast(e.message, 'error'); } },
    }, 'Cancel') : null;
    const cp = st.interrupted;
    const last = st.last_run;
    clear(holder);
    holder.dataset.rev = String(+holder.dataset.rev + 1);
    holder.append(card('Re-scan',
      h('p', { class: 'muted' }, 'Re-runs today\u2019s detectors over stored messages, after an upgrade or a change of the detector configuration, so that findings, facets and analytics reflect the current engine.'),
      h('dl', { class: 'kv' },
        h('dt', null, 'Engine'), h('dd', null, h('code', { id: 'rescan-engine' }, st.engine), ' ', h('span', { class: 'muted small' }, '(', st.stamp, ')')),
        h('dt', null, 'Stale messages'), h('dd', null, h('strong', { id: 'rescan-stale' }, fmtNum(st.stale)), ` of ${fmtNum(st.messages)} scanned by another engine version or configuration`),
        last ? h('dt', null, 'Last run') : null,
        last ? h('dd', { id: 'rescan-last' }, `${fmtNum(last.scanned)} re-scanned, ${fmtNum(last.updated)} updated · `, timeEl(last.finished)) : null),
      cp ? h('p', { class: 'notice', id: 'rescan-interrupted' }, `A re-scan stopped at ${fmtNum(cp.done)} of ${fmtNum(cp.total)} messages; `,
        cp.stamp === st.stamp ? 'starting it again resumes there.' : 'the engine or configuration has changed since, so it starts over.') : null,
      h('label', { class: 'check', for: 'rescan-all' }, all, 'Re-scan every message, not only stale ones'),
      h('div', { class: 'actions' }, start, cancel, h('span', { class: 'muted small', id: 'rescan-reason' }, reason)),
      progress.el));
  }

  refresh();
  return holder;
}
