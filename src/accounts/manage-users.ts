import { and, desc, eq, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { olderThan } from '../db/keyset.ts';
import { users } from './tables.ts';
import { toUserRecord, type UserRecord } from './users.ts';

/** The roles an admin may give; a role outside this list is refused rather than stored unchecked. */
export const ROLES = ['admin'] as const;

export interface ListUsersInput {
  /** A part of the email address, any case; null for every account. */
  readonly emailContains: string | null;
  /** Only disabled (true) or only enabled (false) accounts; null for both. */
  readonly disabled: boolean | null;
  readonly after: { readonly at: Date; readonly id: string } | null;
  /** The page size plus one, to learn whether another page follows. */
  readonly limit: number;
}

/** Accounts, newest first, after a cursor; a search matches a substring of the address (LIKE wildcards are literal). */
export async function listUsers(database: Database, input: ListUsersInput): Promise<UserRecord[]> {
  const conditions: (SQL | undefined)[] = [
    input.emailContains === null ? undefined
      : sql`strpos(lower(${users.email}), ${input.emailContains.toLowerCase()}) > 0`,
    input.disabled === null ? undefined : input.disabled ? isNotNull(users.disabledAt) : isNull(users.disabledAt),
    input.after === null ? undefined : olderThan(users, users.createdAt, users.id, input.after),
  ];
  const rows = await database.db.select().from(users).where(and(...conditions))
    .orderBy(desc(users.createdAt), desc(users.id)).limit(input.limit);
  return rows.map(toUserRecord);
}

/** One account by id, or undefined. */
export async function findUser(database: Database, id: string): Promise<UserRecord | undefined> {
  const [row] = await database.db.select().from(users).where(eq(users.id, id));
  return row === undefined ? undefined : toUserRecord(row);
}

/**
 * Disables or re-enables an account; undefined when unknown. Disabling keeps the first instant
 * (disabling twice does not move it). The caller ends the sessions and tells every instance.
 */
export async function setDisabled(database: Database, id: string, disabled: boolean): Promise<UserRecord | undefined> {
  const [row] = await database.db.update(users)
    .set({ disabledAt: disabled ? sql`coalesce(${users.disabledAt}, now())` : null })
    .where(eq(users.id, id)).returning();
  return row === undefined ? undefined : toUserRecord(row);
}

/** Replaces an account's roles; undefined when unknown. */
export async function setRoles(database: Database, id: string, roles: readonly string[]): Promise<UserRecord | undefined> {
  const [row] = await database.db.update(users).set({ roles: [...new Set(roles)].sort() }).where(eq(users.id, id)).returning();
  return row === undefined ? undefined : toUserRecord(row);
}

/** Deletes the account row (its email tokens go with it, by the foreign key); false when unknown. */
export async function deleteUserRow(database: Database, id: string): Promise<boolean> {
  const deleted = await database.db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
  return deleted.length > 0;
}
