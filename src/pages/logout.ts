import { html } from './html.ts';
import { hiddenFields, type PageContent } from './layout.ts';
import { messages } from './messages.ts';

/** The logout confirmation (RP-Initiated Logout 1.0 §2: the OP asks), posting back to /oauth/logout. */
export function logoutConfirmPage(view: { readonly email: string; readonly clientName: string | null; readonly params: ReadonlyMap<string, string>; readonly csrf: string }): PageContent {
  const t = messages.logout;
  return {
    title: t.title,
    body: html`<h1>${t.heading}</h1>
      <p>${view.clientName === null ? t.ask : t.askFrom(view.clientName)} <strong>${view.email}</strong>?</p>
      <form method="post" action="/oauth/logout">${hiddenFields(view.params, view.csrf)}
        <button type="submit" class="primary" name="action" value="logout">${t.signOut}</button>
        <button type="submit" class="secondary" name="action" value="stay">${t.stay}</button></form>`,
  };
}

/** Where logout ends when no post-logout redirect URI was given (or the user chose to stay). */
export function loggedOutPage(signedOut: boolean): PageContent {
  const t = messages.logout;
  return { title: t.title, body: html`<h1>${signedOut ? t.done : t.stillSignedIn}</h1><p>${t.closeHint}</p>` };
}
