import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { oauthCodes } from './tables.ts';

/** Deletes the authorization codes of a deleted account: none can turn into a grant afterwards. */
export async function forgetUserCodes(database: Database, userId: string): Promise<void> {
  await database.db.delete(oauthCodes).where(eq(oauthCodes.userId, userId));
}
