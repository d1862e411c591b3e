import { h } from './dom.ts';

/**
 * Asks before something that cannot be undone, in a modal <dialog>: focus moves into it, Escape cancels,
 * and focus returns to the button that opened it. Resolves true only for the confirming button.
 */
export function confirmAction(title: string, text: string, confirmLabel: string, extra: readonly HTMLElement[] = []): Promise<boolean> {
  const opener = document.activeElement as HTMLElement | null;
  const titleId = `dialog-${Math.random().toString(36).slice(2, 10)}`;
  const dialog = h('dialog', { 'aria-labelledby': titleId },
    h('form', { method: 'dialog' },
      h('h2', { id: titleId }, title), h('p', {}, text), ...extra,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', value: 'cancel', class: 'secondary', autofocus: true }, 'Cancel'),
        h('button', { type: 'submit', value: 'confirm', class: 'danger' }, confirmLabel))));
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
      opener?.focus();
    });
  });
}
