// alerts.js: the pure parts of the Alerts page (labels, summaries, which
// form field an API error names, the fields each destination kind uses),
// kept apart from the DOM so they can be checked in the page.
import { fmtNum } from './dom.js';
import { typeLabel } from './findings.js';

export const KINDS = [
  { value: 'webhook', label: 'Webhook (signed JSON)' },
  { value: 'slack', label: 'Slack incoming webhook' },
  { value: 'syslog', label: 'Syslog (RFC 5424, TCP/TLS)' },
  { value: 'splunk_hec', label: 'Splunk HTTP Event Collector' },
  { value: 'loki', label: 'Grafana Loki' },
];

export const STREAMS = [
  { value: 'alerts', label: 'Alerts only' },
  { value: 'findings', label: 'Every finding (SIEM feed)' },
  { value: 'messages', label: 'Every message (SIEM feed)' },
];

export function kindLabel(k) { return (KINDS.find((x) => x.value === k) || { label: k }).label; }
export function streamLabel(s) { return (STREAMS.find((x) => x.value === s) || { label: s }).label; }

// KIND_FIELDS: which optional fields a kind uses (the form hides the rest,
// and does not send them).
export const KIND_FIELDS = {
  webhook: ['url', 'ca_cert', 'server_name'],
  slack: [],
  syslog: ['url', 'network', 'format', 'ca_cert', 'server_name'],
  splunk_hec: ['url', 'index', 'sourcetype', 'ca_cert', 'server_name'],
  loki: ['url', 'labels', 'tenant_id', 'username', 'ca_cert', 'server_name'],
};

// secretLabel names what the write-only secret is for a kind.
export function secretLabel(kind) {
  return {
    webhook: 'Signing secret', slack: 'Slack webhook URL', splunk_hec: 'HEC token',
    loki: 'Password or bearer token',
  }[kind] || 'Secret';
}

export function urlLabel(kind) {
  return { syslog: 'Host:port', splunk_hec: 'HEC URL', loki: 'Loki URL' }[kind] || 'URL';
}

// parseLabels reads "k=v" lines into an object; bad lines are reported.
export function parseLabels(text) {
  const out = {};
  const bad = [];
  for (const line of String(text || '').split(/[\n,]+/)) {
    const s = line.trim();
    if (!s) continue;
    const i = s.indexOf('=');
    if (i <= 0) { bad.push(s); continue; }
    out[s.slice(0, i).trim()] = s.slice(i + 1).trim();
  }
  return { labels: out, bad };
}

export function formatLabels(labels) {
  return Object.entries(labels || {}).map(([k, v]) => `${k}=${v}`).join('\n');
}

// errorFieldIn returns the first field name of fields an API validation
// message names ("url: must be https", "destinations[1]: …",
// "bad request: labels.env: …"), or ''.
export function errorFieldIn(message, fields) {
  const re = /(?:^|[\s:.])([a-z_]+)(?:\[\d+\])?(?:\.[A-Za-z0-9_-]+)?:/g;
  let m;
  while ((m = re.exec(String(message || '')))) {
    if (fields.includes(m[1])) return m[1];
  }
  return '';
}

// ruleSummary says what a rule matches, as text.
export function ruleSummary(r) {
  const p = [];
  if (r.finding_types && r.finding_types.length) p.push(`types: ${r.finding_types.map(typeLabel).join(', ')}`);
  if (r.min_severity) p.push(`severity ≥ ${r.min_severity}`);
  if (r.users && r.users.length) p.push(`users: ${r.users.join(', ')}`);
  if (r.models && r.models.length) p.push(`models: ${r.models.join(', ')}`);
  if (r.products && r.products.length) p.push(`products: ${r.products.join(', ')}`);
  if (r.query) p.push(`query: ${r.query}`);
  if (!p.length) p.push('every new finding');
  if (r.threshold) p.push(`more than ${fmtNum(r.threshold)} in ${fmtNum(r.window_minutes)} min`);
  p.push(`one alert per ${r.group_by || 'user'}`);
  p.push(`quiet ${fmtNum(r.quiet_minutes || 60)} min`);
  if (r.include_backfill) p.push('history and imports too');
  return p.join(' · ');
}

// countsText writes {"api_key":2,"email":1} as "API key 2, Email 1",
// largest first.
export function countsText(by) {
  return Object.entries(by || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([t, n]) => `${typeLabel(t)} ${fmtNum(n)}`).join(', ');
}
