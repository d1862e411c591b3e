import { randomUUID } from 'node:crypto';
import { desc, isNull, sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Database } from '../db/client.ts';
import { signingKeys } from './tables.ts';

export type SigningAlg = 'EdDSA' | 'RS256';

export interface VerificationKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly key: CryptoKey;
}

export interface SigningKey extends VerificationKey {
  readonly privateKey: CryptoKey;
}

/** The keys of this deployment: the current signer per algorithm and every key still served in the JWKS. */
export interface KeyRing {
  readonly signer: (alg: SigningAlg) => SigningKey;
  readonly byKid: ReadonlyMap<string, VerificationKey>;
  readonly jwks: { readonly keys: readonly JWK[] };
}

// Serialises first-start key creation between instances sharing one database.
const KEY_CREATION_LOCK = 7_412_032;

/**
 * Loads the signing keys, creating the first key of each algorithm on first start (in the database,
 * so that every instance signs and verifies with the same keys).
 */
export async function loadKeyRing(database: Database, algs: readonly SigningAlg[] = ['EdDSA']): Promise<KeyRing> {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEY_CREATION_LOCK})`);
    const current = await tx.select({ alg: signingKeys.alg }).from(signingKeys).where(isNull(signingKeys.retiredAt));
    for (const alg of algs.filter((a) => !current.some((row) => row.alg === a))) {
      await tx.insert(signingKeys).values(await generateKey(alg));
    }
  });
  const rows = await database.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt));
  const byKid = new Map<string, VerificationKey>();
  const signers = new Map<SigningAlg, SigningKey>();
  const jwks: JWK[] = [];
  for (const row of rows) {
    const alg = row.alg as SigningAlg;
    const publicJwk = JSON.parse(row.publicJwk) as JWK;
    const key = (await importJWK(publicJwk, alg)) as CryptoKey;
    byKid.set(row.kid, { kid: row.kid, alg, key });
    jwks.push(publicJwk);
    if (row.retiredAt === null && !signers.has(alg)) {
      const privateKey = (await importJWK(JSON.parse(row.privateJwk) as JWK, alg)) as CryptoKey;
      signers.set(alg, { kid: row.kid, alg, key, privateKey });
    }
  }
  return {
    signer: (alg) => {
      const key = signers.get(alg);
      if (key === undefined) throw new Error(`no ${alg} signing key loaded`);
      return key;
    },
    byKid,
    jwks: { keys: jwks },
  };
}

async function generateKey(alg: SigningAlg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : { modulusLength: 2048 }),
  });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  return { kid, alg, privateJwk: JSON.stringify(privateJwk), publicJwk: JSON.stringify(publicJwk) };
}
