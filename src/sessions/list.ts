import { and, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { toSessionRecord, type SessionRecord } from './session.ts';
import { hashSecret } from '../lib/secrets.ts';
import { refreshTokens, sessions } from './tables.ts';

/** A user's live first-party sessions, newest first (apps' grants are listed by the oauth capability). */
export async function listSessions(database: Database, userId: string): Promise<SessionRecord[]> {
  const rows = await database.db.select().from(sessions).where(and(
    eq(sessions.userId, userId), isNull(sessions.revokedAt), isNull(sessions.clientId),
    sql`${sessions.expiresAt} > now()`, sql`${sessions.idleExpiresAt} > now()`,
  )).orderBy(desc(sessions.createdAt));
  return rows.map(toSessionRecord);
}

/** One session by id, live or not; undefined when unknown. */
export async function findSession(database: Database, sessionId: string): Promise<SessionRecord | undefined> {
  const [row] = await database.db.select().from(sessions).where(eq(sessions.id, sessionId));
  return row === undefined ? undefined : toSessionRecord(row);
}

/** A user's live OAuth grants (sessions with a client), newest first. */
export async function listGrantSessions(database: Database, userId: string): Promise<SessionRecord[]> {
  const rows = await database.db.select().from(sessions).where(and(
    eq(sessions.userId, userId), isNotNull(sessions.clientId), isNull(sessions.revokedAt),
    sql`${sessions.expiresAt} > now()`, sql`${sessions.idleExpiresAt} > now()`,
  )).orderBy(desc(sessions.createdAt));
  return rows.map(toSessionRecord);
}

/** The session of a refresh token (looked up by its hash), and whether the token could still be exchanged. */
export async function findRefreshTokenSession(
  database: Database, token: string,
): Promise<{ readonly session: SessionRecord; readonly active: boolean; readonly tokenExpiresAt: Date; readonly tokenIssuedAt: Date } | undefined> {
  if (token.length < 20 || token.length > 200) return undefined;
  const [row] = await database.db.select({
    session: sessions, tokenExpiresAt: refreshTokens.expiresAt, tokenIssuedAt: refreshTokens.createdAt,
    active: sql<boolean>`${refreshTokens.usedAt} is null and ${refreshTokens.expiresAt} > now()
      and ${sessions.revokedAt} is null and ${sessions.expiresAt} > now()`,
  }).from(refreshTokens).innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.hash, hashSecret(token)));
  return row === undefined ? undefined : {
    session: toSessionRecord(row.session), active: row.active, tokenExpiresAt: row.tokenExpiresAt, tokenIssuedAt: row.tokenIssuedAt,
  };
}
