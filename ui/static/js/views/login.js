import { h } from '../dom.js';
import * as api from '../api.js';
import { setSession } from '../session.js';

export async function loginView(main, ctx) {
  const err = h('div', { class: 'notice error', role: 'alert', hidden: true });
  const name = h('input', { id: 'login-name', name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const btn = h('button', { type: 'submit', class: 'btn primary wide' }, 'Sign in');
  const form = h('form', {
    class: 'login-card',
    onsubmit: async (e) => {
      e.preventDefault();
      err.hidden = true;
      btn.disabled = true;
      try {
        const s = await api.post('/auth/login', { name: name.value.trim(), password: pass.value }, { noRedirect: true });
        setSession(s);
        let next = ctx.query.get('next') || '/logs';
        // Only same-site paths: ?next= must not become an open redirect.
        if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) next = '/logs';
        ctx.navigate(next, { replace: true });
      } catch (e2) {
        err.textContent = e2.status === 401 ? 'Wrong name or password.' : e2.message;
        err.hidden = false;
        pass.select();
      } finally {
        btn.disabled = false;
      }
    },
  },
  h('img', { src: '/img/logo.svg', alt: '', width: 48, height: 48, class: 'login-logo' }),
  h('h1', null, 'Sign in to ccsync'),
  h('p', { class: 'muted' }, 'Claude Compliance Sync — review and audit Claude conversations.'),
  err,
  h('label', { for: 'login-name' }, 'Account name'), name,
  h('label', { for: 'login-password' }, 'Password'), pass,
  btn);
  main.append(h('div', { class: 'login-page' }, form));
  name.focus();
}
