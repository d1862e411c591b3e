import { lt } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { deleteInBatches } from '../db/purge.ts';
import { hashSecret } from '../lib/secrets.ts';
import { oauthDpopProofs } from './tables.ts';

/**
 * Records a DPoP proof as seen (RFC 9449 §11.1) and says whether it is the first time, on any instance:
 * one `insert … on conflict do nothing`, so of two concurrent presentations exactly one wins. Keyed by the
 * key's thumbprint and the `jti`; kept until `expiresAt`, after which the proof's `iat` is refused anyway.
 */
export async function claimDpopProof(database: Database, jkt: string, jti: string, expiresAt: Date): Promise<boolean> {
  const inserted = await database.db.insert(oauthDpopProofs).values({ hash: hashSecret(`${jkt}.${jti}`), expiresAt })
    .onConflictDoNothing().returning({ hash: oauthDpopProofs.hash });
  return inserted.length === 1;
}

/** Deletes the proofs whose window has passed (the janitor's hourly run). */
export function purgeDpopProofs(database: Database, now = Date.now()): Promise<number> {
  return deleteInBatches(database, oauthDpopProofs, lt(oauthDpopProofs.expiresAt, new Date(now)));
}
