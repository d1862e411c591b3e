import { completePasswordReset } from '../accounts/reset-password.ts';
import type { RequestMeta } from '../audit/record.ts';
import { InvalidTokenError, ValidationError } from '../errors.ts';
import type { Services } from '../services.ts';
import { errorPage } from './error.ts';
import { html } from './html.ts';
import { alertBox, noticeBox, pageResponse, type PageContent } from './layout.ts';
import { messages } from './messages.ts';
import { isForeignPost, readForm } from './post.ts';

const t = messages.resetPassword;

function newPasswordForm(token: string, error?: string): PageContent {
  return {
    title: t.title,
    body: html`<h1>${t.heading}</h1><p>${t.intro}</p>${alertBox(error)}<form method="post" action="/reset-password">
      <input type="hidden" name="token" value="${token}">
      <label for="new-password">${messages.common.newPassword}</label>
      <input id="new-password" type="password" name="new_password" autocomplete="new-password" required minlength="8" maxlength="128"
        aria-describedby="password-rules"${error === undefined ? '' : html` aria-invalid="true"`}>
      <span class="help" id="password-rules">${messages.common.passwordRules}</span>
      <button type="submit" class="primary">${t.submit}</button></form>`,
  };
}

function answer(heading: string, text: string, alert: boolean): PageContent {
  return { title: heading, body: html`<h1>${heading}</h1>${alert ? html`<p class="alert" role="alert">${text}</p>` : noticeBox(text)}` };
}

/**
 * GET and POST /reset-password, where reset mails link when FRONTEND_URL is not set: a new-password form,
 * then the resetPassword mutation's use case (same password rules, every session ended). A refused
 * password shows the form again with the reason, and the link stays usable.
 */
export async function resetPasswordPage(services: Services, request: Request, url: URL, meta: RequestMeta): Promise<Response> {
  const pages = services.config.pages;
  if (request.method === 'GET' || request.method === 'HEAD') {
    const token = url.searchParams.get('token');
    return token === null || token === ''
      ? pageResponse(pages, answer(t.heading, t.missing, true), 400)
      : pageResponse(pages, newPasswordForm(token));
  }
  if (request.method !== 'POST') return pageResponse(pages, errorPage(messages.error.methodNotAllowed), 405);
  if (isForeignPost(request, services.config.publicUrl)) return pageResponse(pages, errorPage(messages.common.foreignForm), 403);
  const form = await readForm(request);
  const token = form.get('token') ?? '';
  try {
    await completePasswordReset(services, { token, newPassword: form.get('new_password') ?? '' }, meta);
    return pageResponse(pages, answer(t.doneHeading, t.done, false));
  } catch (error) {
    if (error instanceof ValidationError) return pageResponse(pages, newPasswordForm(token, error.message), 400);
    if (error instanceof InvalidTokenError) return pageResponse(pages, answer(t.heading, t.invalid, true), 400);
    throw error;
  }
}
