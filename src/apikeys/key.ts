import type { apiKeys } from './tables.ts';

/** An API key as the rest of the program sees it: never its hash. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly ownerId: string;
  readonly name: string;
  readonly start: string;
  readonly environment: 'live' | 'test';
  readonly scopes: readonly string[];
  readonly rateLimit: { readonly limit: number; readonly windowSeconds: number } | null;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

export function toApiKeyRecord(row: typeof apiKeys.$inferSelect): ApiKeyRecord {
  return Object.freeze({
    id: row.id,
    ownerId: row.ownerId,
    name: row.name,
    start: row.start,
    environment: row.environment,
    scopes: Object.freeze([...row.scopes]),
    rateLimit: row.rateLimit !== null && row.rateWindowSeconds !== null
      ? Object.freeze({ limit: row.rateLimit, windowSeconds: row.rateWindowSeconds })
      : null,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
  });
}
