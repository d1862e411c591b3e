import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * A signed-in session: first-party (refresh tokens or a cookie) or, later, an OAuth grant (`client_id`).
 * Users are referenced by id only: the accounts capability owns that table.
 */
export const sessions = pgTable('sessions', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  /** null for first-party sessions. */
  clientId: text('client_id'),
  scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
  /** SHA-256 of the session cookie, for COOKIE delivery; null when the session holds refresh tokens. */
  cookieHash: text('cookie_hash').unique(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  /** Sliding: pushed forward on use, never past `expires_at`. */
  idleExpiresAt: timestamp('idle_expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** Absolute: the session ends then, used or not. */
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  /** For an OAuth grant: when the user signed in to consent, the ID tokens' auth_time. Null: `created_at`. */
  authTime: timestamp('auth_time', { withTimezone: true, mode: 'date' }),
  /** How the user proved who they are, as RFC 8176 `amr` values (pwd, otp, hwk, mfa, fed...). */
  amr: text('amr').array().notNull().default(sql`'{}'::text[]`),
  /** The last sign-in or re-verification (reauthenticate): step-up asks for one within 10 minutes. Null: `created_at`. */
  verifiedAt: timestamp('verified_at', { withTimezone: true, mode: 'date' }),
  userAgent: text('user_agent'),
  ip: text('ip'),
  /**
   * For an OAuth grant without `offline_access` (OIDC Core §11): the user's own session that consented.
   * The grant ends with it (revoked with it; refused at refresh once it expired). Null: the grant
   * outlives the user's sessions, up to its own absolute lifetime.
   */
  endsWithSessionId: uuid('ends_with_session_id'),
  /**
   * For an OAuth grant whose refresh tokens are bound to a DPoP key (RFC 9449 §5, public clients): that key's
   * RFC 7638 thumbprint. A refresh must prove possession of it. Null: not bound.
   */
  dpopJkt: text('dpop_jkt'),
}, (t) => [
  index('sessions_user_id_idx').on(t.userId),
  index('sessions_ends_with_session_id_idx').on(t.endsWithSessionId),
  index('sessions_revoked_at_idx').on(t.revokedAt),
]);

/** Single-use refresh tokens; each rotation retires one (`used_at`) and adds its successor. */
export const refreshTokens = pgTable('refresh_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  sessionId: uuid('session_id').notNull().references(() => sessions.id, { onDelete: 'cascade' }),
  /** SHA-256 of the token. */
  hash: text('hash').notNull().unique(),
  parentId: uuid('parent_id'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** Set once, atomically, when the token is exchanged for its successor. */
  usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('refresh_tokens_session_id_idx').on(t.sessionId)]);
