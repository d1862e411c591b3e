import { readFileSync } from 'node:fs';
import { hash, verify } from '@node-rs/argon2';
import { randomSecret } from '../lib/secrets.ts';

/** OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1. */
const ARGON2_PARAMS = Object.freeze({
  algorithm: 2, // Algorithm.Argon2id (a const enum, which isolated modules cannot read)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
    .split('\n').filter((line) => line !== '' && !line.startsWith('#')),
);

/**
 * NIST SP 800-63B rules: 8 to 128 characters counted as Unicode code points (spaces and any script
 * allowed, never truncated), no composition rules, and none of the most common passwords.
 * Returns why the password is refused, or null.
 */
export function passwordProblem(password: string, email?: string): string | null {
  const length = [...password.normalize('NFC')].length;
  if (length < PASSWORD_MIN_LENGTH) return `The password must have at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `The password must have at most ${PASSWORD_MAX_LENGTH} characters.`;
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return 'That password is among the most common ones; choose another.';
  if (email !== undefined && lower === email.toLowerCase()) return 'The password must not be the email address.';
  return null;
}

/** Hashes on libuv's thread pool, off the event loop. */
export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFC'), ARGON2_PARAMS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password.normalize('NFC'));
  } catch {
    return false;
  }
}

/** True when a stored hash was made with other parameters than today's, so a login should rehash it. */
export function needsRehash(passwordHash: string): boolean {
  const { memoryCost, timeCost, parallelism } = ARGON2_PARAMS;
  return !passwordHash.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`);
}

let dummy: Promise<string> | undefined;

/** A hash of nothing anyone knows, verified for unknown emails so that they cost what a real account costs. */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(randomSecret());
  return dummy;
}
