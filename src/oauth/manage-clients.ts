import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../graphql/errors.ts';
import { hashSecret, randomSecret } from '../lib/secrets.ts';
import { OAUTH_SCOPES, type OAuthClientRecord } from './clients.ts';
import { redirectUriProblem } from './redirect-uri.ts';
import { oauthClients, oauthCodes } from './tables.ts';

type Row = typeof oauthClients.$inferSelect;

function toRecord(row: Row): OAuthClientRecord {
  return {
    id: row.id, clientId: row.clientId, name: row.name, redirectUris: row.redirectUris, scopes: row.scopes,
    public: row.secretHash === null, createdAt: row.createdAt,
  };
}

export interface ClientChanges {
  readonly name?: string;
  readonly redirectUris?: readonly string[];
  readonly scopes?: readonly string[];
}

/** Checks changes by the rules of registration (registerClient); only the fields given. */
function validChanges(changes: ClientChanges): { name?: string; redirectUris?: string[]; scopes?: string[] } {
  const out: { name?: string; redirectUris?: string[]; scopes?: string[] } = {};
  if (changes.name !== undefined) {
    const name = changes.name.trim();
    if (name.length < 1 || name.length > 100) throw new ValidationError('The name must be 1 to 100 characters.', 'name');
    out.name = name;
  }
  if (changes.redirectUris !== undefined) {
    if (changes.redirectUris.length < 1 || changes.redirectUris.length > 10) throw new ValidationError('Give 1 to 10 redirect URIs.', 'redirectUris');
    for (const uri of changes.redirectUris) {
      const problem = redirectUriProblem(uri);
      if (problem !== null) throw new ValidationError(`The redirect URI ${JSON.stringify(uri.slice(0, 100))} ${problem}.`, 'redirectUris');
    }
    out.redirectUris = [...new Set(changes.redirectUris)];
  }
  if (changes.scopes !== undefined) {
    const unknown = changes.scopes.filter((scope) => !(OAUTH_SCOPES as readonly string[]).includes(scope));
    if (unknown.length > 0) throw new ValidationError(`A client may only be granted ${OAUTH_SCOPES.join(', ')}; not ${unknown.join(', ')}.`, 'scopes');
    out.scopes = [...new Set(changes.scopes)];
  }
  return out;
}

/** Changes a client's name, redirect URIs or scopes; undefined when unknown. New authorizations follow at once. */
export async function updateClient(database: Database, clientId: string, changes: ClientChanges): Promise<OAuthClientRecord | undefined> {
  const valid = validChanges(changes);
  if (Object.keys(valid).length === 0) {
    const [row] = await database.db.select().from(oauthClients).where(eq(oauthClients.clientId, clientId));
    return row === undefined ? undefined : toRecord(row);
  }
  const [row] = await database.db.update(oauthClients).set(valid).where(eq(oauthClients.clientId, clientId)).returning();
  return row === undefined ? undefined : toRecord(row);
}

/**
 * Gives a confidential client a new 256-bit secret (stored as its SHA-256, returned once); the old one
 * stops at once. undefined when unknown; ValidationError for a public client, which has none.
 */
export async function rotateClientSecret(database: Database, clientId: string): Promise<{ client: OAuthClientRecord; clientSecret: string } | undefined> {
  const [current] = await database.db.select({ secretHash: oauthClients.secretHash }).from(oauthClients).where(eq(oauthClients.clientId, clientId));
  if (current === undefined) return undefined;
  if (current.secretHash === null) throw new ValidationError('A public client has no secret to rotate.', 'clientId');
  const secret = randomSecret();
  const [row] = await database.db.update(oauthClients).set({ secretHash: hashSecret(secret) }).where(eq(oauthClients.clientId, clientId)).returning();
  return row === undefined ? undefined : { client: toRecord(row), clientSecret: secret };
}

/** Deletes a client and its unspent codes; false when unknown. The caller ends its grants. */
export async function deleteClient(database: Database, clientId: string): Promise<boolean> {
  await database.db.delete(oauthCodes).where(eq(oauthCodes.clientId, clientId));
  const gone = await database.db.delete(oauthClients).where(eq(oauthClients.clientId, clientId)).returning({ id: oauthClients.id });
  return gone.length > 0;
}
