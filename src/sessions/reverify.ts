import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { sessions } from './tables.ts';

/** Records that the user of a live session just proved who they are again (step-up); false when it has ended. */
export async function markSessionVerified(database: Database, sessionId: string, userId: string): Promise<Date | null> {
  const [row] = await database.db.update(sessions).set({ verifiedAt: sql`now()` })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ verifiedAt: sessions.verifiedAt });
  return row?.verifiedAt ?? null;
}
