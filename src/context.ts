import type { IncomingMessage } from 'node:http';
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { YogaInitialContext } from 'graphql-yoga';
import type { UserRecord } from './accounts/users.ts';
import type { RequestMeta } from './audit/record.ts';
import { forbiddenOrigin, unauthenticated, unavailable } from './http/auth-errors.ts';
import { clientAddress } from './http/client-address.ts';
import { bearerToken } from './lib/headers.ts';
import { requestIdOf } from './http/request-id.ts';
import { requestState, type RequestState } from './http/request-state.ts';
import type { Services } from './services.ts';
import { authenticateApiKey } from './apikeys/authenticate.ts';
import { looksLikeApiKey } from './apikeys/format.ts';
import { readSessionCookie } from './sessions/cookie.ts';
import { ANONYMOUS, type Viewer } from './viewer.ts';

export interface Context {
  readonly viewer: Viewer;
  readonly services: Services;
  readonly meta: RequestMeta;
  readonly state: RequestState;
  readonly loaders: { readonly users: DataLoader<string, UserRecord | undefined> };
  /** The account behind the credential, loaded once per request; null when anonymous. */
  currentUser(): Promise<UserRecord | null>;
  /**
   * Claims the request's one credential check (a password, a refresh token...). A second claim, from an
   * alias or another operation of a batch, fails: a request can never multiply guesses.
   */
  claimCredentialCheck(): void;
}

export type ServerContext = YogaInitialContext & { req?: IncomingMessage };

/** Builds a fresh context for one operation: the request's credential, checked once, as a Viewer. */
export async function buildContext(services: Services, initial: ServerContext): Promise<Context> {
  const { request } = initial;
  const state = requestState(request);
  const meta: RequestMeta = {
    ip: clientAddress(request, initial.req, services.config.trustProxy),
    userAgent: request.headers.get('user-agent'),
  };
  state.viewer ??= authenticate(services, request, meta.ip);
  const viewer = await state.viewer;
  const users = new DataLoader((ids: readonly string[]) => services.users.load(ids));
  let user: Promise<UserRecord | null> | undefined;
  return {
    viewer,
    services,
    meta,
    state,
    loaders: { users },
    currentUser: () => {
      user ??= viewer.credential === 'ANONYMOUS' ? Promise.resolve(null) : users.load(viewer.userId).then((u) => u ?? null);
      return user;
    },
    claimCredentialCheck: () => {
      if (state.credentialCheckClaimed) {
        throw new GraphQLError('A request may check one credential (password, token or code) at most.', {
          extensions: { code: 'TOO_MANY_CREDENTIAL_CHECKS' },
        });
      }
      state.credentialCheckClaimed = true;
    },
  };
}

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
  const token = bearerToken(authorization);
  if (token === null) throw unauthenticated('invalid', 'The Authorization header must be "Bearer <token>".');
  if (looksLikeApiKey(token)) return authenticateApiKey(services, request, token, ip);
  const verified = await services.accessTokens.verify(token);
  if (!verified.ok) throw unauthenticated(verified.reason);
  const { claims } = verified;
  if (services.revokedSessions.has(claims.sid)) throw unauthenticated('revoked');
  // A client_credentials token acts for no user (its sub is the client, RFC 9068 §2.2): no user field is open to it.
  if (claims.sub === claims.clientId) return ANONYMOUS;
  return Object.freeze({
    credential: 'ACCESS_TOKEN', userId: claims.sub, sessionId: claims.sid, clientId: claims.clientId, scopes: claims.scopes,
  });
}

async function authenticateCookie(services: Services, request: Request, cookie: string): Promise<Viewer> {
  const origin = request.headers.get('origin');
  if (origin !== null && origin !== new URL(services.config.publicUrl).origin && !services.config.allowedOrigins.includes(origin)) {
    throw forbiddenOrigin();
  }
  if (origin === null && request.headers.get('sec-fetch-site') === 'cross-site') throw forbiddenOrigin();
  let session;
  try {
    session = await services.cookieSessions.find(cookie);
  } catch (error) {
    services.logger.error({ err: error, requestId: requestIdOf(request) }, 'session cookie look-up failed');
    throw unavailable();
  }
  if (session === 'revoked') throw unauthenticated('revoked', 'The session has ended; sign in again.');
  if (session === 'invalid') throw unauthenticated('invalid', 'The session cookie is not valid; sign in again.');
  return Object.freeze({ credential: 'SESSION_COOKIE', userId: session.userId, sessionId: session.sessionId, scopes: session.scopes });
}
