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

// Agent sessions (Claude Code, Cowork...) carry tool traffic as their own
// turns. These helpers render the common Claude Code tools the way a
// reviewer reads them; anything else is shown as JSON. Every value is put
// in the page as text (h() children), never as HTML: session content is
// as hostile as chat content.
export function parseInput(raw) {
  try {
    const v = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch { return null; }
}

const str = (v) => (typeof v === 'string' ? v : '');
const firstLine = (s) => { const i = s.indexOf('\n'); return i < 0 ? s : `${s.slice(0, i)} …`; };

// mcpName splits "mcp__server__tool" into its server and tool.
export function mcpName(name) {
  const m = /^mcp__(.+?)__(.+)$/.exec(name || '');
  return m ? { server: m[1], tool: m[2] } : null;
}

export function toolLabel(name) {
  const m = mcpName(name);
  return m ? `${m.server} / ${m.tool}` : name || 'tool';
}

// toolSummary is the one-line gist of a call: the command, the path, the
// pattern.
export function toolSummary(name, raw) {
  const v = parseInput(raw);
  if (!v) return '';
  switch (name) {
    case 'Bash': return v.command ? `$ ${firstLine(str(v.command))}` : '';
    case 'Read': case 'Write': case 'Edit': case 'MultiEdit': return str(v.file_path);
    case 'NotebookEdit': return str(v.notebook_path);
    case 'Grep': case 'Glob': return `${str(v.pattern)}${v.path ? ` in ${str(v.path)}` : ''}`;
    default: return '';
  }
}

function diffView(oldS, newS) {
  const pre = h('pre', { class: 'plain diff' });
  for (const l of str(oldS).split('\n')) pre.append(h('span', { class: 'del' }, `- ${l}`), '\n');
  for (const l of str(newS).split('\n')) pre.append(h('span', { class: 'ins' }, `+ ${l}`), '\n');
  return pre;
}

const pathLine = (p) => h('div', { class: 'tool-path' }, h('code', null, str(p)));

// toolView renders a known tool's input, or returns null.
function toolView(name, v) {
  if (!v) return null;
  switch (name) {
    case 'Bash':
      return h('div', { class: 'tool-view bash' }, h('pre', { class: 'plain cmd' }, `$ ${str(v.command)}`),
        v.description ? h('p', { class: 'muted small' }, str(v.description)) : null);
    case 'Read':
      return h('div', { class: 'tool-view read' }, pathLine(v.file_path),
        v.offset || v.limit ? h('p', { class: 'muted small' }, `lines ${v.offset || 1}${v.limit ? `, ${v.limit} lines` : ''}`) : null);
    case 'Write':
      return h('div', { class: 'tool-view write' }, pathLine(v.file_path), h('pre', { class: 'plain file-body' }, str(v.content)));
    case 'Edit':
      return h('div', { class: 'tool-view edit' }, pathLine(v.file_path), diffView(v.old_string, v.new_string),
        v.replace_all ? h('p', { class: 'muted small' }, 'every occurrence') : null);
    case 'MultiEdit':
      return h('div', { class: 'tool-view edit' }, pathLine(v.file_path),
        ...(Array.isArray(v.edits) ? v.edits : []).map((e) => diffView(e && e.old_string, e && e.new_string)));
    case 'Grep': case 'Glob':
      return h('dl', { class: 'tool-view search' },
        ...['pattern', 'path', 'glob', 'type', 'output_mode'].filter((k) => v[k] !== undefined)
          .flatMap((k) => [h('dt', null, k), h('dd', null, h('code', null, String(v[k])))]));
    default:
      return null;
  }
}

// Why a turn's content is missing (model.Provenance content_unavailable:<reason>).
const UNAVAILABLE = {
  not_captured: 'the client did not send it to Anthropic, so it was never captured',
  client_aborted: 'the client aborted this turn before it completed',
  cmek_key_revoked: 'the organization\u2019s encryption key was revoked',
  retention_elapsed: 'earlier turns passed the retention period',
  oversize: 'it is too large for the API to return',
  unavailable: 'the API could not return it (decryption failure or size bound)',
};

export function unavailableReason(prov) {
  const r = (prov || '').split(':')[1] || 'unknown';
  return UNAVAILABLE[r] || `reason: ${r}`;
}

function roleName(m, ctx) {
  switch (m.role) {
    case 'human': return ctx.user ? ctx.user.display_name : 'User';
    case 'assistant': return 'Claude';
    case 'tool': return 'Tool output';
    case 'system': return 'Marker';
    default: return m.role;
  }
}

// renderMessage returns the message element and a highlight(on) function.
// ctx: { user, provider, siblings (Map parent -> count), index, link,
// pairs (Map tool_use_id -> {call, result} message indexes and call),
// jump(msgIndex, elementId), artifactVersions (Map artifact_id -> [version ids]) }
export function renderMessage(m, ctx) {
  const human = m.role === 'human';
  const name = roleName(m, ctx);
  const prov = m.provenance || '';
  const unavailable = prov.startsWith('content_unavailable');
  const marker = prov === 'synthetic_marker';
  const pairs = ctx.pairs || new Map();
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
    m.model ? h('span', { class: 'chip model msg-model', title: 'Model that wrote this turn' }, m.model) : null,
    marker ? h('span', { class: 'prov prov-marker', title: 'Text the Compliance API generated in place of content; nobody typed it' }, 'Generated marker') : null,
    prov === 'client_asserted' ? h('span', { class: 'prov prov-asserted', title: 'History the client supplied; Anthropic did not see it being written' }, 'Client-asserted · not verified') : null,
    unavailable ? h('span', { class: 'prov prov-unavailable' }, 'Content unavailable') : null,
    prov && !marker && !unavailable && prov !== 'client_asserted' ? h('span', { class: 'prov' }, prov) : null,
    m.findings.length ? h('span', { class: 'flag-count', title: `${m.findings.length} finding(s)` }, icon('flag'), String(m.findings.length)) : null,
    rawBtn,
    ctx.link ? h('a', { class: 'btn-icon small msg-link', href: ctx.link, title: 'Open this message on its own', 'aria-label': 'Open this message on its own' }, icon('link')) : null));

  if (unavailable) {
    body.append(h('div', { class: 'block unavailable', role: 'note' }, `Content unavailable: ${unavailableReason(prov)}.`));
  }

  const jumpBtn = (label, title, msgIndex, target) => h('button', {
    type: 'button', class: 'btn-ghost small pair-jump', title,
    onclick: (e) => { e.preventDefault(); e.stopPropagation(); if (ctx.jump) ctx.jump(msgIndex, target); },
  }, label);

  m.blocks.forEach((b, i) => {
    switch (b.type) {
      case 'text': {
        if (!b.text) break;
        // "[image content not shown]": the API's stand-in for a block it
        // does not return, not something anyone wrote.
        const standIn = b.truncated && /^\[[^\]]{1,80}\]$/.test(b.text.trim());
        const el = b.html && !standIn ? markdownBlock(b.html) : plainBlock(b.text, 'text');
        holders.text.set(i, { el, raw: b.text });
        body.append(h('div', { class: ['block', 'text', (marker || standIn) && 'marker-text'] }, el));
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
        // A tool's own view holds the findings only when each one can be
        // found in it; otherwise the input is shown as received.
        let el = toolView(b.tool_name, parseInput(raw));
        if (!el || !lits.every((l) => el.textContent.includes(l))) el = plainBlock(toolInputText(raw, lits), 'json');
        holders.tool_input.set(i, { el, raw });
        const pair = b.tool_use_id ? pairs.get(b.tool_use_id) : null;
        const mcp = mcpName(b.tool_name);
        const sum = toolSummary(b.tool_name, raw);
        body.append(h('details', {
          class: ['block', 'tool', 'call', mcp && 'mcp'], open: lits.length > 0,
          id: b.tool_use_id ? `tu-${b.tool_use_id}` : null, dataset: b.tool_use_id ? { toolUseId: b.tool_use_id } : {},
        },
        h('summary', null, icon('tool'), h('span', { class: 'tool-kind' }, mcp ? 'MCP call' : 'Tool call'), h('code', null, toolLabel(b.tool_name)),
          sum ? h('span', { class: 'tool-sum' }, sum) : null,
          b.truncated ? h('span', { class: 'muted small' }, '(truncated)') : null,
          pair && pair.result !== undefined && pair.result !== ctx.index ? jumpBtn('Output ↓', 'Show this call\u2019s output', pair.result, `tr-${b.tool_use_id}`) : null),
        h('div', { class: 'tool-label' }, 'Input'), el));
        break;
      }
      case 'tool_result': {
        const el = plainBlock(b.text || '(no output)', 'result');
        if (b.text) holders.text.set(i, { el, raw: b.text });
        const pair = b.tool_use_id ? pairs.get(b.tool_use_id) : null;
        const call = pair && pair.call;
        const sum = call ? toolSummary(call.name, call.input) : '';
        body.append(h('details', {
          class: ['block', 'tool', 'result', b.is_error && 'is-error', call && 'paired'], open: m.role === 'tool' && !!call,
          id: b.tool_use_id ? `tr-${b.tool_use_id}` : null, dataset: b.tool_use_id ? { toolUseId: b.tool_use_id } : {},
        },
        h('summary', null, icon('tool'), h('span', { class: 'tool-kind' }, call ? 'Output of' : 'Result'), h('code', null, toolLabel(b.tool_name || (call && call.name))),
          sum ? h('span', { class: 'tool-sum' }, sum) : null,
          b.is_error ? h('span', { class: 'err-badge' }, 'Error') : null, b.truncated ? h('span', { class: 'muted small' }, '(truncated)') : null,
          call && call.index !== ctx.index ? jumpBtn('↑ Call', 'Show the call that produced this output', call.index, `tu-${b.tool_use_id}`) : null),
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
      // Each revision of an artifact is a version of its own: number them
      // in the order the conversation produced them.
      const vers = f.kind === 'artifact' && f.artifact_id && ctx.artifactVersions ? ctx.artifactVersions.get(f.artifact_id) || [] : [];
      const vi = vers.indexOf(f.version_id || f.id);
      const li = h('li', { class: 'file' }, icon('file'),
        h('span', { class: 'file-name' }, f.name || f.id || 'file'),
        vi >= 0 ? h('span', { class: 'chip version', title: `Version ${vi + 1} of ${vers.length} of this artifact` }, `v${vi + 1}${vers.length > 1 ? ` of ${vers.length}` : ''}`) : null,
        h('span', { class: 'muted small' }, [f.kind, f.mime_type, fmtBytes(f.size)].filter(Boolean).join(' · ')),
        f.fetch && f.fetch !== 'text' ? h('span', { class: 'muted small' }, `content: ${f.fetch.replace('_', ' ')}`) : null);
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
    class: ['msg', `role-${m.role}`, !m.on_current_branch && 'off-branch', m.findings.length && 'flagged', marker && 'prov-marker-msg', unavailable && 'unavailable-msg'],
    id: `m-${m.id}`, tabindex: '-1', dataset: { seq: String(m.seq), index: String(ctx.index) },
    'aria-label': `${name}, message ${ctx.index + 1}`,
  },
  h('div', { class: 'msg-avatar' }, human ? avatar(name, ctx.user ? ctx.user.avatar_seed || ctx.user.id : name)
    : m.role === 'assistant' ? providerLogo(ctx.provider) : h('span', { class: 'role-icon' }, icon(m.role === 'tool' ? 'tool' : 'brain'))),
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
