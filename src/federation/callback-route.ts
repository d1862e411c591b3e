import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { AppError } from '../errors.ts';
import { seeOther } from '../lib/headers.ts';
import { clientAddress } from '../http/client-address.ts';
import { FIRST_PARTY_SCOPES } from '../scopes.ts';
import type { Services } from '../services.ts';
import { sessionCookieHeader } from '../sessions/cookie.ts';
import { startSession } from '../sessions/start.ts';
import { CALLBACK_PATH } from './callback-url.ts';
import { CLEARED_RETURN_COOKIE, readReturnTo } from './return-to.ts';
import { completeUpstreamSignIn } from './sign-in-upstream.ts';
import { holdForSecondFactor } from '../factors/sign-in-gate.ts';


/**
 * GET /auth/callback/:provider, the optional helper of the contract: an upstream provider sends the
 * browser here (startSocialLogin with redirectUri = this URL), Latchkey completes the sign-in exactly as
 * completeSocialLogin with COOKIE delivery does, sets the session cookie, and sends the browser on to
 * FRONTEND_URL (else PUBLIC_URL) with `signed_in=<provider>`, or with `error=<code>` and nothing changed.
 * A sign-in started by one of this server's pages (see return-to.ts) goes back to that page instead, with
 * `upstream_error=<code>` when it failed.
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
      const code = url.searchParams.get('code');
      const state = url.searchParams.get('state');
      const returnTo = state === null ? null : readReturnTo(request.headers.get('cookie'), state);
      const next = returnTo === null ? new URL(services.config.mail.linkBaseUrl) : new URL(returnTo, services.config.publicUrl);
      const errorParam = returnTo === null ? 'error' : 'upstream_error';
      const cookies = returnTo === null ? [] : [CLEARED_RETURN_COOKIE];
      if (url.searchParams.has('error') || code === null || state === null || provider === null) {
        next.searchParams.set(errorParam, url.searchParams.get('error') === 'access_denied' ? 'access_denied' : 'INVALID_TOKEN');
        endResponse(seeOtherNoStore(next, cookies));
        return;
      }
      try {
        // The whole answer is here, so RFC 9207 holds in full: `iss` is checked, and required when advertised.
        const userId = await completeUpstreamSignIn(services, meta, { provider, code, state, iss: url.searchParams.get('iss') });
        const held = await holdForSecondFactor(services.database, userId, 'COOKIE', 'fed');
        if (held !== null) {
          // No session yet: the front end finishes with verifySecondFactor(challenge, code); the authorization
          // page, when the sign-in started there, shows its code step.
          next.searchParams.set('second_factor_challenge', held.challenge);
          endResponse(seeOtherNoStore(next, cookies));
          return;
        }
        const started = await startSession(services.database, { userId, delivery: 'COOKIE', scopes: FIRST_PARTY_SCOPES, amr: ['fed'], ...meta });
        if (started.delivery !== 'COOKIE') throw new Error('a COOKIE session was expected');
        if (returnTo === null) next.searchParams.set('signed_in', provider);
        endResponse(seeOtherNoStore(next, [...cookies, sessionCookieHeader(started.cookie, started.cookieExpiresAt)]));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        next.searchParams.set(errorParam, error.code);
        endResponse(seeOtherNoStore(next, cookies));
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
function seeOtherNoStore(location: URL, cookies: readonly string[]): Response {
  return seeOther(location.href, { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }, cookies);
}
