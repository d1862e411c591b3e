import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Third-party applications registered by an admin. */
export const oauthClients = pgTable('oauth_clients', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** The public `client_id`: `lk_` + 128 random bits, never a UUID (so it never looks like a user id). */
  clientId: text('client_id').notNull().unique(),
  name: text('name').notNull(),
  /** SHA-256 of the client secret; null for public clients (PKCE protects them). */
  secretHash: text('secret_hash'),
  /** Compared by exact string match (RFC 9700 §4.1). */
  redirectUris: text('redirect_uris').array().notNull(),
  /** The most a user can grant this client: a subset of openid, profile, email. */
  scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
  /**
   * The grant types it may use at the token endpoint (RFC 7591 §2), by their RFC names. Rows from before
   * this column keep what every client could do then.
   */
  grantTypes: text('grant_types').array().notNull()
    .default(sql`'{authorization_code,refresh_token,client_credentials}'::text[]`),
  /** Its authorization requests must be pushed first (RFC 9126 §6: require_pushed_authorization_requests). */
  requirePar: boolean('require_par').notNull().default(false),
  /** Where RP-Initiated Logout 1.0 may send the browser back to, by exact string (§3.1). */
  postLogoutRedirectUris: text('post_logout_redirect_uris').array().notNull().default(sql`'{}'::text[]`),
  /** Every token request must carry a DPoP proof (RFC 9449 §5.2: dpop_bound_access_tokens). */
  dpopBoundAccessTokens: boolean('dpop_bound_access_tokens').notNull().default(false),
  /** The admin who registered it (referenced by id: the accounts capability owns users). */
  createdBy: uuid('created_by'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** Authorization codes: 60 s, single use, and each remembers the grant it turned into. */
export const oauthCodes = pgTable('oauth_codes', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** SHA-256 of the code. */
  hash: text('hash').notNull().unique(),
  clientId: text('client_id').notNull(),
  userId: uuid('user_id').notNull(),
  redirectUri: text('redirect_uri').notNull(),
  scopes: text('scopes').array().notNull(),
  /** PKCE S256 challenge (RFC 7636). */
  codeChallenge: text('code_challenge').notNull(),
  /** OpenID Connect nonce, copied into the ID token. */
  nonce: text('nonce'),
  /** When the user signed in to the session that consented: the ID token's auth_time (OIDC Core §2). */
  authTime: timestamp('auth_time', { withTimezone: true, mode: 'date' }),
  /** How the user signed in to that session (RFC 8176), for the tokens' `amr` and the ID token's `acr`. */
  amr: text('amr').array().notNull().default(sql`'{}'::text[]`),
  /** The user's session that consented: without offline_access the grant ends with it (OIDC Core §11). */
  consentSessionId: uuid('consent_session_id'),
  /** The `dpop_jkt` of the authorization request (RFC 9449 §10): the code is redeemed only with a proof of that key. */
  dpopJkt: text('dpop_jkt'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** Set once, atomically, by the one exchange that wins. */
  usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  /** The session (grant) the code was exchanged for: revoked if the code is replayed. */
  sessionId: uuid('session_id'),
  /** When a used code last came back (for the record; the replay revokes `session_id`). */
  replayedAt: timestamp('replayed_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('oauth_codes_expires_at_idx').on(t.expiresAt)]);

/**
 * Device authorization requests (RFC 8628): 10 minutes, approved or denied once by a signed-in user
 * on /device, redeemed once by the polling device.
 */
export const oauthDeviceCodes = pgTable('oauth_device_codes', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** SHA-256 of the device_code (256 random bits). */
  deviceCodeHash: text('device_code_hash').notNull().unique(),
  /** SHA-256 of the normalised user_code (8 of 20 consonants, RFC 8628 §6.1): looked up by the user. */
  userCodeHash: text('user_code_hash').notNull().unique(),
  clientId: text('client_id').notNull(),
  scopes: text('scopes').array().notNull(),
  /** pending, then approved or denied by the user (RFC 8628 §3.5 access_denied). */
  status: text('status', { enum: ['pending', 'approved', 'denied'] }).notNull().default('pending'),
  /** Who approved, when they signed in, how, and from which session (the grant ends with it without offline_access). */
  userId: uuid('user_id'),
  authTime: timestamp('auth_time', { withTimezone: true, mode: 'date' }),
  amr: text('amr').array().notNull().default(sql`'{}'::text[]`),
  consentSessionId: uuid('consent_session_id'),
  /** The polling interval in seconds: 5, plus 5 for every slow_down (RFC 8628 §3.5). */
  intervalSeconds: integer('interval_seconds').notNull().default(5),
  lastPolledAt: timestamp('last_polled_at', { withTimezone: true, mode: 'date' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** Set once, atomically, when the device got its tokens. */
  usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('oauth_device_codes_expires_at_idx').on(t.expiresAt)]);

/** Pushed authorization requests (RFC 9126): the parameters behind a request_uri, short-lived, spent by the code they end in. */
export const oauthPushedRequests = pgTable('oauth_pushed_requests', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** SHA-256 of the request_uri's random part (256 bits). */
  hash: text('hash').notNull().unique(),
  clientId: text('client_id').notNull(),
  /** The pushed parameters, form-encoded, as the client sent them (client authentication removed). */
  parameters: text('parameters').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** Set once, atomically, when an authorization code is issued for it (RFC 9126 §4: one-time use). */
  usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('oauth_pushed_requests_expires_at_idx').on(t.expiresAt)]);

/**
 * DPoP proofs seen, by SHA-256 of their key thumbprint and `jti` (RFC 9449 §11.1): a proof is accepted once,
 * on whichever instance, while its `iat` is within the window. The janitor deletes rows past `expires_at`.
 */
export const oauthDpopProofs = pgTable('oauth_dpop_proofs', {
  /** SHA-256 of `<jkt>.<jti>`: bounded in size whatever the client sent. */
  hash: text('hash').primaryKey(),
  /** After this the proof's `iat` is out of the window anyway: the row may go. */
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
}, (t) => [index('oauth_dpop_proofs_expires_at_idx').on(t.expiresAt)]);
