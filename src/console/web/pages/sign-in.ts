import { ApiError, gql } from '../api.ts';
import { alertBox, field, h, replace } from '../dom.ts';
import { LOGIN, VERIFY } from '../operations.ts';

type LoginAnswer =
  | { __typename: 'CookieAuthPayload' }
  | { __typename: 'SecondFactorRequired'; challenge: string; methods: string[] }
  | { __typename: string; code: string; message: string };

/**
 * The sign-in form: login with session cookie delivery; when the account has a second factor, the
 * SecondFactorRequired challenge is answered with verifySecondFactor. `done` runs once a cookie is set.
 */
export function signInPage(root: HTMLElement, done: () => void, reason?: string): void {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', { 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'card narrow', novalidate: false },
    h('h1', { tabindex: '-1' }, 'Sign in to the admin console'),
    reason === undefined ? null : alertBox(reason),
    field('Email', email), field('Password', password), button, status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    void (async () => {
      try {
        const { login } = await gql<{ login: LoginAnswer }>(LOGIN, { input: { email: email.value, password: password.value, delivery: 'COOKIE' } });
        if (login.__typename === 'CookieAuthPayload') return done();
        if (login.__typename === 'SecondFactorRequired' && 'challenge' in login) return secondFactorStep(root, login.challenge, done);
        replace(status, alertBox('message' in login ? login.message : 'The sign-in was refused.'));
      } catch (error) {
        replace(status, alertBox(error instanceof ApiError ? error.message : 'The sign-in failed.'));
      } finally {
        button.disabled = false;
      }
    })();
  });
  replace(root, h('main', { id: 'main', class: 'signin' }, form));
  email.focus();
}

function secondFactorStep(root: HTMLElement, challenge: string, done: () => void): void {
  const code = h('input', { type: 'text', name: 'code', autocomplete: 'one-time-code', inputmode: 'text', required: true });
  const status = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card narrow' },
    h('h1', { tabindex: '-1' }, 'Second factor'),
    h('p', {}, 'Enter the 6-digit code from your authenticator app, or one of your recovery codes.'),
    field('Code', code), h('button', { type: 'submit', class: 'primary' }, 'Verify'), status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = code.value.trim();
    const input = /^\d{6}$/.test(value) ? { challenge, totp: value } : { challenge, recoveryCode: value };
    void gql<{ verifySecondFactor: { __typename: string; message?: string } }>(VERIFY, { input })
      .then(({ verifySecondFactor: answer }) => {
        if (answer.__typename === 'CookieAuthPayload') done();
        else replace(status, alertBox(answer.message ?? 'The code was refused.'));
      })
      .catch((error: unknown) => replace(status, alertBox(error instanceof ApiError ? error.message : 'The check failed.')));
  });
  replace(root, h('main', { id: 'main', class: 'signin' }, form));
  code.focus();
}
