import { h, icon, toast } from './dom.js';

// markdownBlock inserts a block's "html" field, which the API documents as
// rendered from markdown and sanitized server-side (goldmark without raw
// HTML, then a bluemonday allow-list). It is the only server HTML the UI
// inserts as HTML. Links get rel=noopener noreferrer and open in a new tab.
export function markdownBlock(html) {
  const el = h('div', { class: 'md' });
  el.innerHTML = html;
  for (const a of el.querySelectorAll('a[href]')) {
    a.setAttribute('rel', 'noopener noreferrer nofollow');
    a.setAttribute('target', '_blank');
  }
  for (const pre of el.querySelectorAll('pre')) addCopyButton(pre);
  for (const t of el.querySelectorAll('table')) {
    const wrap = h('div', { class: 'table-wrap' });
    t.replaceWith(wrap);
    wrap.append(t);
  }
  return el;
}

// addCopyButton puts a copy button on a code block. It carries the "chrome"
// class so highlighting ignores its label.
export function addCopyButton(pre) {
  const code = pre.querySelector('code');
  const lang = code && /language-([\w+#.-]+)/.exec(code.className);
  const bar = h('div', { class: 'code-bar chrome' },
    h('span', { class: 'lang' }, lang ? lang[1] : 'text'),
    h('button', {
      type: 'button', class: 'btn-ghost copy', 'aria-label': 'Copy code',
      onclick: async (e) => {
        const btn = e.currentTarget;
        try {
          await navigator.clipboard.writeText((code || pre).textContent);
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
// input and results).
export function plainBlock(text, cls) {
  return h('pre', { class: ['plain', cls] }, text);
}
