import { authorizeForm, screenHref, type AuthorizeForm } from './authorize-form.ts';
import { html } from './html.ts';
import { alertBox, noticeBox, type PageContent } from './layout.ts';
import { messages } from './messages.ts';

export interface SignUpView {
  readonly email?: string;
  readonly name?: string;
  readonly error?: string;
  /** After an account was made that must confirm its address first: the form gives way to this. */
  readonly notice?: string;
}

/** The sign-up screen of the authorization page: the fields and rules of the signUp mutation. */
export function signUpPage(form: AuthorizeForm, view: SignUpView): PageContent {
  const t = messages.signUp;
  const c = messages.common;
  const fields = view.notice !== undefined ? '' : authorizeForm(form, html`<label for="email">${c.email}</label>
    <input id="email" type="email" name="email" value="${view.email ?? ''}" autocomplete="username" required>
    <label for="name">${c.name}</label>
    <input id="name" type="text" name="name" value="${view.name ?? ''}" autocomplete="name" maxlength="100">
    <label for="password">${c.password}</label>
    <input id="password" type="password" name="password" autocomplete="new-password" required minlength="8" maxlength="128" aria-describedby="password-rules">
    <span class="help" id="password-rules">${c.passwordRules}</span>
    <button type="submit" class="primary" name="action" value="signup">${t.submit}</button>`);
  return {
    title: t.title(form.clientName),
    body: html`<h1>${t.heading}</h1><p>${messages.signIn.toContinue} <strong>${form.clientName}</strong></p>
      ${alertBox(view.error)}${noticeBox(view.notice)}${fields}
      <p>${t.haveAccount} <a href="${screenHref(form.params)}">${t.signIn}</a></p>`,
  };
}
