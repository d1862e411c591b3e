import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { normalizeEmail } from './email.ts';
import { NAME_MAX_LENGTH } from './sign-up.ts';
import { users } from './tables.ts';
import { findUserByEmail, toUserRecord, type UserRecord } from './users.ts';

interface UpstreamAccountInput {
  /** The address the upstream provider gave. */
  readonly email: string;
  /** Whether the provider asserts that the user proved the address (`email_verified`). */
  readonly emailVerified: boolean;
  readonly name?: string | null;
}

/**
 * Creates an account for a user who signs in through an upstream provider: no password (the account
 * signs in through its linked identity). Returns null when the address is not one, or already belongs
 * to an account: the caller decides whether that account may be linked, never this function.
 */
export async function createUpstreamAccount(database: Database, input: UpstreamAccountInput): Promise<UserRecord | null> {
  const email = normalizeEmail(input.email);
  if (email === null) return null;
  const name = input.name?.replace(/\p{Cc}/gu, ' ').trim().slice(0, NAME_MAX_LENGTH) || null;
  const [row] = await database.db.insert(users).values({
    email, name, passwordHash: null, emailVerified: input.emailVerified,
  }).onConflictDoNothing().returning();
  return row === undefined ? null : toUserRecord(row);
}

/** The account that holds an address, whatever its case, if any. */
export async function findAccountByEmail(database: Database, email: string): Promise<UserRecord | undefined> {
  const row = await findUserByEmail(database, email);
  return row === undefined ? undefined : toUserRecord(row);
}

/** Whether the account can sign in with a password (accounts made through a provider have none). */
export async function hasPassword(database: Database, userId: string): Promise<boolean> {
  const [row] = await database.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
  return row?.passwordHash != null;
}
