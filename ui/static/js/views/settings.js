// Settings: the Claude Compliance Sync card (key, schedule, sync now with
// live progress, last run), Import JSON with progress, Re-scan, Retention
// (retention.js), and the danger zone.
import { h, clear, icon, errorBox, toast, fmtNum, timeEl, spinner } from '../dom.js';
import * as api from '../api.js';
import { subscribe, tracker, latestOf } from '../progress.js';
import { progressWidget, kvTable, card, field } from '../widgets.js';
import { forgetUsers } from '../users.js';
import { rescanCard } from './rescan.js';
import { retentionCard } from './retention.js';
import { heldSummary } from '../holds.js';

export async function settingsView(main, ctx) {
  const page = h('div', { class: 'page settings' }, h('div', { class: 'page-head' }, h('h1', null, 'Settings')));
  main.append(page);
  // data-rev counts redraws, so tests (and people) can tell a save landed.
  const syncCard = h('div', { id: 'sync-card', dataset: { rev: '0' } }, spinner());
  page.append(syncCard, importCard(), rescanCard(ctx), retentionCard(ctx), dangerCard());

  const eta = tracker();
  const syncProgress = progressWidget('sync-progress', 'Sync progress');
  let status = null;
  let importJob = '';
  const importWidget = document.getElementById('import-progress-holder').widget;

  const unsub = subscribe((ev) => {
    if (ev.kind === 'sync' && (!status || !status.job_id || ev.job === status.job_id || ev.state === 'running')) {
      syncProgress.show(ev, eta(ev));
      liveStreams(ev);
      if (['done', 'failed', 'cancelled'].includes(ev.state) && status && status.running) refresh();
    }
    if (ev.kind === 'import' && ev.job === importJob) importWidget.show(ev, eta(ev));
    // New people may have arrived: names and avatars are looked up afresh.
    if ((ev.kind === 'import' || ev.kind === 'sync') && ev.state === 'done') forgetUsers();
  }, (s) => { document.getElementById('ws-state')?.replaceChildren(s === 'open' ? 'Live' : 'Reconnecting…'); });
  ctx.onCleanup(unsub);
  // The upload's response can arrive after the job's last event: show
  // whatever the socket already delivered for it.
  const onJob = (e) => {
    importJob = e.detail;
    const ev = latestOf(importJob);
    if (ev) importWidget.show(ev, '');
  };
  document.addEventListener('ccsync:import-job', onJob);
  ctx.onCleanup(() => document.removeEventListener('ccsync:import-job', onJob));

  // The streams table follows the run: counters from each event at once,
  // states (waiting until, last error) from a status read at most every 3 s.
  let streamsLoad = 0;
  function liveStreams(ev) {
    const table = document.getElementById('sync-streams');
    if (!table || !ev.counters) return;
    for (const row of table.tBodies[0].rows) {
      const name = row.dataset.stream;
      const c = (k) => ev.counters[name === 'chats' ? k : `${name}.${k}`];
      const set = (col, v) => { if (v !== undefined) row.querySelector(`[data-col=${col}]`).textContent = fmtNum(v); };
      set('items', c(name === 'chats' ? 'chats' : 'items'));
      set('messages', c('messages'));
      set('skipped', c('skipped'));
      if (name !== 'chats') { set('requests', c('requests')); set('rate_limited', c('rate_limited')); }
    }
    const now = Date.now();
    if (now - streamsLoad > 3000 || ['done', 'failed', 'cancelled', 'waiting'].includes(ev.state)) {
      streamsLoad = now;
      api.get('/settings').then((st) => {
        const old = document.getElementById('sync-streams-holder');
        if (old && st.streams) old.replaceChildren(streamsTable(st.streams));
      }).catch(() => {});
    }
  }

  async function refresh() {
    try {
      status = await api.get('/settings');
    } catch (e) {
      clear(syncCard);
      syncCard.append(card('Claude Compliance Sync', e.status === 503 ? h('p', { class: 'notice' }, e.message) : errorBox(e)));
      return;
    }
    drawSync();
  }

  function drawSync() {
    const st = status;
    const key = h('input', { id: 'key-input', type: 'password', autocomplete: 'off', spellcheck: 'false', placeholder: st.key_saved ? 'Enter a new key to replace the saved one' : 'sk-ant-api01-…', 'aria-describedby': 'key-input-hint' });
    const saveKey = h('button', { type: 'submit', class: 'btn primary', id: 'save-key' }, 'Save key');
    const keyForm = h('form', {
      class: 'row-form',
      onsubmit: async (e) => {
        e.preventDefault();
        if (!key.value.trim()) { key.focus(); return; }
        saveKey.disabled = true;
        try {
          const r = await api.put('/settings/key', { key: key.value.trim() });
          key.value = '';
          toast(`Key saved (${r.key_hint})`);
          await refresh();
        } catch (e2) {
          toast(e2.message, 'error');
        } finally {
          saveKey.disabled = false;
        }
      },
    }, field('Compliance API key', key, st.key_saved ? h('span', null, 'Saved key: ', h('code', { id: 'key-hint' }, st.key_hint || '••••'), '. The key itself is never shown again.') : 'Create a Compliance API key in the Claude Enterprise admin console. It is stored encrypted.'), saveKey);

    const from = h('input', { id: 'sync-from', type: 'date', value: st.sync_from && !st.sync_from.startsWith('0001') ? st.sync_from.slice(0, 10) : '' });
    const hourly = h('input', { id: 'hourly', type: 'checkbox', checked: st.hourly });
    const saveSchedule = async () => {
      if (!from.value) { toast('Choose a Sync from date first', 'error'); hourly.checked = st.hourly; return; }
      try {
        status = await api.put('/settings/schedule', { sync_from: from.value, hourly: hourly.checked });
        toast('Schedule saved');
        drawSync();
      } catch (e) {
        toast(e.message, 'error');
      }
    };
    from.addEventListener('change', saveSchedule);
    hourly.addEventListener('change', saveSchedule);

    const reason = !st.key_saved ? 'Save a Compliance API key first.' : st.running ? 'A sync is running.' : '';
    const now = h('button', {
      type: 'button', class: 'btn primary', id: 'sync-now', disabled: !!reason, 'aria-describedby': 'sync-reason',
      onclick: async () => {
        now.disabled = true;
        try {
          const r = await api.post('/sync');
          status.running = true;
          status.job_id = r.job_id;
          // The job's first events can beat this response over the socket.
          if (syncProgress.el.dataset.job !== r.job_id) syncProgress.reset('Starting…');
          drawSync();
        } catch (e) {
          toast(e.message, 'error');
          now.disabled = false;
        }
      },
    }, 'Sync now');
    const cancel = st.running ? h('button', { type: 'button', class: 'btn', id: 'cancel-sync', onclick: async () => { try { await api.post('/sync/cancel'); } catch (e) { toast(e.message, 'error'); } } }, 'Cancel') : null;

    clear(syncCard);
    syncCard.dataset.rev = String(+syncCard.dataset.rev + 1);
    syncCard.append(card('Claude Compliance Sync',
      h('p', { class: 'muted' }, 'Pulls chats, Claude Code and Cowork sessions, the Activity Feed, files and users from Anthropic\u2019s Compliance API into ccsync.'),
      keyForm,
      h('div', { class: 'row-form' },
        field('Sync from', from, 'Chats, sessions and activity from this day on are synced.'),
        h('label', { class: 'switch', for: 'hourly' }, hourly, h('span', { class: 'track', 'aria-hidden': 'true' }), 'Automatic hourly sync')),
      h('div', { class: 'actions' }, now, cancel, h('span', { class: 'muted small', id: 'sync-reason' }, reason),
        st.next_run ? h('span', { class: 'muted small' }, 'Next run ', timeEl(st.next_run)) : null,
        h('span', { class: 'grow' }), h('span', { class: 'live small', id: 'ws-state' }, 'Live')),
      syncProgress.el,
      h('div', { id: 'sync-streams-holder' }, st.streams && st.streams.length ? streamsTable(st.streams) : null),
      h('p', { class: 'muted small' }, `All streams share one budget of ${fmtNum(st.requests_per_minute || 600)} requests a minute (--api-rate); the Compliance API counts 600 a minute for all of an organisation’s keys.`),
      st.last_run ? h('details', { class: 'last-run', id: 'last-run', open: true }, h('summary', null, 'Last run'), kvTable(withoutStreams(st.last_run))) : h('p', { class: 'muted small', id: 'last-run' }, 'No sync has run yet.')));
  }

  await refresh();
}

const streamLabels = { chats: 'Chats', sessions: 'Sessions (Claude Code, Cowork…)', activities: 'Activity Feed', files: 'Files and artifacts' };
const stateHelp = {
  forbidden: 'The key lacks the scope this stream needs.',
  unavailable: 'The API does not offer this to the organisation (yet).',
  waiting: 'Rate limited or at its hourly cap.',
};

// streamsTable is one row per stream: state, what it stored, the requests it
// spent from the shared budget, rate-limit waits, and why it stopped.
function streamsTable(streams) {
  const num = (col, v) => h('td', { class: 'num', dataset: { col } }, fmtNum(v || 0));
  return h('table', { class: 'data', id: 'sync-streams' },
    h('caption', { class: 'muted small' }, 'Streams'),
    h('thead', null, h('tr', null, ...['Stream', 'State', 'Items', 'Messages', 'Skipped', 'Requests', 'Rate-limited', 'Note'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, ...streams.map((s) => h('tr', { dataset: { stream: s.name, state: s.state } },
      h('th', { scope: 'row' }, streamLabels[s.name] || s.name),
      h('td', { class: `stream-state ${s.state}`, title: stateHelp[s.state] || '' }, s.state + (s.phase ? ` (${s.phase})` : '')),
      num('items', s.items), num('messages', s.messages), num('skipped', s.skipped),
      num('requests', s.requests), num('rate_limited', s.rate_limited),
      h('td', { class: 'small' },
        s.wait_until ? h('span', null, 'waiting until ', timeEl(s.wait_until)) : null,
        s.last_error ? h('span', null, s.wait_until ? '; ' : '', s.last_error) : null)))));
}

function withoutStreams(run) {
  const { streams, ...rest } = run;
  return rest;
}

function importCard() {
  const files = h('input', { id: 'import-files', type: 'file', multiple: true, accept: '.json,.zip,application/json,application/zip' });
  const start = h('button', { type: 'submit', class: 'btn primary', id: 'import-start', disabled: true }, 'Import');
  const upload = progressWidget('upload-progress', 'Upload', true);
  const job = progressWidget('import-progress', 'Import', true);
  const holder = h('div', { id: 'import-progress-holder' }, upload.el, job.el);
  holder.widget = job;
  const err = h('div');
  files.addEventListener('change', () => { start.disabled = files.files.length === 0; });
  const form = h('form', {
    onsubmit: async (e) => {
      e.preventDefault();
      clear(err);
      const fd = new FormData();
      for (const f of files.files) fd.append('files', f, f.name);
      start.disabled = true;
      upload.reset('Uploading…');
      job.reset('Waiting for upload');
      try {
        let size = [...files.files].reduce((n, f) => n + f.size, 0);
        const r = await api.upload('/imports', fd, (done, total) => {
          size = total;
          upload.show({ job: 'upload', state: 'running', done, total, unit: 'bytes' });
        });
        upload.show({ job: 'upload', state: 'done', done: size, total: size, unit: 'bytes', message: `Uploaded ${r.files.join(', ')}` });
        job.reset('Queued');
        job.el.dataset.job = r.job_id;
        // After the reset: the job's events so far are replayed into it.
        document.dispatchEvent(new CustomEvent('ccsync:import-job', { detail: r.job_id }));
      } catch (e2) {
        upload.show({ job: 'upload', state: 'failed', done: 0, total: 0, message: e2.message });
        err.append(errorBox(e2));
      } finally {
        start.disabled = files.files.length === 0;
      }
    },
  }, field('Export files', files, 'conversations.json and users.json from a claude.ai data export (select both), or the export\u2019s .zip.'),
  h('div', { class: 'actions' }, start));
  return card('Import JSON', h('p', { class: 'muted' }, 'Import a claude.ai data export. Re-importing is safe: records are updated by id.'), form, err, holder);
}

// holdMatters names the holds a deletion result counts by id: the result's
// own held_matters when the API sends them, else the holds list.
async function holdMatters(r) {
  if (r.held_matters) return r.held_matters;
  try {
    const { holds } = await api.get('/holds?all=1');
    return Object.fromEntries((holds || []).map((x) => [x.id, x.matter]));
  } catch {
    return {};
  }
}

function dangerCard() {
  const from = h('input', { id: 'del-from', type: 'date', required: true });
  const to = h('input', { id: 'del-to', type: 'date', required: true });
  const count = h('div', { id: 'del-count', class: 'del-count', 'aria-live': 'polite' });
  const ack = h('input', { id: 'del-ack', type: 'checkbox', disabled: true });
  const go = h('button', { type: 'button', class: 'btn danger', id: 'del-go', disabled: true }, icon('trash'), 'Delete logs');
  const result = h('div', { id: 'del-result', 'aria-live': 'polite' });
  let preview = null;

  const invalidate = () => {
    preview = null;
    ack.checked = false;
    ack.disabled = true;
    go.disabled = true;
    clear(count);
  };
  from.addEventListener('change', invalidate);
  to.addEventListener('change', invalidate);
  ack.addEventListener('change', () => { go.disabled = !(ack.checked && preview); });

  const previewBtn = h('button', {
    type: 'button', class: 'btn', id: 'del-preview',
    onclick: async () => {
      invalidate();
      clear(result);
      if (!from.value || !to.value) { count.append(h('p', { class: 'notice error' }, 'Choose both From and To.')); return; }
      try {
        preview = await api.post('/deletions/preview', { from: from.value, to: to.value });
        count.append(h('p', null, 'This will permanently delete ', h('strong', { id: 'del-messages' }, fmtNum(preview.messages)), ' messages in ',
          h('strong', null, fmtNum(preview.conversations)), ' conversations (', from.value, ' to ', to.value, ', inclusive).'));
        if (preview.held) count.append(h('p', { id: 'del-held', class: 'held-note' }, icon('lock'), heldSummary(preview.held, preview.held_by, await holdMatters(preview))));
        ack.disabled = preview.messages === 0 && preview.conversations === 0;
      } catch (e) {
        count.append(errorBox(e));
      }
    },
  }, 'Count what will be deleted');

  go.addEventListener('click', async () => {
    if (!preview || !ack.checked) return;
    go.disabled = true;
    try {
      const r = await api.post('/deletions', { from: from.value, to: to.value, confirm: true, confirm_token: preview.confirm_token });
      clear(result);
      result.append(h('p', { class: 'notice ok' }, `Deleted ${fmtNum(r.messages)} messages and ${fmtNum(r.conversations)} conversations.`,
        r.held ? ` ${heldSummary(r.held, r.held_by, await holdMatters(r), true)}` : ''));
      invalidate();
    } catch (e) {
      clear(result);
      result.append(errorBox(e));
      invalidate();
    }
  });

  const el = card('Danger zone',
    h('p', { class: 'muted' }, 'Delete synced and imported logs in a date range. This cannot be undone and is recorded in the audit trail.'),
    h('div', { class: 'row-form' }, field('From', from), field('To', to), h('div', { class: 'field end' }, previewBtn)),
    count,
    h('label', { class: 'check', for: 'del-ack' }, ack, 'I understand these logs will be permanently deleted.'),
    h('div', { class: 'actions' }, go), result);
  el.classList.add('danger-zone');
  return el;
}
