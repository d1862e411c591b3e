import { KeyObject, sign, type webcrypto } from 'node:crypto';
import type { CryptoKey } from 'jose';

const keyObjects = new WeakMap<CryptoKey, KeyObject>();

/**
 * A JWT in JWS compact serialisation (RFC 7515 §7.1) signed with Ed25519 (RFC 8037 §3.1), at once and on
 * this thread: some 50 µs, where a WebCrypto sign (jose's) costs a job on libuv's pool and its promise
 * machinery, several times that on a refresh or a login. Verification stays with jose.
 */
export function signEdDsaJwt(header: { readonly alg: 'EdDSA' } & Record<string, unknown>, payload: Record<string, unknown>, privateKey: CryptoKey): string {
  let key = keyObjects.get(privateKey);
  if (key === undefined) {
    key = KeyObject.from(privateKey as unknown as webcrypto.CryptoKey);
    if (key.asymmetricKeyType !== 'ed25519' || key.type !== 'private') throw new Error('signEdDsaJwt needs an Ed25519 private key');
    keyObjects.set(privateKey, key);
  }
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}
