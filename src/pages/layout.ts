import { createHash } from 'node:crypto';
import type { PagesConfig } from '../config.ts';
import { seeOther as redirectSeeOther } from '../lib/headers.ts';
import { html, SafeHtml } from './html.ts';
import { messages } from './messages.ts';
import { stylesheet } from './theme.ts';

/** What one page shows: its title (the tab, and what a screen reader announces first) and its main content. */
export interface PageContent {
  readonly title: string;
  readonly body: SafeHtml;
}

interface Layout {
  readonly headers: Readonly<Record<string, string>>;
  readonly style: string;
}

const layouts = new WeakMap<PagesConfig, Layout>();

/**
 * The headers of every hosted page. The CSP allows no script at all, styles only from the page's own
 * <style> (by hash) and PAGES_STYLESHEET_URL's origin, images only from this origin and PAGES_LOGO_URL's;
 * framing is refused twice (RFC 9700 §4.16), and no Referer leaves with a code, state or token in the URL
 * (RFC 9700 §4.2.4). No form-action: Chromium applies it to the redirect after a POST, and the consent
 * form's redirect goes to the app, the provider button's to the provider.
 */
function layoutOf(pages: PagesConfig): Layout {
  let layout = layouts.get(pages);
  if (layout === undefined) {
    const style = stylesheet(pages);
    const styleHash = createHash('sha256').update(style).digest('base64');
    const originOf = (url: string | null) => (url === null ? '' : ` ${new URL(url).origin}`);
    const csp = [
      "default-src 'none'",
      `img-src 'self'${originOf(pages.logoUrl)}`,
      `style-src 'sha256-${styleHash}'${originOf(pages.stylesheetUrl)}`,
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; ');
    layout = {
      style,
      headers: {
        'content-security-policy': csp,
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        pragma: 'no-cache',
      },
    };
    layouts.set(pages, layout);
  }
  return layout;
}

/** A whole page: the themed header (logo and product name), then the content, in the configured look. */
function renderPage(pages: PagesConfig, content: PageContent): string {
  const { style } = layoutOf(pages);
  const logo = pages.logoUrl === null ? '' : html`<img src="${pages.logoUrl}" alt="">`;
  const extra = pages.stylesheetUrl === null ? '' : html`<link rel="stylesheet" href="${pages.stylesheetUrl}">`;
  // The stylesheet is ours (the colour in it was checked by loadConfig), so it goes in unescaped.
  return html`<!doctype html><html lang="${messages.lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${content.title}</title>
${new SafeHtml(`<style>${style}</style>`)}${extra}</head>
<body><header>${logo}<span>${pages.productName}</span></header><main>${content.body}</main></body></html>`.value;
}

/** A hosted page as an HTTP response, with the security headers of every page. */
export function pageResponse(pages: PagesConfig, content: PageContent, status = 200, cookies: readonly string[] = []): Response {
  const headers = new Headers({ 'content-type': 'text/html; charset=utf-8', ...layoutOf(pages).headers });
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(renderPage(pages, content), { status, headers });
}

/** 303 See Other with the headers of every hosted page. */
export function seeOther(pages: PagesConfig, location: string, cookies: readonly string[] = []): Response {
  return redirectSeeOther(location, layoutOf(pages).headers, cookies);
}

/** Hidden inputs that carry a request's parameters and the form's CSRF token through a POST. */
export function hiddenFields(params: ReadonlyMap<string, string>, csrf: string): SafeHtml {
  const fields = [...params].map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return html`${fields}<input type="hidden" name="csrf_token" value="${csrf}">`;
}

/** An error (role=alert, announced at once) or a notice (role=status) above a form; nothing when absent. */
export function alertBox(text: string | undefined): SafeHtml {
  return text === undefined ? html`` : html`<p class="alert" role="alert">${text}</p>`;
}

export function noticeBox(text: string | undefined): SafeHtml {
  return text === undefined ? html`` : html`<p class="notice" role="status">${text}</p>`;
}
