// Single message view: one message with its findings, linking to the whole
// conversation at that message.
import { h, clear, errorBox, spinner } from '../dom.js';
import * as api from '../api.js';
import { lastLogs } from '../session.js';
import { renderMessage, findingRow, findingId } from '../thread.js';
import { productLabel, deletedBanner } from './conversation.js';

export async function messageView(main, ctx) {
  const page = h('div', { class: 'page conv single' });
  main.append(page);
  page.append(spinner());
  let data;
  try {
    data = await api.get(`/messages/${encodeURIComponent(ctx.params[0])}`);
  } catch (e) {
    clear(page);
    page.append(h('a', { href: '/logs', class: 'back' }, '← Logs'), errorBox(e));
    return;
  }
  clear(page);
  const { message: m, conversation: conv, user } = data;
  const threadURL = `/conversations/${encodeURIComponent(m.conversation_id)}#m-${encodeURIComponent(m.id)}`;
  page.append(h('header', { class: 'conv-head' },
    h('a', { href: lastLogs(), class: 'back' }, '← Logs'),
    h('h1', null, conv ? conv.title || 'Untitled conversation' : 'Message'),
    h('div', { class: 'conv-meta' },
      conv ? h('span', { class: ['chip', 'product', `product-${conv.product || 'claude_ai'}`], id: 'product-badge' }, productLabel(conv.product)) : null,
      conv && conv.title && conv.title_derived ? h('span', { class: 'inferred' }, 'inferred title') : null,
      h('span', { class: 'muted' }, `Message ${m.seq + 1}`),
      h('a', { class: 'btn primary', href: threadURL, id: 'open-conversation' }, 'Open full conversation'))));
  const del = conv ? deletedBanner(conv) : null;
  if (del) page.append(del);
  // On its own a tool output has no call beside it: the full conversation
  // pairs them.
  const r = renderMessage(m, { user, provider: conv && conv.provider, index: 0 });
  const toggle = h('input', { type: 'checkbox', id: 'hl-toggle', checked: true, onchange: () => { r.highlight(toggle.checked); panel.hidden = !toggle.checked; } });
  page.append(h('div', { class: 'conv-toolbar' }, h('label', { class: 'switch', for: 'hl-toggle' }, toggle, h('span', { class: 'track', 'aria-hidden': 'true' }), 'Highlight guardrail catches')));
  const panel = h('aside', { class: 'findings-panel', 'aria-label': 'Detected sensitive data' }, h('h2', null, 'Detected sensitive data'));
  if (m.findings.length) {
    panel.append(h('ol', { class: 'finding-list' }, ...m.findings.map((f, fi) => findingRow(f, `${f.rule || ''}`, () => {
      const el = document.getElementById(findingId(0, fi));
      if (el) { el.scrollIntoView({ block: 'center' }); el.focus(); }
    }))));
  } else panel.append(h('p', { class: 'muted' }, 'Nothing was detected in this message.'));
  page.append(h('div', { class: 'conv-body with-panel' }, h('div', { class: 'thread-col' }, h('div', { class: 'thread' }, r.el)), panel));
  r.highlight(true);
}
