import type { UserDirectory } from '../accounts/directory.ts';
import { OAuthError } from '../errors.ts';
import { authorizationToken } from '../lib/headers.ts';
import type { RevokedSessions } from '../sessions/revoked-set.ts';
import type { AccessTokens } from '../tokens/access-token.ts';
import { checkPresentedToken } from './dpop-binding.ts';
import type { DpopDeps } from './dpop-proof.ts';
import { userClaims } from './id-token.ts';

/** What the userinfo endpoint uses. */
export interface UserinfoDeps {
  readonly accessTokens: AccessTokens;
  readonly revokedSessions: RevokedSessions;
  readonly users: UserDirectory;
  /** For DPoP-bound tokens (RFC 9449 §7). */
  readonly dpop: DpopDeps;
  readonly config: { readonly publicUrl: string };
}

/**
 * A refusal at a resource endpoint: its status, and a challenge that carries it: Bearer (RFC 6750 §3), or
 * DPoP for a token sent or bound as DPoP (RFC 9449 §7.1).
 */
const refuse = (error: string, description: string, scheme: 'Bearer' | 'DPoP' = 'Bearer') =>
  new OAuthError(error, description, { status: error === 'insufficient_scope' ? 403 : 401, challenge: scheme });

/**
 * The OpenID userinfo response (OIDC Core §5.3) for an access token holding `openid`: `sub`, and the claims
 * its other scopes allow. A Bearer token as RFC 6750 has it; a DPoP-bound one only as `Authorization: DPoP`
 * with a proof for this request (RFC 9449 §7, checkPresentedToken). A bad, expired or revoked token is
 * invalid_token (RFC 6750 §3.1), a token without `openid` insufficient_scope: thrown as OAuthError.
 */
export async function userinfo(services: UserinfoDeps, request: Request): Promise<Record<string, unknown>> {
  const presented = authorizationToken(request.headers.get('authorization'));
  if (presented === null) throw refuse('invalid_token', 'Send an access token as Authorization: Bearer or DPoP.');
  const { scheme } = presented;
  const verified = await services.accessTokens.verify(presented.token);
  if (!verified.ok || services.revokedSessions.has(verified.claims.sid)) throw refuse('invalid_token', 'The access token is invalid, expired or revoked.', scheme);
  const { claims } = verified;
  if (scheme === 'DPoP' || claims.jkt !== undefined) {
    const bound = await checkPresentedToken(services.dpop, request, `${services.config.publicUrl}/oauth/userinfo`, presented, claims.jkt);
    if (!bound.ok) throw refuse(bound.error, bound.description, 'DPoP');
  }
  if (!claims.scopes.includes('openid') || claims.sub === claims.clientId) throw refuse('insufficient_scope', 'The token was not granted openid.', scheme);
  const [user] = await services.users.load([claims.sub]);
  if (user === undefined) throw refuse('invalid_token', 'The account no longer exists.', scheme);
  return { sub: user.id, ...userClaims(user, claims.scopes) };
}
