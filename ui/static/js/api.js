// api.js talks to /api/v1. Session cookies are HttpOnly; the CSRF token the
// login (or /auth/me) returns is kept in memory and sent on every write.

let csrf = '';

export class APIError extends Error {
  constructor(status, type, message) {
    super(message || `request failed (${status})`);
    this.status = status;
    this.type = type;
  }
}

export function setCSRF(t) { csrf = t || ''; }

// onUnauthenticated is called on a 401 so the app can show the login page.
let unauth = () => {};
export function onUnauthenticated(fn) { unauth = fn; }

export async function request(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: payload, credentials: 'same-origin', signal: opts.signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new APIError(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  if (res.status === 204) return null;
  let data = null;
  const ct = res.headers.get('Content-Type') || '';
  if (ct.includes('json')) data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = data && data.error ? data.error : {};
    if (res.status === 401 && !opts.noRedirect) unauth();
    throw new APIError(res.status, e.type || 'http', e.message || `${res.status} ${res.statusText}`);
  }
  return data;
}

export const get = (p, o) => request('GET', p, undefined, o);
export const post = (p, b, o) => request('POST', p, b, o);
export const put = (p, b, o) => request('PUT', p, b, o);
export const patch = (p, b, o) => request('PATCH', p, b, o);
export const del = (p, o) => request('DELETE', p, undefined, o);

// upload posts multipart form data with upload progress (fetch has no
// upload progress events, XMLHttpRequest does).
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1${path}`);
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); });
    xhr.addEventListener('load', () => {
      const data = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else {
        const e = data && data.error ? data.error : {};
        reject(new APIError(xhr.status, e.type || 'http', e.message || `upload failed (${xhr.status})`));
      }
    });
    xhr.addEventListener('error', () => reject(new APIError(0, 'network', 'upload failed: the server could not be reached')));
    xhr.send(form);
  });
}

// qs builds a query string, skipping empty values and repeating arrays.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => u.append(k, x));
    else if (v !== undefined && v !== null && v !== '' && v !== false) u.append(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}
