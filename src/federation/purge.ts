import { lt } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { deleteInBatches } from '../db/purge.ts';
import { loginStates } from './tables.ts';

/** Deletes started sign-ins past their ten minutes (startSocialLogin also does, as it goes). */
export function purgeLoginStates(database: Database, now = Date.now()): Promise<number> {
  return deleteInBatches(database, loginStates, lt(loginStates.expiresAt, new Date(now)));
}
