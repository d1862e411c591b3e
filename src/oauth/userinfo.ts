import { bearerToken } from '../lib/headers.ts';
import type { Services } from '../services.ts';
import { userClaims } from './id-token.ts';

type UserinfoResult =
  | { readonly ok: true; readonly claims: Record<string, unknown> }
  | { readonly ok: false; readonly status: 401 | 403; readonly error: 'invalid_token' | 'insufficient_scope'; readonly description: string };

/**
 * The OpenID userinfo response (OIDC Core §5.3) for a Bearer access token holding `openid`: `sub`, and
 * the claims its other scopes allow. A bad, expired or revoked token is invalid_token (RFC 6750 §3.1).
 */
export async function userinfo(services: Services, authorization: string | null): Promise<UserinfoResult> {
  const token = bearerToken(authorization);
  if (token === null) return { ok: false, status: 401, error: 'invalid_token', description: 'Send an access token as Authorization: Bearer.' };
  const verified = await services.accessTokens.verify(token);
  if (!verified.ok || services.revokedSessions.has(verified.claims.sid)) {
    return { ok: false, status: 401, error: 'invalid_token', description: 'The access token is invalid, expired or revoked.' };
  }
  const { claims } = verified;
  if (!claims.scopes.includes('openid') || claims.sub === claims.clientId) {
    return { ok: false, status: 403, error: 'insufficient_scope', description: 'The token was not granted openid.' };
  }
  const [user] = await services.users.load([claims.sub]);
  if (user === undefined) return { ok: false, status: 401, error: 'invalid_token', description: 'The account no longer exists.' };
  return { ok: true, claims: { sub: user.id, ...userClaims(user, claims.scopes) } };
}
