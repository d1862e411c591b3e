import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import type { SecondFactorMethod } from '../errors.ts';
import { spendRecoveryCode } from './recovery-codes.ts';
import { acceptTotpCode } from './totp-factor.ts';

/** A code the user typed: from the authenticator app, or one of their recovery codes. Exactly one. */
export interface CodeProof {
  readonly totp?: string | null;
  readonly recoveryCode?: string | null;
}

/** Which kind of code a proof holds; ValidationError unless it holds exactly one. */
export function proofMethod(proof: CodeProof): SecondFactorMethod {
  const given = [proof.totp, proof.recoveryCode].filter((v) => v != null).length;
  if (given !== 1) throw new ValidationError('Give exactly one of totp and recoveryCode.', 'totp');
  return proof.totp != null ? 'TOTP' : 'RECOVERY_CODE';
}

/** Checks and spends a code of the account (a TOTP step or a recovery code, never twice); false when wrong. */
export function checkCode(database: Database, config: Config, userId: string, proof: CodeProof): Promise<boolean> {
  return proofMethod(proof) === 'TOTP'
    ? acceptTotpCode(database, config, userId, proof.totp!.trim(), 'confirmed')
    : spendRecoveryCode(database, userId, proof.recoveryCode!);
}
