import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** As the user typed it, trimmed; uniqueness and look-ups ignore case (see the index). */
  email: text('email').notNull(),
  emailVerified: boolean('email_verified').notNull().default(false),
  name: text('name'),
  /** argon2id PHC string; null for accounts that only sign in through an upstream provider. */
  passwordHash: text('password_hash'),
  roles: text('roles').array().notNull().default(sql`'{}'::text[]`),
  /** Consecutive failed logins; reset by a success. Drives the per-account delay. */
  failedLogins: integer('failed_logins').notNull().default(0),
  lastFailedLoginAt: timestamp('last_failed_login_at', { withTimezone: true, mode: 'date' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  /** Set by an admin (disableUser): the account cannot sign in, and its sessions and keys stop working. */
  disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
}, (t) => [uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`)]);

/** Why an email token was sent: to prove the address, to set a new password, or to move the account to a new address. */
export type EmailTokenPurpose = 'verify_email' | 'reset_password' | 'change_email';

/** Single-use secrets mailed as links (email verification, password reset, email change). */
export const emailTokens = pgTable('email_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  purpose: text('purpose').$type<EmailTokenPurpose>().notNull(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  /**
   * The address the link was sent to: a verification proves this address, and only while the account
   * still has it; for change_email, the new address the account moves to once the link is used.
   */
  email: text('email').notNull(),
  /** SHA-256 of the 256-bit secret in the link; the secret itself is only in the mail. */
  hash: text('hash').notNull().unique(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** Set when the token is spent, or retired by a newer one of the same purpose; never set twice. */
  usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('email_tokens_user_purpose_idx').on(t.userId, t.purpose)]);
