import { lt } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { deleteInBatches } from '../db/purge.ts';
import { HOUR } from '../lib/time.ts';
import { passkeyChallenges, secondFactorChallenges } from './tables.ts';

/** Deletes second-factor and WebAuthn challenges an hour after they expired (they live 5 minutes). */
export async function purgeSecondFactorChallenges(database: Database, now = Date.now()): Promise<number> {
  const cutoff = new Date(now - HOUR);
  return await deleteInBatches(database, secondFactorChallenges, lt(secondFactorChallenges.expiresAt, cutoff))
    + await deleteInBatches(database, passkeyChallenges, lt(passkeyChallenges.expiresAt, cutoff));
}
