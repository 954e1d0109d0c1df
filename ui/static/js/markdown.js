import { h, icon, toast } from './dom.js';
import { revealIn, storedText } from './reveal.js';

// markdownBlock inserts a block's "html" field, which the API documents as
// rendered from markdown and sanitized server-side (goldmark showing raw
// HTML, images and link targets as text, then a bluemonday allow-list). It
// is the only server HTML the UI inserts as HTML. Links get rel=noopener
// noreferrer and open in a new tab. Invisible and bidi characters become
// markers (reveal.js) last, once the tree has its final shape.
export function markdownBlock(html) {
  const el = h('div', { class: 'md' });
  el.innerHTML = html;
  for (const a of el.querySelectorAll('a[href]')) {
    a.setAttribute('rel', 'noopener noreferrer nofollow');
    a.setAttribute('target', '_blank');
  }
  for (const s of el.querySelectorAll('.md-image')) s.title = 'Image not loaded: fetching it would tell its server that this message was opened';
  for (const s of el.querySelectorAll('.md-unlinked')) s.title = 'Not made a link: only http, https and mailto addresses are';
  for (const s of el.querySelectorAll('.md-refdef')) s.title = 'Link reference definition, shown as typed';
  for (const pre of el.querySelectorAll('pre')) addCopyButton(pre);
  for (const t of el.querySelectorAll('table')) {
    const wrap = h('div', { class: 'table-wrap' });
    t.replaceWith(wrap);
    wrap.append(t);
  }
  return revealIn(el);
}

// addCopyButton puts a bar with a label and a copy button on a code block.
// The label is the block's info string as typed (the server sends it first
// in the pre, as .md-info), which highlighting must see, as a finding may
// lie in it. Without one (raw HTML shown as code) the label is the class's
// language or "text"; that label and the button carry the "chrome" class
// so highlighting ignores them.
export function addCopyButton(pre) {
  const code = pre.querySelector('code');
  const info = pre.querySelector(':scope > .md-info');
  if (info) {
    const nl = info.nextSibling;
    if (nl && nl.nodeType === Node.TEXT_NODE && nl.nodeValue === '\n') nl.remove();
    info.classList.add('lang');
  }
  const lang = code && /language-([\w+#.-]+)/.exec(code.className);
  const bar = h('div', { class: 'code-bar' },
    info || h('span', { class: 'lang chrome' }, lang ? lang[1] : 'text'),
    h('button', {
      type: 'button', class: 'btn-ghost copy chrome', 'aria-label': 'Copy code',
      onclick: async (e) => {
        const btn = e.currentTarget;
        try {
          // The code as stored: a marker copies as its character.
          await navigator.clipboard.writeText(storedText(code || pre));
          btn.classList.add('done');
          btn.lastChild.textContent = 'Copied';
          setTimeout(() => { btn.classList.remove('done'); btn.lastChild.textContent = 'Copy'; }, 1500);
        } catch {
          toast('The browser refused clipboard access', 'error');
        }
      },
    }, icon('copy'), h('span', null, 'Copy')));
  const wrap = h('div', { class: 'code' });
  pre.replaceWith(wrap);
  wrap.append(bar, pre);
}

// plainBlock shows text verbatim (long text the API did not render, tool
// input and results), invisible and bidi characters as markers (h()).
export function plainBlock(text, cls) {
  return h('pre', { class: ['plain', cls] }, text);
}
