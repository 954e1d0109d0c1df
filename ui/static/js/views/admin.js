// Admin: accounts and roles, the caller's API tokens, the audit trail.
import { h, clear, errorBox, toast, timeEl, spinner, icon } from '../dom.js';
import * as api from '../api.js';
import { session } from '../session.js';
import { avatar } from '../avatar.js';
import { card, field } from '../widgets.js';

export async function adminView(main) {
  const page = h('div', { class: 'page admin' }, h('div', { class: 'page-head' }, h('h1', null, 'Admin')));
  const accounts = h('div');
  const tokens = h('div');
  const audit = h('div');
  page.append(h('div', { class: 'admin-grid' }, accounts, tokens), audit);
  main.append(page);
  await Promise.all([drawAccounts(accounts, () => drawTokens(tokens)), drawTokens(tokens), drawAudit(audit)]);
}

// secretOnce shows a generated password or token a single time.
function secretOnce(what, value) {
  const code = h('code', { class: 'secret', id: 'secret-once' }, value);
  return h('div', { class: 'notice ok', role: 'status' }, h('p', null, `${what} — shown once; copy it now:`), code,
    h('button', { type: 'button', class: 'btn small', onclick: () => navigator.clipboard.writeText(value).then(() => toast('Copied'), () => toast('Copy failed', 'error')) }, icon('copy'), 'Copy'));
}

// onTokensRevoked redraws the caller's own token list after an admin revoked
// an account's tokens (their own among them, possibly).
async function drawAccounts(box, onTokensRevoked) {
  clear(box).append(spinner());
  let list;
  try {
    list = (await api.get('/accounts')).accounts;
  } catch (e) {
    clear(box).append(card('Users & roles', errorBox(e)));
    return;
  }
  const note = h('div');
  const rows = list.map((a) => {
    const role = h('select', { 'aria-label': `Role of ${a.name}` }, h('option', { value: 'admin' }, 'admin'), h('option', { value: 'auditor' }, 'auditor'));
    role.value = a.role;
    role.addEventListener('change', async () => {
      try {
        await api.patch(`/accounts/${encodeURIComponent(a.name)}`, { role: role.value });
        toast(`${a.name} is now ${role.value}`);
      } catch (e) {
        toast(e.message, 'error');
        role.value = a.role;
      }
    });
    const del = h('button', {
      type: 'button', class: 'btn-ghost danger-text', 'aria-label': `Delete account ${a.name}`, disabled: a.name === session().account,
      onclick: async () => {
        if (!confirm(`Delete the account ${a.name}? Their sessions and API tokens end now.`)) return;
        try {
          await api.del(`/accounts/${encodeURIComponent(a.name)}`);
          drawAccounts(box, onTokensRevoked);
        } catch (e) {
          toast(e.message, 'error');
        }
      },
    }, icon('trash'));
    return h('tr', null, h('th', { scope: 'row' }, h('span', { class: 'owner' }, avatar(a.name, a.name, 'sm'), a.name)), h('td', null, role), h('td', null, timeEl(a.created_at, true)), h('td', null, timeEl(a.password_changed_at, true)), h('td', null, accountTokens(a.name, onTokensRevoked)), h('td', null, del));
  });
  const name = h('input', { id: 'new-account', autocomplete: 'off', required: true, pattern: '[a-z0-9._-]+' });
  const role = h('select', { id: 'new-role' }, h('option', { value: 'auditor' }, 'auditor'), h('option', { value: 'admin' }, 'admin'));
  const form = h('form', {
    class: 'row-form',
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const r = await api.post('/accounts', { name: name.value.trim(), role: role.value });
        await drawAccounts(box, onTokensRevoked);
        if (r.password) box.querySelector('.card').append(secretOnce(`Password for ${r.account.name}`, r.password));
      } catch (e2) {
        clear(note).append(errorBox(e2));
      }
    },
  }, field('New account', name), field('Role', role), h('div', { class: 'field end' }, h('button', { type: 'submit', class: 'btn primary' }, 'Add account')));
  clear(box).append(card('Users & roles',
    h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'accounts' },
      h('thead', null, h('tr', null, ...['Account', 'Role', 'Created', 'Password changed', 'API tokens', ''].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, ...rows))),
    form, note, h('p', { class: 'hint' }, 'A generated password is shown once. Admins manage settings and deletions; auditors search and review.')));
}

// accountTokens shows how many API tokens an account holds and revokes them
// all (a suspected stolen token, a person leaving), in two clicks.
function accountTokens(name, onRevoked) {
  const cell = h('span', { class: 'account-tokens', 'data-account': name }, spinner());
  (async () => {
    let n;
    try {
      n = (await api.get(`/accounts/${encodeURIComponent(name)}/tokens`)).tokens.length;
    } catch (e) {
      clear(cell).append(h('span', { class: 'muted' }, '?'));
      return;
    }
    const count = h('span', { class: 'count' }, String(n));
    if (n === 0) {
      clear(cell).append(count);
      return;
    }
    const revoke = h('button', {
      type: 'button', class: 'btn-ghost danger-text small', 'aria-label': `Revoke all API tokens of ${name}`,
      onclick: async () => {
        if (!revoke.dataset.armed) {
          revoke.dataset.armed = '1';
          revoke.textContent = `Confirm: revoke ${n}`;
          return;
        }
        try {
          const r = await api.del(`/accounts/${encodeURIComponent(name)}/tokens`);
          toast(`${r.revoked} token(s) of ${name} revoked`);
          clear(cell).append(h('span', { class: 'count' }, '0'));
          if (name === session().account) onRevoked();
        } catch (e) {
          toast(e.message, 'error');
        }
      },
    }, 'Revoke all');
    clear(cell).append(count, ' ', revoke);
  })();
  return cell;
}

async function drawTokens(box) {
  clear(box).append(spinner());
  let list;
  try {
    list = (await api.get('/tokens')).tokens;
  } catch (e) {
    clear(box).append(card('API tokens', errorBox(e)));
    return;
  }
  const name = h('input', { id: 'token-name', autocomplete: 'off', required: true, maxlength: 64 });
  const shown = h('div');
  const form = h('form', {
    class: 'row-form',
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const r = await api.post('/tokens', { name: name.value.trim() });
        await drawTokens(box);
        box.querySelector('.card').append(secretOnce(`Token “${r.token.name}”`, r.secret));
      } catch (e2) {
        clear(shown).append(errorBox(e2));
      }
    },
  }, field('Token name', name), h('div', { class: 'field end' }, h('button', { type: 'submit', class: 'btn primary' }, 'Create token')));
  const rows = list.map((t) => h('tr', null, h('th', { scope: 'row' }, t.name), h('td', null, h('code', null, t.id)), h('td', null, timeEl(t.created_at, true)),
    h('td', null, h('button', {
      type: 'button', class: 'btn-ghost danger-text', 'aria-label': `Revoke token ${t.name}`,
      onclick: async () => {
        try { await api.del(`/tokens/${encodeURIComponent(t.id)}`); drawTokens(box); } catch (e) { toast(e.message, 'error'); }
      },
    }, 'Revoke'))));
  clear(box).append(card('Your API tokens',
    list.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data' }, h('thead', null, h('tr', null, ...['Name', 'Id', 'Created', ''].map((x) => h('th', { scope: 'col' }, x)))), h('tbody', null, ...rows)))
      : h('p', { class: 'muted' }, 'No tokens. Tokens let scripts call the API as you (Authorization: Bearer …).'),
    form, shown));
}

async function drawAudit(box) {
  const actor = h('input', { id: 'audit-actor', placeholder: 'any' });
  const action = h('input', { id: 'audit-action', placeholder: 'e.g. search, export, deletion' });
  const body = h('tbody');
  const more = h('p', { class: 'muted small' });
  const csv = h('a', { class: 'btn', download: '' }, icon('download'), 'CSV');
  async function load() {
    const q = api.qs({ actor: actor.value.trim(), action: action.value.trim() });
    csv.href = `/api/v1/audit${q}${q ? '&' : '?'}format=csv`;
    clear(body);
    try {
      const r = await api.get(`/audit${api.qs({ actor: actor.value.trim(), action: action.value.trim(), limit: 200 })}`);
      for (const e of r.entries) {
        const detail = Object.entries(e.detail || {}).map(([k, v]) => `${k}=${v}`).join('  ');
        body.append(h('tr', null, h('td', null, timeEl(e.time)), h('td', null, e.actor || '—'), h('td', null, h('code', null, e.action)),
          h('td', null, e.target || ''), h('td', { class: 'detail' }, detail), h('td', { class: 'muted' }, e.ip)));
      }
      more.textContent = r.more ? 'Showing the newest 200 entries; export CSV for the full trail.' : '';
    } catch (e) {
      body.append(h('tr', null, h('td', { colspan: 6 }, errorBox(e))));
    }
  }
  const form = h('form', { class: 'row-form', onsubmit: (e) => { e.preventDefault(); load(); } },
    field('Actor', actor), field('Action', action), h('div', { class: 'field end' }, h('button', { type: 'submit', class: 'btn' }, 'Filter')), h('div', { class: 'field end' }, csv));
  box.append(card('Audit trail', form,
    h('div', { class: 'table-wrap' }, h('table', { class: 'data audit', id: 'audit' }, h('thead', null, h('tr', null, ...['Time', 'Actor', 'Action', 'Target', 'Detail', 'IP'].map((x) => h('th', { scope: 'col' }, x)))), body)), more));
  await load();
}
