import { setCSRF } from './api.js';

// The current session: account, role, CSRF token. Held in memory only.
let current = null;

export function session() { return current; }

export function setSession(s) {
  current = s;
  setCSRF(s ? s.csrf_token : '');
}

export function isAdmin() { return !!current && current.role === 'admin'; }

// lastLogs is the search the reader came from, for "back to Logs" links.
let logsURL = '/logs';
export function rememberLogs(u) { logsURL = u; }
export function lastLogs() { return logsURL; }
