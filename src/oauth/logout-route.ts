import { recordAuditEvent } from '../audit/record.ts';
import { OAuthError } from '../errors.ts';
import { constantTimeEqual, hmac } from '../lib/secrets.ts';
import { errorPage } from '../pages/error.ts';
import { pageResponse, seeOther } from '../pages/layout.ts';
import { loggedOutPage, logoutConfirmPage } from '../pages/logout.ts';
import { messages } from '../pages/messages.ts';
import { isForeignPost } from '../pages/post.ts';
import type { Services } from '../services.ts';
import { clearedSessionCookieHeader, readSessionCookie } from '../sessions/cookie.ts';
import type { PageRequest } from './page-request.ts';
import { checkEndSessionRequest, type EndSessionRequest } from './end-session.ts';
import { repeatedMessage, repeatedParameters } from './parameters.ts';

const PARAMS = ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state'] as const;

/**
 * GET and POST /oauth/logout, the end_session_endpoint (RP-Initiated Logout 1.0). It ends the browser's
 * session here (and with it every grant that ends with it: those without offline_access) and the grant
 * the `id_token_hint` names (its `sid`), whatever its scopes. With a valid hint for the signed-in user,
 * or no one signed in, it acts at once; otherwise the user confirms (§2), with a CSRF token bound to the
 * session. Then it sends the browser to the registered post_logout_redirect_uri with `state`, or shows
 * that the user is signed out.
 */
export async function logoutPage(services: Services, page: PageRequest): Promise<Response> {
  const { request } = page;
  const pages = services.config.pages;
  const isPost = request.method === 'POST';
  if (!isPost && request.method !== 'GET') return pageResponse(pages, errorPage(messages.error.methodNotAllowed), 405);
  if (isPost && isForeignPost(request, services.config.publicUrl)) return pageResponse(pages, errorPage(messages.common.foreignForm), 403);
  const source = isPost ? new URLSearchParams(await request.text()) : page.url.searchParams;
  const repeated = repeatedParameters(source);
  if (repeated.length > 0) throw new OAuthError('invalid_request', repeatedMessage(repeated));
  const logout = await checkEndSessionRequest(services.keys, services.database, services.config.publicUrl, {
    idTokenHint: source.get('id_token_hint'), clientId: source.get('client_id'),
    postLogoutRedirectUri: source.get('post_logout_redirect_uri'), state: source.get('state'),
  });

  const cookie = readSessionCookie(request.headers.get('cookie'));
  const cookieCheck = cookie === undefined ? undefined : await services.cookieSessions.find(cookie);
  const session = cookieCheck?.ok === true ? cookieCheck.session : undefined;
  const csrfOf = (sessionId: string) => hmac(page.csrfKey, `logout:${sessionId}`);
  const meta = { ip: page.ip, userAgent: request.headers.get('user-agent') };

  const signOut = async () => {
    if (session !== undefined) {
      await services.revoker.revokeOne(session.userId, session.sessionId);
      await recordAuditEvent(services.database, {
        type: 'logout', userId: session.userId, ...meta,
        detail: `session ${session.sessionId} ended by RP-initiated logout${logout.client === null ? '' : ` of ${logout.client.clientId}`}`,
      });
    }
    await endHintedGrant(services, logout, meta);
    const cookies = session === undefined ? [] : [clearedSessionCookieHeader()];
    return logout.redirectTo === null ? pageResponse(pages, loggedOutPage(true), 200, cookies) : seeOther(pages, logout.redirectTo, cookies);
  };

  if (!isPost) {
    if (session === undefined || (logout.hint !== null && logout.hint.sub === session.userId)) return signOut();
    const [user] = await services.users.load([session.userId]);
    const kept = new Map(PARAMS.flatMap((name) => { const v = source.get(name); return v === null ? [] : [[name, v] as const]; }));
    return pageResponse(pages, logoutConfirmPage({
      email: user?.email ?? '', clientName: logout.client?.name ?? null, params: kept, csrf: csrfOf(session.sessionId),
    }));
  }
  if (session !== undefined && !constantTimeEqual(source.get('csrf_token') ?? '', csrfOf(session.sessionId))) {
    return pageResponse(pages, errorPage(messages.common.formExpired), 403);
  }
  if (source.get('action') === 'stay') return pageResponse(pages, loggedOutPage(false));
  return signOut();
}

/** Ends the relying party's grant that the ID token names (its `sid`), as the RP asked. */
async function endHintedGrant(services: Services, logout: EndSessionRequest, meta: { ip: string; userAgent: string | null }): Promise<void> {
  const hint = logout.hint;
  if (hint === null || hint.sid === null) return;
  if (!(await services.revoker.revokeOne(hint.sub, hint.sid))) return;
  await recordAuditEvent(services.database, {
    type: 'oauth.grant_revoked', userId: hint.sub, ...meta, detail: `client ${hint.clientId} ended its grant ${hint.sid} (RP-initiated logout)`,
  });
}
