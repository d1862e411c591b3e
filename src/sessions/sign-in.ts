import { GraphQLError } from 'graphql';
import type { Context } from '../context.ts';
import { FIRST_PARTY_CLIENT_ID, FIRST_PARTY_SCOPES } from '../scopes.ts';
import { clearedSessionCookieHeader, sessionCookieHeader } from './cookie.ts';
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

/**
 * Starts a first-party session for a user whose credentials were just checked, and hands over its
 * credentials as asked: tokens in the body, or the session cookie (no secret in the body).
 */
export async function signIn(ctx: Context, userId: string, delivery: Delivery, amr: readonly string[] = ['pwd']): Promise<AuthResult> {
  // Every sign-in path (password, second factor, upstream provider) ends here: a disabled account gets no session.
  if ((await ctx.loaders.users.load(userId))?.disabledAt != null) {
    throw new GraphQLError('An admin disabled this account.', { extensions: { code: 'ACCOUNT_DISABLED', http: { status: 403 } } });
  }
  const started = await startSession(ctx.services.database, {
    userId, delivery, amr, scopes: FIRST_PARTY_SCOPES, userAgent: ctx.meta.userAgent, ip: ctx.meta.ip,
  });
  ctx.state.noStore = true;
  if (started.delivery === 'COOKIE') {
    ctx.state.setCookies.push(sessionCookieHeader(started.cookie, started.cookieExpiresAt));
    return { delivery: 'COOKIE', userId, session: started.session };
  }
  return {
    delivery: 'TOKENS',
    userId,
    session: started.session,
    tokens: await tokenPair(ctx, started.session, started.refreshToken, started.refreshTokenExpiresAt),
  };
}

export async function tokenPair(ctx: Context, session: SessionRecord, refreshToken: string, refreshTokenExpiresAt: Date): Promise<TokenPair> {
  const access = await ctx.services.accessTokens.issue({
    userId: session.userId, sessionId: session.id, clientId: session.clientId ?? FIRST_PARTY_CLIENT_ID, scopes: session.scopes, amr: session.amr,
  });
  ctx.state.noStore = true;
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt };
}

/** Tells the browser to forget the session cookie. */
export function clearSessionCookie(ctx: Context): void {
  ctx.state.setCookies.push(clearedSessionCookieHeader());
  ctx.state.noStore = true;
}
