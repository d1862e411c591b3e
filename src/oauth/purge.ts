import { lt } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { deleteInBatches } from '../db/purge.ts';
import { DAY } from '../lib/time.ts';
import { oauthCodes, oauthDeviceCodes, oauthPushedRequests } from './tables.ts';

/**
 * Deletes authorization codes and device codes a day after they expired. A code lives 60 s; a day later a replay is
 * refused as unknown instead of revoking what the code issued, which by then has long been in use.
 */
export async function purgeOAuthCodes(database: Database, now = Date.now()): Promise<number> {
  const cutoff = new Date(now - DAY);
  return await deleteInBatches(database, oauthCodes, lt(oauthCodes.expiresAt, cutoff))
    + await deleteInBatches(database, oauthDeviceCodes, lt(oauthDeviceCodes.expiresAt, cutoff))
    + await deleteInBatches(database, oauthPushedRequests, lt(oauthPushedRequests.expiresAt, cutoff));
}
