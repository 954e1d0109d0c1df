import { h } from './dom.js';

// Finding types get a fixed colour class where known and a hashed one
// otherwise, so the same type looks the same on every page.
const KNOWN = {
  aws_access_key: 0, aws_secret_key: 0, api_key: 1, private_key: 2, jwt: 3, password: 4, password_in_url: 4,
  credit_card: 5, ssn: 6, email: 7, phone: 8, ip_address: 9,
};
const N = 10;

export function typeClass(type) {
  let i = KNOWN[type];
  if (i === undefined) {
    i = 0;
    for (const c of type || '') i = (i * 31 + c.charCodeAt(0)) % N;
  }
  return `t${i}`;
}

export function typeLabel(type) {
  const labels = {
    aws_access_key: 'AWS access key', aws_secret_key: 'AWS secret key', api_key: 'API key', private_key: 'Private key',
    jwt: 'JWT', password: 'Password', password_in_url: 'Password in URL', credit_card: 'Credit card', ssn: 'SSN',
    email: 'Email', phone: 'Phone', ip_address: 'IP address',
  };
  return labels[type] || (type || '').replace(/_/g, ' ');
}

export function badge(type, count) {
  return h('span', { class: ['badge', 'ftype', typeClass(type)], title: typeLabel(type) },
    h('span', { class: 'dot', 'aria-hidden': 'true' }), typeLabel(type), count > 1 ? h('span', { class: 'n' }, `×${count}`) : null);
}

export function severityBadge(sev) {
  return h('span', { class: ['sev', `sev-${sev}`] }, sev);
}
