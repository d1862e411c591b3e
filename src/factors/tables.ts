import { bigint, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * An account's TOTP authenticator (RFC 6238), one at most. Users are referenced by id only: the
 * accounts capability owns that table.
 */
export const totpFactors = pgTable('totp_factors', {
  userId: uuid('user_id').primaryKey(),
  /** The shared secret, sealed with AES-256-GCM under SECRETS_KEY (lib/secret-box.ts); never stored in clear. */
  sealedSecret: text('sealed_secret').notNull(),
  /** Null while enrolment waits for its first code: an unconfirmed authenticator is not a second factor. */
  confirmedAt: timestamp('confirmed_at', { withTimezone: true, mode: 'date' }),
  /** The last 30-second step whose code was accepted: that step and earlier ones are never accepted again (replay). */
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** Single-use recovery codes, ten per account, shown once; regenerating replaces them all. */
export const recoveryCodes = pgTable('recovery_codes', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  /** SHA-256 of the code (as typed, without separators, upper case). */
  hash: text('hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  /** Set once, atomically, when the code is spent. */
  usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('recovery_codes_user_id_idx').on(t.userId)]);

/**
 * A sign-in whose password was right and that waits for its second factor: 5 minutes, single use,
 * bound to the account and to how the sign-in hands over its credentials.
 */
export const secondFactorChallenges = pgTable('second_factor_challenges', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** SHA-256 of the 256-bit challenge handed to the client. */
  hash: text('hash').notNull().unique(),
  userId: uuid('user_id').notNull(),
  /** TOKENS or COOKIE: what the sign-in asked for; verifySecondFactor keeps it. */
  delivery: text('delivery').$type<'TOKENS' | 'COOKIE'>().notNull(),
  /** RFC 8176 values of the first factor (pwd, or fed for an upstream sign-in). */
  firstFactor: text('first_factor').notNull(),
  /** Wrong codes tried against this challenge; it dies at a few. */
  failures: integer('failures').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('second_factor_challenges_user_id_idx').on(t.userId)]);
