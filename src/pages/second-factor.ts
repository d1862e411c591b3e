import { authorizeForm, screenHref, type AuthorizeForm } from './authorize-form.ts';
import { html } from './html.ts';
import { alertBox, type PageContent } from './layout.ts';
import { messages } from './messages.ts';

export interface SecondFactorView {
  /** The sign-in held for a second factor (SecondFactorRequired.challenge): posted back with the code. */
  readonly challenge: string;
  readonly error?: string;
}

/** The second step of a sign-in for an account with a second factor: a code from the authenticator app, or a recovery code. */
export function secondFactorPage(form: AuthorizeForm, view: SecondFactorView): PageContent {
  const t = messages.secondFactor;
  return {
    title: t.title(form.clientName),
    body: html`<h1>${t.heading}</h1><p>${messages.signIn.toContinue} <strong>${form.clientName}</strong></p>
      ${alertBox(view.error)}
      ${authorizeForm(form, html`<input type="hidden" name="challenge" value="${view.challenge}">
        <label for="code">${t.code}</label>
        <input id="code" type="text" name="code" autocomplete="one-time-code" inputmode="text" required>
        <button type="submit" class="primary" name="action" value="second_factor">${t.submit}</button>`)}
      <p><a href="${screenHref(form.params)}">${t.back}</a></p>`,
  };
}
