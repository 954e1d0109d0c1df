// app.js boots the single-page UI: it finds out who is logged in, draws the
// header and routes paths to views. Routes are real paths (the server
// answers unknown non-API paths with index.html), so every page, search
// included, has a URL that can be bookmarked or shared.
import { h, clear } from './dom.js';
import * as api from './api.js';
import { avatar } from './avatar.js';
import { session, setSession } from './session.js';
import { loginView } from './views/login.js';
import { logsView } from './views/logs.js';
import { conversationView } from './views/conversation.js';
import { messageView } from './views/message.js';
import { settingsView } from './views/settings.js';
import { analyticsView } from './views/analytics.js';
import { adminView } from './views/admin.js';
import { activityView } from './views/activity.js';
import { holdsView, holdView } from './views/holds.js';
import { alertsView } from './views/alerts.js';

const routes = [
  { re: /^\/login$/, view: loginView, title: 'Sign in', public: true },
  { re: /^\/(logs)?$/, view: logsView, title: 'Logs', nav: 'logs' },
  { re: /^\/conversations\/([^/]+)$/, view: conversationView, title: 'Conversation', nav: 'logs' },
  { re: /^\/messages\/([^/]+)$/, view: messageView, title: 'Message', nav: 'logs' },
  { re: /^\/activity$/, view: activityView, title: 'Activity', nav: 'activity' },
  { re: /^\/analytics$/, view: analyticsView, title: 'Analytics', nav: 'analytics' },
  { re: /^\/alerts$/, view: alertsView, title: 'Alerts', nav: 'alerts' },
  { re: /^\/settings$/, view: settingsView, title: 'Settings', nav: 'settings', admin: true },
  { re: /^\/holds$/, view: holdsView, title: 'Legal holds', nav: 'holds', admin: true },
  { re: /^\/holds\/([^/]+)$/, view: holdView, title: 'Legal hold', nav: 'holds', admin: true },
  { re: /^\/admin$/, view: adminView, title: 'Admin', nav: 'admin', admin: true },
];

let cleanups = [];

export function navigate(url, opts = {}) {
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

// Links inside the app are plain <a href> (so they can be opened in a new
// tab); a click on one is routed here without a page load.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[href]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.target === '_blank' || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  e.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});
window.addEventListener('popstate', () => render());

api.onUnauthenticated(() => {
  setSession(null);
  if (location.pathname !== '/login') {
    const next = location.pathname + location.search + location.hash;
    navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
  }
});

function header(active) {
  const top = document.getElementById('top');
  clear(top);
  const s = session();
  if (!s) {
    top.hidden = true;
    return;
  }
  top.hidden = false;
  const link = (href, label, key) => h('a', { href, class: ['nav-link', active === key && 'active'], 'aria-current': active === key ? 'page' : null }, label);
  top.append(
    h('a', { href: '/logs', class: 'brand' }, h('img', { src: '/img/logo.svg', alt: '', width: 28, height: 28 }), h('span', null, 'ccsync'), h('small', null, 'Compliance')),
    h('nav', { 'aria-label': 'Main' },
      link('/logs', 'Logs', 'logs'),
      link('/activity', 'Activity', 'activity'),
      link('/analytics', 'Analytics', 'analytics'),
      link('/alerts', 'Alerts', 'alerts'),
      s.role === 'admin' ? link('/settings', 'Settings', 'settings') : null,
      s.role === 'admin' ? link('/holds', 'Legal holds', 'holds') : null,
      s.role === 'admin' ? link('/admin', 'Admin', 'admin') : null),
    h('div', { class: 'who' },
      avatar(s.account, s.account, 'sm'),
      h('span', { class: 'who-name', 'data-testid': 'account' }, s.account),
      h('span', { class: ['role', `role-${s.role}`], 'data-testid': 'role' }, s.role),
      h('button', { type: 'button', class: 'btn-ghost', id: 'logout', onclick: logout }, 'Log out')));
}

async function logout() {
  try {
    await api.post('/auth/logout');
  } catch { /* the session is gone either way */ }
  setSession(null);
  navigate('/login', { replace: true });
}

async function render() {
  for (const fn of cleanups.splice(0)) {
    try { fn(); } catch { /* a view's teardown must not block navigation */ }
  }
  const path = location.pathname;
  const route = routes.find((r) => r.re.test(path));
  const main = document.getElementById('main');
  clear(main);
  if (!route) {
    header('');
    main.append(h('div', { class: 'page narrow' }, h('h1', null, 'Page not found'), h('p', null, h('a', { href: '/logs' }, 'Go to Logs'))));
    return;
  }
  if (!route.public && !session()) {
    try {
      const me = await api.get('/auth/me', { noRedirect: true });
      setSession(me);
    } catch {
      navigate(`/login?next=${encodeURIComponent(path + location.search + location.hash)}`, { replace: true });
      return;
    }
  }
  header(route.nav);
  document.title = `${route.title} · ccsync`;
  if (route.admin && session().role !== 'admin') {
    main.append(h('div', { class: 'page narrow' }, h('h1', null, route.title), h('p', { class: 'notice' }, 'This page needs the admin role.')));
    return;
  }
  const params = path.match(route.re).slice(1).map((p) => (p ? decodeURIComponent(p) : p));
  const ctx = { params, query: new URLSearchParams(location.search), hash: location.hash.slice(1), navigate, onCleanup: (fn) => { cleanups.push(fn); } };
  try {
    await route.view(main, ctx);
  } catch (e) {
    if (e.name !== 'AbortError') main.append(h('div', { class: 'page' }, h('div', { class: 'notice error', role: 'alert' }, e.message || String(e))));
  }
}

// "/" focuses the search box from anywhere, as on most search products.
document.addEventListener('keydown', (e) => {
  if (e.key === '/' && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
    const q = document.getElementById('q');
    if (q) {
      e.preventDefault();
      q.focus();
    }
  }
});

render();
