import { h, append } from './dom.js';

// snippet turns a search hit's snippet (documented as escaped text plus
// <mark>) into nodes. It is parsed in an inert document and only text and
// <mark> are copied over, so even a snippet that broke its contract could
// not inject markup. Text goes through append(), so invisible and bidi
// characters become markers, inside <mark> too.
export function snippet(html) {
  const out = h('p', { class: 'snippet' });
  if (!html) return out;
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const walk = (src, dst) => {
    for (const n of src.childNodes) {
      if (n.nodeType === Node.TEXT_NODE) append(dst, [n.nodeValue]);
      else if (n.nodeType === Node.ELEMENT_NODE) {
        if (n.tagName === 'MARK') {
          const m = h('mark');
          walk(n, m);
          dst.append(m);
        } else walk(n, dst);
      }
    }
  };
  walk(doc.body, out);
  return out;
}
