import { claimAttemptById, clearFailedLogins } from '../accounts/login.ts';
import { recordAuditEvent } from '../audit/record.ts';
import type { RequestMeta } from '../audit/record.ts';
import { InvalidSecondFactorError, InvalidTokenError } from '../errors.ts';
import type { SignInBudget } from '../accounts/sign-in-budget.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { countChallengeFailure, findChallenge, spendChallenge, type Delivery } from './challenge.ts';
import { checkCode, proofMethod, type CodeProof } from './check-code.ts';

/** What completing a held sign-in uses. */
export interface VerifySecondFactorDeps {
  readonly database: Database;
  readonly config: Config;
  readonly signInBudget: SignInBudget;
}

interface PassedSignIn {
  readonly userId: string;
  readonly delivery: Delivery;
  /** RFC 8176: the first factor, `otp` (or `hwk`/`swk` for a passkey), and `mfa` since two factors passed. */
  readonly amr: readonly string[];
}

const deadChallenge = () => new InvalidTokenError('The sign-in challenge is unknown, expired or already used; sign in again.');

/**
 * Completes a sign-in held by a challenge with a code or a passkey assertion. Counted before it is checked, per client
 * address and against the account's sign-in throttle (a wrong code is a failure like a wrong password);
 * the challenge dies after a few wrong codes, and is spent, atomically, by the right one.
 */
export async function verifySecondFactor(services: VerifySecondFactorDeps, meta: RequestMeta, challenge: string, proof: CodeProof): Promise<PassedSignIn> {
  const { database } = services;
  const method = proofMethod(proof);
  await services.signInBudget.take(meta.ip);
  const pending = await findChallenge(database, challenge);
  if (pending === undefined) throw deadChallenge();
  await claimAttemptById(database, pending.userId);
  const audit = (type: string, detail: string) =>
    recordAuditEvent(database, { type, userId: pending.userId, ip: meta.ip, userAgent: meta.userAgent, detail });
  const factor = await checkCode(database, services.config, pending.userId, proof, { purpose: 'SECOND_FACTOR', attemptId: pending.id, meta });
  if (factor === null) {
    await countChallengeFailure(database, pending.id);
    await audit('second_factor.failed', `method: ${method}`);
    throw new InvalidSecondFactorError();
  }
  if (!(await spendChallenge(database, pending.id))) throw deadChallenge();
  await clearFailedLogins(database, pending.userId);
  await services.signInBudget.giveBack(meta.ip);
  await audit('second_factor.succeeded', `method: ${method}`);
  return { userId: pending.userId, delivery: pending.delivery, amr: [pending.firstFactor, factor, 'mfa'] };
}
