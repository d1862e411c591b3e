import { randomBytes } from 'node:crypto';
import { desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { olderThan } from '../db/keyset.ts';
import { ValidationError } from '../errors.ts';
import { constantTimeEqual, hashSecret, randomSecret } from '../lib/secrets.ts';
import { redirectUriProblem } from './redirect-uri.ts';
import { oauthClients } from './tables.ts';

/**
 * What a third-party client can ever be granted: reading who the user is, and `offline_access` (OIDC
 * Core §11): keeping access after the user's session ends. API keys, sessions and clients are managed
 * only through first-party credentials.
 */
export const OAUTH_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/** OIDC Core §11: the grant outlives the user's session (up to its absolute lifetime) only with this scope. */
export const OFFLINE_ACCESS = 'offline_access';

/** The token endpoint's grant types a client may be registered for, by their RFC names (RFC 7591 §2). */
export const GRANT_TYPES = {
  AUTHORIZATION_CODE: 'authorization_code',
  REFRESH_TOKEN: 'refresh_token',
  CLIENT_CREDENTIALS: 'client_credentials',
  /** RFC 8628 §3.4. */
  DEVICE_CODE: 'urn:ietf:params:oauth:grant-type:device_code',
} as const;
export type GrantType = (typeof GRANT_TYPES)[keyof typeof GRANT_TYPES];

export interface OAuthClientRecord {
  readonly id: string;
  readonly clientId: string;
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly scopes: readonly string[];
  readonly public: boolean;
  readonly grantTypes: readonly GrantType[];
  /** Authorization requests only through PAR (RFC 9126 §6). */
  readonly requirePar: boolean;
  readonly postLogoutRedirectUris: readonly string[];
  /** Every token request must carry a DPoP proof, so its tokens are always sender-constrained (RFC 9449 §5.2). */
  readonly dpopBoundAccessTokens: boolean;
  readonly createdAt: Date;
}

type Row = typeof oauthClients.$inferSelect;

export function toClientRecord(row: Row): OAuthClientRecord {
  return {
    id: row.id, clientId: row.clientId, name: row.name, redirectUris: row.redirectUris, scopes: row.scopes,
    public: row.secretHash === null, grantTypes: row.grantTypes as GrantType[], requirePar: row.requirePar,
    postLogoutRedirectUris: row.postLogoutRedirectUris, dpopBoundAccessTokens: row.dpopBoundAccessTokens, createdAt: row.createdAt,
  };
}

/** What an admin sets on a client, at registration (registerClient) or later (updateClient). */
export interface ClientSettings {
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly scopes: readonly string[];
  readonly grantTypes: readonly GrantType[];
  readonly requirePar: boolean;
  readonly postLogoutRedirectUris: readonly string[];
  /** RFC 9449 §5.2 (dpop_bound_access_tokens): refuse token requests without a DPoP proof. */
  readonly dpopBoundAccessTokens: boolean;
}

/**
 * Checks a client's whole settings, the same rules at registration and on every change; answers them
 * trimmed and without duplicates, or throws ValidationError naming the field.
 */
export function checkClientSettings(settings: ClientSettings, isPublic: boolean): ClientSettings {
  const name = settings.name.trim();
  if (name.length < 1 || name.length > 100) throw new ValidationError('The name must be 1 to 100 characters.', 'name');
  const grantTypes = [...new Set(settings.grantTypes)];
  if (grantTypes.length === 0) throw new ValidationError('Give at least one grant type.', 'grantTypes');
  if (isPublic && grantTypes.includes(GRANT_TYPES.CLIENT_CREDENTIALS)) {
    throw new ValidationError('A public client cannot use client_credentials: it has no secret.', 'grantTypes');
  }
  // Only the code flow sends the browser back to the client: a device-only client (RFC 8628) needs no redirect URI.
  const needsRedirect = grantTypes.includes(GRANT_TYPES.AUTHORIZATION_CODE);
  if (settings.redirectUris.length < (needsRedirect ? 1 : 0) || settings.redirectUris.length > 10) {
    throw new ValidationError(needsRedirect ? 'Give 1 to 10 redirect URIs.' : 'Give at most 10 redirect URIs.', 'redirectUris');
  }
  for (const uri of settings.redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem !== null) throw new ValidationError(`The redirect URI ${JSON.stringify(uri.slice(0, 100))} ${problem}.`, 'redirectUris');
  }
  const postLogoutRedirectUris = [...new Set(settings.postLogoutRedirectUris)];
  if (postLogoutRedirectUris.length > 10) throw new ValidationError('Give at most 10 post-logout redirect URIs.', 'postLogoutRedirectUris');
  for (const uri of postLogoutRedirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem !== null) {
      throw new ValidationError(`The post-logout redirect URI ${JSON.stringify(uri.slice(0, 100))} ${problem}.`, 'postLogoutRedirectUris');
    }
  }
  const unknown = settings.scopes.filter((scope) => !(OAUTH_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) {
    throw new ValidationError(`A client may only be granted ${OAUTH_SCOPES.join(', ')}; not ${unknown.join(', ')}.`, 'scopes');
  }
  return {
    name, grantTypes, requirePar: settings.requirePar, postLogoutRedirectUris, dpopBoundAccessTokens: settings.dpopBoundAccessTokens,
    redirectUris: [...new Set(settings.redirectUris)], scopes: [...new Set(settings.scopes)],
  };
}

interface RegisterClientInput {
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly scopes: readonly string[];
  readonly public: boolean;
  readonly createdBy: string | null;
  /** Default: authorization_code and refresh_token, and client_credentials for a confidential client. */
  readonly grantTypes?: readonly GrantType[] | null;
  readonly requirePar?: boolean | null;
  readonly postLogoutRedirectUris?: readonly string[] | null;
  readonly dpopBoundAccessTokens?: boolean | null;
}

/**
 * Registers a client. Confidential clients get a 256-bit secret, returned here once and stored only as
 * its SHA-256. Its settings must pass checkClientSettings.
 */
export async function registerClient(database: Database, input: RegisterClientInput) {
  const settings = checkClientSettings({
    name: input.name, redirectUris: input.redirectUris, scopes: input.scopes,
    grantTypes: input.grantTypes ?? [
      GRANT_TYPES.AUTHORIZATION_CODE, GRANT_TYPES.REFRESH_TOKEN, ...(input.public ? [] : [GRANT_TYPES.CLIENT_CREDENTIALS]),
    ],
    requirePar: input.requirePar ?? false,
    postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
    dpopBoundAccessTokens: input.dpopBoundAccessTokens ?? false,
  }, input.public);
  const secret = input.public ? null : randomSecret();
  const [row] = await database.db.insert(oauthClients).values({
    ...settings,
    redirectUris: [...settings.redirectUris],
    scopes: [...settings.scopes],
    grantTypes: [...settings.grantTypes],
    postLogoutRedirectUris: [...settings.postLogoutRedirectUris],
    clientId: `lk_${randomBytes(16).toString('base64url')}`,
    secretHash: secret === null ? null : hashSecret(secret),
    createdBy: input.createdBy,
  }).returning();
  return { client: toClientRecord(row!), clientSecret: secret };
}

/** Registered clients, newest first, after a cursor; `limit` is the page size plus one. */
export async function listClients(
  database: Database, page: { readonly after: { readonly at: Date; readonly id: string } | null; readonly limit: number },
): Promise<OAuthClientRecord[]> {
  const rows = await database.db.select().from(oauthClients)
    .where(page.after === null ? undefined : olderThan(oauthClients, oauthClients.createdAt, oauthClients.id, page.after))
    .orderBy(desc(oauthClients.createdAt), desc(oauthClients.id)).limit(page.limit);
  return rows.map(toClientRecord);
}

/** One client by its public client_id; undefined when unknown. */
export async function findClient(database: Database, clientId: string): Promise<OAuthClientRecord | undefined> {
  return (await findRow(database, clientId)).map(toClientRecord)[0];
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
  if (row.secretHash === null) return secret === null ? toClientRecord(row) : undefined;
  if (secret === null || secret.length > 200 || !constantTimeEqual(hashSecret(secret), row.secretHash)) return undefined;
  return toClientRecord(row);
}
