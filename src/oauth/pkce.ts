import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../lib/secrets.ts';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** True for an S256 code challenge: the base64url SHA-256 of a verifier, 43 characters (RFC 7636 §4.2). */
export function isS256Challenge(challenge: string): boolean {
  return CHALLENGE.test(challenge);
}

/**
 * Checks a code verifier against the S256 challenge the code was issued for (RFC 7636 §4.6): 43 to 128
 * unreserved characters whose SHA-256, base64url, is the challenge. `plain` is never accepted (RFC 9700 §2.1.1).
 */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier)) return false;
  return constantTimeEqual(createHash('sha256').update(verifier).digest('base64url'), challenge);
}
