// Legal holds (admin): the list with the counts each hold covers, a form to
// place one (custodians, conversations, or a search frozen now; Logs'
// "Hold these results" opens it prefilled), a hold's detail, and release,
// which asks for a reason and is audited.
import { h, clear, errorBox, toast, fmtNum, timeEl, spinner, icon } from '../dom.js';
import * as api from '../api.js';
import { card, field } from '../widgets.js';
import { confirmDialog } from '../dialog.js';
import { KNOWN_TYPES, typeLabel } from '../findings.js';
import { splitList, holdScope, queryText, errorField, holdQueryFromSearch } from '../holds.js';

export async function holdsView(main, ctx) {
  const showAll = ctx.query.get('all') === '1';
  const page = h('div', { class: 'page holds' });
  main.append(page);
  const all = h('input', { type: 'checkbox', id: 'holds-all', checked: showAll });
  const newBtn = h('button', { type: 'button', class: 'btn primary', id: 'hold-new', 'aria-expanded': 'false', 'aria-controls': 'hold-form' }, 'New hold');
  page.append(h('div', { class: 'page-head' }, h('h1', null, 'Legal holds'), h('span', { class: 'grow' }),
    h('label', { class: 'switch', for: 'holds-all' }, all, h('span', { class: 'track', 'aria-hidden': 'true' }), 'Show released'), newBtn));
  page.append(h('p', { class: 'muted' }, 'Held messages survive retention, range deletion and re-sync of chats deleted upstream until the hold is released.'));

  const prefill = ctx.query.get('new') === '1' ? holdQueryFromSearch(ctx.query) : null;
  const form = holdForm(prefill, ctx);
  form.hidden = !prefill;
  newBtn.setAttribute('aria-expanded', String(!form.hidden));
  newBtn.addEventListener('click', () => {
    form.hidden = !form.hidden;
    newBtn.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) form.querySelector('#hold-matter').focus();
  });
  const list = h('div', { id: 'holds-list', dataset: { rev: '0' } }, spinner());
  page.append(form, list);
  if (prefill) form.querySelector('#hold-matter').focus();

  all.addEventListener('change', () => {
    const u = new URL(location.href);
    if (all.checked) u.searchParams.set('all', '1'); else u.searchParams.delete('all');
    history.replaceState(null, '', u.pathname + u.search);
    load();
  });

  async function load() {
    let holds;
    try {
      holds = (await api.get(`/holds${all.checked ? '?all=1' : ''}`)).holds || [];
    } catch (e) {
      clear(list);
      list.append(errorBox(e));
      return;
    }
    clear(list);
    list.dataset.rev = String(+list.dataset.rev + 1);
    list.append(holdsTable(holds, all.checked));
  }
  await load();
}

function status(hold) {
  return hold.released_at ? h('span', { class: 'chip hold-status released' }, 'Released') : h('span', { class: 'chip hold-status active' }, icon('lock'), 'Active');
}

function holdsTable(holds, all) {
  if (!holds.length) return h('p', { class: 'muted', id: 'holds-table' }, all ? 'No legal holds have been placed.' : 'No active legal holds.');
  return h('table', { class: 'data', id: 'holds-table' },
    h('thead', null, h('tr', null, ...['Matter', 'Created', 'Covers', 'Messages', 'Conversations', 'Status'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, ...holds.map((x) => h('tr', { dataset: { id: x.id, status: x.released_at ? 'released' : 'active' } },
      h('th', { scope: 'row' }, h('a', { class: 'hold-matter', href: `/holds/${encodeURIComponent(x.id)}` }, x.matter)),
      h('td', null, h('span', { class: 'hold-by' }, x.created_by), ' · ', timeEl(x.created_at, true)),
      h('td', { class: 'small hold-scope' }, holdScope(x)),
      h('td', { class: 'num', dataset: { k: 'messages' } }, fmtNum(x.messages)),
      h('td', { class: 'num', dataset: { k: 'conversations' } }, fmtNum(x.conversation_count)),
      h('td', null, status(x))))));
}

// holdForm places a hold. prefill is a frozen query from Logs.
function holdForm(prefill, ctx) {
  const matter = h('input', { id: 'hold-matter', type: 'text', required: true, maxlength: 200, dataset: { field: 'matter' } });
  const reason = h('textarea', { id: 'hold-reason', rows: 2, required: true, maxlength: 2000, dataset: { field: 'reason' } });
  const custodians = h('textarea', { id: 'hold-custodians', rows: 2, dataset: { field: 'custodians' }, placeholder: 'user ids or emails, one per line or comma separated' });
  const convs = h('textarea', { id: 'hold-conversations', rows: 2, dataset: { field: 'conversations' }, placeholder: 'conversation ids, one per line or comma separated' });
  const q = prefill ? prefill.query : {};
  const text = h('input', { id: 'hold-q', type: 'text', maxlength: 4096, value: q.text || '', dataset: { field: 'query.text' } });
  const flagged = h('input', { id: 'hold-flagged', type: 'checkbox', checked: !!q.flagged_only });
  const chosen = new Set(q.finding_types || []);
  const types = [...new Set([...KNOWN_TYPES, ...chosen])];
  const typeBoxes = h('fieldset', { class: 'type-picks', id: 'hold-types', dataset: { field: 'query.finding_types' } }, h('legend', null, 'Finding types (any of)'),
    ...types.map((t) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: t, checked: chosen.has(t) }), typeLabel(t))));
  // Filters from Logs that the form has no field for travel unchanged.
  const carried = {};
  for (const k of ['users', 'models', 'products', 'from', 'to']) if (q[k] && q[k].length) carried[k] = q[k];
  const carriedNote = Object.keys(carried).length ? h('p', { class: 'small', id: 'hold-carried' }, 'Also from the search: ', queryText(carried)) : null;
  const dropped = prefill && prefill.dropped.length ? h('p', { class: 'notice small', id: 'hold-dropped' },
    `Not carried over (a hold query has no such filter): ${prefill.dropped.join(', ')}. The hold may cover more than the search showed.`) : null;
  const err = h('div', { id: 'hold-form-error', 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'btn primary', id: 'hold-create' }, 'Place hold');

  const form = h('form', { id: 'hold-form', class: 'card hold-form', novalidate: true },
    h('h2', null, prefill ? 'Hold these search results' : 'New legal hold'),
    prefill ? h('p', { class: 'notice small', id: 'hold-frozen-note' }, 'The search is frozen when the hold is placed: the messages it matches now are held; messages that match it later are not.') : null,
    h('div', { class: 'row-form' }, field('Matter', matter), field('Reason', reason)),
    h('div', { class: 'row-form' },
      field('Custodians', custodians, 'Every message, past and future, of conversations these users own.'),
      field('Conversations', convs, 'Every message, past and future, of these conversations.')),
    h('fieldset', { class: 'hold-query', dataset: { field: 'query' } }, h('legend', null, 'Search query (frozen now)'),
      field('Query text', text, 'Search syntax as in Logs. Leave empty to hold by the filters alone.'),
      h('label', { class: 'check', for: 'hold-flagged' }, flagged, 'Flagged messages only'),
      typeBoxes, carriedNote, dropped),
    err,
    h('div', { class: 'actions' }, h('span', { class: 'grow' }), submit));

  const read = () => {
    const body = { matter: matter.value.trim(), reason: reason.value.trim(), custodians: splitList(custodians.value), conversations: splitList(convs.value) };
    const hq = { ...carried };
    if (text.value.trim()) hq.text = text.value.trim();
    if (flagged.checked) hq.flagged_only = true;
    const ft = [...typeBoxes.querySelectorAll('input:checked')].map((b) => b.value);
    if (ft.length) hq.finding_types = ft;
    if (Object.keys(hq).length) body.query = hq;
    return body;
  };
  const clearErrors = () => {
    clear(err);
    for (const el of form.querySelectorAll('.field-error')) el.remove();
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    submit.disabled = true;
    try {
      const created = await api.post('/holds', read());
      toast(`Hold placed: ${created.matter}`);
      ctx.navigate(`/holds/${encodeURIComponent(created.id)}`);
    } catch (e2) {
      const path = errorField(e2.message).replace(/\[\d+\]$/, '');
      const target = path ? form.querySelector(`[data-field="${CSS.escape(path)}"]`) : null;
      const msg = h('p', { class: 'field-error', role: 'alert', dataset: { for: path } }, e2.message);
      if (target && (e2.status === 400 || e2.status === 422)) {
        target.setAttribute('aria-invalid', 'true');
        (target.closest('.field') || target).append(msg);
        if (target.focus) target.focus();
      } else err.append(msg);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function holdView(main, ctx) {
  const id = ctx.params[0];
  const page = h('div', { class: 'page holds hold-detail' }, h('a', { href: '/holds', class: 'back' }, '← Legal holds'));
  main.append(page);
  const body = h('div', { id: 'hold-detail', dataset: { rev: '0' } }, spinner());
  page.append(body);

  async function load() {
    let x;
    try {
      x = await api.get(`/holds/${encodeURIComponent(id)}`);
    } catch (e) {
      clear(body);
      body.append(errorBox(e));
      return;
    }
    draw(x);
  }

  function draw(x) {
    clear(body);
    body.dataset.rev = String(+body.dataset.rev + 1);
    body.dataset.status = x.released_at ? 'released' : 'active';
    const list = (items, link) => (items && items.length ? h('ul', { class: 'plain' }, ...items.slice(0, 500).map((v) => h('li', null, link ? h('a', { href: `/conversations/${encodeURIComponent(v)}` }, v) : v)),
      items.length > 500 ? h('li', { class: 'muted' }, `and ${fmtNum(items.length - 500)} more`) : null) : h('span', { class: 'muted' }, 'none'));
    const qy = x.query;
    body.append(h('div', { class: 'page-head' }, h('h1', { id: 'hold-title' }, x.matter), status(x)),
      card('Hold',
        h('dl', { class: 'kv' },
          h('dt', null, 'Reason'), h('dd', { id: 'hold-reason-text' }, x.reason),
          h('dt', null, 'Placed by'), h('dd', null, x.created_by, ' · ', timeEl(x.created_at)),
          h('dt', null, 'Covers now'), h('dd', { id: 'hold-counts' }, `${fmtNum(x.messages)} messages in ${fmtNum(x.conversation_count)} conversations`),
          h('dt', null, 'Custodians'), h('dd', { id: 'hold-custodian-list' }, list(x.custodians)),
          h('dt', null, 'Conversations'), h('dd', { id: 'hold-conversation-list' }, list(x.conversations, true)),
          qy ? h('dt', null, 'Frozen query') : null,
          qy ? h('dd', { id: 'hold-query' }, queryText(qy), ' — ', `${fmtNum(qy.matched)} messages matched`, qy.frozen_at ? h('span', null, ' at ', timeEl(qy.frozen_at)) : null) : null,
          x.released_at ? h('dt', null, 'Released') : null,
          x.released_at ? h('dd', { id: 'hold-released' }, x.released_by, ' · ', timeEl(x.released_at), ' — ', h('span', { id: 'hold-release-reason' }, x.release_reason)) : null)),
      x.released_at ? null : releaseCard(x));
  }

  function releaseCard(x) {
    const btn = h('button', { type: 'button', class: 'btn danger', id: 'hold-release' }, 'Release hold…');
    btn.addEventListener('click', async () => {
      const reason = await confirmDialog({
        title: 'Release this legal hold?',
        body: [h('p', null, 'Releasing ', h('strong', null, x.matter), ` stops protecting ${fmtNum(x.messages)} messages in ${fmtNum(x.conversation_count)} conversations. Retention and range deletion may then delete them, unless another hold covers them.`)],
        confirmLabel: 'Release hold',
        danger: true,
        reason: { label: 'Reason for release', hint: 'Required. Recorded with the hold and in the audit trail.' },
      });
      if (!reason) return;
      btn.disabled = true;
      try {
        draw(await api.post(`/holds/${encodeURIComponent(x.id)}/release`, { reason }));
        toast('Hold released');
      } catch (e) {
        toast(e.message, 'error');
        btn.disabled = false;
      }
    });
    const el = card('Release', h('p', { class: 'muted' }, 'Release the hold when the matter no longer requires these records. You will be asked for a reason.'), h('div', { class: 'actions' }, btn));
    el.classList.add('danger-zone');
    return el;
  }

  await load();
}
