import { randomBytes } from 'node:crypto';
import { desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { olderThan } from '../db/keyset.ts';
import { ValidationError } from '../errors.ts';
import { constantTimeEqual, hashSecret, randomSecret } from '../lib/secrets.ts';
import { redirectUriProblem } from './redirect-uri.ts';
import { oauthClients } from './tables.ts';

/**
 * What a third-party client can ever be granted: reading who the user is. API keys, sessions and clients
 * are managed only through first-party credentials.
 */
export const OAUTH_SCOPES = ['openid', 'profile', 'email'] as const;

export interface OAuthClientRecord {
  readonly id: string;
  readonly clientId: string;
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly scopes: readonly string[];
  readonly public: boolean;
  readonly createdAt: Date;
}

type Row = typeof oauthClients.$inferSelect;

function toRecord(row: Row): OAuthClientRecord {
  return {
    id: row.id, clientId: row.clientId, name: row.name, redirectUris: row.redirectUris, scopes: row.scopes,
    public: row.secretHash === null, createdAt: row.createdAt,
  };
}

interface RegisterClientInput {
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly scopes: readonly string[];
  readonly public: boolean;
  readonly createdBy: string | null;
}

/**
 * Registers a client. Confidential clients get a 256-bit secret, returned here once and stored only as
 * its SHA-256. Redirect URIs must pass redirectUriProblem; scopes must be among OAUTH_SCOPES.
 */
export async function registerClient(database: Database, input: RegisterClientInput) {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) throw new ValidationError('The name must be 1 to 100 characters.', 'name');
  if (input.redirectUris.length < 1 || input.redirectUris.length > 10) {
    throw new ValidationError('Give 1 to 10 redirect URIs.', 'redirectUris');
  }
  for (const uri of input.redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem !== null) throw new ValidationError(`The redirect URI ${JSON.stringify(uri.slice(0, 100))} ${problem}.`, 'redirectUris');
  }
  const unknown = input.scopes.filter((scope) => !(OAUTH_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) {
    throw new ValidationError(`A client may only be granted ${OAUTH_SCOPES.join(', ')}; not ${unknown.join(', ')}.`, 'scopes');
  }
  const secret = input.public ? null : randomSecret();
  const [row] = await database.db.insert(oauthClients).values({
    clientId: `lk_${randomBytes(16).toString('base64url')}`,
    name,
    secretHash: secret === null ? null : hashSecret(secret),
    redirectUris: [...new Set(input.redirectUris)],
    scopes: [...new Set(input.scopes)],
    createdBy: input.createdBy,
  }).returning();
  return { client: toRecord(row!), clientSecret: secret };
}

/** Registered clients, newest first, after a cursor; `limit` is the page size plus one. */
export async function listClients(
  database: Database, page: { readonly after: { readonly at: Date; readonly id: string } | null; readonly limit: number },
): Promise<OAuthClientRecord[]> {
  const rows = await database.db.select().from(oauthClients)
    .where(page.after === null ? undefined : olderThan(oauthClients, oauthClients.createdAt, oauthClients.id, page.after))
    .orderBy(desc(oauthClients.createdAt), desc(oauthClients.id)).limit(page.limit);
  return rows.map(toRecord);
}

/** One client by its public client_id; undefined when unknown. */
export async function findClient(database: Database, clientId: string): Promise<OAuthClientRecord | undefined> {
  return (await findRow(database, clientId)).map(toRecord)[0];
}

/** The names of these clients by client_id, for listing grants. */
export async function clientNames(database: Database, clientIds: readonly string[]): Promise<Map<string, string>> {
  if (clientIds.length === 0) return new Map();
  const rows = await database.db.select({ clientId: oauthClients.clientId, name: oauthClients.name }).from(oauthClients)
    .where(inArray(oauthClients.clientId, [...clientIds]));
  return new Map(rows.map((row) => [row.clientId, row.name]));
}

function findRow(database: Database, clientId: string) {
  if (clientId.length < 1 || clientId.length > 100) return Promise.resolve([] as Row[]);
  return database.db.select().from(oauthClients).where(eq(oauthClients.clientId, clientId));
}

/**
 * Authenticates a client (RFC 6749 §2.3): a confidential client by its secret (compared as hashes, in
 * constant time), a public client by presenting no secret at all. undefined when it fails.
 */
export async function authenticateClient(database: Database, clientId: string, secret: string | null): Promise<OAuthClientRecord | undefined> {
  const [row] = await findRow(database, clientId);
  if (row === undefined) return undefined;
  if (row.secretHash === null) return secret === null ? toRecord(row) : undefined;
  if (secret === null || secret.length > 200 || !constantTimeEqual(hashSecret(secret), row.secretHash)) return undefined;
  return toRecord(row);
}
