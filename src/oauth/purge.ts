import { lt } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { deleteInBatches } from '../db/purge.ts';
import { DAY } from '../lib/time.ts';
import { oauthCodes } from './tables.ts';

/**
 * Deletes authorization codes a day after they expired. A code lives 60 s; a day later a replay is
 * refused as unknown instead of revoking what the code issued, which by then has long been in use.
 */
export function purgeOAuthCodes(database: Database, now = Date.now()): Promise<number> {
  return deleteInBatches(database, oauthCodes, lt(oauthCodes.expiresAt, new Date(now - DAY)));
}
