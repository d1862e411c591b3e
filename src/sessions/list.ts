import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { toSessionRecord, type SessionRecord } from './session.ts';
import { sessions } from './tables.ts';

/** A user's live sessions, newest first. */
export async function listSessions(database: Database, userId: string): Promise<SessionRecord[]> {
  const rows = await database.db.select().from(sessions).where(and(
    eq(sessions.userId, userId), isNull(sessions.revokedAt),
    sql`${sessions.expiresAt} > now()`, sql`${sessions.idleExpiresAt} > now()`,
  )).orderBy(desc(sessions.createdAt));
  return rows.map(toSessionRecord);
}

/** One session by id, live or not; undefined when unknown. */
export async function findSession(database: Database, sessionId: string): Promise<SessionRecord | undefined> {
  const [row] = await database.db.select().from(sessions).where(eq(sessions.id, sessionId));
  return row === undefined ? undefined : toSessionRecord(row);
}
