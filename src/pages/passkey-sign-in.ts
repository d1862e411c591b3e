import { authorizeForm, screenHref, type AuthorizeForm } from './authorize-form.ts';
import { html } from './html.ts';
import { alertBox, type PageContent } from './layout.ts';
import { messages } from './messages.ts';
import { PASSKEY_SCRIPT_PATH } from './passkey-script.ts';

export interface PasskeySignInView {
  /** The JSON of the WebAuthn options (no allowCredentials, user verification required). */
  readonly passkeyOptions: string;
  readonly error?: string;
}

/**
 * "Sign in with a passkey" (`screen=passkey`): a button that our script (passkey-script.ts) runs; the
 * browser offers this site's discoverable passkeys. The sign-in screen itself stays script-free and links
 * here. Without JavaScript the button stays hidden and a note says so.
 */
export function passkeySignInPage(form: AuthorizeForm, view: PasskeySignInView): PageContent {
  const t = messages.passkeySignIn;
  return {
    title: t.title(form.clientName),
    body: html`<h1>${t.heading}</h1><p>${messages.signIn.toContinue} <strong>${form.clientName}</strong></p>
      ${alertBox(view.error)}
      ${authorizeForm(form, html`<input type="hidden" name="action" value="passkey_signin"><input type="hidden" name="passkey" value="">
        <p role="status" data-passkey-status></p>
        <button type="submit" class="primary">${t.submit}</button>`,
      html` hidden data-passkey-options="${view.passkeyOptions}" data-passkey-failed="${t.failed}"`)}
      <noscript><p>${t.needsScript}</p></noscript>
      <p><a href="${screenHref(form.params)}">${t.back}</a></p>`,
    script: PASSKEY_SCRIPT_PATH,
  };
}
