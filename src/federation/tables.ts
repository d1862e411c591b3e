import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * An account's identity at an upstream OpenID Connect provider: the same (provider, subject) always
 * signs in to the same account. Users are referenced by id only: the accounts capability owns that table.
 */
export const identities = pgTable('identities', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** The provider's id in OIDC_PROVIDERS. */
  provider: text('provider').notNull(),
  /** The provider's `sub` for the user: stable, never reassigned (OpenID Connect Core §2). */
  subject: text('subject').notNull(),
  userId: uuid('user_id').notNull(),
  /** The address the provider gave at the last sign-in, for people; never used to find the account. */
  email: text('email'),
  linkedAt: timestamp('linked_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('identities_provider_subject_key').on(t.provider, t.subject),
  index('identities_user_id_idx').on(t.userId),
]);

/**
 * A sign-in started with an upstream provider and not yet completed: single use, ten minutes, bound to
 * the provider and the redirect URI. Only the hash of the `state` the client holds is stored.
 */
export const loginStates = pgTable('login_states', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** SHA-256 of the 256-bit `state` handed to the client. */
  stateHash: text('state_hash').notNull().unique(),
  provider: text('provider').notNull(),
  redirectUri: text('redirect_uri').notNull(),
  /** Sent in the authorization request; the ID token must carry it back (replay of ID tokens). */
  nonce: text('nonce').notNull(),
  /** The PKCE verifier (RFC 7636): useless without the code, which only the browser receives. */
  codeVerifier: text('code_verifier').notNull(),
  /** Set when a signed-in user starts the flow to link a provider: the identity goes to this account. */
  linkUserId: uuid('link_user_id'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** Set once, when the state is consumed; a second use finds it set and is refused. */
  usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('login_states_expires_at_idx').on(t.expiresAt)]);
