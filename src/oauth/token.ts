import { randomUUID } from 'node:crypto';
import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { recordAuditEvent, type RequestMeta } from '../audit/record.ts';
import { OAuthError } from '../errors.ts';
import { hashSecret, isPlausibleSecret } from '../lib/secrets.ts';
import { findRefreshTokenSession } from '../sessions/find.ts';
import { recordRefreshReuse, rotateRefreshToken } from '../sessions/refresh.ts';
import { OFFLINE_ACCESS, type OAuthClientRecord } from './clients.ts';
import { grantKeyMatches, tokenTypeOf } from './dpop-binding.ts';
import { parentStillLive } from './grant-liveness.ts';
import { endsWith, grantTokenResponse, startGrant, type GrantTokenDeps, type TokenResponse } from './grant-tokens.ts';
import { signIdToken } from './id-token.ts';
import { verifierMatches } from './pkce.ts';
import { oauthCodes } from './tables.ts';

/** What the token endpoint's grants use: starting a grant's tokens, and rotating a refresh token. */
export interface TokenGrantDeps extends GrantTokenDeps {
  /** Derives refresh-token successors (sessions/refresh.ts). */
  readonly refreshKey: Buffer;
  readonly metrics: { readonly refreshReuse: { inc(labels: { channel: string }): void } };
}

/** Each refusal of a grant is an RFC 6749 §5.2 error, thrown; the edge answers it once (routes.ts). */
const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);

/**
 * The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6). The code is spent by one atomic update,
 * so of any number of concurrent exchanges at most one wins. It must be unexpired, the client's, for the
 * same redirect URI, and match the PKCE verifier. A code presented again revokes everything issued from
 * it (RFC 6749 §4.1.2, RFC 9700 §4.5), whatever the timing: a replay marks the code and revokes the grant
 * linked to it, and the winner links its grant by an update of the same row that reads that mark back.
 * The row lock orders the two statements; if the replay came first the winner sees the mark, revokes its
 * own grant and answers invalid_grant; if it came second it finds the grant and revokes it, and with it
 * (through the revoked-session set, on every instance) the access token already handed out.
 */
export async function authorizationCodeGrant(
  services: GrantTokenDeps, client: OAuthClientRecord,
  /** `dpopJkt`: the thumbprint of the request's DPoP proof key, null without one. */
  input: { code: string; redirectUri: string; codeVerifier: string; dpopJkt: string | null }, meta: RequestMeta,
): Promise<TokenResponse> {
  const { database } = services;
  if (!isPlausibleSecret(input.code)) throw invalidGrant('The code is not valid.');
  const hash = hashSecret(input.code);
  const [code] = await database.db.update(oauthCodes).set({ usedAt: sql`now()` })
    .where(and(eq(oauthCodes.hash, hash), isNull(oauthCodes.usedAt)))
    .returning({
      id: oauthCodes.id, clientId: oauthCodes.clientId, userId: oauthCodes.userId, redirectUri: oauthCodes.redirectUri,
      scopes: oauthCodes.scopes, codeChallenge: oauthCodes.codeChallenge, nonce: oauthCodes.nonce, authTime: oauthCodes.authTime, amr: oauthCodes.amr,
      consentSessionId: oauthCodes.consentSessionId, dpopJkt: oauthCodes.dpopJkt,
      live: sql<boolean>`${oauthCodes.expiresAt} > now()`,
    });
  if (code === undefined) {
    const [replayed] = await database.db.update(oauthCodes).set({ replayedAt: sql`now()` })
      .where(and(eq(oauthCodes.hash, hash), isNotNull(oauthCodes.usedAt)))
      .returning({ sessionId: oauthCodes.sessionId, userId: oauthCodes.userId, clientId: oauthCodes.clientId });
    if (replayed !== undefined) {
      if (replayed.sessionId !== null) await services.revoker.revokeById(replayed.sessionId);
      await recordAuditEvent(database, {
        type: 'oauth.code_replayed', userId: replayed.userId, ip: meta.ip, userAgent: meta.userAgent,
        detail: `client ${replayed.clientId}: a used code came back; grant ${replayed.sessionId ?? '(not linked yet: the redemption revokes it)'} revoked`,
      });
    }
    throw invalidGrant('The code is unknown, expired or already used.');
  }
  if (!code.live || code.clientId !== client.clientId || code.redirectUri !== input.redirectUri) {
    throw invalidGrant('The code is unknown, expired or already used, or was issued for another client or redirect URI.');
  }
  if (!verifierMatches(input.codeVerifier, code.codeChallenge)) throw invalidGrant('The code_verifier does not match the code_challenge.');
  // RFC 9449 §10: a code asked for with dpop_jkt is redeemed only with a proof of that key.
  if (!grantKeyMatches(code.dpopJkt, input.dpopJkt)) throw invalidGrant('The code is bound to another DPoP key (dpop_jkt).');
  const grant = {
    userId: code.userId, scopes: code.scopes, authTime: code.authTime, amr: code.amr, consentSessionId: code.consentSessionId, dpopJkt: input.dpopJkt,
  };
  const started = await startGrant(services, client, grant, meta);
  const [linked] = await database.db.update(oauthCodes).set({ sessionId: started.sessionId })
    .where(eq(oauthCodes.id, code.id))
    .returning({ replayedAt: oauthCodes.replayedAt });
  if (!(await parentStillLive(services, started.sessionId, endsWith(code.scopes, code.consentSessionId)))) {
    throw invalidGrant('The session that consented has ended.');
  }
  if (linked === undefined || linked.replayedAt !== null) {
    await services.revoker.revokeById(started.sessionId);
    throw invalidGrant('The code was presented more than once; everything issued from it is revoked.');
  }
  return grantTokenResponse(services, client, grant, started, code.nonce);
}

/**
 * The refresh_token grant (RFC 6749 §6) through the sessions' rotation (RFC 9700 §4.14): the token must
 * belong to this client. With `openid`, the answer carries a new ID token (OIDC Core §12.2). A `scope` narrower than the grant's gives an access token with only those
 * scopes; the grant, and so the new refresh token, keep theirs (§6: its scope is the old one's). A wider
 * one is refused.
 */
export async function refreshGrant(
  services: TokenGrantDeps, client: OAuthClientRecord, input: { refreshToken: string; scope: string | null; dpopJkt: string | null }, meta: RequestMeta,
): Promise<TokenResponse> {
  const found = await findRefreshTokenSession(services.database, input.refreshToken);
  if (found === undefined || found.session.clientId !== client.clientId) throw invalidGrant('The refresh token is not valid.');
  // RFC 9449 §5: a bound refresh token is used only with a proof of its key (checked before it is spent).
  if (!grantKeyMatches(found.session.dpopJkt, input.dpopJkt)) {
    throw invalidGrant('The refresh token is bound to a DPoP key: refresh with a DPoP proof of that key.');
  }
  const asked = [...new Set((input.scope ?? '').split(' ').filter((s) => s !== ''))];
  if (asked.some((s) => !found.session.scopes.includes(s))) {
    throw new OAuthError('invalid_scope', 'A refresh cannot add scopes.');
  }
  const outcome = await rotateRefreshToken(
    services.database, services.refreshKey, input.refreshToken, (id) => services.revoker.revokeById(id), client.clientId);
  if (!outcome.ok) {
    if (outcome.reason === 'reused') {
      services.metrics.refreshReuse.inc({ channel: 'oauth' });
      await recordRefreshReuse(services.database, outcome, meta, client.clientId);
    }
    throw invalidGrant('The refresh token is not valid.');
  }
  const { session } = outcome;
  const scopes = asked.length === 0 ? session.scopes : asked;
  const access = await services.accessTokens.issue({
    userId: session.userId, sessionId: session.id, clientId: client.clientId, scopes, amr: session.amr, jkt: input.dpopJkt,
  });
  // OIDC Core §12.2: a fresh ID token for the same user and sign-in (same auth_time, no nonce).
  const [user] = scopes.includes('openid') ? await services.users.load([session.userId]) : [];
  const idToken = user === undefined ? undefined : await signIdToken(services.keys, {
    issuer: services.config.publicUrl, clientId: client.clientId, user, scopes, nonce: null,
    sessionId: session.id, authTime: session.authTime, amr: session.amr, accessToken: access.token,
  });
  return {
    access_token: access.token, token_type: tokenTypeOf(input.dpopJkt), expires_in: services.accessTokens.ttlSeconds,
    refresh_token: outcome.refreshToken, scope: scopes.join(' '), ...(idToken === undefined ? {} : { id_token: idToken }),
  };
}

/**
 * The client_credentials grant (RFC 6749 §4.4), for confidential clients only: a token with no user,
 * whose `sub` is the client id (RFC 9068 §2.2) and whose `sid` names no session. It holds the client's
 * scopes but `openid` and `offline_access` (there is nobody to identify), and it never has a refresh token.
 */
export async function clientCredentialsGrant(
  services: Pick<GrantTokenDeps, 'accessTokens'>, client: OAuthClientRecord, scope: string | null, dpopJkt: string | null,
): Promise<TokenResponse> {
  if (client.public) throw new OAuthError('unauthorized_client', 'Public clients may not use client_credentials.');
  const allowed = client.scopes.filter((s) => s !== 'openid' && s !== OFFLINE_ACCESS);
  const asked = scope === null ? allowed : [...new Set(scope.split(' ').filter((s) => s !== ''))];
  if (asked.some((s) => !allowed.includes(s))) throw new OAuthError('invalid_scope', 'The client may not ask for that scope.');
  const access = await services.accessTokens.issue({ userId: client.clientId, sessionId: randomUUID(), clientId: client.clientId, scopes: asked, jkt: dpopJkt });
  return { access_token: access.token, token_type: tokenTypeOf(dpopJkt), expires_in: services.accessTokens.ttlSeconds, scope: asked.join(' ') };
}
