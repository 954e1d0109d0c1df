// progress.js keeps one WebSocket to /api/v1/progress and fans job events
// out to listeners. The server sends a snapshot of every job's latest event
// on connect, so a page opened mid-run shows where the job is. The socket
// reconnects with backoff while anyone is listening.

const listeners = new Set();
const latest = new Map(); // job id -> latest event
let ws = null;
let retry = 0;
let timer = null;

function connect() {
  if (ws || listeners.size === 0) return;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  ws = new WebSocket(`${proto}//${location.host}/api/v1/progress`);
  ws.addEventListener('open', () => { retry = 0; emitState('open'); });
  ws.addEventListener('message', (e) => {
    let msg;
    try { msg = JSON.parse(e.data); } catch { return; }
    for (const ev of msg.events || []) {
      latest.set(ev.job, ev);
      for (const fn of listeners) fn(ev, msg.type === 'snapshot');
    }
  });
  ws.addEventListener('close', () => {
    ws = null;
    emitState('closed');
    if (listeners.size === 0) return;
    const wait = Math.min(15000, 500 * 2 ** retry++);
    clearTimeout(timer);
    timer = setTimeout(connect, wait);
  });
}

const stateListeners = new Set();
function emitState(s) { for (const fn of stateListeners) fn(s); }

// subscribe calls fn(event, fromSnapshot) for every job event; it returns
// the unsubscribe function.
export function subscribe(fn, onState) {
  listeners.add(fn);
  if (onState) stateListeners.add(onState);
  for (const ev of latest.values()) fn(ev, true);
  connect();
  return () => {
    listeners.delete(fn);
    if (onState) stateListeners.delete(onState);
    if (listeners.size === 0 && ws) { ws.close(); ws = null; clearTimeout(timer); }
  };
}

export function latestOf(job) { return latest.get(job); }

// eta estimates the time left from the rate since the job was first seen.
export function tracker() {
  const seen = new Map();
  return (ev) => {
    if (!ev.total || ev.state !== 'running') return '';
    const now = Date.now();
    if (!seen.has(ev.job)) seen.set(ev.job, { t: now, done: ev.done });
    const s = seen.get(ev.job);
    const rate = (ev.done - s.done) / ((now - s.t) / 1000);
    if (!(rate > 0)) return '';
    const left = (ev.total - ev.done) / rate;
    if (left < 60) return `about ${Math.ceil(left)} s left`;
    if (left < 3600) return `about ${Math.ceil(left / 60)} min left`;
    return `about ${(left / 3600).toFixed(1)} h left`;
  };
}
