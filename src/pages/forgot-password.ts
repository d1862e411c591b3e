import { authorizeForm, screenHref, type AuthorizeForm } from './authorize-form.ts';
import { html } from './html.ts';
import { alertBox, noticeBox, type PageContent } from './layout.ts';
import { messages } from './messages.ts';

export interface ForgotPasswordView {
  readonly email?: string;
  readonly error?: string;
  readonly notice?: string;
}

/** "Forgot your password?": mails a reset link (requestPasswordReset), with the same answer whether or not an account has the address. */
export function forgotPasswordPage(form: AuthorizeForm, view: ForgotPasswordView): PageContent {
  const t = messages.forgotPassword;
  return {
    title: t.title,
    body: html`<h1>${t.heading}</h1><p>${t.intro}</p>${alertBox(view.error)}${noticeBox(view.notice)}
      ${authorizeForm(form, html`<label for="email">${messages.common.email}</label>
        <input id="email" type="email" name="email" value="${view.email ?? ''}" autocomplete="username" required>
        <button type="submit" class="primary" name="action" value="forgot">${t.submit}</button>`)}
      <p><a href="${screenHref(form.params)}">${t.back}</a></p>`,
  };
}
