import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Invalidations } from '../db/notify.ts';
import { validateKeyInput } from './issue.ts';
import { toApiKeyRecord, type ApiKeyRecord } from './key.ts';
import { apiKeys } from './tables.ts';

type RateLimit = { readonly limit: number; readonly windowSeconds: number };

/** What to change; a field left undefined stays as it is, null clears it (no expiry, no rate limit). */
export interface KeyChanges {
  readonly name?: string;
  readonly scopes?: readonly string[];
  readonly rateLimit?: RateLimit | null;
  readonly expiresAt?: Date | null;
}

/**
 * Changes a live key's name, scopes, rate limit or expiry, checked by the rules of a new key (only the
 * fields given: an expiry left alone is not checked again), and makes every instance drop its cached
 * copy at once. `grantable` is what the key's owner (and a calling key) may hand on.
 */
export async function updateKey(
  database: Database, invalidations: Invalidations, key: ApiKeyRecord, changes: KeyChanges, grantable: readonly string[],
): Promise<ApiKeyRecord | undefined> {
  const valid = validateKeyInput({
    ownerId: key.ownerId,
    name: changes.name ?? key.name,
    // Scopes left alone are not held to what the caller may grant today.
    scopes: changes.scopes ?? [],
    environment: key.environment,
    expiresAt: changes.expiresAt ?? null,
    rateLimit: changes.rateLimit ?? null,
  }, grantable);
  const [row] = await database.db.update(apiKeys).set({
    name: valid.name,
    ...(changes.scopes === undefined ? {} : { scopes: [...valid.scopes] }),
    ...(changes.expiresAt === undefined ? {} : { expiresAt: valid.expiresAt }),
    ...(changes.rateLimit === undefined ? {} : { rateLimit: valid.rateLimit?.limit ?? null, rateWindowSeconds: valid.rateLimit?.windowSeconds ?? null }),
  }).where(and(eq(apiKeys.id, key.id), isNull(apiKeys.revokedAt))).returning();
  await invalidations.publish('apikey', [key.id]);
  return row === undefined ? undefined : toApiKeyRecord(row);
}
