import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export type KeyEnvironment = 'live' | 'test';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 256 random bits in base62 take at most 43 characters; shorter numbers are left-padded with 0. */
const RANDOM_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const KEY_PATTERN = /^sk_(live|test)_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;
/** How much of a key is kept to recognise it: the prefix and four random characters. */
const START_LENGTH = 'sk_live_'.length + 4;

function base62(value: bigint, length: number): string {
  let out = '';
  for (let rest = value; rest > 0n; rest /= 62n) out = ALPHABET[Number(rest % 62n)]! + out;
  return out.padStart(length, '0');
}

/**
 * The key's checksum: CRC-32 (IEEE, as zlib) of everything before it, in base62, six characters.
 * A secret scanner recomputes it offline to tell a real key from a look-alike.
 */
export function checksum(body: string): string {
  // A CRC-32 fits a double exactly: plain number arithmetic, no BigInt, on every key presented.
  let out = '';
  for (let rest = crc32(body); rest > 0; rest = Math.floor(rest / 62)) out = ALPHABET[rest % 62]! + out;
  return out.padStart(CHECKSUM_LENGTH, '0');
}

/** A new key: `sk_live_` or `sk_test_`, 43 base62 characters of 256 random bits, a 6-character checksum. */
export function generateKey(environment: KeyEnvironment): string {
  const body = `sk_${environment}_${base62(BigInt(`0x${randomBytes(32).toString('hex')}`), RANDOM_LENGTH)}`;
  return body + checksum(body);
}

/**
 * Checks a key's shape and checksum without any I/O: a mistyped or made-up key is refused here, and
 * costs the server nothing more.
 */
export function parseKey(raw: string): { environment: KeyEnvironment } | null {
  const match = KEY_PATTERN.exec(raw);
  if (match === null) return null;
  const body = raw.slice(0, raw.length - CHECKSUM_LENGTH);
  return checksum(body) === match[3] ? { environment: match[1] as KeyEnvironment } : null;
}

export function keyStart(key: string): string {
  return key.slice(0, START_LENGTH);
}

export function looksLikeApiKey(raw: string): boolean {
  return raw.startsWith('sk_');
}
