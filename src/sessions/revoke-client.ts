import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Invalidations } from '../db/notify.ts';
import { sessions } from './tables.ts';

/** Ends every user's grant to one client (a deleted client), telling every instance; returns how many sessions ended. */
export async function revokeClientEverywhere(database: Database, invalidations: Invalidations, clientId: string): Promise<number> {
  const ended = await database.db.update(sessions).set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.clientId, clientId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  await invalidations.publish('session', ended.map((row) => row.id));
  return ended.length;
}
