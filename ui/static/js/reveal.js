// reveal.js makes characters that draw nothing, or that reorder what is
// drawn, visible and inert. Chat content is hostile: a right-to-left
// override shows "\u202e7646 3430\u202c" as "0343 6467", zero-width
// characters split words a reader (or a search) takes as whole, tag
// characters smuggle text no one sees. An auditor must see exactly what was
// typed, so each such character is replaced, in the DOM, by a small marker
// element naming it (<span class="ctl" data-cp="202E" title="U+202E
// RIGHT-TO-LEFT OVERRIDE">RLO</span>). The marker is ordinary text, so the
// directional or hiding effect is gone; its data-cp keeps the character, so
// finding highlighting (highlight.js) still matches the stored text.
//
// This module creates nodes with createElement and textContent only (no
// markup is parsed) and imports nothing, so dom.js can use it.

// HIDDEN: every format character (Cf: bidi controls and marks, zero-width
// space and joiners, word joiner, invisible operators, BOM, soft hyphen,
// Mongolian vowel separator, tags, interlinear annotation, deprecated
// shaping controls), plus characters of other classes that render as
// nothing (combining grapheme joiner, Hangul fillers, Khmer inherent
// vowels) and the whole tag block. Left out: the prepended concatenation
// marks (Arabic number sign and the like), format characters that do draw a
// glyph, and variation selectors, which only choose a glyph.
const CLASS = '(?![\\u0600-\\u0605\\u06DD\\u070F\\u0890\\u0891\\u08E2\\u{110BD}\\u{110CD}])' +
  '[\\p{Cf}\\u034F\\u115F\\u1160\\u17B4\\u17B5\\u3164\\uFFA0\\u{E0000}-\\u{E007F}]';
const ANY = new RegExp(CLASS, 'u');
const ALL = new RegExp(CLASS, 'gu');

// Short labels and Unicode names of the characters an attacker reaches for.
const NAMES = {
  0x00AD: ['SHY', 'SOFT HYPHEN'],
  0x034F: ['CGJ', 'COMBINING GRAPHEME JOINER'],
  0x061C: ['ALM', 'ARABIC LETTER MARK'],
  0x115F: ['HCF', 'HANGUL CHOSEONG FILLER'],
  0x1160: ['HJF', 'HANGUL JUNGSEONG FILLER'],
  0x17B4: ['KIV', 'KHMER VOWEL INHERENT AQ'],
  0x17B5: ['KIV', 'KHMER VOWEL INHERENT AA'],
  0x180E: ['MVS', 'MONGOLIAN VOWEL SEPARATOR'],
  0x200B: ['ZWSP', 'ZERO WIDTH SPACE'],
  0x200C: ['ZWNJ', 'ZERO WIDTH NON-JOINER'],
  0x200D: ['ZWJ', 'ZERO WIDTH JOINER'],
  0x200E: ['LRM', 'LEFT-TO-RIGHT MARK'],
  0x200F: ['RLM', 'RIGHT-TO-LEFT MARK'],
  0x202A: ['LRE', 'LEFT-TO-RIGHT EMBEDDING'],
  0x202B: ['RLE', 'RIGHT-TO-LEFT EMBEDDING'],
  0x202C: ['PDF', 'POP DIRECTIONAL FORMATTING'],
  0x202D: ['LRO', 'LEFT-TO-RIGHT OVERRIDE'],
  0x202E: ['RLO', 'RIGHT-TO-LEFT OVERRIDE'],
  0x2060: ['WJ', 'WORD JOINER'],
  0x2061: ['FA', 'FUNCTION APPLICATION'],
  0x2062: ['IT', 'INVISIBLE TIMES'],
  0x2063: ['IS', 'INVISIBLE SEPARATOR'],
  0x2064: ['IP', 'INVISIBLE PLUS'],
  0x2066: ['LRI', 'LEFT-TO-RIGHT ISOLATE'],
  0x2067: ['RLI', 'RIGHT-TO-LEFT ISOLATE'],
  0x2068: ['FSI', 'FIRST STRONG ISOLATE'],
  0x2069: ['PDI', 'POP DIRECTIONAL ISOLATE'],
  0x3164: ['HF', 'HANGUL FILLER'],
  0xFEFF: ['BOM', 'ZERO WIDTH NO-BREAK SPACE (BYTE ORDER MARK)'],
  0xFFA0: ['HWHF', 'HALFWIDTH HANGUL FILLER'],
  0xE0001: ['LANG', 'LANGUAGE TAG'],
  0xE007F: ['CANCEL', 'CANCEL TAG'],
};

function hex(cp) { return cp.toString(16).toUpperCase().padStart(4, '0'); }

// describe returns the marker's label and tooltip for one character. A tag
// character mirrors an ASCII one (how text is smuggled past a reader), so
// its label is that character.
export function describe(ch) {
  const cp = ch.codePointAt(0);
  const u = `U+${hex(cp)}`;
  const known = NAMES[cp];
  if (known) return { label: known[0], title: `${u} ${known[1]}` };
  if (cp >= 0xE0020 && cp <= 0xE007E) {
    const ascii = String.fromCharCode(cp - 0xE0000);
    return { label: ascii === ' ' ? '\u2420' : ascii, title: `${u} TAG ${ascii === ' ' ? 'SPACE' : `'${ascii}'`} (invisible tag character)` };
  }
  return { label: u, title: `${u} (invisible format character)` };
}

export function hasHidden(s) { return ANY.test(s); }

function marker(ch) {
  const d = describe(ch);
  const el = document.createElement('span');
  el.className = /^[\u{E0020}-\u{E007E}]$/u.test(ch) ? 'ctl tag' : 'ctl';
  el.dataset.cp = hex(ch.codePointAt(0));
  el.title = `${d.title}: invisible or reordering in the original, shown here as a marker`;
  el.textContent = d.label;
  return el;
}

// revealParts splits s into strings and marker elements, ready for
// Element.append.
export function revealParts(s) {
  if (!hasHidden(s)) return [s];
  const out = [];
  let last = 0;
  for (const m of s.matchAll(ALL)) {
    if (m.index > last) out.push(s.slice(last, m.index));
    out.push(marker(m[0]));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

// revealString is the plain-text form, for where only text can go
// (attributes such as title, SVG text, <option>): ⟨RLO⟩.
export function revealString(s) {
  return hasHidden(s) ? s.replace(ALL, (ch) => `\u27e8${describe(ch).label}\u27e9`) : s;
}

// revealIn replaces every such character in root's text nodes (and title
// attributes) with markers; for content that arrives as a DOM tree (the
// sanitized markdown).
export function revealIn(root) {
  const hits = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (hasHidden(n.nodeValue) && !markerChar(n.parentElement)) hits.push(n);
  }
  for (const n of hits) n.replaceWith(...revealParts(n.nodeValue));
  for (const el of root.querySelectorAll('[title]')) el.title = revealString(el.title);
  return root;
}

// markerChar is the character a marker element stands for, else null.
export function markerChar(node) {
  if (!node || node.nodeType !== Node.ELEMENT_NODE || !node.classList.contains('ctl') || !node.dataset.cp) return null;
  const cp = parseInt(node.dataset.cp, 16);
  return Number.isFinite(cp) ? String.fromCodePoint(cp) : null;
}

// storedText is node's text as stored: its textContent with each marker
// read as the character it stands for (what Copy copies).
export function storedText(node) {
  if (node.nodeType === Node.TEXT_NODE) return node.nodeValue;
  const ch = markerChar(node);
  if (ch !== null) return ch;
  let s = '';
  for (let c = node.firstChild; c; c = c.nextSibling) s += storedText(c);
  return s;
}
