import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { hashSecret, isPlausibleSecret, randomSecret } from '../lib/secrets.ts';
import { after } from '../lib/time.ts';
import { SecondFactorRequired, type SecondFactorMethod } from '../errors.ts';
import { secondFactorChallenges } from './tables.ts';

const CHALLENGE_TTL_MS = 5 * 60 * 1000;
/** Wrong codes one challenge takes before it dies; the account's failed-login delay counts them too. */
const CHALLENGE_MAX_FAILURES = 5;

export type Delivery = 'TOKENS' | 'COOKIE';

interface PendingSignIn {
  readonly id: string;
  readonly userId: string;
  readonly delivery: Delivery;
  readonly firstFactor: string;
}

/**
 * Holds a sign-in whose first factor passed until its second factor does: a 256-bit challenge, stored
 * as a hash, for 5 minutes. Returns the SecondFactorRequired answer that carries it.
 */
export async function issueChallenge(
  database: Database, input: { userId: string; delivery: Delivery; firstFactor: string; methods: readonly SecondFactorMethod[] },
): Promise<SecondFactorRequired> {
  const challenge = randomSecret();
  const expiresAt = after(CHALLENGE_TTL_MS);
  await database.db.insert(secondFactorChallenges).values({
    hash: hashSecret(challenge), userId: input.userId, delivery: input.delivery, firstFactor: input.firstFactor, expiresAt,
  });
  return new SecondFactorRequired(challenge, input.methods, expiresAt);
}

/** The live sign-in a challenge holds: unspent, unexpired, not worn out by wrong codes. */
export async function findChallenge(database: Database, challenge: string): Promise<PendingSignIn | undefined> {
  if (!isPlausibleSecret(challenge)) return undefined;
  const [row] = await database.db.select().from(secondFactorChallenges).where(and(
    eq(secondFactorChallenges.hash, hashSecret(challenge)), isNull(secondFactorChallenges.usedAt),
    gt(secondFactorChallenges.expiresAt, sql`now()`), lt(secondFactorChallenges.failures, CHALLENGE_MAX_FAILURES),
  ));
  return row === undefined ? undefined : { id: row.id, userId: row.userId, delivery: row.delivery, firstFactor: row.firstFactor };
}

export async function countChallengeFailure(database: Database, id: string): Promise<void> {
  await database.db.update(secondFactorChallenges).set({ failures: sql`${secondFactorChallenges.failures} + 1` })
    .where(eq(secondFactorChallenges.id, id));
}

/** Spends a challenge, atomically: of two requests at once, one wins. */
export async function spendChallenge(database: Database, id: string): Promise<boolean> {
  const spent = await database.db.update(secondFactorChallenges).set({ usedAt: sql`now()` })
    .where(and(eq(secondFactorChallenges.id, id), isNull(secondFactorChallenges.usedAt), gt(secondFactorChallenges.expiresAt, sql`now()`)))
    .returning({ id: secondFactorChallenges.id });
  return spent.length > 0;
}
