import { confirmEmailChange, type ConfirmEmailChangeDeps } from '../accounts/confirm-email-change.ts';
import type { RequestMeta } from '../audit/record.ts';
import { EmailTakenError, InvalidTokenError } from '../errors.ts';
import type { Config } from '../config.ts';
import { errorPage } from './error.ts';
import { pageResponse } from './layout.ts';
import { linkAnswer, linkConfirmForm } from './link-page.ts';
import { messages } from './messages.ts';
import { isForeignPost, readForm } from './post.ts';

const t = messages.confirmEmailChange;

/** What the page uses: the use case's parts, and the settings of the pages. */
interface ConfirmEmailChangePageDeps extends ConfirmEmailChangeDeps {
  readonly config: Config;
}

/**
 * GET and POST /confirm-email-change, where email-change mails link when FRONTEND_URL is not set. The
 * GET only shows a button (mail scanners that open links spend nothing); the POST runs the
 * confirmEmailChange mutation's use case. The page holds no session of its own, so every session of
 * the account ends.
 */
export async function confirmEmailChangePage(services: ConfirmEmailChangePageDeps, request: Request, url: URL, meta: RequestMeta): Promise<Response> {
  const pages = services.config.pages;
  if (request.method === 'GET' || request.method === 'HEAD') {
    const token = url.searchParams.get('token');
    return token === null || token === ''
      ? pageResponse(pages, linkAnswer(t.heading, t.missing, true), 400)
      : pageResponse(pages, linkConfirmForm('/confirm-email-change', t, token));
  }
  if (request.method !== 'POST') return pageResponse(pages, errorPage(messages.error.methodNotAllowed), 405);
  if (isForeignPost(request, services.config.publicUrl)) return pageResponse(pages, errorPage(messages.common.foreignForm), 403);
  const token = (await readForm(request)).get('token') ?? '';
  try {
    const { user } = await confirmEmailChange(services, { token, caller: null }, meta);
    return pageResponse(pages, linkAnswer(t.doneHeading, t.done(user.email), false));
  } catch (error) {
    if (error instanceof InvalidTokenError) return pageResponse(pages, linkAnswer(t.heading, t.invalid, true), 400);
    if (error instanceof EmailTakenError) return pageResponse(pages, linkAnswer(t.heading, t.taken, true), 409);
    throw error;
  }
}
