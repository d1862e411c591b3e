import type { Database } from '../db/client.ts';
import { issueChallenge, type Delivery } from './challenge.ts';
import { hasSecondFactor, secondFactorMethods } from './methods.ts';

/** For login's `secondFactorPending`: true when the account must still pass a second factor. */
export const secondFactorPending = (database: Database) => (userId: string) => hasSecondFactor(database, userId);

/**
 * The hook of every sign-in after its first factor passed: null when the account has no second factor
 * (sign it in), else the SecondFactorRequired answer to throw, holding the sign-in for verifySecondFactor.
 */
export async function holdForSecondFactor(database: Database, userId: string, delivery: Delivery, firstFactor: 'pwd' | 'fed') {
  const methods = await secondFactorMethods(database, userId);
  return methods.length === 0 ? null : issueChallenge(database, { userId, delivery, firstFactor, methods });
}
