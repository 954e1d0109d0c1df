// dialog.js: an in-page confirmation dialog (<dialog>, modal). window.confirm
// cannot show what is at stake in a form an auditor can read back, and it
// cannot ask for a reason; this can, and it is styled like the rest.
import { h } from './dom.js';

// confirmDialog shows title and body (nodes or strings) with Cancel and a
// confirm button. With reason set, a required text field is shown and the
// promise resolves to its trimmed value; otherwise to true. Cancel,
// Escape or closing resolves to null.
export function confirmDialog({ title, body, confirmLabel = 'Confirm', danger = false, reason = null }) {
  document.getElementById('confirm-dialog')?.remove();
  return new Promise((resolve) => {
    const field = reason ? h('textarea', { id: 'confirm-reason', rows: 3, required: true, maxlength: 2000, 'aria-describedby': 'confirm-reason-hint' }) : null;
    const ok = h('button', { type: 'submit', class: ['btn', danger ? 'danger' : 'primary'], id: 'confirm-ok', disabled: !!reason }, confirmLabel);
    const cancel = h('button', { type: 'button', class: 'btn', id: 'confirm-cancel' }, 'Cancel');
    let result = null;
    const form = h('form', { method: 'dialog' },
      h('h2', { id: 'confirm-title' }, title),
      h('div', { class: 'dialog-body', id: 'confirm-body' }, ...[].concat(body || [])),
      reason ? h('div', { class: 'field' }, h('label', { for: 'confirm-reason' }, reason.label || 'Reason'), field,
        h('p', { class: 'hint', id: 'confirm-reason-hint' }, reason.hint || 'Required. Recorded in the audit trail.')) : null,
      h('div', { class: 'actions' }, h('span', { class: 'grow' }), cancel, ok));
    const dlg = h('dialog', { id: 'confirm-dialog', class: 'dialog', 'aria-labelledby': 'confirm-title' }, form);
    if (field) field.addEventListener('input', () => { ok.disabled = !field.value.trim(); });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (field && !field.value.trim()) return;
      result = field ? field.value.trim() : true;
      dlg.close();
    });
    cancel.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    document.body.append(dlg);
    dlg.showModal();
    (field || cancel).focus();
  });
}
