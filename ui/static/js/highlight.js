// highlight.js marks findings inside rendered message content.
//
// A finding's span is a pair of UTF-8 byte offsets into the raw text of one
// block (or file). The page shows that text either verbatim (tool input,
// tool results, plain text) or rendered from markdown, where offsets no
// longer line up. Both cases are handled the same way: take the finding's
// literal text from the raw slice, note that it is the k-th occurrence of
// that literal in the raw text, and mark the k-th occurrence among the
// rendered text nodes. When the text is shown verbatim that is exact; in
// markdown it survives emphasis, links and code fences, which change what
// surrounds a secret but not the secret.

import { markerChar } from './reveal.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

// byteToIndex converts a UTF-8 byte offset into a UTF-16 index of s.
export function byteToIndex(s, byteOff) {
  let bytes = 0;
  let i = 0;
  while (i < s.length && bytes < byteOff) {
    const cp = s.codePointAt(i);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

export function utf8Slice(s, start, end) {
  return dec.decode(enc.encode(s).slice(start, end));
}

// occurrences lists where needle starts in hay, overlapping ones included.
function occurrences(hay, needle, limit) {
  const out = [];
  if (!needle) return out;
  for (let i = hay.indexOf(needle); i !== -1 && i < limit; i = hay.indexOf(needle, i + 1)) out.push(i);
  return out;
}

// textIndex is the concatenated text of container's text nodes with where
// each node starts. UI chrome inside content (copy buttons) is skipped. A
// marker standing for an invisible or bidi character (reveal.js) counts as
// that one character and is an atom: a finding spanning it marks it whole.
function textIndex(container) {
  const nodes = [];
  let text = '';
  const walk = (parent) => {
    for (let n = parent.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === Node.TEXT_NODE) {
        nodes.push({ node: n, start: text.length, length: n.nodeValue.length });
        text += n.nodeValue;
      } else if (n.nodeType === Node.ELEMENT_NODE && !n.classList.contains('chrome')) {
        const ch = markerChar(n);
        if (ch === null) walk(n);
        else {
          nodes.push({ node: n, start: text.length, length: ch.length, atom: true });
          text += ch;
        }
      }
    }
  };
  walk(container);
  return { nodes, text };
}

// wrapRange wraps [start, end) of the container's text in marks, one per
// text node (or marker) the range crosses. It returns the marks, first to
// last.
function wrapRange(container, start, end, make) {
  const marks = [];
  const { nodes } = textIndex(container);
  for (const { node, start: ns, length, atom } of nodes) {
    const ne = ns + length;
    if (ne <= start || ns >= end) continue;
    let target = node;
    if (!atom) {
      const a = Math.max(start, ns) - ns;
      const b = Math.min(end, ne) - ns;
      if (a > 0) target = target.splitText(a);
      if (b - a < target.nodeValue.length) target.splitText(b - a);
    }
    const m = make(marks.length === 0);
    target.replaceWith(m);
    m.append(target);
    marks.push(m);
  }
  return marks;
}

// locate finds where a finding's literal sits in the rendered container:
// the same occurrence as in the raw text, else the nearest one there is.
export function locate(container, raw, partStart, partEnd) {
  const literal = utf8Slice(raw, partStart, partEnd);
  if (!literal) return null;
  const rawAt = byteToIndex(raw, partStart);
  const k = occurrences(raw, literal, rawAt).length;
  const { text } = textIndex(container);
  const found = occurrences(text, literal, Infinity);
  if (found.length === 0) return null;
  const at = found[Math.min(k, found.length - 1)];
  return { start: at, end: at + literal.length };
}

// markFinding marks one finding in container; false when its text is not
// visible there (the caller then flags the whole block instead).
export function markFinding(container, raw, f, make) {
  const span = locate(container, raw, f.part_start, f.part_end);
  if (!span) return [];
  return wrapRange(container, span.start, span.end, make);
}

export function unmarkAll(root) {
  const marks = root.querySelectorAll('mark.hl');
  const parents = new Set();
  for (const m of marks) {
    parents.add(m.parentNode);
    m.replaceWith(...m.childNodes);
  }
  for (const p of parents) p.normalize();
  for (const el of root.querySelectorAll('.has-finding')) el.classList.remove('has-finding');
}
