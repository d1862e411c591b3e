import type { Database } from '../db/client.ts';
import type { SecondFactorMethod } from '../errors.ts';
import { recoveryCodesLeft } from './recovery-codes.ts';
import { findTotp } from './totp-status.ts';

/** The second factors an account can sign in with; empty when it has none (the password alone signs it in). */
export async function secondFactorMethods(database: Database, userId: string): Promise<SecondFactorMethod[]> {
  const totp = await findTotp(database, userId);
  if (totp?.confirmedAt == null) return [];
  return (await recoveryCodesLeft(database, userId)) > 0 ? ['TOTP', 'RECOVERY_CODE'] : ['TOTP'];
}

export async function hasSecondFactor(database: Database, userId: string): Promise<boolean> {
  return (await secondFactorMethods(database, userId)).length > 0;
}
