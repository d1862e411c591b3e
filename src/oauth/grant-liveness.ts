import type { Database } from '../db/client.ts';
import { isSessionLive } from '../sessions/find.ts';
import type { SessionRevoker } from '../sessions/revoke.ts';

/**
 * A grant that ends with the user's session must not outlive it by starting after it ended: checked after
 * the grant's row exists, so a revocation racing this either sees the row (and ends it) or is seen here.
 */
export async function parentStillLive(services: { readonly database: Database; readonly revoker: SessionRevoker }, grantId: string, endsWithSessionId: string | null): Promise<boolean> {
  if (endsWithSessionId === null || (await isSessionLive(services.database, endsWithSessionId))) return true;
  await services.revoker.revokeById(grantId);
  return false;
}
