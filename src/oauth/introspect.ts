import type { Database } from '../db/client.ts';
import { findRefreshTokenSession } from '../sessions/find.ts';
import type { RevokedSessions } from '../sessions/revoked-set.ts';
import type { AccessTokens } from '../tokens/access-token.ts';
import type { OAuthClientRecord } from './clients.ts';

/** What introspection uses. */
export interface IntrospectDeps {
  readonly database: Database;
  readonly accessTokens: AccessTokens;
  readonly revokedSessions: RevokedSessions;
  readonly config: { readonly publicUrl: string };
}

/**
 * Token introspection (RFC 7662) for an authenticated confidential client, about its own tokens: an
 * access token is active when its signature, iss, aud and exp hold and its session was not ended; a
 * refresh token when it is unused, unexpired and its session live. An active answer carries exp and iat
 * (§2.2); a DPoP-bound token also `cnf.jkt`, and an access token then has token_type DPoP (RFC 9449 §6.2).
 * Anything else is `{ active: false }`.
 */
export async function introspectToken(services: IntrospectDeps, client: OAuthClientRecord, token: string): Promise<Record<string, unknown>> {
  const inactive = { active: false };
  if (token.split('.').length === 3) {
    const verified = await services.accessTokens.verify(token);
    if (!verified.ok || verified.claims.clientId !== client.clientId || services.revokedSessions.has(verified.claims.sid)) return inactive;
    const { claims } = verified;
    return {
      active: true, token_type: claims.jkt === undefined ? 'Bearer' : 'DPoP', ...cnfOf(claims.jkt ?? null), client_id: claims.clientId, sub: claims.sub, scope: claims.scopes.join(' '),
      exp: claims.exp, iat: claims.iat, iss: services.config.publicUrl, aud: services.config.publicUrl,
    };
  }
  const found = await findRefreshTokenSession(services.database, token);
  if (found === undefined || !found.active || found.session.clientId !== client.clientId) return inactive;
  return {
    active: true, token_type: 'refresh_token', ...cnfOf(found.session.dpopJkt), client_id: client.clientId, sub: found.session.userId,
    scope: found.session.scopes.join(' '), exp: Math.floor(found.tokenExpiresAt.getTime() / 1000),
    iat: Math.floor(found.tokenIssuedAt.getTime() / 1000), iss: services.config.publicUrl,
  };
}

function cnfOf(jkt: string | null) {
  return jkt === null ? {} : { cnf: { jkt } };
}
