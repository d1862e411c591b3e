import { GraphQLError } from 'graphql';
import { rateLimitHeaders, retryAfterSeconds } from '../apikeys/rate-limit-headers.ts';
import { looksLikeApiKey } from '../apikeys/format.ts';
import { authorizationToken } from '../lib/headers.ts';
import { checkPresentedToken } from '../oauth/dpop-binding.ts';
import { dpopChallenge } from '../oauth/dpop-proof.ts';
import type { Services } from '../services.ts';
import { readSessionCookie } from '../sessions/cookie.ts';
import { ANONYMOUS, type Viewer } from '../viewer.ts';
import { dpopUnauthenticated, forbiddenOrigin, unauthenticated, unavailable } from './auth-errors.ts';
import { requestIdOf } from './request-id.ts';
import { requestState } from './request-state.ts';
import { ownerDisabled } from '../apikeys/owner-disabled.ts';
import { countRefusal } from '../apikeys/refusals.ts';

/**
 * Reads at most one credential, by the contract's precedence: Authorization, then X-API-Key, then the
 * session cookie. A credential that is present but bad is a 401; it never falls back to anonymous
 * nor to the next credential.
 */
export async function authenticate(services: Services, request: Request, ip: string): Promise<Viewer> {
  const authorization = request.headers.get('authorization');
  if (authorization !== null) return authenticateBearer(services, request, authorization, ip);
  const apiKey = request.headers.get('x-api-key');
  if (apiKey !== null) return authenticateApiKey(services, request, apiKey.trim(), ip);
  const cookie = readSessionCookie(request.headers.get('cookie'));
  if (cookie !== undefined) return authenticateCookie(services, request, cookie);
  return ANONYMOUS;
}

async function authenticateBearer(services: Services, request: Request, authorization: string, ip: string): Promise<Viewer> {
  const presented = authorizationToken(authorization);
  if (presented === null) throw unauthenticated('invalid', 'The Authorization header must be "Bearer <token>" or "DPoP <token>".');
  const { token, scheme } = presented;
  if (scheme === 'Bearer' && looksLikeApiKey(token)) return authenticateApiKey(services, request, token, ip);
  const challenge = scheme === 'DPoP' ? dpopChallenge('invalid_token') : undefined;
  const verified = await services.accessTokens.verify(token);
  if (!verified.ok) throw unauthenticated(verified.reason, undefined, challenge);
  const { claims } = verified;
  if (services.revokedSessions.has(claims.sid)) throw unauthenticated('revoked', undefined, challenge);
  // An unbound Bearer token goes no further: the DPoP checks (and their one insert) are for DPoP only.
  if (scheme === 'DPoP' || claims.jkt !== undefined) await checkDpop(services, request, presented, claims.jkt);
  // A client_credentials token acts for no user (its sub is the client, RFC 9068 §2.2): no user field is open to it.
  if (claims.sub === claims.clientId) return ANONYMOUS;
  return Object.freeze({
    credential: 'ACCESS_TOKEN', userId: claims.sub, sessionId: claims.sid, clientId: claims.clientId, scopes: claims.scopes,
  });
}

/** RFC 9449 §7.1: the proof that must go with a DPoP-bound token (see checkPresentedToken); a 401 when it fails. */
async function checkDpop(services: Services, request: Request, presented: { scheme: 'Bearer' | 'DPoP'; token: string }, jkt: string | undefined) {
  const url = `${services.config.publicUrl}${new URL(request.url).pathname}`;
  let check;
  try {
    check = await checkPresentedToken(services.dpop, request, url, presented, jkt);
  } catch (error) {
    services.logger.error({ err: error, requestId: requestIdOf(request) }, 'DPoP replay check failed');
    throw unavailable();
  }
  if (check.ok) {
    // With nonces required, every answer carries the current one (RFC 9449 §9): a client that keeps the
    // latest never has its next proof refused when the period turns.
    if (services.config.dpopRequireNonce) requestState(request).dpopNonce = services.dpop.nonces.current();
    return;
  }
  const wantsNonce = services.config.dpopRequireNonce || check.error === 'use_dpop_nonce';
  throw dpopUnauthenticated(check.error, check.description, dpopChallenge(check.error, check.description),
    wantsNonce ? services.dpop.nonces.current() : null);
}

async function authenticateCookie(services: Services, request: Request, cookie: string): Promise<Viewer> {
  const origin = request.headers.get('origin');
  if (origin !== null && origin !== new URL(services.config.publicUrl).origin && !services.config.allowedOrigins.includes(origin)) {
    throw forbiddenOrigin();
  }
  if (origin === null && request.headers.get('sec-fetch-site') === 'cross-site') throw forbiddenOrigin();
  let check;
  try {
    check = await services.cookieSessions.find(cookie);
  } catch (error) {
    services.logger.error({ err: error, requestId: requestIdOf(request) }, 'session cookie look-up failed');
    throw unavailable();
  }
  if (!check.ok) {
    throw check.reason === 'revoked'
      ? unauthenticated('revoked', 'The session has ended; sign in again.')
      : unauthenticated('invalid', 'The session cookie is not valid; sign in again.');
  }
  const { session } = check;
  return Object.freeze({ credential: 'SESSION_COOKIE', userId: session.userId, sessionId: session.sessionId, scopes: session.scopes });
}

/**
 * The API-key credential: checksum, cache, look-up (ApiKeyVerifier), then the key's rate limit. A bad
 * key is a 401; a key over its budget is a 429 with Retry-After and RateLimit headers, counted as
 * rate limited. A store that cannot answer refuses the request (503), never serves it anonymously.
 */
async function authenticateApiKey(services: Services, request: Request, raw: string, ip: string): Promise<Viewer> {
  let check;
  try {
    check = await services.apiKeys.check(raw);
  } catch (error) {
    services.logger.error({ err: error }, 'API key look-up failed');
    services.metrics.apiKeyChecks.inc({ outcome: 'UNAVAILABLE' });
    throw unavailable();
  }
  if (!check.ok) {
    services.metrics.apiKeyChecks.inc({ outcome: check.code });
    countRefusal(services, check);
    if (check.code === 'REVOKED') throw unauthenticated('revoked', 'The API key was revoked.');
    if (check.code === 'EXPIRED') throw unauthenticated('expired', 'The API key has expired.');
    throw unauthenticated('invalid', 'The API key is not valid.');
  }
  const { key } = check;
  if (await ownerDisabled(services, key.ownerId)) {
    services.metrics.apiKeyChecks.inc({ outcome: 'REVOKED' });
    throw unauthenticated('revoked', 'The account that owns this API key is disabled.');
  }
  const state = requestState(request);
  if (key.rateLimit !== null) {
    let decision;
    try {
      decision = await services.rateLimiter.hit(key.id, key.rateLimit.limit, key.rateLimit.windowSeconds);
    } catch (error) {
      services.logger.error({ err: error }, 'rate-limit store failed');
      throw unavailable();
    }
    state.rateLimit = decision;
    if (!decision.allowed) {
      services.metrics.apiKeyChecks.inc({ outcome: 'RATE_LIMITED' });
      services.metrics.rateLimitRefusals.inc({ limit: 'api_key' });
      services.usage.record(key.id, 'rate_limited');
      await services.rateLimitAudit.refused(key, ip).catch((error: unknown) => services.logger.error({ err: error }, 'audit write failed'));
      throw new GraphQLError('The API key is over its rate limit.', {
        extensions: {
          code: 'RATE_LIMITED',
          http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds(decision)), ...rateLimitHeaders(decision) } },
        },
      });
    }
  }
  state.apiKeyId = key.id;
  state.apiKey = key;
  services.metrics.apiKeyChecks.inc({ outcome: 'valid' });
  return Object.freeze({ credential: 'API_KEY', userId: key.ownerId, apiKeyId: key.id, scopes: key.scopes });
}
