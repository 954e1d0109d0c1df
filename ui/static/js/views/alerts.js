// Alerts: fired alerts for everyone; for admins, the destinations events
// are forwarded to (status, test send, dead letters with Retry/Discard)
// and the alert rules, each created and edited in a dialog. Everything the
// server sends is shown as text (h() sets textContent only): a destination
// name, a rule name or a receiver's error message may be hostile.
import { h, clear, errorBox, toast, fmtNum, timeEl, spinner, icon } from '../dom.js';
import * as api from '../api.js';
import { session } from '../session.js';
import { card, field } from '../widgets.js';
import { confirmDialog } from '../dialog.js';
import { badge, severityBadge } from '../findings.js';
import { KNOWN_TYPES, typeLabel } from '../findings.js';
import { users } from '../users.js';
import { splitList, SEVERITIES } from '../holds.js';
import { KINDS, STREAMS, KIND_FIELDS, kindLabel, streamLabel, secretLabel, urlLabel, parseLabels, formatLabels, errorFieldIn, ruleSummary } from '../alerts.js';

export async function alertsView(main, ctx) {
  const admin = session().role === 'admin';
  const page = h('div', { class: 'page alerts' });
  main.append(page);
  const refresh = h('button', { type: 'button', class: 'btn', id: 'alerts-refresh' }, 'Refresh');
  page.append(h('div', { class: 'page-head' }, h('h1', null, 'Alerts'), h('span', { class: 'grow' }), refresh),
    h('p', { class: 'muted' }, admin
      ? 'Alert rules watch new findings as messages are synced; fired alerts go to the alert destinations. Destinations can also receive every finding or message (a SIEM feed), delivered at least once and in order.'
      : 'Alerts fired by the alert rules an admin has set up.'));

  const fired = firedSection();
  page.append(fired.el);
  let dests = null;
  let rules = null;
  if (admin) {
    dests = destinationsSection();
    rules = rulesSection(() => dests.list);
    dests.onChange = () => rules.load();
    page.append(dests.el, rules.el);
  }
  refresh.addEventListener('click', () => {
    fired.load();
    if (dests) dests.load();
    if (rules) rules.load();
  });
  await Promise.all([fired.load(), dests && dests.load().then(() => rules.load())]);
}

// ---- fired alerts ----

function firedSection() {
  const body = h('div', { id: 'alerts-list', dataset: { rev: '0' } }, spinner());
  const more = h('button', { type: 'button', class: 'btn', id: 'alerts-more', hidden: true }, 'Older alerts');
  const el = card('Fired alerts', body, h('div', { class: 'actions' }, more));
  el.id = 'fired-card';
  let next = 0;
  let dir = new Map();

  async function page(before) {
    const r = await api.get(`/alerts${api.qs({ before: before || '', limit: 50 })}`);
    next = r.next_before || 0;
    more.hidden = !next;
    return r.alerts || [];
  }

  async function load() {
    let list;
    try {
      [list, dir] = await Promise.all([page(0), users()]);
    } catch (e) {
      clear(body);
      body.append(errorBox(e));
      return;
    }
    clear(body);
    body.dataset.rev = String(+body.dataset.rev + 1);
    if (!list.length) {
      body.append(h('p', { class: 'muted', id: 'alerts-empty' }, 'No alerts have fired.'));
      return;
    }
    body.append(h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'alerts-table' },
      h('thead', null, h('tr', null, ...['Fired', 'Rule', 'About', 'Findings', 'Severity', 'Suppressed', 'Messages'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, ...list.map(row)))));
  }

  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const list = await page(next);
      const tb = body.querySelector('#alerts-table tbody');
      if (tb) tb.append(...list.map(row));
    } catch (e) {
      toast(e.message, 'error');
    } finally {
      more.disabled = false;
    }
  });

  function who(id) {
    const u = dir.get(id);
    return u ? (u.email || u.name || id) : id;
  }

  function about(a) {
    const label = { user: 'User', conversation: 'Conversation', message: 'Message' }[a.group_by] || a.group_by;
    let target = a.group;
    if (a.group_by === 'user') target = who(a.group);
    const link = a.group_by === 'conversation' ? h('a', { href: `/conversations/${encodeURIComponent(a.group)}` }, target)
      : a.group_by === 'message' ? h('a', { href: `/messages/${encodeURIComponent(a.group)}` }, target) : target;
    return [h('span', { class: 'muted small' }, `${label}: `), link,
      a.user && a.group_by !== 'user' ? h('div', { class: 'small muted alert-user' }, who(a.user)) : null];
  }

  function row(a) {
    const msgs = a.messages || [];
    return h('tr', { dataset: { seq: String(a.seq), rule: a.rule_id } },
      h('td', null, timeEl(a.fired_at)),
      h('th', { scope: 'row', class: 'alert-rule' }, a.rule_name),
      h('td', { class: 'alert-about' }, about(a)),
      h('td', { class: 'alert-types' }, fmtNum(a.findings), ' ', ...Object.entries(a.by_type || {}).sort((x, y) => y[1] - x[1]).map(([t, n]) => badge(t, n))),
      h('td', { class: 'alert-severity' }, a.max_severity ? severityBadge(a.max_severity) : null),
      h('td', { class: 'num', dataset: { k: 'suppressed' } }, fmtNum(a.suppressed || 0)),
      h('td', { class: 'alert-messages small' }, msgs.length ? msgs.slice(0, 5).flatMap((id, i) => [i ? ', ' : null, h('a', { href: `/messages/${encodeURIComponent(id)}`, class: 'alert-msg' }, `#${i + 1}`)]) : h('span', { class: 'muted' }, '—'),
        msgs.length > 5 ? h('span', { class: 'muted' }, ` +${fmtNum(msgs.length - 5)}`) : null));
  }

  return { el, load };
}

// ---- destinations ----

function destinationsSection() {
  const newBtn = h('button', { type: 'button', class: 'btn primary', id: 'dest-new' }, 'New destination');
  const body = h('div', { id: 'dest-list', dataset: { rev: '0' } }, spinner());
  const result = h('div', { id: 'dest-test-result', 'aria-live': 'polite' });
  const dead = h('div', { id: 'dead-panel', hidden: true });
  const el = h('section', { class: 'card', id: 'dest-card' },
    h('div', { class: 'card-head' }, h('h2', null, 'Destinations'), h('span', { class: 'grow' }), newBtn),
    h('p', { class: 'muted small' }, 'Where alerts and SIEM feeds are delivered. Secrets are stored encrypted and shown only as a hint.'),
    body, result, dead);
  const sec = { el, list: [], load, onChange: () => {} };
  newBtn.addEventListener('click', () => destinationDialog(null, async () => { await load(); sec.onChange(); }));

  async function load() {
    let list;
    try {
      list = (await api.get('/destinations')).destinations || [];
    } catch (e) {
      clear(body);
      body.append(errorBox(e));
      return;
    }
    sec.list = list;
    clear(body);
    body.dataset.rev = String(+body.dataset.rev + 1);
    if (!list.length) {
      body.append(h('p', { class: 'muted', id: 'dest-empty' }, 'No destinations yet.'));
      return;
    }
    body.append(h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'dest-table' },
      h('thead', null, h('tr', null, ...['Name', 'Kind', 'Stream', 'Enabled', 'Last delivery', 'Backlog', 'State', 'Dead letters', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, ...list.map(row)))));
    if (!dead.hidden && dead.dataset.id) {
      const d = list.find((x) => x.id === dead.dataset.id);
      if (d) showDead(d); else dead.hidden = true;
    }
  }

  function state(st) {
    if (st.failing) return h('span', { class: 'dest-state failing' }, h('span', { class: 'chip state-bad' }, 'Failing'), ' ', h('span', { class: 'dest-error small' }, st.last_error || ''));
    if (st.last_error) return h('span', { class: 'dest-state' }, h('span', { class: 'chip state-ok' }, 'OK'), ' ', h('span', { class: 'muted small' }, 'last error: '), h('span', { class: 'dest-error small' }, st.last_error));
    return h('span', { class: 'dest-state' }, h('span', { class: 'chip state-ok' }, 'OK'));
  }

  function row(d) {
    const st = d.status || {};
    const test = h('button', { type: 'button', class: 'btn small dest-test' }, 'Test send');
    const edit = h('button', { type: 'button', class: 'btn small dest-edit' }, 'Edit');
    const del = h('button', { type: 'button', class: 'btn-icon small dest-delete', title: 'Delete destination', 'aria-label': `Delete ${d.name}` }, icon('trash'));
    const deadBtn = h('button', { type: 'button', class: ['btn-link', 'dest-dead', st.dead_letters ? 'has-dead' : null], dataset: { k: 'dead' } }, fmtNum(st.dead_letters || 0));
    test.addEventListener('click', () => testSend(d, test));
    edit.addEventListener('click', () => destinationDialog(d, async () => { await load(); sec.onChange(); }));
    del.addEventListener('click', () => remove(d));
    deadBtn.addEventListener('click', () => showDead(d));
    return h('tr', { dataset: { id: d.id, failing: String(!!st.failing), enabled: String(!!d.enabled) } },
      h('th', { scope: 'row' }, h('span', { class: 'dest-name' }, d.name), d.anonymous ? h('span', { class: 'chip anon', title: 'Counts, types, severities and times only' }, 'anonymous') : null),
      h('td', null, kindLabel(d.kind)),
      h('td', null, streamLabel(d.stream)),
      h('td', null, d.enabled ? 'Yes' : h('span', { class: 'muted' }, 'Off')),
      h('td', { class: 'small' }, st.last_delivery ? [timeEl(st.last_delivery), st.last_events ? ` (${fmtNum(st.last_events)} event${st.last_events === 1 ? '' : 's'})` : null] : h('span', { class: 'muted' }, 'never'),
        h('div', { class: 'muted' }, `${fmtNum(st.delivered || 0)} delivered`)),
      h('td', { class: 'num', dataset: { k: 'backlog' } }, fmtNum(st.backlog || 0)),
      h('td', null, state(st)),
      h('td', { class: 'num' }, deadBtn),
      h('td', { class: 'row-actions' }, test, edit, del));
  }

  // testSend shows the receiver's answer once the table is reloaded (the
  // send moved its status), so what is on screen is current together.
  async function testSend(d, btn) {
    btn.disabled = true;
    clear(result);
    delete result.dataset.ok;
    result.append(h('p', { class: 'muted' }, `Sending a test event to ${d.name}…`));
    let r;
    let failure;
    try {
      r = await api.post(`/destinations/${encodeURIComponent(d.id)}/test`);
    } catch (e) {
      failure = e;
    }
    await load();
    btn.disabled = false;
    clear(result);
    if (failure) {
      result.append(errorBox(failure));
      return;
    }
    result.dataset.id = d.id;
    result.dataset.ok = String(!!r.ok);
    result.append(r.ok
      ? h('p', { class: 'notice ok test-result' }, 'Test event ', h('code', null, r.event_id), ` accepted by ${d.name} in ${fmtNum(Math.round((r.duration_ns || 0) / 1e6))} ms.`)
      : h('p', { class: 'notice error test-result' }, `Test event refused by ${d.name}: `, h('span', { class: 'test-error' }, r.error || 'no reason given')));
  }

  async function remove(d) {
    const st = d.status || {};
    const ok = await confirmDialog({
      title: 'Delete this destination?',
      body: [h('p', null, 'Deleting ', h('strong', null, d.name), ` stops its deliveries. ${fmtNum(st.backlog || 0)} waiting events and ${fmtNum(st.dead_letters || 0)} dead letters are dropped; its secret is deleted.`)],
      confirmLabel: 'Delete destination', danger: true,
    });
    if (!ok) return;
    try {
      await api.del(`/destinations/${encodeURIComponent(d.id)}`);
      toast('Destination deleted');
      if (dead.dataset.id === d.id) dead.hidden = true;
      await load();
      sec.onChange();
    } catch (e) {
      toast(e.message, 'error');
    }
  }

  async function showDead(d) {
    dead.hidden = false;
    dead.dataset.id = d.id;
    clear(dead);
    dead.append(spinner());
    let letters;
    try {
      letters = (await api.get(`/destinations/${encodeURIComponent(d.id)}/dead-letters`)).dead_letters || [];
    } catch (e) {
      clear(dead);
      dead.append(errorBox(e));
      return;
    }
    clear(dead);
    dead.dataset.rev = String(+(dead.dataset.rev || 0) + 1);
    const close = h('button', { type: 'button', class: 'btn small', id: 'dead-close' }, 'Close');
    close.addEventListener('click', () => { dead.hidden = true; });
    dead.append(h('div', { class: 'card-head' }, h('h3', null, 'Dead letters of ', h('span', { class: 'dead-dest' }, d.name)), h('span', { class: 'grow' }), close),
      h('p', { class: 'muted small' }, 'Batches the receiver kept refusing. Retry sends one again now (it is removed once accepted); Discard drops it for good.'));
    if (!letters.length) {
      dead.append(h('p', { class: 'muted', id: 'dead-empty' }, 'No dead letters.'));
      return;
    }
    dead.append(h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'dead-table' },
      h('thead', null, h('tr', null, ...['Events', 'Attempts', 'First try', 'Last try', 'Error', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, ...letters.map((l) => {
        const retry = h('button', { type: 'button', class: 'btn small dead-retry' }, 'Retry');
        const discard = h('button', { type: 'button', class: 'btn small dead-discard' }, 'Discard');
        retry.addEventListener('click', async () => {
          retry.disabled = true;
          try {
            const r = await api.post(`/destinations/${encodeURIComponent(d.id)}/dead-letters/${encodeURIComponent(l.id)}/retry`);
            if (r.ok) toast('Delivered; the dead letter is removed');
            else toast(`Still refused: ${r.error || ''}`, 'error');
          } catch (e) {
            toast(e.message, 'error');
          }
          await load();
          showDead(d);
        });
        discard.addEventListener('click', async () => {
          const ok = await confirmDialog({ title: 'Discard this dead letter?', body: [h('p', null, `${fmtNum((l.events || []).length)} events will never reach ${d.name}.`)], confirmLabel: 'Discard', danger: true });
          if (!ok) return;
          try {
            await api.del(`/destinations/${encodeURIComponent(d.id)}/dead-letters/${encodeURIComponent(l.id)}`);
            toast('Dead letter discarded');
          } catch (e) {
            toast(e.message, 'error');
          }
          await load();
          showDead(d);
        });
        return h('tr', { dataset: { letter: l.id } },
          h('td', { class: 'num' }, fmtNum((l.events || []).length)),
          h('td', { class: 'num' }, fmtNum(l.attempts)),
          h('td', null, timeEl(l.first_try)),
          h('td', null, timeEl(l.last_try)),
          h('td', { class: 'dead-error small' }, l.error),
          h('td', { class: 'row-actions' }, retry, discard));
      })))));
  }

  return sec;
}

// formDialog shows a modal form; submit calls save(), which throws an API
// error to keep the dialog open with the message next to the field it
// names (fields: the data-field names in the form).
function formDialog({ id, title, body, fields, save, saveLabel }) {
  document.getElementById(id)?.remove();
  const err = h('div', { class: 'form-error', 'aria-live': 'assertive' });
  const ok = h('button', { type: 'submit', class: 'btn primary', id: `${id}-save` }, saveLabel || 'Save');
  const cancel = h('button', { type: 'button', class: 'btn', id: `${id}-cancel` }, 'Cancel');
  const form = h('form', { novalidate: true }, h('h2', { id: `${id}-title` }, title), ...body, err, h('div', { class: 'actions' }, h('span', { class: 'grow' }), cancel, ok));
  const dlg = h('dialog', { id, class: 'dialog wide', 'aria-labelledby': `${id}-title` }, form);
  const clearErrors = () => {
    clear(err);
    for (const e of form.querySelectorAll('.field-error')) e.remove();
    for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    ok.disabled = true;
    try {
      await save();
      dlg.close();
    } catch (e2) {
      const name = errorFieldIn(e2.message, fields);
      const target = name ? form.querySelector(`[data-field="${CSS.escape(name)}"]`) : null;
      const msg = h('p', { class: 'field-error', role: 'alert', dataset: { for: name } }, e2.message);
      if (target && e2.status === 400) {
        target.setAttribute('aria-invalid', 'true');
        (target.closest('.field') || target).append(msg);
        if (target.focus) target.focus();
      } else err.append(msg);
    } finally {
      ok.disabled = false;
    }
  });
  cancel.addEventListener('click', () => dlg.close());
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  return { dlg, form };
}

function select(id, name, options, value) {
  return h('select', { id, dataset: { field: name } }, ...options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
}

function checkbox(id, name, label, checked) {
  const input = h('input', { type: 'checkbox', id, checked: !!checked, dataset: { field: name } });
  return { input, el: h('label', { class: 'check', for: id }, input, label) };
}

// destinationDialog creates (d null) or edits a destination.
function destinationDialog(d, done) {
  const x = d || { kind: 'webhook', stream: 'alerts', enabled: true };
  const name = h('input', { id: 'dest-name', type: 'text', maxlength: 200, value: x.name || '', dataset: { field: 'name' }, required: true });
  const kind = select('dest-kind', 'kind', KINDS, x.kind);
  const stream = select('dest-stream', 'stream', STREAMS, x.stream);
  const enabled = checkbox('dest-enabled', 'enabled', 'Enabled', x.enabled);
  const anonymous = checkbox('dest-anonymous', 'anonymous', 'Anonymous: counts, types, severities and times only (no content, previews or user identities)', x.anonymous);
  const url = h('input', { id: 'dest-url', type: 'text', maxlength: 2048, value: x.url || '', dataset: { field: 'url' } });
  const secret = h('input', { id: 'dest-secret', type: 'password', autocomplete: 'new-password', maxlength: 8192, dataset: { field: 'secret' },
    placeholder: x.secret_hint ? `saved: ${x.secret_hint} — leave empty to keep` : '' });
  const network = select('dest-network', 'network', [{ value: 'tcp', label: 'TCP' }, { value: 'tls', label: 'TLS (RFC 5425)' }], x.network || 'tcp');
  const format = select('dest-format', 'format', [{ value: 'rfc5424', label: 'RFC 5424 (JSON message)' }, { value: 'cef', label: 'CEF' }], x.format || 'rfc5424');
  const index = h('input', { id: 'dest-index', type: 'text', maxlength: 200, value: x.index || '', dataset: { field: 'index' } });
  const sourcetype = h('input', { id: 'dest-sourcetype', type: 'text', maxlength: 200, value: x.sourcetype || '', dataset: { field: 'sourcetype' }, placeholder: 'ccsync:<event type>' });
  const labels = h('textarea', { id: 'dest-labels', rows: 2, dataset: { field: 'labels' }, placeholder: 'env=prod, one per line' }, formatLabels(x.labels));
  const tenant = h('input', { id: 'dest-tenant', type: 'text', maxlength: 200, value: x.tenant_id || '', dataset: { field: 'tenant_id' } });
  const username = h('input', { id: 'dest-username', type: 'text', maxlength: 200, value: x.username || '', dataset: { field: 'username' } });
  const caCert = h('textarea', { id: 'dest-ca-cert', rows: 2, dataset: { field: 'ca_cert' }, placeholder: '-----BEGIN CERTIFICATE-----' }, x.ca_cert || '');
  const serverName = h('input', { id: 'dest-server-name', type: 'text', maxlength: 253, value: x.server_name || '', dataset: { field: 'server_name' } });

  const urlField = field('URL', url);
  const secretField = field('Secret', secret, x.secret_hint ? `Write-only. Saved secret: ${x.secret_hint}` : 'Write-only: stored encrypted, shown only as a hint.');
  const opt = {
    url: urlField,
    network: field('Transport', network),
    format: field('Format', format),
    index: field('Index', index, 'Optional; the token\'s default index otherwise.'),
    sourcetype: field('Sourcetype', sourcetype),
    labels: field('Stream labels', labels),
    tenant_id: field('Tenant (X-Scope-OrgID)', tenant),
    username: field('Username', username, 'Basic auth user; without one the secret is sent as a bearer token.'),
    ca_cert: field('Extra trusted CA (PEM)', caCert),
    server_name: field('TLS server name', serverName),
  };
  for (const [k, f] of Object.entries(opt)) f.dataset.opt = k;
  const syncKind = () => {
    const k = kind.value;
    for (const [name, f] of Object.entries(opt)) f.hidden = !KIND_FIELDS[k].includes(name);
    urlField.querySelector('label').textContent = urlLabel(k);
    secretField.querySelector('label').textContent = secretLabel(k);
    secretField.hidden = k === 'syslog'; // syslog has no secret (TLS trusts a CA)
  };
  kind.addEventListener('change', syncKind);

  const fields = ['name', 'kind', 'stream', 'enabled', 'anonymous', 'url', 'secret', 'network', 'format', 'index', 'sourcetype', 'labels', 'tenant_id', 'username', 'ca_cert', 'server_name'];
  const { form } = formDialog({
    id: 'dest-dialog',
    title: d ? `Edit destination` : 'New destination',
    saveLabel: d ? 'Save' : 'Create',
    fields,
    body: [
      h('div', { class: 'row-form' }, field('Name', name), field('Kind', kind), field('Stream', stream)),
      h('div', { class: 'row-form' }, opt.url, secretField),
      h('div', { class: 'row-form' }, opt.network, opt.format, opt.index, opt.sourcetype),
      h('div', { class: 'row-form' }, opt.labels, opt.tenant_id, opt.username),
      h('div', { class: 'row-form' }, opt.ca_cert, opt.server_name),
      enabled.el, anonymous.el,
    ],
    save: async () => {
      const k = kind.value;
      const use = KIND_FIELDS[k];
      const body = { name: name.value.trim(), kind: k, stream: stream.value, enabled: enabled.input.checked, anonymous: anonymous.input.checked };
      if (secret.value && k !== 'syslog') body.secret = secret.value;
      const text = { url, index, sourcetype, tenant_id: tenant, username, ca_cert: caCert, server_name: serverName };
      for (const [f, el] of Object.entries(text)) if (use.includes(f) && el.value.trim()) body[f] = el.value.trim();
      if (use.includes('network')) body.network = network.value;
      if (use.includes('format')) body.format = format.value;
      if (use.includes('labels')) {
        const p = parseLabels(labels.value);
        if (p.bad.length) throw new api.APIError(400, 'bad_request', `labels: "${p.bad[0]}" is not key=value`);
        if (Object.keys(p.labels).length) body.labels = p.labels;
      }
      const saved = d ? await api.put(`/destinations/${encodeURIComponent(d.id)}`, body) : await api.post('/destinations', body);
      toast(d ? `Saved ${saved.name}` : `Created ${saved.name}`);
      await done(saved);
    },
  });
  syncKind();
  form.querySelector('#dest-name').focus();
}

// ---- rules ----

function rulesSection(destinations) {
  const newBtn = h('button', { type: 'button', class: 'btn primary', id: 'rule-new' }, 'New rule');
  const body = h('div', { id: 'rules-list', dataset: { rev: '0' } }, spinner());
  const el = h('section', { class: 'card', id: 'rules-card' },
    h('div', { class: 'card-head' }, h('h2', null, 'Alert rules'), h('span', { class: 'grow' }), newBtn),
    h('p', { class: 'muted small' }, 'A rule fires when newly synced findings match it. One alert per user (or conversation, or message) per quiet period: one bad paste is one alert, not forty.'),
    body);
  newBtn.addEventListener('click', () => ruleDialog(null, destinations(), load));

  async function load() {
    let list;
    try {
      list = (await api.get('/alert-rules')).rules || [];
    } catch (e) {
      clear(body);
      body.append(errorBox(e));
      return;
    }
    clear(body);
    body.dataset.rev = String(+body.dataset.rev + 1);
    if (!list.length) {
      body.append(h('p', { class: 'muted', id: 'rules-empty' }, 'No alert rules yet.'));
      return;
    }
    const names = new Map(destinations().map((d) => [d.id, d.name]));
    body.append(h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'rules-table' },
      h('thead', null, h('tr', null, ...['Name', 'Enabled', 'Matches', 'Notifies', 'Created', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, ...list.map((r) => {
        const edit = h('button', { type: 'button', class: 'btn small rule-edit' }, 'Edit');
        const del = h('button', { type: 'button', class: 'btn-icon small rule-delete', title: 'Delete rule', 'aria-label': `Delete ${r.name}` }, icon('trash'));
        edit.addEventListener('click', () => ruleDialog(r, destinations(), load));
        del.addEventListener('click', async () => {
          const ok = await confirmDialog({ title: 'Delete this rule?', body: [h('p', null, 'Deleting ', h('strong', null, r.name), ' stops it firing. Alerts it fired stay.')], confirmLabel: 'Delete rule', danger: true });
          if (!ok) return;
          try {
            await api.del(`/alert-rules/${encodeURIComponent(r.id)}`);
            toast('Rule deleted');
          } catch (e) {
            toast(e.message, 'error');
          }
          load();
        });
        return h('tr', { dataset: { id: r.id, enabled: String(!!r.enabled) } },
          h('th', { scope: 'row', class: 'rule-name' }, r.name),
          h('td', null, r.enabled ? 'Yes' : h('span', { class: 'muted' }, 'Off')),
          h('td', { class: 'small rule-summary' }, ruleSummary(r)),
          h('td', { class: 'small rule-dests' }, (r.destinations || []).length ? r.destinations.map((id) => names.get(id) || id).join(', ') : h('span', { class: 'muted' }, 'every alert destination')),
          h('td', { class: 'small' }, r.created_by, ' · ', timeEl(r.created_at, true)),
          h('td', { class: 'row-actions' }, edit, del));
      })))));
  }

  return { el, load };
}

function ruleDialog(r, dests, done) {
  const x = r || { enabled: true, group_by: 'user' };
  const name = h('input', { id: 'rule-name', type: 'text', maxlength: 200, value: x.name || '', dataset: { field: 'name' }, required: true });
  const enabled = checkbox('rule-enabled', 'enabled', 'Enabled', x.enabled);
  const chosen = new Set(x.finding_types || []);
  const types = h('fieldset', { class: 'type-picks', id: 'rule-types', dataset: { field: 'finding_types' } }, h('legend', null, 'Finding types (any of; none: every type)'),
    ...[...new Set([...KNOWN_TYPES, ...chosen])].map((t) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: t, checked: chosen.has(t) }), typeLabel(t))));
  const sev = select('rule-min-severity', 'min_severity', [{ value: '', label: 'Any' }, ...SEVERITIES.map((s) => ({ value: s, label: s }))], x.min_severity || '');
  const usersIn = h('textarea', { id: 'rule-users', rows: 2, dataset: { field: 'users' }, placeholder: 'user ids or emails' }, (x.users || []).join('\n'));
  const models = h('input', { id: 'rule-models', type: 'text', value: (x.models || []).join(', '), dataset: { field: 'models' } });
  const products = h('input', { id: 'rule-products', type: 'text', value: (x.products || []).join(', '), dataset: { field: 'products' } });
  const query = h('input', { id: 'rule-query', type: 'text', maxlength: 4096, value: x.query || '', dataset: { field: 'query' } });
  const num = (id, f, v) => h('input', { id, type: 'number', min: 0, value: String(v || 0), dataset: { field: f } });
  const threshold = num('rule-threshold', 'threshold', x.threshold);
  const windowMin = num('rule-window', 'window_minutes', x.window_minutes);
  const quiet = num('rule-quiet', 'quiet_minutes', x.quiet_minutes);
  const groupBy = select('rule-group-by', 'group_by', [{ value: 'user', label: 'User' }, { value: 'conversation', label: 'Conversation' }, { value: 'message', label: 'Message' }], x.group_by || 'user');
  const backfill = checkbox('rule-backfill', 'include_backfill', 'Also alert on imports, re-scans and synced history', x.include_backfill);
  const alertDests = dests.filter((d) => d.stream === 'alerts');
  const picked = new Set(x.destinations || []);
  const destBox = h('fieldset', { class: 'type-picks', id: 'rule-destinations', dataset: { field: 'destinations' } }, h('legend', null, 'Notify (none: every alert destination)'),
    ...(alertDests.length ? alertDests.map((d) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: d.id, checked: picked.has(d.id) }), d.name))
      : [h('span', { class: 'muted small' }, 'No alert destinations yet.')]));
  const fields = ['name', 'enabled', 'finding_types', 'min_severity', 'users', 'models', 'products', 'query', 'threshold', 'window_minutes', 'quiet_minutes', 'group_by', 'include_backfill', 'destinations'];
  const { form } = formDialog({
    id: 'rule-dialog',
    title: r ? 'Edit alert rule' : 'New alert rule',
    saveLabel: r ? 'Save' : 'Create',
    fields,
    body: [
      h('div', { class: 'row-form' }, field('Name', name), field('Minimum severity', sev), field('One alert per', groupBy)),
      types,
      h('div', { class: 'row-form' }, field('Users', usersIn), field('Models', models, 'Comma separated.'), field('Products', products, 'e.g. claude_ai, claude_code')),
      field('Search query', query, 'Search syntax as in Logs; empty matches every message.'),
      h('div', { class: 'row-form' }, field('Threshold (findings)', threshold, '0: every match; N: more than N within the window.'), field('Window (minutes)', windowMin), field('Quiet period (minutes)', quiet, '0 means 60.')),
      destBox, enabled.el, backfill.el,
    ],
    save: async () => {
      const body = { name: name.value.trim(), enabled: enabled.input.checked, group_by: groupBy.value, include_backfill: backfill.input.checked };
      const ft = [...types.querySelectorAll('input:checked')].map((b) => b.value);
      if (ft.length) body.finding_types = ft;
      if (sev.value) body.min_severity = sev.value;
      for (const [f, el] of [['users', usersIn], ['models', models], ['products', products]]) {
        const v = splitList(el.value);
        if (v.length) body[f] = v;
      }
      if (query.value.trim()) body.query = query.value.trim();
      for (const [f, el] of [['threshold', threshold], ['window_minutes', windowMin], ['quiet_minutes', quiet]]) {
        const n = Number(el.value || 0);
        if (!Number.isInteger(n) || n < 0) throw new api.APIError(400, 'bad_request', `${f}: must be a whole number, 0 or more`);
        if (n) body[f] = n;
      }
      const ds = [...destBox.querySelectorAll('input:checked')].map((b) => b.value);
      if (ds.length) body.destinations = ds;
      const saved = r ? await api.put(`/alert-rules/${encodeURIComponent(r.id)}`, body) : await api.post('/alert-rules', body);
      toast(r ? `Saved ${saved.name}` : `Created ${saved.name}`);
      await done();
    },
  });
  form.querySelector('#rule-name').focus();
}
