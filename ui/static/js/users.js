import * as api from './api.js';

// users caches the user directory (id -> user) for avatar seeds and names;
// search hits carry names but not avatar seeds.
let pending = null;

export function users() {
  if (!pending) {
    pending = api.get('/users').then((r) => {
      const m = new Map();
      for (const u of r.users || []) {
        m.set(u.id, u);
        for (const a of u.aliases || []) m.set(a, u);
      }
      return m;
    }).catch(() => { pending = null; return new Map(); });
  }
  return pending;
}

export function forgetUsers() { pending = null; }
