import { h } from './dom.js';

// Avatars are initials on a colour derived from the user's avatar seed (or
// id): generated locally, so no image is ever fetched from anywhere.

function hash(s) {
  let x = 2166136261;
  for (let i = 0; i < s.length; i++) {
    x ^= s.charCodeAt(i);
    x = Math.imul(x, 16777619);
  }
  return x >>> 0;
}

// Hues are spread round the wheel; lightness is low enough that white
// initials keep a contrast ratio above 4.5:1.
export function avatarColour(seed) {
  const n = hash(seed || '?');
  return `hsl(${n % 360} ${45 + (n >> 9) % 20}% ${30 + (n >> 15) % 8}%)`;
}

export function initials(name) {
  const clean = (name || '?').replace(/@.*$/, '').replace(/[._-]+/g, ' ').trim();
  const words = clean.split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = [...words[0]][0] || '?';
  const last = words.length > 1 ? [...words[words.length - 1]][0] : '';
  return (first + last).toUpperCase();
}

export function avatar(name, seed, size) {
  const el = h('span', { class: ['avatar', size && `avatar-${size}`], title: name || '', 'aria-hidden': 'true' }, initials(name));
  el.style.backgroundColor = avatarColour(seed || name);
  return el;
}

// providerLogo is the embedded provider mark shown on assistant turns.
export function providerLogo(provider, size) {
  const p = provider || 'anthropic';
  if (p !== 'anthropic') return h('span', { class: ['avatar', 'provider', size && `avatar-${size}`], title: p }, initials(p));
  return h('img', { class: ['avatar', 'provider', size && `avatar-${size}`], src: '/img/anthropic.svg', alt: 'Claude', title: 'Claude (Anthropic)', width: 28, height: 28 });
}
