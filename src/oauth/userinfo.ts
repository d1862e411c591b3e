import { authorizationToken } from '../lib/headers.ts';
import type { Services } from '../services.ts';
import { checkPresentedToken } from './dpop-binding.ts';
import { userClaims } from './id-token.ts';

type UserinfoResult =
  | { readonly ok: true; readonly claims: Record<string, unknown> }
  | {
      readonly ok: false; readonly status: 401 | 403;
      readonly error: 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce'; readonly description: string;
      /** The scheme of the challenge to answer with: DPoP when the token is (or was sent as) DPoP-bound (RFC 9449 §7.1). */
      readonly scheme: 'Bearer' | 'DPoP';
    };

/**
 * The OpenID userinfo response (OIDC Core §5.3) for an access token holding `openid`: `sub`, and the claims
 * its other scopes allow. A Bearer token as RFC 6750 has it; a DPoP-bound one only as `Authorization: DPoP`
 * with a proof for this request (RFC 9449 §7). A bad, expired or revoked token is invalid_token (RFC 6750 §3.1).
 */
export async function userinfo(services: Services, request: Request): Promise<UserinfoResult> {
  const presented = authorizationToken(request.headers.get('authorization'));
  if (presented === null) {
    return { ok: false, status: 401, error: 'invalid_token', description: 'Send an access token as Authorization: Bearer or DPoP.', scheme: 'Bearer' };
  }
  const { scheme } = presented;
  const verified = await services.accessTokens.verify(presented.token);
  if (!verified.ok || services.revokedSessions.has(verified.claims.sid)) {
    return { ok: false, status: 401, error: 'invalid_token', description: 'The access token is invalid, expired or revoked.', scheme };
  }
  const { claims } = verified;
  if (scheme === 'DPoP' || claims.jkt !== undefined) {
    const url = `${services.config.publicUrl}/oauth/userinfo`;
    const bound = await checkPresentedToken(services.dpop, request, url, presented, claims.jkt);
    if (!bound.ok) return { ok: false, status: 401, error: bound.error, description: bound.description, scheme: 'DPoP' };
  }
  if (!claims.scopes.includes('openid') || claims.sub === claims.clientId) {
    return { ok: false, status: 403, error: 'insufficient_scope', description: 'The token was not granted openid.', scheme };
  }
  const [user] = await services.users.load([claims.sub]);
  if (user === undefined) return { ok: false, status: 401, error: 'invalid_token', description: 'The account no longer exists.', scheme };
  return { ok: true, claims: { sub: user.id, ...userClaims(user, claims.scopes) } };
}
