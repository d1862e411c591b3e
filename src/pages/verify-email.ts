import { confirmEmail } from '../accounts/verify-email.ts';
import type { RequestMeta } from '../audit/record.ts';
import { InvalidTokenError } from '../errors.ts';
import type { Services } from '../services.ts';
import { errorPage } from './error.ts';
import { pageResponse } from './layout.ts';
import { linkAnswer, linkConfirmForm } from './link-page.ts';
import { messages } from './messages.ts';
import { isForeignPost, readForm } from './post.ts';

const t = messages.verifyEmail;

/**
 * GET and POST /verify-email, where verification mails link when FRONTEND_URL is not set. The GET only
 * shows a button: mail scanners that open links spend nothing. The POST spends the token with the
 * verifyEmail mutation's use case and says what happened.
 */
export async function verifyEmailPage(services: Services, request: Request, url: URL, meta: RequestMeta): Promise<Response> {
  const pages = services.config.pages;
  if (request.method === 'GET' || request.method === 'HEAD') {
    const token = url.searchParams.get('token');
    return token === null || token === ''
      ? pageResponse(pages, linkAnswer(t.heading, t.missing, true), 400)
      : pageResponse(pages, linkConfirmForm('/verify-email', t, token));
  }
  if (request.method !== 'POST') return pageResponse(pages, errorPage(messages.error.methodNotAllowed), 405);
  if (isForeignPost(request, services.config.publicUrl)) return pageResponse(pages, errorPage(messages.common.foreignForm), 403);
  const token = (await readForm(request)).get('token') ?? '';
  try {
    const user = await confirmEmail(services, token, meta);
    return pageResponse(pages, linkAnswer(t.doneHeading, t.done(user.email), false));
  } catch (error) {
    if (error instanceof InvalidTokenError) return pageResponse(pages, linkAnswer(t.heading, t.invalid, true), 400);
    throw error;
  }
}
