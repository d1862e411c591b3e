import { and, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { olderThan } from '../db/keyset.ts';
import { toSessionRecord, type SessionRecord } from './session.ts';
import { hashSecret, isPlausibleSecret } from '../lib/secrets.ts';
import { refreshTokens, sessions } from './tables.ts';

interface ListPage {
  /** Where the previous page ended; null for the first page. */
  readonly after: { readonly at: Date; readonly id: string } | null;
  /** How many to fetch: the page size plus one, to learn whether another page follows. */
  readonly limit: number;
}

/**
 * A grant that ends with the user's session (no offline_access, OIDC Core §11) is live only while that
 * session is: not revoked and not expired.
 */
const parentLive = sql`(${sessions.endsWithSessionId} is null or exists (select 1 from sessions p where p.id = ${sessions.endsWithSessionId}
  and p.revoked_at is null and p.expires_at > now() and p.idle_expires_at > now()))`;

/** A user's live first-party sessions, newest first, after a cursor (apps' grants are listed by listGrants). */
export async function listSessions(database: Database, userId: string, page: ListPage): Promise<SessionRecord[]> {
  const rows = await database.db.select().from(sessions).where(and(
    eq(sessions.userId, userId), isNull(sessions.revokedAt), isNull(sessions.clientId),
    sql`${sessions.expiresAt} > now()`, sql`${sessions.idleExpiresAt} > now()`,
    page.after === null ? undefined : olderThan(sessions, sessions.createdAt, sessions.id, page.after),
  )).orderBy(desc(sessions.createdAt), desc(sessions.id)).limit(page.limit);
  return rows.map(toSessionRecord);
}

/** An application's access to a user's account: its live sessions taken together. */
export interface GrantSummary {
  readonly clientId: string;
  /** The account that granted it. */
  readonly userId: string;
  /** Every scope any of its live sessions holds. */
  readonly scopes: readonly string[];
  /** When the oldest of its live sessions started. */
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  /** Whether any of its live sessions outlives the user's sign-in (granted offline_access). */
  readonly offline: boolean;
}

/**
 * A user's live OAuth grants, one per client, newest first by when access was granted, after a cursor
 * whose id is the client_id. Ordered by the millisecond a cursor can hold, then the client_id.
 */
export function listGrants(database: Database, userId: string, page: ListPage): Promise<GrantSummary[]> {
  return listLiveGrants(database, { userId }, page);
}

/**
 * Every user's live grant to one client, one per account, newest first by when access was granted,
 * after a cursor whose id is the account's id (for admins: OAuthClient.grants).
 */
export function listClientGrants(database: Database, clientId: string, page: ListPage): Promise<GrantSummary[]> {
  return listLiveGrants(database, { clientId }, page);
}

/** Live grant sessions of one user (grouped by client) or of one client (grouped by user). */
async function listLiveGrants(
  database: Database, of: { readonly userId: string } | { readonly clientId: string }, page: ListPage,
): Promise<GrantSummary[]> {
  const byUser = 'clientId' in of;
  const key = byUser ? sql`${sessions.userId}::text` : sql`${sessions.clientId}`;
  const granted = sql`date_trunc('milliseconds', min(${sessions.createdAt}))`;
  const rows = await database.db.select({
    clientId: sql<string>`min(${sessions.clientId})`,
    userId: sql<string>`min(${sessions.userId}::text)`,
    createdAt: sql<Date>`min(${sessions.createdAt})`.mapWith(sessions.createdAt),
    lastUsedAt: sql<Date | null>`max(${sessions.lastUsedAt})`.mapWith(sessions.lastUsedAt),
    offline: sql<boolean>`bool_or(${sessions.endsWithSessionId} is null)`,
    // OAuth scope tokens hold no spaces (RFC 6749 §3.3): joined here, split and deduplicated below.
    scopes: sql<string | null>`string_agg(array_to_string(${sessions.scopes}, ' '), ' ' order by ${sessions.createdAt})`,
  }).from(sessions).where(and(
    byUser ? eq(sessions.clientId, of.clientId) : and(eq(sessions.userId, of.userId), isNotNull(sessions.clientId)),
    isNull(sessions.revokedAt), sql`${sessions.expiresAt} > now()`, sql`${sessions.idleExpiresAt} > now()`, parentLive,
  )).groupBy(byUser ? sessions.userId : sessions.clientId)
    .having(page.after === null ? undefined : sql`(${granted}, ${key}) < (${page.after.at.toISOString()}::timestamptz, ${page.after.id})`)
    .orderBy(desc(granted), desc(key)).limit(page.limit);
  return rows.map((row) => ({
    clientId: row.clientId,
    userId: row.userId,
    scopes: [...new Set((row.scopes ?? '').split(' ').filter((scope) => scope !== ''))],
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    offline: row.offline,
  }));
}

/** Whether a session is live: not revoked, not expired (idle or absolute). */
export async function isSessionLive(database: Database, sessionId: string): Promise<boolean> {
  const [row] = await database.db.select({ id: sessions.id }).from(sessions).where(and(
    eq(sessions.id, sessionId), isNull(sessions.revokedAt), sql`${sessions.expiresAt} > now()`, sql`${sessions.idleExpiresAt} > now()`,
  ));
  return row !== undefined;
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
    sql`${sessions.expiresAt} > now()`, sql`${sessions.idleExpiresAt} > now()`, parentLive,
  )).orderBy(desc(sessions.createdAt));
  return rows.map(toSessionRecord);
}

/** The session of a refresh token (looked up by its hash), and whether the token could still be exchanged. */
export async function findRefreshTokenSession(
  database: Database, token: string,
): Promise<{ readonly session: SessionRecord; readonly active: boolean; readonly tokenExpiresAt: Date; readonly tokenIssuedAt: Date } | undefined> {
  if (!isPlausibleSecret(token)) return undefined;
  const [row] = await database.db.select({
    session: sessions, tokenExpiresAt: refreshTokens.expiresAt, tokenIssuedAt: refreshTokens.createdAt,
    active: sql<boolean>`${refreshTokens.usedAt} is null and ${refreshTokens.expiresAt} > now()
      and ${sessions.revokedAt} is null and ${sessions.expiresAt} > now() and ${parentLive}`,
  }).from(refreshTokens).innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.hash, hashSecret(token)));
  return row === undefined ? undefined : {
    session: toSessionRecord(row.session), active: row.active, tokenExpiresAt: row.tokenExpiresAt, tokenIssuedAt: row.tokenIssuedAt,
  };
}
