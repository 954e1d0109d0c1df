// thread.js renders one message the way claude.ai shows it (avatar, prose,
// collapsed thinking, tool cards, files) and keeps, per block, the element
// showing its text and the raw text, so findings can be marked inline.
import { h, icon, timeEl, fmtBytes } from './dom.js';
import { avatar, providerLogo } from './avatar.js';
import { markdownBlock, plainBlock } from './markdown.js';
import { markFinding } from './highlight.js';
import { badge, typeClass, findingTitle, findingSeverity, attrChips } from './findings.js';

// prettyJSON indents a tool's input for reading, but only when every
// finding in it can still be found in the indented text; otherwise the
// input is shown exactly as received.
function toolInputText(raw, literals) {
  try {
    const pretty = JSON.stringify(JSON.parse(raw), null, 2);
    if (literals.every((l) => pretty.includes(l))) return pretty;
  } catch { /* not JSON: show as is */ }
  return raw;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
function literalsFor(m, pred, raw) {
  const b = enc.encode(raw);
  return m.findings.filter(pred).map((f) => dec.decode(b.slice(f.part_start, f.part_end)));
}

// renderMessage returns the message element and a highlight(on) function.
// ctx: { user, provider, siblings (Map parent -> count), index, link }
export function renderMessage(m, ctx) {
  const human = m.role === 'human';
  const name = human ? (ctx.user ? ctx.user.display_name : 'User') : 'Claude';
  const holders = { text: new Map(), tool_input: new Map(), file_text: new Map() };
  const body = h('div', { class: 'msg-body' });
  const versions = m.parent_id && ctx.siblings ? ctx.siblings.get(m.parent_id) || 0 : 0;

  // "Markdown / raw": auditors sometimes need the text exactly as sent
  // (what the renderer formats away may matter).
  const hasMarkdown = m.blocks.some((b) => b.html);
  const rawBtn = hasMarkdown ? h('button', { type: 'button', class: 'btn-ghost small raw-toggle', 'aria-pressed': 'false', title: 'Show the text exactly as sent' }, 'Raw') : null;
  body.append(h('div', { class: 'msg-head' },
    h('strong', { class: 'msg-name' }, name),
    timeEl(m.created_at),
    !m.on_current_branch ? h('span', { class: 'branch off', title: 'This message is on a branch the user edited away or retried' }, icon('branch'), 'Earlier branch') : null,
    versions > 1 && m.on_current_branch ? h('span', { class: 'branch', title: `${versions} versions of this turn exist in the export` }, icon('branch'), `Edited · ${versions} versions`) : null,
    m.findings.length ? h('span', { class: 'flag-count', title: `${m.findings.length} finding(s)` }, icon('flag'), String(m.findings.length)) : null,
    rawBtn,
    ctx.link ? h('a', { class: 'btn-icon small msg-link', href: ctx.link, title: 'Open this message on its own', 'aria-label': 'Open this message on its own' }, icon('link')) : null));

  m.blocks.forEach((b, i) => {
    switch (b.type) {
      case 'text': {
        if (!b.text) break;
        const el = b.html ? markdownBlock(b.html) : plainBlock(b.text, 'text');
        holders.text.set(i, { el, raw: b.text });
        body.append(h('div', { class: 'block text' }, el));
        break;
      }
      case 'thinking': {
        if (!b.text) {
          body.append(h('div', { class: 'block thinking withheld' }, icon('brain'), 'Thinking withheld by the source'));
          break;
        }
        // Redacted thinking that still carries text is shown: what was
        // stored is what is audited.
        const el = b.html ? markdownBlock(b.html) : plainBlock(b.text, 'text');
        holders.text.set(i, { el, raw: b.text });
        body.append(h('details', { class: 'block thinking' }, h('summary', null, icon('brain'), 'Thinking',
          b.hidden ? h('span', { class: 'muted small' }, ' (redacted by the source)') : null,
          b.truncated ? h('span', { class: 'muted small' }, ' (truncated)') : null), el));
        break;
      }
      case 'tool_use': {
        const raw = b.tool_input || '';
        const lits = literalsFor(m, (f) => f.block === i && f.field === 'tool_input', raw);
        const el = plainBlock(toolInputText(raw, lits), 'json');
        holders.tool_input.set(i, { el, raw });
        body.append(h('details', { class: 'block tool', open: lits.length > 0 },
          h('summary', null, icon('tool'), h('span', { class: 'tool-kind' }, 'Tool call'), h('code', null, b.tool_name || 'tool')),
          h('div', { class: 'tool-label' }, 'Input'), el));
        break;
      }
      case 'tool_result': {
        const el = plainBlock(b.text || '(no output)', 'result');
        if (b.text) holders.text.set(i, { el, raw: b.text });
        body.append(h('details', { class: ['block', 'tool', 'result', b.is_error && 'is-error'] },
          h('summary', null, icon('tool'), h('span', { class: 'tool-kind' }, 'Result'), h('code', null, b.tool_name || 'tool'),
            b.is_error ? h('span', { class: 'err-badge' }, 'Error') : null, b.truncated ? h('span', { class: 'muted small' }, '(truncated)') : null),
          el));
        break;
      }
      default:
        body.append(h('details', { class: 'block other' }, h('summary', null, `${b.raw_type || b.type} block`), plainBlock(b.raw || '', 'json')));
    }
  });

  if (m.files && m.files.length) {
    const list = h('ul', { class: 'files', 'aria-label': 'Files' });
    m.files.forEach((f, i) => {
      const li = h('li', { class: 'file' }, icon('file'),
        h('span', { class: 'file-name' }, f.name || f.id || 'file'),
        h('span', { class: 'muted small' }, [f.kind, f.mime_type, fmtBytes(f.size)].filter(Boolean).join(' · ')));
      if (f.extracted_text) {
        const el = plainBlock(f.extracted_text, 'file-text');
        holders.file_text.set(i, { el, raw: f.extracted_text });
        li.append(h('details', { class: 'file-content' }, h('summary', null, 'Extracted text'), el));
      }
      list.append(li);
    });
    body.append(list);
  }

  const el = h('article', {
    class: ['msg', `role-${m.role}`, !m.on_current_branch && 'off-branch', m.findings.length && 'flagged'],
    id: `m-${m.id}`, tabindex: '-1', dataset: { seq: String(m.seq), index: String(ctx.index) },
    'aria-label': `${name}, message ${ctx.index + 1}`,
  },
  h('div', { class: 'msg-avatar' }, human ? avatar(name, ctx.user ? ctx.user.avatar_seed || ctx.user.id : name) : providerLogo(ctx.provider)),
  body);

  let marked = false;
  if (rawBtn) {
    rawBtn.addEventListener('click', () => {
      const toRaw = rawBtn.getAttribute('aria-pressed') !== 'true';
      const wasMarked = marked;
      highlight(false);
      for (const hd of holders.text.values()) {
        if (!hd.rendered) {
          if (!hd.el.classList.contains('md')) continue;
          hd.rendered = hd.el;
        }
        if (!hd.rawEl) hd.rawEl = plainBlock(hd.raw, 'text raw');
        const next = toRaw ? hd.rawEl : hd.rendered;
        if (hd.el !== next) { hd.el.replaceWith(next); hd.el = next; }
      }
      rawBtn.setAttribute('aria-pressed', String(toRaw));
      rawBtn.textContent = toRaw ? 'Formatted' : 'Raw';
      rawBtn.title = toRaw ? 'Show the rendered markdown' : 'Show the text exactly as sent';
      if (wasMarked) highlight(true);
    });
  }
  function holderOf(f) {
    if (f.file >= 0) return holders.file_text.get(f.file);
    return f.field === 'tool_input' ? holders.tool_input.get(f.block) : holders.text.get(f.block);
  }

  // highlight marks (or unmarks) every finding; closed cards holding one
  // are opened, since a collapsed secret is easy to miss.
  function highlight(on) {
    if (!on) {
      for (const mk of el.querySelectorAll('mark.hl')) mk.replaceWith(...mk.childNodes);
      el.normalize();
      for (const x of el.querySelectorAll('.has-finding')) x.classList.remove('has-finding');
      marked = false;
      return;
    }
    if (marked) return;
    marked = true;
    m.findings.forEach((f, fi) => {
      const hd = holderOf(f);
      if (!hd) return;
      const make = (first) => h('mark', {
        class: ['hl', typeClass(f.type)], id: first ? findingId(ctx.index, fi) : null, tabindex: first ? '-1' : null,
        dataset: { finding: String(fi), type: f.type }, title: findingTitle(f),
      });
      let marks = markFinding(hd.el, hd.raw, f, make);
      if (marks.length === 0 && hd.el.classList.contains('md')) {
        // The renderer shows everything typed (raw HTML, link targets,
        // images, definitions as text), but a finding can still be cut by
        // markup (an escape or an entity inside it): show the block's raw
        // text, so nothing an auditor needs to see stays hidden.
        const raw = plainBlock(hd.raw, 'text raw');
        const note = h('p', { class: 'raw-note muted small' }, 'Shown as raw text: a finding lies in content that markdown rendering hides.');
        hd.el.replaceWith(note, raw);
        hd.el = raw;
        marks = markFinding(hd.el, hd.raw, f, make);
      }
      if (marks.length === 0) hd.el.classList.add('has-finding');
      const d = hd.el.closest('details');
      if (d) d.open = true;
    });
  }
  return { el, highlight };
}

export function findingId(msgIndex, fi) { return `f-${msgIndex}-${fi}`; }

// findingRow is one line of the side panel.
export function findingRow(f, label, onJump) {
  return h('li', { class: 'finding' },
    h('button', { type: 'button', class: 'finding-jump', onclick: onJump, title: `${findingTitle(f)} — show in the conversation` },
      h('span', { class: 'finding-top' }, badge(f.type), h('span', { class: ['sev', `sev-${findingSeverity(f)}`] }, findingSeverity(f)), ...attrChips(f)),
      h('code', { class: 'masked' }, f.preview || '••••'),
      h('span', { class: 'muted small' }, label)));
}
