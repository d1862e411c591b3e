import { GraphQLError } from 'graphql';
import { recordRequestEvent } from '../audit/record.ts';
import type { Context } from '../context.ts';
import { builder } from '../graphql/builder.ts';
import { InvalidTokenError, NotFoundError, RateLimitedError, type AppError } from '../errors.ts';
import {
  connection, connectionType, decodeCursor, DEFAULT_PAGE_SIZE, emptyConnection, MAX_PAGE_SIZE, pageSize,
} from '../graphql/pagination.ts';
import { ViewerRef } from '../graphql/viewer.ts';
import { isUuid } from '../lib/secrets.ts';
import { hasSession, isSignedIn } from '../viewer.ts';
import { findSession, listSessions } from './find.ts';
import { recordRefreshReuse, rotateRefreshToken } from './refresh.ts';
import type { SessionRecord } from './session.ts';
import { clearedSessionCookieHeader } from './cookie.ts';
import { signIn, tokenPair, type AuthResult, type TokenPair } from './sign-in.ts';
import type { Delivery } from './start.ts';

/**
 * Signs the account in (sessions/sign-in.ts) and hands over its credentials: the tokens in the payload,
 * or the session cookie; the answer is never cached.
 */
export async function signInPayload(ctx: Context, userId: string, delivery: Delivery, amr?: readonly string[]): Promise<AuthResult> {
  const { result, setCookie } = await signIn(ctx.services, { userId, delivery, meta: ctx.meta, ...(amr === undefined ? {} : { amr }) });
  ctx.state.noStore = true;
  if (setCookie !== null) ctx.state.setCookies.push(setCookie);
  return result;
}

/** Tells the browser to forget the session cookie. */
export function clearSessionCookie(ctx: Context): void {
  ctx.state.setCookies.push(clearedSessionCookieHeader());
  ctx.state.noStore = true;
}

export const TokenDeliveryEnum = builder.enumType('TokenDelivery', {
  description:
    'How a successful sign-in hands over its credentials. TOKENS: an access token and a refresh token in the response body, for mobile apps and single-page apps that keep tokens in memory. COOKIE: an HttpOnly, Secure, SameSite session cookie, and no secret in the body, for web apps.',
  values: {
    TOKENS: { description: 'An access token and a refresh token in the response body.' },
    COOKIE: { description: 'The session cookie; nothing secret in the body.' },
  } as const,
});

export const SessionRef = builder.objectRef<SessionRecord>('Session').implement({
  description: 'A signed-in session of the user, on one device or browser.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The session\'s id; pass it to revokeSession.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the user signed in.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'When the session was last refreshed or used.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When the session ends unless it is used (or at the latest, used or not).' }),
    userAgent: t.exposeString('userAgent', { nullable: true, description: 'The User-Agent that signed in.' }),
    ip: t.exposeString('ip', { nullable: true, description: 'The client address that signed in.' }),
    current: t.boolean({
      description: 'True for the session the request itself belongs to.',
      resolve: (session, _args, ctx) => hasSession(ctx.viewer) && ctx.viewer.sessionId === session.id,
    }),
  }),
});

const TokenPairRef = builder.objectRef<TokenPair>('TokenPair').implement({
  description: 'The credentials of a TOKENS sign-in.',
  fields: (t) => ({
    tokenType: t.string({ description: 'Always Bearer.', resolve: () => 'Bearer' }),
    accessToken: t.exposeString('accessToken', {
      description: 'A signed JWT (RFC 9068 profile), short-lived, verifiable with the keys at /.well-known/jwks.json.',
    }),
    accessTokenExpiresAt: t.expose('accessTokenExpiresAt', { type: 'DateTime', description: 'When the access token expires.' }),
    refreshToken: t.exposeString('refreshToken', {
      description: 'Opaque, single-use: every refresh returns a new one and retires the old.',
    }),
    refreshTokenExpiresAt: t.expose('refreshTokenExpiresAt', { type: 'DateTime', description: 'When the refresh token expires if unused.' }),
  }),
});

/**
 * What every successful sign-in or refresh answers; accounts/graphql.ts adds its `user` field. One
 * object type per delivery, so that a TOKENS caller reads non-null tokens after narrowing on __typename.
 */
export const AuthPayloadRef = builder.interfaceRef<AuthResult>('AuthPayload').implement({
  description: 'A signed-in session: what TokenAuthPayload (TOKENS delivery) and CookieAuthPayload (COOKIE delivery) share.',
  resolveType: (result) => authPayloadTypeName(result),
  fields: (t) => ({
    session: t.field({ type: SessionRef, description: 'The session just started or refreshed.', resolve: (r) => r.session }),
  }),
});

const TokenAuthPayloadRef = builder.objectRef<Extract<AuthResult, { delivery: 'TOKENS' }>>('TokenAuthPayload').implement({
  description: 'A sign-in or refresh with TOKENS delivery: the session and its tokens, in the body.',
  interfaces: [AuthPayloadRef],
  fields: (t) => ({
    tokens: t.field({ type: TokenPairRef, description: 'The access token and the refresh token.', resolve: (r) => r.tokens }),
  }),
});

const CookieAuthPayloadRef = builder.objectRef<Extract<AuthResult, { delivery: 'COOKIE' }>>('CookieAuthPayload').implement({
  description: 'A sign-in or refresh with COOKIE delivery: the session cookie was set (HttpOnly), and nothing secret is in the body.',
  interfaces: [AuthPayloadRef],
});

function authPayloadTypeName(result: AuthResult): 'TokenAuthPayload' | 'CookieAuthPayload' {
  return result.delivery === 'TOKENS' ? 'TokenAuthPayload' : 'CookieAuthPayload';
}

/**
 * The options of a sign-in field's result union: both payloads, then the field's other outcomes, thrown
 * as AppErrors: its failures, and SecondFactorRequired where the sign-in needs a second step. Use it
 * with `t.errorUnionField`, which answers a thrown outcome of these classes as data.
 */
export function authResultUnion(name: string, description: string, outcomes: readonly (new (...args: never[]) => AppError)[]) {
  return {
    types: [TokenAuthPayloadRef, CookieAuthPayloadRef, ...outcomes],
    union: { name, description, resolveType: (value: unknown) => authPayloadTypeName(value as AuthResult) },
  };
}

builder.objectField(ViewerRef, 'session', (t) =>
  t.field({
    type: SessionRef,
    nullable: true,
    description: 'The session behind an access token or session cookie.',
    resolve: async (viewer, _args, ctx) =>
      hasSession(viewer) ? ((await findSession(ctx.services.database, viewer.sessionId)) ?? null) : null,
  }),
);

export const SessionConnectionRef = connectionType(SessionRef, { noun: 'session', nouns: 'sessions' });

builder.queryField('sessions', (t) =>
  t.field({
    type: SessionConnectionRef,
    description: 'The caller\'s live sessions, newest first.',
    authScopes: { scope: 'sessions:manage' },
    args: {
      first: t.arg.int({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const size = pageSize(args.first);
      const after = args.after == null ? null : decodeCursor(args.after);
      if (!isSignedIn(ctx.viewer)) return emptyConnection<SessionRecord>();
      const rows = await listSessions(ctx.services.database, ctx.viewer.userId, { after, limit: size + 1 });
      return connection(rows, size, (session) => ({ at: session.createdAt, id: session.id }), after !== null);
    },
  }),
);

const RefreshInput = builder.inputType('RefreshInput', {
  description: 'Which refresh token to exchange.',
  fields: (t) => ({
    refreshToken: t.string({ description: 'Omit to use the refresh cookie.' }),
  }),
});

builder.mutationField('refresh', (t) =>
  t.errorUnionField({
    ...authResultUnion('RefreshResult', 'The outcome of refresh: TokenAuthPayload for a refresh token, CookieAuthPayload for the cookie session.', [
      InvalidTokenError, RateLimitedError,
    ]),
    description: 'Exchanges a refresh token for a new access token and a new refresh token; the old one is retired. Without one, it slides the cookie session.',
    args: { input: t.arg({ type: RefreshInput, description: 'The token; omit it to refresh the cookie session.' }) },
    resolve: async (_root, { input }, ctx): Promise<AuthResult> => {
      ctx.claimCredentialCheck();
      const token = input?.refreshToken;
      if (token == null) {
        // Cookie sessions need no refresh token: the cookie is the credential and its expiry slides.
        if (ctx.viewer.credential !== 'SESSION_COOKIE') throw new InvalidTokenError('No refresh token was given.');
        const session = await findSession(ctx.services.database, ctx.viewer.sessionId);
        if (session === undefined) throw new InvalidTokenError();
        return { delivery: 'COOKIE', userId: session.userId, session };
      }
      const { services, meta } = ctx;
      await services.signInBudget.take(meta.ip);
      const outcome = await rotateRefreshToken(services.database, services.refreshKey, token, (id) => services.revoker.revokeById(id));
      if (!outcome.ok) {
        if (outcome.reason === 'reused') {
          services.metrics.refreshReuse.inc({ channel: 'graphql' });
          await recordRefreshReuse(services.database, outcome, meta);
        }
        throw new InvalidTokenError();
      }
      await services.signInBudget.giveBack(meta.ip);
      const tokens = await tokenPair(services.accessTokens, outcome.session, outcome.refreshToken, outcome.refreshTokenExpiresAt);
      ctx.state.noStore = true;
      return { delivery: 'TOKENS', userId: outcome.session.userId, session: outcome.session, tokens };
    },
  }),
);

const LogoutInput = builder.inputType('LogoutInput', {
  description: 'Which sessions to end.',
  fields: (t) => ({
    everywhere: t.boolean({ defaultValue: false, description: 'End every session of the account, not only this one.' }),
  }),
});

const LogoutPayloadRef = builder.objectRef<{ revokedSessions: number }>('LogoutPayload').implement({
  description: 'What logout ended.',
  fields: (t) => ({ revokedSessions: t.exposeInt('revokedSessions', { description: 'How many sessions were ended.' }) }),
});

builder.mutationField('logout', (t) =>
  t.field({
    type: LogoutPayloadRef,
    description: 'Ends the current session (or every session of the account) and clears the session cookie.',
    args: { input: t.arg({ type: LogoutInput, description: 'Options; by default only the current session ends.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { viewer, services } = ctx;
      if (viewer.credential === 'SESSION_COOKIE') clearSessionCookie(ctx);
      if (!hasSession(viewer)) return { revokedSessions: 0 };
      const everywhere = input?.everywhere === true;
      // Ending the account's other sessions is managing sessions: a third-party token may only end its own.
      if (everywhere && !viewer.scopes.includes('sessions:manage')) {
        throw new GraphQLError('This credential may not end other sessions.', { extensions: { code: 'FORBIDDEN' } });
      }
      const revokedSessions = everywhere
        ? await services.revoker.revokeAll(viewer.userId)
        : (await services.revoker.revokeOne(viewer.userId, viewer.sessionId)) ? 1 : 0;
      await recordRequestEvent(ctx.services.database, ctx.meta, 'logout', viewer.userId, everywhere ? `everywhere: ${revokedSessions} sessions ended` : `session ${viewer.sessionId} ended`);
      return { revokedSessions };
    },
  }),
);

builder.mutationField('revokeSession', (t) =>
  t.field({
    type: SessionRef,
    description: 'Ends one of the caller\'s sessions, e.g. a lost device.',
    authScopes: { scope: 'sessions:manage' },
    errors: { types: [NotFoundError], union: { name: 'RevokeSessionResult', description: 'The outcome of revokeSession.' } },
    args: { id: t.arg.id({ required: true, description: 'The session\'s id.' }) },
    resolve: async (_root, { id }, ctx) => {
      const sessionId = String(id);
      if (!isSignedIn(ctx.viewer) || !isUuid(sessionId)) throw new NotFoundError('The session');
      const session = await findSession(ctx.services.database, sessionId);
      if (session === undefined || session.userId !== ctx.viewer.userId) throw new NotFoundError('The session');
      if (!(await ctx.services.revoker.revokeOne(ctx.viewer.userId, sessionId))) throw new NotFoundError('The session');
      if (ctx.viewer.credential === 'SESSION_COOKIE' && ctx.viewer.sessionId === sessionId) clearSessionCookie(ctx);
      await recordRequestEvent(ctx.services.database, ctx.meta, 'session.revoked', ctx.viewer.userId, `session ${sessionId} ended`);
      return session;
    },
  }),
);
