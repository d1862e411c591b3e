import type { UserDirectory } from '../accounts/directory.ts';
import type { RequestMeta } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import { AccountDisabledError } from '../errors.ts';
import { FIRST_PARTY_CLIENT_ID, FIRST_PARTY_SCOPES } from '../scopes.ts';
import type { AccessTokens } from '../tokens/access-token.ts';
import { sessionCookieHeader } from './cookie.ts';
import type { SessionRecord } from './session.ts';
import { startSession, type Delivery } from './start.ts';

export interface TokenPair {
  readonly accessToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: Date;
}

interface SignedIn {
  readonly userId: string;
  readonly session: SessionRecord;
}

/** What a successful sign-in or refresh returns: the account, its session and, for TOKENS, the tokens. */
export type AuthResult =
  | (SignedIn & { readonly delivery: 'TOKENS'; readonly tokens: TokenPair })
  | (SignedIn & { readonly delivery: 'COOKIE' });

/** What starting a first-party session uses. */
export interface SignInDeps {
  readonly database: Database;
  readonly users: UserDirectory;
  readonly accessTokens: AccessTokens;
}

export interface SignInInput {
  readonly userId: string;
  readonly delivery: Delivery;
  /** How the user proved themselves (RFC 8176); a password by default. */
  readonly amr?: readonly string[];
  readonly meta: RequestMeta;
}

/** A started sign-in: what to answer, and for COOKIE the Set-Cookie header the edge sends with it. */
export interface StartedSignIn {
  readonly result: AuthResult;
  readonly setCookie: string | null;
}

/**
 * Starts a first-party session for a user whose credentials were just checked, and hands over its
 * credentials as asked: tokens in the body, or the session cookie (no secret in the body).
 * AccountDisabledError for a disabled account.
 */
export async function signIn(services: SignInDeps, input: SignInInput): Promise<StartedSignIn> {
  const { userId, delivery, meta } = input;
  // Every sign-in path (password, second factor, upstream provider) ends here: a disabled account gets no session.
  if ((await services.users.load([userId]))[0]?.disabledAt != null) throw new AccountDisabledError();
  const started = await startSession(services.database, {
    userId, delivery, amr: input.amr ?? ['pwd'], scopes: FIRST_PARTY_SCOPES, userAgent: meta.userAgent, ip: meta.ip,
  });
  if (started.delivery === 'COOKIE') {
    return { result: { delivery: 'COOKIE', userId, session: started.session }, setCookie: sessionCookieHeader(started.cookie, started.cookieExpiresAt) };
  }
  const tokens = await tokenPair(services.accessTokens, started.session, started.refreshToken, started.refreshTokenExpiresAt);
  return { result: { delivery: 'TOKENS', userId, session: started.session, tokens }, setCookie: null };
}

/** An access token for a session, with the refresh token just issued or rotated. */
export async function tokenPair(accessTokens: AccessTokens, session: SessionRecord, refreshToken: string, refreshTokenExpiresAt: Date): Promise<TokenPair> {
  const access = await accessTokens.issue({
    userId: session.userId, sessionId: session.id, clientId: session.clientId ?? FIRST_PARTY_CLIENT_ID, scopes: session.scopes, amr: session.amr,
  });
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt };
}
