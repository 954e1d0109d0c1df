// holds.js: the pure parts of the retention and legal-hold pages (labels,
// summaries, list parsing, which form field an API error names), shared by
// Settings, Legal holds, the conversation view and the danger zone, and
// unit-tested in the page (ui/browsertest/holds_unit_test.go).
import { fmtNum } from './dom.js';
import { typeLabel } from './findings.js';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'];

function plural(n, word) { return `${fmtNum(n)} ${word}${n === 1 ? '' : 's'}`; }

// splitList reads a comma- or newline-separated list, trimmed, without
// empty entries or repeats, in the order given.
export function splitList(s) {
  const out = [];
  for (const x of String(s || '').split(/[,\n\r]+/)) {
    const v = x.trim();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

// daysLabel says a retention period; 0 is forever.
export function daysLabel(d) {
  d = Number(d) || 0;
  if (d === 0) return 'Forever';
  if (d % 365 === 0) return `${plural(d / 365, 'year')} (${fmtNum(d)} days)`;
  return plural(d, 'day');
}

// ruleCriteria says what a retention rule matches, as text.
export function ruleCriteria(r) {
  const parts = [];
  if (r.flagged) parts.push('flagged');
  if (r.types && r.types.length) parts.push(`types: ${r.types.map(typeLabel).join(', ')}`);
  if (r.min_severity) parts.push(`severity ≥ ${r.min_severity}`);
  if (r.users && r.users.length) parts.push(`users: ${r.users.join(', ')}`);
  return parts.join(' · ') || 'nothing (invalid)';
}

// FIELD finds the field an API validation error names: the model's
// messages start with a path such as "rules[2].days:" or "matter:",
// possibly after a prefix the server adds ("bad request: ...", or
// "policy." when the policy was sent inside a preview request).
const FIELD = /(?:^|[\s:.])((?:default_days|activity_days|matter|reason|custodians|conversations|rules|query)(?:\[\d+\])?(?:\.[a-z_]+)?)(?:\[\d+\])?:/;

// errorField returns the path an error message names ('' when none).
export function errorField(message) {
  const m = FIELD.exec(String(message || ''));
  return m ? m[1] : '';
}

// heldSummary says what a deletion kept because of holds: "3 held
// messages will be kept (Matter A: 2, Matter B: 1)". matters maps hold id
// to matter name; an unknown id is shown as itself.
export function heldSummary(held, heldBy, matters, done) {
  if (!held) return '';
  const by = Object.entries(heldBy || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([id, n]) => `${(matters && matters[id]) || id}: ${fmtNum(n)}`);
  const verb = done ? (held === 1 ? 'was' : 'were') : 'will be';
  return `${plural(held, 'held message')} ${verb} kept${by.length ? ` (${by.join(', ')})` : ''}.`;
}

// holdScope says what a hold names, in a line.
export function holdScope(hold) {
  const parts = [];
  const c = hold.custodians || [];
  if (c.length) parts.push(`${plural(c.length, 'custodian')}: ${c.slice(0, 3).join(', ')}${c.length > 3 ? ', …' : ''}`);
  const v = hold.conversations || [];
  if (v.length) parts.push(plural(v.length, 'conversation'));
  if (hold.query) parts.push(`query ${queryText(hold.query)}`);
  return parts.join(' · ');
}

// queryText says a frozen query in a line: its text and filters.
export function queryText(q) {
  const parts = [];
  if (q.text) parts.push(`“${q.text}”`);
  if (q.flagged_only) parts.push('flagged only');
  if (q.finding_types && q.finding_types.length) parts.push(`types: ${q.finding_types.map(typeLabel).join(', ')}`);
  for (const [k, label] of [['users', 'users'], ['models', 'models'], ['products', 'products']]) {
    if (q[k] && q[k].length) parts.push(`${label}: ${q[k].join(', ')}`);
  }
  if (q.from) parts.push(`from ${q.from.slice(0, 10)}`);
  if (q.to) parts.push(`before ${q.to.slice(0, 10)}`);
  return parts.join(' · ') || '(every message)';
}

// messageMatters lists the matters holding one message, from the
// conversation API's "holds" and "hold_matters".
export function messageMatters(holds, matters, msgID) {
  const ids = (holds && holds[msgID]) || [];
  return [...new Set(ids.map((id) => (matters && matters[id]) || id))];
}

// conversationMatters lists every matter holding any message.
export function conversationMatters(holds, matters) {
  const out = new Set();
  for (const ids of Object.values(holds || {})) for (const id of ids) out.add((matters && matters[id]) || id);
  return [...out].sort();
}

// Search filters a frozen hold query can carry, by Logs URL parameter;
// the rest (severity, role, tool, source, kind) have no place in it.
const QUERY_LISTS = { finding_type: 'finding_types', user: 'users', model: 'models', product: 'products' };
const NOT_CARRIED = ['severity', 'role', 'tool', 'source'];

// holdQueryFromSearch turns a Logs search (its URL parameters) into a hold
// query, and names the filters it could not carry over. Dates are days as
// in Logs: from is the start of its day, to the end of its (UTC).
export function holdQueryFromSearch(params) {
  const q = { text: (params.get('q') || '').trim() };
  if (params.get('flagged') === 'true') q.flagged_only = true;
  for (const [p, k] of Object.entries(QUERY_LISTS)) {
    const v = params.getAll(p).filter(Boolean);
    if (v.length) q[k] = v;
  }
  const day = /^\d{4}-\d\d-\d\d$/;
  const from = params.get('from') || '';
  const to = params.get('to') || '';
  if (day.test(from)) q.from = `${from}T00:00:00Z`;
  if (day.test(to)) {
    const d = new Date(`${to}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    q.to = d.toISOString().replace('.000Z', 'Z');
  }
  const dropped = NOT_CARRIED.filter((p) => params.getAll(p).some(Boolean));
  return { query: q, dropped };
}

// searchToHoldURL is the create-hold form, prefilled with a Logs search.
export function searchToHoldURL(search) {
  const src = new URLSearchParams(search);
  const u = new URLSearchParams({ new: '1' });
  for (const [k, v] of src) if (k !== 'kind' && k !== 'sort') u.append(k, v);
  return `/holds?${u}`;
}

// tookLabel says a duration given in nanoseconds.
export function tookLabel(ns) {
  const ms = (Number(ns) || 0) / 1e6;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60000).toFixed(1)} min`;
}
