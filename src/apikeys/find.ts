import { and, desc, eq, isNull, or, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { olderThan, type Position } from '../db/keyset.ts';
import { toApiKeyRecord, type ApiKeyRecord } from './key.ts';
import { apiKeys } from './tables.ts';

interface ListKeysInput {
  readonly ownerId: string;
  readonly includeRevoked: boolean;
  readonly after: Position | null;
  /** How many to fetch: the page size plus one, to learn whether another page follows. */
  readonly limit: number;
}

/** An owner's keys, newest first, after a cursor. */
export async function listKeys(database: Database, input: ListKeysInput): Promise<ApiKeyRecord[]> {
  const conditions: (SQL | undefined)[] = [eq(apiKeys.ownerId, input.ownerId)];
  if (!input.includeRevoked) conditions.push(isNull(apiKeys.revokedAt));
  if (input.after !== null) conditions.push(olderThan(apiKeys, apiKeys.createdAt, apiKeys.id, input.after));
  const rows = await database.db.select().from(apiKeys).where(and(...conditions))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)).limit(input.limit);
  return rows.map(toApiKeyRecord);
}

/** Keys by id, in the order asked, undefined where unknown (for DataLoader). */
export async function findKeys(database: Database, ids: readonly string[]): Promise<(ApiKeyRecord | undefined)[]> {
  if (ids.length === 0) return [];
  const rows = await database.db.select().from(apiKeys).where(or(...ids.map((id) => eq(apiKeys.id, id))));
  const byId = new Map(rows.map((row) => [row.id, toApiKeyRecord(row)]));
  return ids.map((id) => byId.get(id));
}
