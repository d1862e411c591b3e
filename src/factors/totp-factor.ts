import { and, eq, isNotNull, isNull, or, lt, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { SecretBox } from '../lib/secret-box.ts';
import { TotpAlreadyEnabledError } from '../errors.ts';
import { totpFactors } from './tables.ts';
import { matchTotp, newTotpSecret, qrCodeSvg, totpUri } from './totp.ts';

export interface TotpEnrolment {
  readonly secret: string;
  readonly uri: string;
  readonly qrCodeSvg: string;
}

// The user id is the associated data: a sealed secret copied to another account's row does not open.
const box = (config: Config) => new SecretBox(config.secrets.key, config.secrets.previousKeys);

/**
 * Starts enrolling an authenticator app: a fresh secret, sealed at rest, that counts only once
 * confirmed by a first code. Starting again replaces an unconfirmed secret; a confirmed one must be
 * disabled first (TotpAlreadyEnabledError).
 */
export async function startTotpEnrolment(database: Database, config: Config, user: { id: string; email: string }): Promise<TotpEnrolment> {
  const secret = newTotpSecret();
  const sealedSecret = box(config).seal(secret, user.id);
  const [row] = await database.db.insert(totpFactors).values({ userId: user.id, sealedSecret })
    .onConflictDoUpdate({ target: totpFactors.userId, set: { sealedSecret, createdAt: sql`now()`, lastUsedStep: null }, setWhere: isNull(totpFactors.confirmedAt) })
    .returning({ userId: totpFactors.userId });
  if (row === undefined) throw new TotpAlreadyEnabledError();
  const issuer = new URL(config.publicUrl).host;
  const uri = totpUri(secret, issuer, user.email);
  return { secret, uri, qrCodeSvg: await qrCodeSvg(uri) };
}

/**
 * Accepts a code of the account's authenticator, once: the code's step must be later than the last
 * step accepted, and is recorded in the same statement, so a code (or an earlier one) is never accepted
 * twice, even by two requests at once. `pending` checks the unconfirmed secret of an enrolment and
 * confirms it. Returns false for a wrong, stale or replayed code.
 */
export async function acceptTotpCode(
  database: Database, config: Config, userId: string, code: string, which: 'confirmed' | 'pending', now = Date.now(),
): Promise<boolean> {
  const confirmed = which === 'confirmed' ? isNotNull(totpFactors.confirmedAt) : isNull(totpFactors.confirmedAt);
  const [row] = await database.db.select().from(totpFactors).where(and(eq(totpFactors.userId, userId), confirmed));
  if (row === undefined) return false;
  const secrets = box(config);
  const secret = secrets.open(row.sealedSecret, userId);
  const step = matchTotp(secret, code, now);
  if (step === null) return false;
  const accepted = await database.db.update(totpFactors).set({
    lastUsedStep: step,
    ...(which === 'pending' ? { confirmedAt: sql`now()` } : {}),
    ...(secrets.isStale(row.sealedSecret) ? { sealedSecret: secrets.seal(secret, userId) } : {}),
  }).where(and(
    eq(totpFactors.userId, userId), confirmed,
    or(isNull(totpFactors.lastUsedStep), lt(totpFactors.lastUsedStep, step)),
  )).returning({ userId: totpFactors.userId });
  return accepted.length > 0;
}

/** Removes the account's authenticator; false when it had none. */
export async function deleteTotp(database: Database, userId: string): Promise<boolean> {
  const deleted = await database.db.delete(totpFactors).where(eq(totpFactors.userId, userId)).returning({ userId: totpFactors.userId });
  return deleted.length > 0;
}
