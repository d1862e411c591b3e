import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Keys that sign access tokens (and later ID tokens). Private halves never leave the database and the process. */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  /** JWS algorithm, e.g. EdDSA or RS256. */
  alg: text('alg').notNull(),
  privateJwk: text('private_jwk').notNull(),
  publicJwk: text('public_jwk').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  /** When a newer key took over; still served in the JWKS until the tokens it signed have expired. */
  retiredAt: timestamp('retired_at', { withTimezone: true, mode: 'date' }),
});

/** Server-side symmetric secrets, made at first start (e.g. the key that derives refresh-token successors). */
export const serverSecrets = pgTable('server_secrets', {
  name: text('name').primaryKey(),
  /** base64url of 32 random bytes. */
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
