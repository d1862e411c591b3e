import { bigint, boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

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

/**
 * Passkeys (WebAuthn Level 3 public key credentials) registered to an account: the public key and the
 * signature counter, never a private key (the authenticator keeps it).
 */
export const passkeys = pgTable('passkeys', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  /** The credential ID the authenticator chose (base64url); unique across all accounts. */
  credentialId: text('credential_id').notNull().unique(),
  /** The credential public key as COSE_Key (RFC 9052), base64url. */
  publicKey: text('public_key').notNull(),
  /** The last signature counter seen (WebAuthn §6.1.1); an assertion must raise it unless both are 0. */
  counter: bigint('counter', { mode: 'number' }).notNull().default(0),
  /** Transports the browser reported at registration (internal, hybrid, usb...), passed back as hints. */
  transports: text('transports').array().notNull().default(sql`'{}'::text[]`),
  /** singleDevice (bound to one authenticator) or multiDevice (synced): the BE flag at registration. */
  deviceType: text('device_type').$type<'singleDevice' | 'multiDevice'>().notNull(),
  /** The BS flag of the last ceremony: the credential is backed up (synced). */
  backedUp: boolean('backed_up').notNull(),
  /** The authenticator model's AAGUID (all zeros when the authenticator does not say). */
  aaguid: text('aaguid').notNull(),
  /** The user's label for it ("Laptop", "Phone"). */
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('passkeys_user_id_idx').on(t.userId)]);

/**
 * WebAuthn challenges (§13.4.3: random, at least 16 bytes, kept by the server and used once): 5
 * minutes, single use, for one ceremony and, except for a passwordless sign-in, one account.
 */
export const passkeyChallenges = pgTable('passkey_challenges', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** SHA-256 of the challenge (base64url) sent in the options and signed back in clientDataJSON. */
  hash: text('hash').notNull().unique(),
  /** What the ceremony is for: REGISTRATION, SECOND_FACTOR, SIGN_IN (passwordless) or REAUTHENTICATION. */
  purpose: text('purpose').$type<'REGISTRATION' | 'SECOND_FACTOR' | 'SIGN_IN' | 'REAUTHENTICATION'>().notNull(),
  /** The account the ceremony is for; null for a passwordless sign-in (the passkey names the account). */
  userId: uuid('user_id'),
  /**
   * For a SECOND_FACTOR ceremony, the held sign-in (second_factor_challenges.id) it was issued for: its
   * answer completes that attempt only, as the second factor is bound to the account and the attempt.
   */
  secondFactorChallengeId: uuid('second_factor_challenge_id'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
});
