import type { UserDirectory } from '../accounts/directory.ts';
import { OAuthError } from '../errors.ts';
import { bearerToken } from '../lib/headers.ts';
import type { RevokedSessions } from '../sessions/revoked-set.ts';
import type { AccessTokens } from '../tokens/access-token.ts';
import { userClaims } from './id-token.ts';

/** What the userinfo endpoint uses. */
export interface UserinfoDeps {
  readonly accessTokens: AccessTokens;
  readonly revokedSessions: RevokedSessions;
  readonly users: UserDirectory;
}

/** A refusal at a resource endpoint: its status, and a Bearer challenge that carries it (RFC 6750 §3). */
const refuse = (error: 'invalid_token' | 'insufficient_scope', description: string) =>
  new OAuthError(error, description, { status: error === 'invalid_token' ? 401 : 403, challenge: 'Bearer' });

/**
 * The OpenID userinfo response (OIDC Core §5.3) for a Bearer access token holding `openid`: `sub`, and
 * the claims its other scopes allow. A bad, expired or revoked token is invalid_token (RFC 6750 §3.1),
 * a token without `openid` insufficient_scope: thrown as OAuthError.
 */
export async function userinfo(services: UserinfoDeps, authorization: string | null): Promise<Record<string, unknown>> {
  const token = bearerToken(authorization);
  if (token === null) throw refuse('invalid_token', 'Send an access token as Authorization: Bearer.');
  const verified = await services.accessTokens.verify(token);
  if (!verified.ok || services.revokedSessions.has(verified.claims.sid)) throw refuse('invalid_token', 'The access token is invalid, expired or revoked.');
  const { claims } = verified;
  if (!claims.scopes.includes('openid') || claims.sub === claims.clientId) throw refuse('insufficient_scope', 'The token was not granted openid.');
  const [user] = await services.users.load([claims.sub]);
  if (user === undefined) throw refuse('invalid_token', 'The account no longer exists.');
  return { sub: user.id, ...userClaims(user, claims.scopes) };
}
