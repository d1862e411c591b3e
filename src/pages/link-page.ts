import { html } from './html.ts';
import { noticeBox, type PageContent } from './layout.ts';

/**
 * The GET of a page a mailed link opens: the token in a form with one button that posts it to `action`.
 * Only the POST spends it, so mail scanners that open links do no harm.
 */
export function linkConfirmForm(action: string, text: { title: string; heading: string; intro: string; submit: string }, token: string): PageContent {
  return {
    title: text.title,
    body: html`<h1>${text.heading}</h1><p>${text.intro}</p><form method="post" action="${action}">
      <input type="hidden" name="token" value="${token}">
      <button type="submit" class="primary">${text.submit}</button></form>`,
  };
}

/** What a link page says after the POST: a notice, or an alert. */
export function linkAnswer(heading: string, text: string, alert: boolean): PageContent {
  return { title: heading, body: html`<h1>${heading}</h1>${alert ? html`<p class="alert" role="alert">${text}</p>` : noticeBox(text)}` };
}
