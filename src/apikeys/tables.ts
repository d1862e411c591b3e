import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** The account the key acts for; a key can never do more than its owner. */
  ownerId: uuid('owner_id').notNull(),
  name: text('name').notNull(),
  /** SHA-256 of the whole secret; the secret itself is shown once and never stored. */
  hash: text('hash').notNull().unique(),
  /** The secret's first characters (prefix included), to recognise it in a list. */
  start: text('start').notNull(),
  /** live or test: the secret's prefix says it too. */
  environment: text('environment').$type<'live' | 'test'>().notNull(),
  scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
  /** Requests allowed per window; null when the key has no limit. */
  rateLimit: integer('rate_limit'),
  rateWindowSeconds: integer('rate_window_seconds'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  /** Kept within a minute of the truth by the usage flush, never written per request. */
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  /** After a roll with overlap: the old secret's hash, valid until `previous_hash_expires_at`. */
  previousHash: text('previous_hash'),
  previousHashExpiresAt: timestamp('previous_hash_expires_at', { withTimezone: true, mode: 'date' }),
}, (t) => [
  index('api_keys_owner_id_idx').on(t.ownerId, t.createdAt),
  index('api_keys_previous_hash_idx').on(t.previousHash),
]);

const usageColumns = {
  keyId: uuid('key_id').notNull(),
  /** The bucket's first instant (a whole minute, hour or day, UTC). */
  start: timestamp('start', { withTimezone: true, mode: 'date' }).notNull(),
  requests: integer('requests').notNull().default(0),
  /** Requests refused by the key's rate limit. */
  rateLimited: integer('rate_limited').notNull().default(0),
  /** Requests whose response carried errors. */
  errors: integer('errors').notNull().default(0),
  /** Presentations of the key refused because it was revoked (not in `requests`). */
  revoked: integer('revoked').notNull().default(0),
  /** Presentations refused because the key (or a rolled-away secret of it) had expired (not in `requests`). */
  expired: integer('expired').notNull().default(0),
  /**
   * Well-formed keys that match no key: they have no owner, so they are counted only on the row of the
   * nil key id (UNKNOWN_KEY_ID), which the deployment-wide series reads.
   */
  unknown: integer('unknown').notNull().default(0),
};

/** Requests per key per minute, by outcome; written by commutative upserts so instances may flush at will. */
export const apiKeyUsageMinutes = pgTable('api_key_usage', usageColumns, (t) => [
  primaryKey({ columns: [t.keyId, t.start] }),
  index('api_key_usage_start_idx').on(t.start),
]);

/** The same counts rolled up by hour, written by the same flush: reports never scan minute rows. */
export const apiKeyUsageHours = pgTable('api_key_usage_hourly', usageColumns, (t) => [
  primaryKey({ columns: [t.keyId, t.start] }),
  index('api_key_usage_hourly_start_idx').on(t.start),
]);

/** And by day. */
export const apiKeyUsageDays = pgTable('api_key_usage_daily', usageColumns, (t) => [
  primaryKey({ columns: [t.keyId, t.start] }),
  index('api_key_usage_daily_start_idx').on(t.start),
]);
