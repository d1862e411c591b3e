import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair } from 'jose';
import type { Database } from '../../src/db/client.ts';
import { RSA_MODULUS_BITS, type SigningAlg } from '../../src/tokens/keys.ts';

type KeyPairJwks = { readonly privateJwk: Record<string, unknown>; readonly publicJwk: Record<string, unknown> };

// One key pair per algorithm per test process, of the production sizes (RSA_MODULUS_BITS, Ed25519):
// generating an RSA-3072 key took a second or more per fresh test app, for what each test does not look at.
const pairs = new Map<SigningAlg, Promise<KeyPairJwks>>();

function pairFor(alg: SigningAlg): Promise<KeyPairJwks> {
  let pair = pairs.get(alg);
  if (pair === undefined) {
    pair = (async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg, {
        extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : { modulusLength: RSA_MODULUS_BITS }),
      });
      return { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
    })();
    pairs.set(alg, pair);
  }
  return pair;
}

/**
 * Gives a fresh, migrated test database its first signing keys as KeyRing would make them (the same
 * columns and JWK shapes), each under a kid of its own, so that the app starts without generating any.
 * Rotation in a test still generates new keys.
 */
export async function seedSigningKeys(database: Database): Promise<void> {
  for (const alg of ['EdDSA', 'RS256'] as const) {
    const { privateJwk, publicJwk } = await pairFor(alg);
    const kid = randomUUID();
    await database.rows(sql`insert into signing_keys (kid, alg, private_jwk, public_jwk, created_at)
      values (${kid}, ${alg}, ${JSON.stringify({ ...privateJwk, kid, alg })}, ${JSON.stringify({ ...publicJwk, kid, alg, use: 'sig' })}, ${new Date().toISOString()}::timestamptz)`);
  }
}
