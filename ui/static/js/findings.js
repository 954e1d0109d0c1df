import { h } from './dom.js';

// Finding types get a fixed colour class where known and a hashed one
// otherwise, so the same type looks the same on every page.
const KNOWN = {
  aws_access_key: 0, aws_secret_key: 0, api_key: 1, private_key: 2, jwt: 3, password: 4, password_in_url: 4,
  credit_card: 5, ssn: 6, email: 7, phone: 8, ip_address: 9,
  iban: 10, itin: 11, uk_nino: 12, ca_sin: 13, passport: 14,
};
const N = 10; // hashed classes: unknown (custom) types share the first ten colours

export function typeClass(type) {
  let i = KNOWN[type];
  if (i === undefined) {
    i = 0;
    for (const c of type || '') i = (i * 31 + c.charCodeAt(0)) % N;
  }
  return `t${i}`;
}

const LABELS = {
  aws_access_key: 'AWS access key', aws_secret_key: 'AWS secret key', api_key: 'API key', private_key: 'Private key',
  jwt: 'JWT', password: 'Password', password_in_url: 'Password in URL', credit_card: 'Credit card', ssn: 'SSN',
  email: 'Email', phone: 'Phone', ip_address: 'IP address',
  iban: 'IBAN', itin: 'US ITIN', uk_nino: 'UK NI number', ca_sin: 'Canadian SIN', passport: 'Passport number',
};

// KNOWN_TYPES are the engine's built-in finding types, for pickers.
export const KNOWN_TYPES = Object.keys(LABELS);

export function typeLabel(type) {
  return LABELS[type] || (type || '').replace(/_/g, ' ');
}

// The engine's severity per type (scanners' taxonomy), for a finding that
// carries none; a finding's own severity always wins (a published test card
// number is a credit_card of severity low).
const SEVERITY = {
  email: 'medium', credit_card: 'critical', ssn: 'critical', aws_access_key: 'critical', aws_secret_key: 'critical',
  api_key: 'critical', private_key: 'critical', jwt: 'high', password_in_url: 'high', phone: 'medium', ip_address: 'low',
  iban: 'high', itin: 'critical', uk_nino: 'critical', ca_sin: 'critical', passport: 'high',
};

export function findingSeverity(f) {
  if (f.severity) return f.severity;
  if ((f.attrs || []).includes('test-number')) return 'low';
  return SEVERITY[f.type] || 'medium';
}

// Attributes qualify a finding without changing its type: a short label for
// the chip, and a sentence for the tooltip saying what it means.
const ATTRS = {
  'test-number': ['test number', 'a test number that payment providers publish for test mode'],
  obfuscated: ['obfuscated', 'the value was disguised with invisible characters, bidi controls, fullwidth letters or HTML entities, and was found in a cleaned copy'],
  'checksum-invalid': ['checksum invalid', 'the vendor format matched but its checksum did not: a typo, a truncated copy or a test value, not a live credential'],
};

export function attrLabel(a) { return (ATTRS[a] || [a.replace(/[-_]/g, ' ')])[0]; }
export function attrNote(a) { return (ATTRS[a] || [a.replace(/[-_]/g, ' ')]).at(-1); }

// findingTitle is a finding's tooltip: type, severity, attributes (what
// each means) and the masked preview.
export function findingTitle(f) {
  const attrs = (f.attrs || []).map((a) => `${attrLabel(a)}: ${attrNote(a)}`);
  return [typeLabel(f.type), findingSeverity(f), ...attrs, f.preview || ''].filter(Boolean).join(' · ');
}

// attrChips shows a finding's attributes next to its badge.
export function attrChips(f) {
  return (f.attrs || []).map((a) => h('span', { class: ['attr', `attr-${a.replace(/[^a-z0-9-]/gi, '')}`], title: attrNote(a) }, attrLabel(a)));
}

export function badge(type, count) {
  return h('span', { class: ['badge', 'ftype', typeClass(type)], title: typeLabel(type) },
    h('span', { class: 'dot', 'aria-hidden': 'true' }), typeLabel(type), count > 1 ? h('span', { class: 'n' }, `×${count}`) : null);
}

export function severityBadge(sev) {
  return h('span', { class: ['sev', `sev-${sev}`] }, sev);
}
