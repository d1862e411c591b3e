import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { AppError } from '../graphql/errors.ts';
import { clientAddress } from '../http/client-address.ts';
import { FIRST_PARTY_SCOPES } from '../scopes.ts';
import type { Services } from '../services.ts';
import { sessionCookieHeader } from '../sessions/cookie.ts';
import { startSession } from '../sessions/start.ts';
import { completeUpstreamSignIn } from './sign-in-upstream.ts';
import { holdForSecondFactor } from '../factors/sign-in-gate.ts';

export const CALLBACK_PATH = '/auth/callback/';

/** The server's own redirect URI for `provider`, which startSocialLogin accepts besides ALLOWED_ORIGINS. */
export function callbackUrl(publicUrl: string, provider: string): string {
  return new URL(`${CALLBACK_PATH}${encodeURIComponent(provider)}`, publicUrl).href;
}

/**
 * GET /auth/callback/:provider, the optional helper of the contract: an upstream provider sends the
 * browser here (startSocialLogin with redirectUri = this URL), Latchkey completes the sign-in exactly as
 * completeSocialLogin with COOKIE delivery does, sets the session cookie, and sends the browser on to
 * FRONTEND_URL (else PUBLIC_URL) with `signed_in=<provider>`, or with `error=<code>` and nothing changed.
 */
export function useSocialCallback(services: Services): Plugin {
  return {
    async onRequest({ url, request, serverContext, endResponse }) {
      if (!url.pathname.startsWith(CALLBACK_PATH)) return;
      if (request.method !== 'GET') {
        endResponse(new Response(null, { status: 405, headers: { allow: 'GET' } }));
        return;
      }
      const provider = decodedSegment(url.pathname.slice(CALLBACK_PATH.length));
      const ip = clientAddress(request, (serverContext as { req?: IncomingMessage }).req, services.config.trustProxy);
      const meta = { ip, userAgent: request.headers.get('user-agent') };
      const next = new URL(services.config.mail.linkBaseUrl);
      const code = url.searchParams.get('code');
      const state = url.searchParams.get('state');
      if (url.searchParams.has('error') || code === null || state === null || provider === null) {
        next.searchParams.set('error', url.searchParams.get('error') === 'access_denied' ? 'access_denied' : 'INVALID_TOKEN');
        endResponse(seeOther(next));
        return;
      }
      try {
        const userId = await completeUpstreamSignIn(services, meta, { provider, code, state });
        const held = await holdForSecondFactor(services.database, userId, 'COOKIE', 'fed');
        if (held !== null) {
          // No session yet: the front end finishes with verifySecondFactor(challenge, code).
          next.searchParams.set('second_factor_challenge', held.challenge);
          endResponse(seeOther(next));
          return;
        }
        const started = await startSession(services.database, { userId, delivery: 'COOKIE', scopes: FIRST_PARTY_SCOPES, amr: ['fed'], ...meta });
        if (started.delivery !== 'COOKIE') throw new Error('a COOKIE session was expected');
        next.searchParams.set('signed_in', provider);
        endResponse(seeOther(next, sessionCookieHeader(started.cookie, started.cookieExpiresAt)));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        next.searchParams.set('error', error.code);
        endResponse(seeOther(next));
      }
    },
  };
}

/** The path segment decoded; null when its percent-escapes are malformed (decodeURIComponent throws). */
function decodedSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** 303 on, never cached, and no Referer: the code and state are in this URL. */
function seeOther(location: URL, cookie?: string): Response {
  const headers = new Headers({ location: location.href, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  if (cookie !== undefined) headers.append('set-cookie', cookie);
  return new Response(null, { status: 303, headers });
}
