import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Seals short secrets kept at rest (TOTP seeds) with AES-256-GCM under SECRETS_KEY. A sealed value is
 * `v1.<key id>.<iv>.<ciphertext+tag>`: the key id (a hash prefix, not the key) picks the key among the
 * current and previous ones, so values sealed before a rotation still open and are sealed again on use.
 */
export class SecretBox {
  readonly #current: { id: string; key: Buffer };
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    this.#current = { id: keyId(current), key: current };
    this.#keys = new Map([current, ...previous].map((key) => [keyId(key), key]));
  }

  seal(plaintext: string, context: string): string {
    // A 96-bit random IV (NIST SP 800-38D §8.2.2); the context (e.g. the user id) is bound as associated data.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv).setAAD(Buffer.from(context));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return ['v1', this.#current.id, iv.toString('base64url'), sealed.toString('base64url')].join('.');
  }

  /** Opens a sealed value; throws when no known key opens it or it was tampered with. */
  open(sealed: string, context: string): string {
    const [version, id, iv, body] = sealed.split('.');
    const key = id === undefined ? undefined : this.#keys.get(id);
    if (version !== 'v1' || key === undefined || iv === undefined || body === undefined) throw new Error('sealed with an unknown key');
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
  }

  /** True when a value was sealed under an older key and should be sealed again. */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.#current.id;
  }
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}
