import { lt, or } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { deleteInBatches } from '../db/purge.ts';
import { DAY } from '../lib/time.ts';
import { emailTokens } from './tables.ts';

/** Deletes verification and reset tokens a day after they expired or were spent. */
export function purgeEmailTokens(database: Database, now = Date.now()): Promise<number> {
  const cutoff = new Date(now - DAY);
  return deleteInBatches(database, emailTokens, or(lt(emailTokens.expiresAt, cutoff), lt(emailTokens.usedAt, cutoff))!);
}
