import { lt } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { deleteInBatches } from '../db/purge.ts';
import { HOUR } from '../lib/time.ts';
import { secondFactorChallenges } from './tables.ts';

/** Deletes second-factor challenges an hour after they expired (they live 5 minutes). */
export function purgeSecondFactorChallenges(database: Database, now = Date.now()): Promise<number> {
  return deleteInBatches(database, secondFactorChallenges, lt(secondFactorChallenges.expiresAt, new Date(now - HOUR)));
}
