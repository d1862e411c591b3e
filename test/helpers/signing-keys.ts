import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { inject } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { RSA_MODULUS_BITS, type SigningAlg } from '../../src/tokens/keys.ts';

export type SigningKeyPairs = Record<SigningAlg, { readonly privateJwk: JWK; readonly publicJwk: JWK }>;

declare module 'vitest' {
  export interface ProvidedContext {
    signingKeyPairs: SigningKeyPairs;
  }
}

/** One key pair per algorithm, of the production sizes (RSA_MODULUS_BITS, Ed25519), as KeyRing makes them. */
export async function generateSigningKeyPairs(): Promise<SigningKeyPairs> {
  const pair = async (alg: SigningAlg) => {
    const { privateKey, publicKey } = await generateKeyPair(alg, {
      extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : { modulusLength: RSA_MODULUS_BITS }),
    });
    return { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
  };
  return { EdDSA: await pair('EdDSA'), RS256: await pair('RS256') };
}

// Made once per run by test/helpers/global-setup.ts; a file run without it makes its own, once per process.
let pairs: Promise<SigningKeyPairs> | undefined;

/**
 * Gives a fresh, migrated test database its first signing keys as KeyRing would make them (the same
 * columns and JWK shapes), each under a kid of its own, so that the app starts without generating any:
 * an RSA-3072 key took seconds per fresh test app on a busy machine. Rotation in a test still generates.
 */
export async function seedSigningKeys(database: Database): Promise<void> {
  pairs ??= Promise.resolve(inject('signingKeyPairs') ?? generateSigningKeyPairs());
  const provided = await pairs;
  for (const alg of ['EdDSA', 'RS256'] as const) {
    const { privateJwk, publicJwk } = provided[alg];
    const kid = randomUUID();
    await database.rows(sql`insert into signing_keys (kid, alg, private_jwk, public_jwk, created_at)
      values (${kid}, ${alg}, ${JSON.stringify({ ...privateJwk, kid, alg })}, ${JSON.stringify({ ...publicJwk, kid, alg, use: 'sig' })}, ${new Date().toISOString()}::timestamptz)`);
  }
}
