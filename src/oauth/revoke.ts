import { recordAuditEvent } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import { findRefreshTokenSession } from '../sessions/find.ts';
import type { SessionRevoker } from '../sessions/revoke.ts';
import type { AccessTokens } from '../tokens/access-token.ts';
import type { OAuthClientRecord } from './clients.ts';

/** What revocation uses. */
export interface RevokeDeps {
  readonly database: Database;
  readonly accessTokens: AccessTokens;
  readonly revoker: SessionRevoker;
}

/**
 * Token revocation (RFC 7009). A refresh token or an access token of this client ends the grant (the
 * session) it belongs to, at once on every instance. Tokens that are unknown, of another client, or
 * user-less (client_credentials: they simply expire) are ignored: the answer is the same either way (§2.2).
 */
export async function revokeToken(services: RevokeDeps, client: OAuthClientRecord, token: string, ip: string): Promise<void> {
  let grant: { sessionId: string; userId: string } | undefined;
  if (token.split('.').length === 3) {
    const verified = await services.accessTokens.verify(token);
    if (verified.ok && verified.claims.clientId === client.clientId && verified.claims.sub !== client.clientId) {
      grant = { sessionId: verified.claims.sid, userId: verified.claims.sub };
    }
  } else {
    const found = await findRefreshTokenSession(services.database, token);
    if (found !== undefined && found.session.clientId === client.clientId) grant = { sessionId: found.session.id, userId: found.session.userId };
  }
  if (grant === undefined) return;
  await services.revoker.revokeById(grant.sessionId);
  await recordAuditEvent(services.database, {
    type: 'oauth.grant_revoked', userId: grant.userId, ip,
    detail: `client ${client.clientId} revoked its grant ${grant.sessionId} (RFC 7009)`,
  });
}
