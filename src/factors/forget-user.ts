import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { recoveryCodes, secondFactorChallenges, totpFactors } from './tables.ts';

/** Deletes every second factor of a deleted account: its authenticator app, recovery codes and pending challenges. */
export async function forgetUserFactors(database: Database, userId: string): Promise<void> {
  await database.db.delete(secondFactorChallenges).where(eq(secondFactorChallenges.userId, userId));
  await database.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await database.db.delete(totpFactors).where(eq(totpFactors.userId, userId));
}
