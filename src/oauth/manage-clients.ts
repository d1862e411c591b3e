import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { hashSecret, randomSecret } from '../lib/secrets.ts';
import { checkClientSettings, findClient, toClientRecord, type ClientSettings, type OAuthClientRecord } from './clients.ts';
import { oauthClients, oauthCodes } from './tables.ts';

/** A client's settings to change; a field left out stays as it is. */
export type ClientChanges = Partial<ClientSettings>;

/**
 * Changes a client's settings, checked as a whole by the rules of registration (checkClientSettings);
 * undefined when unknown. New authorization and token requests follow at once. The row is locked from
 * the read to the write, so two admins changing different settings at once never store a combination
 * that was not checked as a whole: the second waits, and is checked against the first's result.
 */
export async function updateClient(database: Database, clientId: string, changes: ClientChanges): Promise<OAuthClientRecord | undefined> {
  const given = (Object.keys(changes) as (keyof ClientSettings)[]).filter((name) => changes[name] !== undefined);
  if (given.length === 0) return findClient(database, clientId);
  return database.db.transaction(async (tx) => {
    const [row] = await tx.select().from(oauthClients).where(eq(oauthClients.clientId, clientId)).for('update');
    if (row === undefined) return undefined;
    const current = toClientRecord(row);
    const settings = checkClientSettings({ ...current, ...Object.fromEntries(given.map((name) => [name, changes[name]])) }, current.public);
    const columns = Object.fromEntries(given.map((name) => [name, settings[name]]));
    const [updated] = await tx.update(oauthClients).set(columns).where(eq(oauthClients.clientId, clientId)).returning();
    return toClientRecord(updated!);
  });
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
  return row === undefined ? undefined : { client: toClientRecord(row), clientSecret: secret };
}

/** Deletes a client and its unspent codes; false when unknown. The caller ends its grants. */
export async function deleteClient(database: Database, clientId: string): Promise<boolean> {
  await database.db.delete(oauthCodes).where(eq(oauthCodes.clientId, clientId));
  const gone = await database.db.delete(oauthClients).where(eq(oauthClients.clientId, clientId)).returning({ id: oauthClients.id });
  return gone.length > 0;
}
