import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { identities } from './tables.ts';

/** Unlinks every upstream identity of a deleted account, so that signing in upstream again makes a new account. */
export async function forgetUserIdentities(database: Database, userId: string): Promise<number> {
  const gone = await database.db.delete(identities).where(eq(identities.userId, userId)).returning({ id: identities.id });
  return gone.length;
}
