import { sql } from 'drizzle-orm';
import { boolean, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

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
}, (t) => [uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`)]);
