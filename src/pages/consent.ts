import type { Scope } from '../scopes.ts';
import { authorizeForm, type AuthorizeForm } from './authorize-form.ts';
import { html } from './html.ts';
import type { PageContent } from './layout.ts';
import { messages } from './messages.ts';

interface ConsentView {
  readonly email: string;
  readonly scopes: readonly string[];
  /** The host of the redirect URI: where the browser goes next, to help spot an app that is not what it says. */
  readonly redirectHost: string;
}

/** The consent screen: who is signed in (and "not you?"), what the app may do, where it sends you, Allow or Cancel. */
export function consentPage(form: AuthorizeForm, view: ConsentView): PageContent {
  const t = messages.consent;
  const described = messages.scopes as Record<string, string>;
  const items = view.scopes.map((scope) => html`<li>${described[scope as Scope] ?? scope}</li>`);
  return {
    title: t.title(form.clientName),
    body: html`<h1>${t.heading(form.clientName)}</h1>
      <p>${t.signedInAs} <strong>${view.email}</strong>.
        ${authorizeForm(form, html`<button type="submit" class="link" name="action" value="switch">${t.notYou}</button>`, html` class="inline"`)}</p>
      <p>${t.asksTo(form.clientName)}</p><ul class="scopes">${items}</ul>
      <p>${t.redirectsTo} <strong>${view.redirectHost}</strong>.</p>
      ${authorizeForm(form, html`<button type="submit" class="primary" name="action" value="allow">${t.allow}</button>
        <button type="submit" class="secondary" name="action" value="deny">${t.deny}</button>`)}
      <p class="muted">${t.hint}</p>`,
  };
}
