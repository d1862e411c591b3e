import { authorizeForm, screenHref, type AuthorizeForm } from './authorize-form.ts';
import { html } from './html.ts';
import { alertBox, type PageContent } from './layout.ts';
import { messages } from './messages.ts';
import { PASSKEY_SCRIPT_PATH } from './passkey-script.ts';

export interface SecondFactorView {
  /** The sign-in held for a second factor (SecondFactorRequired.challenge): posted back with the code. */
  readonly challenge: string;
  readonly error?: string;
  /** When the account has a passkey: the JSON of the WebAuthn options for navigator.credentials.get(). */
  readonly passkeyOptions?: string;
}

/**
 * The second step of a sign-in for an account with a second factor: a code from the authenticator app,
 * or a recovery code; and, for an account with a passkey, a "Use a passkey" form that our script
 * (passkey-script.ts) shows and runs. Without JavaScript that form stays hidden and the code form works.
 */
export function secondFactorPage(form: AuthorizeForm, view: SecondFactorView): PageContent {
  const t = messages.secondFactor;
  const challenge = html`<input type="hidden" name="challenge" value="${view.challenge}">`;
  const passkey = view.passkeyOptions === undefined ? html`` : authorizeForm(form, html`${challenge}
      <input type="hidden" name="action" value="second_factor_passkey"><input type="hidden" name="passkey" value="">
      <p role="status" data-passkey-status></p>
      <button type="submit" class="primary">${t.usePasskey}</button>`,
  html` hidden data-passkey-options="${view.passkeyOptions}" data-passkey-failed="${t.passkeyFailed}"`);
  return {
    title: t.title(form.clientName),
    body: html`<h1>${t.heading}</h1><p>${messages.signIn.toContinue} <strong>${form.clientName}</strong></p>
      ${alertBox(view.error)}
      ${passkey}
      ${authorizeForm(form, html`${challenge}
        <label for="code">${t.code}</label>
        <input id="code" type="text" name="code" autocomplete="one-time-code" inputmode="text" required>
        <button type="submit" class="primary" name="action" value="second_factor">${t.submit}</button>`)}
      <p><a href="${screenHref(form.params)}">${t.back}</a></p>`,
    ...(view.passkeyOptions === undefined ? {} : { script: PASSKEY_SCRIPT_PATH }),
  };
}
