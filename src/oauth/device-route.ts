import { login } from '../accounts/login.ts';
import { recordAuditEvent } from '../audit/record.ts';
import { holdForSecondFactor, secondFactorPending } from '../factors/sign-in-gate.ts';
import { verifySecondFactor } from '../factors/verify-second-factor.ts';
import { InvalidCredentialsError, InvalidSecondFactorError, InvalidTokenError, RateLimitedError, ValidationError } from '../errors.ts';
import { readCookie } from '../lib/headers.ts';
import { constantTimeEqual, hmac, randomSecret } from '../lib/secrets.ts';
import {
  deviceCodePage, deviceConsentPage, deviceDonePage, deviceSecondFactorPage, deviceSignInPage, type DeviceForm,
} from '../pages/device.ts';
import { errorPage } from '../pages/error.ts';
import { pageResponse, seeOther, type PageContent } from '../pages/layout.ts';
import { messages } from '../pages/messages.ts';
import { isForeignPost } from '../pages/post.ts';
import { FIRST_PARTY_SCOPES } from '../scopes.ts';
import type { Services } from '../services.ts';
import { readSessionCookie, sessionCookieHeader } from '../sessions/cookie.ts';
import { findSession } from '../sessions/find.ts';
import { startSession } from '../sessions/start.ts';
import type { PageRequest } from './page-request.ts';
import { decideDevice, lookUpDeviceRequest } from './device-approval.ts';

/** Binds the /device sign-in form to the browser before there is a session (login CSRF). */
const DEVICE_CSRF_COOKIE = '__Host-latchkey-device-csrf';

/**
 * GET and POST /device, the verification URI of the device flow (RFC 8628 §3.3): no JavaScript, the
 * hosted pages' CSP. Without a session: sign in (with the account's second factor when it has one, the
 * same gate as every sign-in). Signed in: enter the code (a GET form; wrong codes are counted), check it
 * against the device, and Allow or Cancel (POST, with a CSRF token bound to the session).
 */
export async function devicePage(services: Services, page: PageRequest): Promise<Response> {
  const { request } = page;
  const pages = services.config.pages;
  const isPost = request.method === 'POST';
  if (!isPost && request.method !== 'GET') return pageResponse(pages, errorPage(messages.error.methodNotAllowed), 405);
  if (isPost && isForeignPost(request, services.config.publicUrl)) return pageResponse(pages, errorPage(messages.common.foreignForm), 403);
  const source = isPost ? new URLSearchParams(await request.text()) : page.url.searchParams;
  const field = (name: string) => (source.get(name) ?? '').slice(0, 500);
  const userCode = source.get('user_code')?.slice(0, 50) ?? null;
  const meta = { ip: page.ip, userAgent: request.headers.get('user-agent') };
  const cookieHeader = request.headers.get('cookie');
  const found = await cookieSessionOf(services, cookieHeader);

  if (found === undefined) {
    const binding = readCookie(cookieHeader, DEVICE_CSRF_COOKIE);
    const signInCsrf = (value: string, challenge = '') => hmac(page.csrfKey, `device-signin:${value}:${challenge}`);
    const show = (status: number, content: (form: DeviceForm) => PageContent, challenge = '') => {
      const value = binding ?? randomSecret();
      const cookie = `${DEVICE_CSRF_COOKIE}=${value}; Path=/; Max-Age=1800; HttpOnly; Secure; SameSite=Lax`;
      return pageResponse(pages, content({ userCode, csrf: signInCsrf(value, challenge) }), status, [cookie]);
    };
    const signInAgain = (status: number, error?: string) => show(status, (form) => deviceSignInPage(form, error === undefined ? {} : { error }));
    if (!isPost) return signInAgain(200);
    const challenge = field('challenge');
    const action = field('action');
    if (binding === undefined || !constantTimeEqual(field('csrf_token'), signInCsrf(binding, action === 'second_factor' ? challenge : ''))) {
      return pageResponse(pages, errorPage(messages.common.formExpired), 403);
    }
    const signedIn = async (userId: string, amr: readonly string[]) => {
      await recordAuditEvent(services.database, { type: 'login.succeeded', userId, ...meta, detail: 'on the device page' });
      const started = await startSession(services.database, { userId, delivery: 'COOKIE', scopes: FIRST_PARTY_SCOPES, amr, ...meta });
      if (started.delivery !== 'COOKIE') throw new Error('a COOKIE session was expected');
      const back = userCode === null ? '/device' : `/device?${new URLSearchParams({ user_code: userCode })}`;
      return seeOther(pages, back, [sessionCookieHeader(started.cookie, started.cookieExpiresAt), `${DEVICE_CSRF_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`]);
    };
    try {
      if (action === 'second_factor') {
        const code = field('code').trim();
        const passed = await verifySecondFactor(services, meta, challenge, /^\d{6}$/.test(code) ? { totp: code } : { recoveryCode: code });
        return await signedIn(passed.userId, passed.amr);
      }
      const email = field('email');
      const user = await login(services.database, services.signInBudget, {
        email, password: field('password'), ip: page.ip, secondFactorPending: secondFactorPending(services.database),
      });
      if (services.config.requireVerifiedEmail && !user.emailVerified) return show(403, (form) => deviceSignInPage(form, { email, error: messages.signIn.confirmFirst }));
      const held = await holdForSecondFactor(services.database, user.id, 'COOKIE', 'pwd');
      if (held !== null) return show(200, (form) => deviceSecondFactorPage(form, { challenge: held.challenge }), held.challenge);
      return await signedIn(user.id, ['pwd']);
    } catch (error) {
      if (error instanceof InvalidSecondFactorError || (action === 'second_factor' && error instanceof ValidationError)) {
        return show(401, (form) => deviceSecondFactorPage(form, { challenge, error: messages.secondFactor.wrongCode }), challenge);
      }
      if (error instanceof InvalidTokenError) return signInAgain(401, messages.secondFactor.tooSlow);
      if (error instanceof InvalidCredentialsError || error instanceof ValidationError) return signInAgain(401, messages.signIn.wrongCredentials);
      if (error instanceof RateLimitedError) return signInAgain(429, messages.common.tryAgainLater(error.retryAfterSeconds));
      throw error;
    }
  }

  const csrf = hmac(page.csrfKey, `device:${found.sessionId}`);
  const form: DeviceForm = { userCode, csrf };
  try {
    if (!isPost) {
      if (userCode === null) return pageResponse(pages, deviceCodePage({}));
      const view = await lookUpDeviceRequest(services, found.userId, userCode);
      if (view === undefined) return pageResponse(pages, deviceCodePage({ userCode, error: messages.device.wrongCode }), 400);
      const [user] = await services.users.load([found.userId]);
      return pageResponse(pages, deviceConsentPage(form, { clientName: view.client.name, email: user?.email ?? '', scopes: view.request.scopes }));
    }
    if (!constantTimeEqual(field('csrf_token'), csrf)) return pageResponse(pages, errorPage(messages.common.formExpired), 403);
    const action = field('action');
    if ((action !== 'allow' && action !== 'deny') || userCode === null) return pageResponse(pages, errorPage(messages.consent.chooseOne), 400);
    const session = await findSession(services.database, found.sessionId);
    const decided = await decideDevice(services, {
      userId: found.userId, sessionId: found.sessionId, authTime: session?.authTime ?? new Date(), amr: session?.amr ?? [],
    }, userCode, action === 'allow', meta);
    if (decided === undefined) return pageResponse(pages, deviceCodePage({ userCode, error: messages.device.wrongCode }), 400);
    return pageResponse(pages, deviceDonePage(action === 'allow'));
  } catch (error) {
    if (error instanceof RateLimitedError) return pageResponse(pages, deviceCodePage({ error: messages.common.tryAgainLater(error.retryAfterSeconds) }), 429);
    throw error;
  }
}

async function cookieSessionOf(services: Services, cookieHeader: string | null) {
  const cookie = readSessionCookie(cookieHeader);
  const check = cookie === undefined ? undefined : await services.cookieSessions.find(cookie);
  return check?.ok === true ? check.session : undefined;
}
