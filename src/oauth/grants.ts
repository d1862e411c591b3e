import { recordAuditEvent } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import { listGrantSessions } from '../sessions/find.ts';
import type { AuthorizationRequest } from './authorize.ts';

/** The user already granted this client every scope asked for, and has not revoked the grant since. */
export async function alreadyGranted(database: Database, userId: string, request: AuthorizationRequest): Promise<boolean> {
  const grants = await listGrantSessions(database, userId);
  return grants.some((grant) => grant.clientId === request.client.clientId && request.scopes.every((scope) => grant.scopes.includes(scope)));
}

/** Records that a user granted a client access (oauth.grant_given). */
export function recordGrant(database: Database, userId: string, request: AuthorizationRequest, ip: string, userAgent: string | null) {
  return recordAuditEvent(database, {
    type: 'oauth.grant_given', userId, ip, userAgent,
    detail: `client ${request.client.clientId} (${request.client.name}): ${request.scopes.join(' ')}`,
  });
}
