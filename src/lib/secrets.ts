import * as crypto from 'node:crypto';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh secret of 256 random bits, base64url: the only kind of bearer secret Latchkey hands out. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

// Node's one-shot hash (20.12 and later) costs about a fifth of a Hash object's 5 µs; a refresh hashes twice,
// and every API key, cookie or code look-up once. Node 20.11 (the oldest we run on) has only the object.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

/** SHA-256 of a secret, the only form in which secrets are stored (a leaked table grants nothing). */
export function hashSecret(secret: string): string {
  return oneShot === undefined ? createHash('sha256').update(secret).digest('base64url') : oneShot('sha256', secret, 'base64url');
}

/** HMAC-SHA-256, base64url: derives a value that only the holder of `key` can recompute. */
export function hmac(key: Buffer, message: string): string {
  return createHmac('sha256', key).update(message).digest('base64url');
}

/** Compares two strings without leaking, through timing, where they first differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a well-formed UUID: ids from clients are checked before they reach a uuid column. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Whether a presented bearer secret (refresh token, cookie, code) could be one this server made: ours are
 * 43 characters; anything far off is refused before it is hashed or looked up.
 */
export function isPlausibleSecret(value: string): boolean {
  return value.length >= 20 && value.length <= 200;
}
