// Asks before a destructive action, as every admin console does: one modal <dialog> that names what will happen.
// Note: showModal() makes the rest of the page inert, so neither a pointer nor the keyboard reaches it; Tab is also
// kept cycling inside the dialog (rather than leaving for the browser's own controls), Escape cancels, and focus
// starts on Cancel, the choice that changes nothing, and returns to where it was once the dialog closes.

import { el } from './app.js';

let counter = 0;

/**
 * Shows the question; resolves to true when the person confirms, false when they cancel (the Cancel button, Escape).
 * title: the question ("Delete deploy-bot?"); text: one or more sentences saying what will happen; action: the
 * confirming button's text ("Delete"); extra: optional form controls (e.g. a choice) read by the caller afterwards;
 * danger: false for an action that destroys nothing.
 */
export function confirmAction({ title, text, action, extra = null, danger = true }) {
  const id = `confirm-${++counter}`;
  const cancel = el('button', { type: 'button', className: 'secondary' }, 'Cancel');
  const confirm = el('button', { type: 'submit', className: danger ? 'danger' : '' }, action);
  const paragraphs = (Array.isArray(text) ? text : [text]).map((t, i) => el('p', i === 0 ? { id: `${id}-text` } : {}, t));
  const form = el('form', { method: 'dialog' },
    el('h2', { id: `${id}-title` }, title), paragraphs, extra, el('p', { className: 'actions' }, confirm, ' ', cancel));
  const dialog = el('dialog', { className: 'card confirm', role: 'alertdialog' }, form);
  dialog.setAttribute('aria-labelledby', `${id}-title`);
  dialog.setAttribute('aria-describedby', `${id}-text`);
  const opener = document.activeElement;
  document.body.append(dialog);
  dialog.showModal();
  cancel.focus();

  return new Promise(resolve => {
    let done = false;
    const close = answer => {
      if (done) return;
      done = true;
      dialog.close();
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(answer);
    };
    cancel.addEventListener('click', () => close(false));
    // Note: Escape fires 'cancel'; the dialog is closed here, by the same path as the button.
    dialog.addEventListener('cancel', event => { event.preventDefault(); close(false); });
    form.addEventListener('submit', event => { event.preventDefault(); close(true); });
    dialog.addEventListener('keydown', event => {
      if (event.key !== 'Tab') return;
      const focusable = [...dialog.querySelectorAll('button, input, select, textarea, a[href]')].filter(e => !e.disabled && !e.hidden);
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    });
  });
}
