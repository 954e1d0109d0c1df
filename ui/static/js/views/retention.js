// Retention card (Settings): the stored policy, its schedule and last run;
// an edit form whose Preview is a dry run of the policy as edited (before
// it is saved); Run now, confirmed with what the stored policy would delete.
import { h, clear, errorBox, toast, fmtNum, timeEl, spinner } from '../dom.js';
import * as api from '../api.js';
import { subscribe, tracker } from '../progress.js';
import { progressWidget, card, field } from '../widgets.js';
import { confirmDialog } from '../dialog.js';
import { KNOWN_TYPES, typeLabel } from '../findings.js';
import { SEVERITIES, splitList, daysLabel, ruleCriteria, errorField, heldSummary, tookLabel } from '../holds.js';

export function retentionCard(ctx) {
  const root = h('section', { class: 'card', id: 'retention-card', dataset: { rev: '0' } }, h('h2', null, 'Retention'), spinner());
  const progress = progressWidget('retention-progress', 'Retention run', true);
  const eta = tracker();
  let status = null;
  let matters = {};

  const unsub = subscribe((ev) => {
    if (ev.kind !== 'retention' && !String(ev.job || '').startsWith('retention')) return;
    progress.show(ev, eta(ev));
    if (['done', 'failed', 'cancelled'].includes(ev.state) && status && status.running) load();
  });
  ctx.onCleanup(unsub);

  async function load() {
    try {
      status = await api.get('/retention');
    } catch (e) {
      draw(null, e);
      return;
    }
    // Held counts are by hold id: the matters name them.
    try {
      const r = await api.get('/holds?all=1');
      matters = Object.fromEntries((r.holds || []).map((x) => [x.id, x.matter]));
    } catch { /* ids are shown instead */ }
    draw(status);
  }

  function draw(st, err) {
    clear(root);
    root.dataset.rev = String(+root.dataset.rev + 1);
    root.append(h('h2', null, 'Retention'));
    if (err) {
      root.append(errorBox(err));
      return;
    }
    const p = st.policy || { default_days: 0, rules: [] };
    root.append(
      h('p', { class: 'muted' }, 'How long messages are kept. A matching rule replaces the default; when several match, the longest wins. Messages under a ',
        h('a', { href: '/holds' }, 'legal hold'), ' are never deleted.'),
      policySummary(p),
      h('p', { class: 'small', id: 'ret-schedule' }, st.schedule ? `Runs daily at ${st.schedule} UTC` : 'No daily schedule: runs on demand only',
        st.next_run ? h('span', null, ' · next run ', timeEl(st.next_run)) : null,
        st.running ? h('strong', null, ' · running now') : null),
      lastRun(st.last_run));
    const out = h('div', { id: 'ret-preview-out', 'aria-live': 'polite' });
    const form = policyForm(p, out);
    form.hidden = true;
    const edit = h('button', { type: 'button', class: 'btn', id: 'ret-edit', 'aria-expanded': 'false', 'aria-controls': 'ret-form' }, 'Edit policy');
    edit.addEventListener('click', () => {
      form.hidden = !form.hidden;
      edit.setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) form.querySelector('input')?.focus();
    });
    const run = h('button', { type: 'button', class: 'btn danger', id: 'ret-run', disabled: !!st.running }, 'Run now');
    run.addEventListener('click', () => runNow(run));
    root.append(h('div', { class: 'actions' }, edit, run, h('span', { class: 'grow' })), form, out, progress.el);
  }

  function policySummary(p) {
    const rules = p.rules || [];
    return h('div', { id: 'ret-policy' },
      h('dl', { class: 'kv' },
        h('dt', null, 'Default'), h('dd', { id: 'ret-default' }, daysLabel(p.default_days)),
        h('dt', null, 'Activity Feed'), h('dd', { id: 'ret-activity' }, daysLabel(p.activity_days)),
        p.updated_by ? h('dt', null, 'Updated') : null,
        p.updated_by ? h('dd', null, p.updated_by, ' · ', timeEl(p.updated_at)) : null),
      rules.length ? h('table', { class: 'data', id: 'ret-rules' },
        h('caption', { class: 'muted small' }, 'Rules'),
        h('thead', null, h('tr', null, ...['Name', 'Matches', 'Keep'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, ...rules.map((r) => h('tr', { dataset: { rule: r.name } },
          h('th', { scope: 'row' }, r.name), h('td', null, ruleCriteria(r)), h('td', { class: 'num' }, daysLabel(r.days))))))
        : h('p', { class: 'muted small', id: 'ret-rules' }, 'No rules: the default applies to every message.'));
  }

  function lastRun(r) {
    if (!r) return h('p', { class: 'muted small', id: 'ret-last' }, 'Retention has not run yet.');
    return h('details', { class: 'last-run', id: 'ret-last', open: true }, h('summary', null, 'Last run'),
      h('dl', { class: 'kv' },
        h('dt', null, 'Ran'), h('dd', null, timeEl(r.now)),
        h('dt', null, 'Deleted messages'), h('dd', { dataset: { k: 'messages' } }, fmtNum(r.messages)),
        h('dt', null, 'Deleted conversations'), h('dd', { dataset: { k: 'conversations' } }, fmtNum(r.conversations)),
        h('dt', null, 'Deleted activity events'), h('dd', { dataset: { k: 'activities' } }, fmtNum(r.activities)),
        h('dt', null, 'Kept under hold'), h('dd', { dataset: { k: 'held' } }, fmtNum(r.held), r.held ? ` — ${heldSummary(r.held, r.held_by, matters, true)}` : ''),
        h('dt', null, 'Took'), h('dd', { dataset: { k: 'took' } }, tookLabel(r.took_ns))));
  }

  // watch reads the status until the run ends, so the last run shows even
  // when the socket is down or its events were missed; the progress bar
  // follows the socket meanwhile.
  // A run that has not begun yet also reads as not running: the status
  // must show a new last run, or stay idle for a few reads.
  async function watch() {
    const before = status && status.last_run ? status.last_run.now : '';
    let idle = 0;
    for (let wait = 500; root.isConnected; wait = Math.min(wait * 2, 5000)) {
      await new Promise((r) => { setTimeout(r, wait); });
      let st;
      try { st = await api.get('/retention'); } catch { continue; }
      const fresh = st.last_run && st.last_run.now !== before;
      if (!st.running && (fresh || ++idle >= 5)) { await load(); return; }
    }
  }

  async function runNow(btn) {
    btn.disabled = true;
    let plan;
    try {
      plan = await api.post('/retention/preview', {});
    } catch (e) {
      toast(e.message, 'error');
      btn.disabled = false;
      return;
    }
    const ok = await confirmDialog({
      title: 'Run retention now?',
      body: [
        h('p', { id: 'confirm-numbers' }, 'This permanently deletes ', h('strong', { dataset: { k: 'messages' } }, fmtNum(plan.messages)), ' messages in ',
          h('strong', { dataset: { k: 'conversations' } }, fmtNum(plan.conversations)), ' conversations and ',
          h('strong', { dataset: { k: 'activities' } }, fmtNum(plan.activities)), ' activity events under the saved policy.'),
        plan.held ? h('p', { id: 'confirm-held' }, heldSummary(plan.held, plan.held_by, matters)) : null,
        h('p', { class: 'muted small' }, 'It cannot be undone and is recorded in the audit trail.'),
      ],
      confirmLabel: 'Delete now',
      danger: true,
    });
    if (!ok) { btn.disabled = false; return; }
    // Reset first: a short run's last event can beat the response.
    progress.reset('Starting…');
    try {
      await api.post('/retention/run');
      if (status) status.running = true;
      toast('Retention run started');
      watch();
    } catch (e) {
      toast(e.message, 'error');
      btn.disabled = false;
    }
  }

  root.addEventListener('ccsync:retention-saved', load);
  load();
  return root;
}

// policyForm edits a copy of p. Inputs carry data-field, the path the API
// names in a validation error, so the error is shown next to its field.
function policyForm(p, out) {
  const num = (id, path, v) => h('input', { id, type: 'number', min: 0, max: 36500, step: 1, required: true, value: String(v || 0), dataset: { field: path } });
  const def = num('ret-default-days', 'default_days', p.default_days);
  const act = num('ret-activity-days', 'activity_days', p.activity_days);
  const live = (input) => {
    const s = h('span', { class: 'muted small days-live' }, daysLabel(input.value));
    input.addEventListener('input', () => { s.textContent = daysLabel(input.value); });
    return s;
  };
  const rows = h('tbody', { id: 'ret-rule-rows' });
  const addRule = (r) => rows.append(ruleRow(r || { name: '', days: 365 }, rows));
  for (const r of p.rules || []) addRule(r);
  const formErr = h('div', { id: 'ret-form-error', 'aria-live': 'assertive' });

  const form = h('form', { id: 'ret-form', class: 'ret-form', novalidate: true },
    h('div', { class: 'row-form' },
      field('Default (days; 0 = forever)', def, live(def)),
      field('Activity Feed events (days; 0 = forever)', act, live(act))),
    h('table', { class: 'data rule-edit' },
      h('caption', { class: 'muted small' }, 'Rules: each matches on at least one of flagged, finding types, minimum severity or users (ids or emails); days 0 = forever'),
      h('thead', null, h('tr', null, ...['Name', 'Flagged', 'Finding types', 'Min severity', 'Users', 'Days', ''].map((t) => h('th', { scope: 'col' }, t)))),
      rows),
    h('datalist', { id: 'ret-type-list' }, ...KNOWN_TYPES.map((t) => h('option', { value: t }, typeLabel(t)))),
    formErr,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', id: 'ret-add-rule', onclick: () => { addRule(); rows.lastChild.querySelector('input').focus(); } }, 'Add rule'),
      h('span', { class: 'grow' }),
      h('button', { type: 'button', class: 'btn', id: 'ret-preview' }, 'Preview'),
      h('button', { type: 'submit', class: 'btn primary', id: 'ret-save' }, 'Save policy')));

  const read = () => ({
    default_days: Number(def.value) || 0,
    activity_days: Number(act.value) || 0,
    rules: [...rows.rows].map((tr) => {
      const q = (k) => tr.querySelector(`[data-k=${k}]`);
      const r = { name: q('name').value.trim(), days: Number(q('days').value) || 0 };
      if (q('flagged').checked) r.flagged = true;
      const types = splitList(q('types').value);
      if (types.length) r.types = types;
      if (q('sev').value) r.min_severity = q('sev').value;
      const users = splitList(q('users').value);
      if (users.length) r.users = users;
      return r;
    }),
  });

  const clearErrors = () => {
    clear(formErr);
    for (const el of form.querySelectorAll('.field-error')) el.remove();
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  };
  // showError puts the API's message next to the field it names (the
  // rule's row when it names a rule as a whole), and at the top too.
  const showError = (e) => {
    clearErrors();
    if (e.status !== 400 && e.status !== 422) { formErr.append(errorBox(e)); return; }
    const path = errorField(e.message);
    const rowMatch = /^rules\[(\d+)\]/.exec(path);
    let target = path ? form.querySelector(`[data-field="${CSS.escape(path)}"]`) : null;
    if (!target && rowMatch) target = rows.rows[+rowMatch[1]]?.querySelector('[data-k=name]') || null;
    const msg = h('p', { class: 'field-error', role: 'alert', dataset: { for: path } }, e.message);
    if (target) {
      target.setAttribute('aria-invalid', 'true');
      target.closest('td, .field').append(msg);
      target.focus();
    } else formErr.append(msg);
  };

  form.querySelector('#ret-preview').addEventListener('click', async (ev) => {
    const btn = ev.currentTarget;
    clearErrors();
    btn.disabled = true;
    clear(out);
    out.append(spinner('Counting what this policy would delete…'));
    try {
      const plan = await api.post('/retention/preview', { policy: read() });
      clear(out);
      out.append(previewTable(plan));
    } catch (e) {
      clear(out);
      showError(e);
    } finally {
      btn.disabled = false;
    }
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors();
    const save = form.querySelector('#ret-save');
    save.disabled = true;
    try {
      await api.put('/retention', read());
      toast('Retention policy saved');
      form.dispatchEvent(new CustomEvent('ccsync:retention-saved', { bubbles: true }));
    } catch (e) {
      showError(e);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

function ruleRow(r, rows) {
  const idx = () => [...rows.rows].indexOf(tr);
  const cell = (k, input) => { input.dataset.k = k; return h('td', null, input); };
  const name = h('input', { type: 'text', value: r.name || '', maxlength: 200, 'aria-label': 'Rule name', required: true });
  const flagged = h('input', { type: 'checkbox', checked: !!r.flagged, 'aria-label': 'Flagged messages (any finding)' });
  const types = h('input', { type: 'text', value: (r.types || []).join(', '), list: 'ret-type-list', 'aria-label': 'Finding types, comma separated', placeholder: 'e.g. ssn, credit_card' });
  const sev = h('select', { 'aria-label': 'Minimum severity' }, h('option', { value: '' }, 'any'),
    ...SEVERITIES.map((s) => h('option', { value: s, selected: r.min_severity === s }, `${s} or above`)));
  const users = h('input', { type: 'text', value: (r.users || []).join(', '), 'aria-label': 'Users, comma separated', placeholder: 'ids or emails' });
  const days = h('input', { type: 'number', min: 0, max: 36500, step: 1, value: String(r.days || 0), 'aria-label': 'Days to keep (0 = forever)' });
  const remove = h('button', { type: 'button', class: 'btn-ghost small rule-remove', 'aria-label': 'Remove this rule' }, 'Remove');
  const tr = h('tr', { class: 'rule-row' }, cell('name', name), cell('flagged', flagged), cell('types', types), cell('sev', sev), cell('users', users), cell('days', days), h('td', null, remove));
  remove.addEventListener('click', () => { tr.remove(); renumber(rows); });
  // data-field follows the row's position, as the API's error paths do.
  tr.renumber = () => {
    const i = idx();
    for (const [k, f] of [['name', 'name'], ['flagged', 'flagged'], ['types', 'types'], ['sev', 'min_severity'], ['users', 'users'], ['days', 'days']]) {
      tr.querySelector(`[data-k=${k}]`).dataset.field = `rules[${i}].${f}`;
    }
  };
  queueMicrotask(() => renumber(rows));
  return tr;
}

function renumber(rows) {
  for (const tr of rows.rows) tr.renumber?.();
}

// previewTable is the dry run: per month, totals, and by rule.
export function previewTable(plan) {
  const months = plan.months || [];
  const byRule = Object.entries(plan.by_rule || {}).sort((a, b) => b[1] - a[1]);
  return h('div', { class: 'ret-preview', id: 'ret-preview-result' },
    h('p', null, plan.messages ? 'Under this policy the next run would delete:' : 'Under this policy the next run would delete nothing.',
      plan.now ? h('span', { class: 'muted small' }, ' (as of ', timeEl(plan.now), ')') : null),
    h('table', { class: 'data', id: 'ret-months' },
      h('thead', null, h('tr', null, ...['Month', 'Messages', 'Conversations', 'Kept under hold'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, ...months.map((m) => h('tr', { dataset: { month: m.month } },
        h('th', { scope: 'row' }, m.month), h('td', { class: 'num' }, fmtNum(m.messages)), h('td', { class: 'num' }, fmtNum(m.conversations)), h('td', { class: 'num' }, fmtNum(m.held))))),
      h('tfoot', null, h('tr', { id: 'ret-total' },
        h('th', { scope: 'row' }, 'Total'), h('td', { class: 'num', dataset: { k: 'messages' } }, fmtNum(plan.messages)),
        h('td', { class: 'num', dataset: { k: 'conversations' } }, fmtNum(plan.conversations)), h('td', { class: 'num', dataset: { k: 'held' } }, fmtNum(plan.held))))),
    plan.activities ? h('p', { class: 'small' }, `and ${fmtNum(plan.activities)} Activity Feed events.`) : null,
    byRule.length ? h('table', { class: 'data', id: 'ret-by-rule' },
      h('caption', { class: 'muted small' }, 'Messages by the rule that expires them'),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Rule'), h('th', { scope: 'col' }, 'Messages'))),
      h('tbody', null, ...byRule.map(([name, n]) => h('tr', { dataset: { rule: name } }, h('th', { scope: 'row' }, name === 'default' ? 'Default' : name), h('td', { class: 'num' }, fmtNum(n)))))) : null);
}
