import { ApiError, gql } from './api.ts';
import { field, h } from './dom.ts';
import { REAUTHENTICATE } from './operations.ts';

/**
 * Runs a sensitive operation; when the API answers REAUTHENTICATION_REQUIRED (no sign-in or
 * re-verification in the last 10 minutes), asks for the password or a code in a modal dialog, calls
 * reauthenticate and runs the operation once more. Resolves undefined when the admin cancels.
 */
export async function withStepUp<T>(operation: () => Promise<T>): Promise<T | undefined> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'REAUTHENTICATION_REQUIRED') throw error;
  }
  if (!(await reauthenticate())) return undefined;
  return operation();
}

function reauthenticate(): Promise<boolean> {
  const opener = document.activeElement as HTMLElement | null;
  const secret = h('input', { type: 'password', name: 'proof', autocomplete: 'current-password', required: true });
  const problem = h('div', { 'aria-live': 'assertive' });
  const form = h('form', { method: 'dialog' },
    h('h2', { id: 'step-up-h' }, 'Confirm it is you'),
    h('p', {}, 'This needs a sign-in within the last 10 minutes: enter your password, or a code from your authenticator app.'),
    field('Password or code', secret), problem,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', value: 'cancel', class: 'secondary', formnovalidate: true }, 'Cancel'),
      h('button', { type: 'submit', value: 'confirm', class: 'primary' }, 'Confirm')));
  const dialog = h('dialog', { 'aria-labelledby': 'step-up-h' }, form);
  document.body.append(dialog);
  dialog.showModal();
  secret.focus();
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      dialog.close();
      dialog.remove();
      opener?.focus();
      resolve(ok);
    };
    form.addEventListener('submit', (event) => {
      const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
      event.preventDefault();
      if (submitter?.value !== 'confirm') return finish(false);
      const value = secret.value.trim();
      const input = /^\d{6}$/.test(value) ? { totp: value } : { password: secret.value };
      void gql<{ reauthenticate: { __typename: string; message?: string } }>(REAUTHENTICATE, { input })
        .then(({ reauthenticate: answer }) => {
          if (answer.__typename === 'Reauthenticated') finish(true);
          else problem.replaceChildren(h('p', { class: 'alert', role: 'alert' }, answer.message ?? 'That was not accepted.'));
        })
        .catch((error: unknown) => problem.replaceChildren(h('p', { class: 'alert', role: 'alert' }, error instanceof Error ? error.message : 'That failed.')));
    });
    dialog.addEventListener('cancel', () => finish(false));
  });
}
