import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Invalidations } from '../db/notify.ts';
import { apiKeys } from './tables.ts';

/**
 * Deletes every key of a deleted account and makes every instance forget them at once. Their usage
 * rows stay: the deployment-wide series keeps counting what they served.
 */
export async function deleteOwnerKeys(database: Database, invalidations: Invalidations, ownerId: string): Promise<number> {
  const gone = await database.db.delete(apiKeys).where(eq(apiKeys.ownerId, ownerId)).returning({ id: apiKeys.id });
  await invalidations.publish('apikey', gone.map((row) => row.id));
  return gone.length;
}

