import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Invalidations } from '../db/notify.ts';
import { hashSecret } from '../lib/secrets.ts';
import { generateKey, keyStart } from './format.ts';
import { forgetApiKey } from './invalidate.ts';
import { toApiKeyRecord, type ApiKeyRecord } from './key.ts';
import { apiKeys } from './tables.ts';
import type { IssuedKey } from './issue.ts';

export const MAX_ROLL_OVERLAP_SECONDS = 7 * 86_400;

/** A key by id, whoever owns it; undefined when unknown. Callers check who may see it. */
export async function findKey(database: Database, id: string): Promise<ApiKeyRecord | undefined> {
  const [row] = await database.db.select().from(apiKeys).where(eq(apiKeys.id, id));
  return row === undefined ? undefined : toApiKeyRecord(row);
}

/** Revokes a live key at once, on every instance; undefined when it was unknown or already revoked. */
export async function revokeKey(database: Database, invalidations: Invalidations, id: string): Promise<ApiKeyRecord | undefined> {
  const [row] = await database.db.update(apiKeys).set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning();
  await forgetApiKey(invalidations, id);
  return row === undefined ? undefined : toApiKeyRecord(row);
}

/**
 * Gives a live key a new secret. The old secret stops working at once, or after `overlapSeconds`
 * (so a deployment can switch over); every instance forgets the old one through the channel.
 */
export async function rollKey(database: Database, invalidations: Invalidations, id: string, overlapSeconds: number): Promise<IssuedKey | undefined> {
  const [current] = await database.db.select({ environment: apiKeys.environment }).from(apiKeys)
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  if (current === undefined) return undefined;
  const secret = generateKey(current.environment);
  const [row] = await database.db.update(apiKeys).set({
    hash: hashSecret(secret),
    start: keyStart(secret),
    previousHash: overlapSeconds > 0 ? sql`${apiKeys.hash}` : null,
    previousHashExpiresAt: overlapSeconds > 0 ? sql`now() + ${`${overlapSeconds} seconds`}::interval` : null,
  }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning();
  await forgetApiKey(invalidations, id);
  return row === undefined ? undefined : { key: toApiKeyRecord(row), secret };
}
