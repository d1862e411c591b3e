import { authorizeForm, screenHref, type AuthorizeForm } from './authorize-form.ts';
import { html } from './html.ts';
import { alertBox, noticeBox, type PageContent } from './layout.ts';
import { messages } from './messages.ts';

export interface SignInView {
  /** What the user typed last: kept after an error. */
  readonly email?: string;
  readonly error?: string;
  readonly notice?: string;
  /** The upstream providers of OIDC_PROVIDERS, in order. */
  readonly providers: readonly { readonly id: string; readonly name: string }[];
  /** The email of the account already signed in, when the app asks to sign in again (prompt=login, max_age). */
  readonly signedInAs?: string;
}

/** The sign-in screen: email and password, a way to reset the password, the upstream providers, and sign-up. */
export function signInPage(form: AuthorizeForm, view: SignInView): PageContent {
  const t = messages.signIn;
  const providers = view.providers.map((provider) => authorizeForm(form, html`<input type="hidden" name="provider" value="${provider.id}">
    <button type="submit" class="secondary" name="action" value="provider">${t.withProvider(provider.name)}</button>`));
  const signedIn = view.signedInAs === undefined ? '' : html`<p>${t.signedInAs} <strong>${view.signedInAs}</strong>.</p>
    ${authorizeForm(form, html`<button type="submit" class="link" name="action" value="switch">${t.notYou}</button>`)}`;
  return {
    title: t.title(form.clientName),
    body: html`<h1>${t.heading}</h1><p>${t.toContinue} <strong>${form.clientName}</strong></p>
      ${alertBox(view.error)}${noticeBox(view.notice)}${signedIn}
      ${authorizeForm(form, html`<label for="email">${messages.common.email}</label>
        <input id="email" type="email" name="email" value="${view.email ?? ''}" autocomplete="username" required>
        <label for="password">${messages.common.password}</label>
        <input id="password" type="password" name="password" autocomplete="current-password" required>
        <button type="submit" class="primary" name="action" value="signin">${t.submit}</button>`)}
      <p><a href="${screenHref(form.params, 'forgot-password')}">${t.forgot}</a></p>
      <p><a href="${screenHref(form.params, 'passkey')}">${messages.passkeySignIn.link}</a></p>
      ${providers.length === 0 ? '' : html`<p class="divider">${messages.common.or}</p>${providers}`}
      <p>${t.noAccount} <a href="${screenHref(form.params, 'sign-up')}">${t.createOne}</a></p>`,
  };
}
