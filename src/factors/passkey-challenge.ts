import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Database } from '../db/client.ts';
import { hashSecret, randomSecret } from '../lib/secrets.ts';
import { after } from '../lib/time.ts';
import { passkeyChallenges } from './tables.ts';

export type PasskeyPurpose = 'REGISTRATION' | 'SECOND_FACTOR' | 'SIGN_IN' | 'REAUTHENTICATION';

/**
 * Passwordless ceremonies one client address may start in 10 minutes: anyone may start one, and each
 * start stores a challenge, so the rows an address can make are bounded.
 */
export const PASSKEY_STARTS_PER_ADDRESS = 100;
export const PASSKEY_STARTS_WINDOW_SECONDS = 10 * 60;

/** How long a ceremony may take: the options' timeout, and how long the server keeps the challenge. */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60 * 1000;

/**
 * A fresh WebAuthn challenge (256 random bits, base64url; WebAuthn §13.4.3 asks for at least 16 bytes)
 * for one ceremony, kept server-side as a hash for 5 minutes. A second factor's is bound to the held
 * sign-in it answers (`attemptId`, the second_factor_challenges row), so that it completes that
 * attempt and no other of the same account.
 */
export async function issuePasskeyChallenge(
  database: Database, purpose: PasskeyPurpose, userId: string | null, attemptId: string | null = null,
): Promise<string> {
  const challenge = randomSecret();
  await database.db.insert(passkeyChallenges).values({
    hash: hashSecret(challenge), purpose, userId, secondFactorChallengeId: attemptId, expiresAt: after(PASSKEY_CHALLENGE_TTL_MS),
  });
  return challenge;
}

/**
 * Spends the challenge that a ceremony's clientDataJSON signed, atomically and before anything else is
 * checked, so an answer is never verified twice (WebAuthn §13.4.3). It must be live, issued for this
 * purpose, for `userId` (none when null) and for the held sign-in `attemptId` (none when null): the
 * challenge of another attempt matches nothing and stays unspent. Returns the challenge, or null.
 */
export async function spendPasskeyChallenge(
  database: Database, clientDataJSON: unknown, purpose: PasskeyPurpose, userId: string | null, attemptId: string | null = null,
): Promise<string | null> {
  const challenge = challengeOf(clientDataJSON);
  if (challenge === null) return null;
  const spent = await database.db.update(passkeyChallenges).set({ usedAt: sql`now()` }).where(and(
    eq(passkeyChallenges.hash, hashSecret(challenge)), eq(passkeyChallenges.purpose, purpose), isNull(passkeyChallenges.usedAt),
    gt(passkeyChallenges.expiresAt, sql`now()`), userId === null ? isNull(passkeyChallenges.userId) : eq(passkeyChallenges.userId, userId),
    attemptId === null ? isNull(passkeyChallenges.secondFactorChallengeId) : eq(passkeyChallenges.secondFactorChallengeId, attemptId),
  )).returning({ id: passkeyChallenges.id });
  return spent.length > 0 ? challenge : null;
}

function challengeOf(clientDataJSON: unknown): string | null {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 4096 || !isoBase64URL.isBase64URL(clientDataJSON)) return null;
  try {
    const parsed: unknown = JSON.parse(isoBase64URL.toUTF8String(clientDataJSON));
    const challenge = (parsed as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === 'string' && /^[A-Za-z0-9_-]{43}$/.test(challenge) ? challenge : null;
  } catch {
    return null;
  }
}
