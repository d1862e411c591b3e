import { html, type SafeHtml } from './html.ts';
import { hiddenFields } from './layout.ts';

/** The screens of the authorization page besides sign-in and consent, chosen with `screen=` in its URL. */
export type Screen = 'sign-up' | 'forgot-password' | 'passkey';

/** What every form of the authorization page carries: the app asking, the request's parameters, a CSRF token. */
export interface AuthorizeForm {
  readonly clientName: string;
  readonly params: ReadonlyMap<string, string>;
  readonly csrf: string;
}

/** The authorization page again, with the same request, on another screen (or the sign-in screen). */
export function screenHref(params: ReadonlyMap<string, string>, screen?: Screen): string {
  const query = new URLSearchParams([...params]);
  if (screen !== undefined) query.set('screen', screen);
  return `/oauth/authorize?${query}`;
}

/** A form that posts `action` back to the authorization page with the request and the CSRF token. */
export function authorizeForm(form: AuthorizeForm, inner: SafeHtml, attributes = html``): SafeHtml {
  return html`<form method="post" action="/oauth/authorize"${attributes}>${hiddenFields(form.params, form.csrf)}${inner}</form>`;
}
