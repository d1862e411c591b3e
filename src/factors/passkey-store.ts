import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { isUuid } from '../lib/secrets.ts';
import { passkeys } from './tables.ts';

/** What an account's owner sees of a passkey: never its key. */
export interface PasskeyRecord {
  readonly id: string;
  readonly name: string;
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly backedUp: boolean;
  readonly transports: readonly string[];
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

export const PASSKEY_NAME_MAX_LENGTH = 64;
/** Passkeys one account may hold: enough for every device, few enough to list in the options. */
export const MAX_PASSKEYS_PER_ACCOUNT = 20;

const recordColumns = {
  id: passkeys.id, name: passkeys.name, deviceType: passkeys.deviceType, backedUp: passkeys.backedUp,
  transports: passkeys.transports, createdAt: passkeys.createdAt, lastUsedAt: passkeys.lastUsedAt,
};

/** The account's passkeys, newest first. */
export function listPasskeys(database: Database, userId: string): Promise<PasskeyRecord[]> {
  return database.db.select(recordColumns).from(passkeys).where(eq(passkeys.userId, userId)).orderBy(desc(passkeys.createdAt), desc(passkeys.id));
}

export async function countPasskeys(database: Database, userId: string): Promise<number> {
  const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(passkeys).where(eq(passkeys.userId, userId));
  return row?.n ?? 0;
}

/** The credential IDs (and transport hints) of an account's passkeys, for allowCredentials and excludeCredentials. */
export function credentialsOf(database: Database, userId: string) {
  return database.db.select({ id: passkeys.credentialId, transports: passkeys.transports }).from(passkeys).where(eq(passkeys.userId, userId));
}

/** Renames one of the account's passkeys; null when the account has no such passkey. */
export async function renamePasskey(database: Database, userId: string, id: string, name: string): Promise<PasskeyRecord | null> {
  if (!isUuid(id)) return null;
  const [row] = await database.db.update(passkeys).set({ name }).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).returning(recordColumns);
  return row ?? null;
}

/** Removes one of the account's passkeys; null when the account has no such passkey. */
export async function deletePasskey(database: Database, userId: string, id: string): Promise<PasskeyRecord | null> {
  if (!isUuid(id)) return null;
  const [row] = await database.db.delete(passkeys).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).returning(recordColumns);
  return row ?? null;
}

/** A passkey's name as the user typed it: trimmed, no control characters, 1 to 64 characters; null otherwise. */
export function cleanPasskeyName(name: string): string | null {
  const trimmed = name.trim();
  return trimmed.length === 0 || trimmed.length > PASSKEY_NAME_MAX_LENGTH || /\p{Cc}/u.test(trimmed) ? null : trimmed;
}
