import { html } from './html.ts';
import type { PageContent } from './layout.ts';
import { messages } from './messages.ts';

/** The page for what cannot go back to the app (unknown client, unregistered redirect URI, expired form): what happened, and a way back. */
export function errorPage(what: string): PageContent {
  const t = messages.error;
  return {
    title: t.title,
    body: html`<h1>${t.heading}</h1><p class="alert" role="alert">${what}</p><p>${t.back}</p>`,
  };
}
