import type { Scope } from '../scopes.ts';
import { html, type SafeHtml } from './html.ts';
import { alertBox, hiddenFields, type PageContent } from './layout.ts';
import { messages } from './messages.ts';

/** What every POST form of /device carries: the user code being connected (if any) and the form's CSRF token. */
export interface DeviceForm {
  readonly userCode: string | null;
  readonly csrf: string;
}

function deviceForm(form: DeviceForm, inner: SafeHtml): SafeHtml {
  const params = new Map(form.userCode === null ? [] : [['user_code', form.userCode] as const]);
  return html`<form method="post" action="/device">${hiddenFields(params, form.csrf)}${inner}</form>`;
}

/** Sign in first (email and password), to connect a device. */
export function deviceSignInPage(form: DeviceForm, view: { readonly email?: string; readonly error?: string }): PageContent {
  const t = messages.device;
  return {
    title: t.signInTitle,
    body: html`<h1>${t.signInTitle}</h1><p>${t.signInHint}</p>${alertBox(view.error)}
      ${deviceForm(form, html`<label for="email">${messages.common.email}</label>
        <input id="email" type="email" name="email" value="${view.email ?? ''}" autocomplete="username" required>
        <label for="password">${messages.common.password}</label>
        <input id="password" type="password" name="password" autocomplete="current-password" required>
        <button type="submit" class="primary" name="action" value="signin">${messages.signIn.submit}</button>`)}`,
  };
}

/** The second step of the sign-in, for an account with a second factor. */
export function deviceSecondFactorPage(form: DeviceForm, view: { readonly challenge: string; readonly error?: string }): PageContent {
  const t = messages.secondFactor;
  return {
    title: t.heading,
    body: html`<h1>${t.heading}</h1>${alertBox(view.error)}
      ${deviceForm(form, html`<input type="hidden" name="challenge" value="${view.challenge}">
        <label for="code">${t.code}</label>
        <input id="code" type="text" name="code" autocomplete="one-time-code" required>
        <button type="submit" class="primary" name="action" value="second_factor">${t.submit}</button>`)}`,
  };
}

/** Enter the code the device shows (a GET form: looking a code up changes nothing). */
export function deviceCodePage(view: { readonly userCode?: string; readonly error?: string }): PageContent {
  const t = messages.device;
  return {
    title: t.title,
    body: html`<h1>${t.title}</h1><p>${t.enterHint}</p>${alertBox(view.error)}
      <form method="get" action="/device"><label for="user_code">${t.code}</label>
        <input id="user_code" type="text" name="user_code" value="${view.userCode ?? ''}" autocomplete="off" autocapitalize="characters"
          spellcheck="false" required>
        <button type="submit" class="primary">${t.next}</button></form>`,
  };
}

/** What the device's app asks for: Allow or Cancel. */
export function deviceConsentPage(form: DeviceForm, view: { readonly clientName: string; readonly email: string; readonly scopes: readonly string[] }): PageContent {
  const t = messages.device;
  const described = messages.scopes as Record<string, string>;
  const items = view.scopes.map((scope) => html`<li>${described[scope as Scope] ?? scope}</li>`);
  return {
    title: messages.consent.title(view.clientName),
    body: html`<h1>${messages.consent.heading(view.clientName)}</h1>
      <p>${messages.consent.signedInAs} <strong>${view.email}</strong>.</p>
      <p>${t.checkCode} <strong>${form.userCode ?? ''}</strong></p>
      <p>${messages.consent.asksTo(view.clientName)}</p><ul class="scopes">${items}</ul>
      ${deviceForm(form, html`<button type="submit" class="primary" name="action" value="allow">${messages.consent.allow}</button>
        <button type="submit" class="secondary" name="action" value="deny">${messages.consent.deny}</button>`)}`,
  };
}

/** The end: the device may go on (or was refused). */
export function deviceDonePage(approved: boolean): PageContent {
  const t = messages.device;
  return { title: t.title, body: html`<h1>${approved ? t.approved : t.denied}</h1><p>${t.backToDevice}</p>` };
}
