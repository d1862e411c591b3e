import { recordAuditEvent } from '../audit/record.ts';
import type { Config } from '../config.ts';
import type { RequestMeta } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import type { SecondFactorMethod } from '../errors.ts';
import { verifyPasskeyAssertion } from './passkey-assertion.ts';
import { spendRecoveryCode } from './recovery-codes.ts';
import { acceptTotpCode } from './totp-factor.ts';

/** A proof of the second factor: a code the user typed (authenticator app, recovery code) or a passkey assertion. Exactly one. */
export interface CodeProof {
  readonly totp?: string | null;
  readonly recoveryCode?: string | null;
  /** The JSON of the PublicKeyCredential that navigator.credentials.get() answered. */
  readonly passkey?: string | null;
}

/** Which kind of proof it holds; ValidationError unless it holds exactly one. */
export function proofMethod(proof: CodeProof): SecondFactorMethod {
  const given = [proof.totp, proof.recoveryCode, proof.passkey].filter((v) => v != null).length;
  if (given !== 1) throw new ValidationError('Give exactly one of totp, recoveryCode and passkey.', 'totp');
  return proof.totp != null ? 'TOTP' : proof.recoveryCode != null ? 'RECOVERY_CODE' : 'PASSKEY';
}

export interface ProofUse {
  /** What the passkey's challenge was issued for: the second step of a sign-in, or a re-verification. */
  readonly purpose: 'SECOND_FACTOR' | 'REAUTHENTICATION';
  /** For a second factor: the held sign-in (second_factor_challenges.id) the passkey challenge must have been issued for. */
  readonly attemptId?: string;
  readonly meta: RequestMeta;
}

/**
 * Checks and spends a proof of the account (a TOTP step, a recovery code or a passkey challenge, never
 * twice). Returns the RFC 8176 `amr` value of the factor (`otp`, or `hwk`/`swk` for a passkey), or null
 * when the proof is wrong. Passkey uses and refusals are audited here, a counter that went back
 * (a cloned authenticator) apart.
 */
export async function checkCode(database: Database, config: Config, userId: string, proof: CodeProof, use: ProofUse): Promise<string | null> {
  const method = proofMethod(proof);
  if (method === 'TOTP') return (await acceptTotpCode(database, config, userId, proof.totp!.trim(), 'confirmed')) ? 'otp' : null;
  if (method === 'RECOVERY_CODE') return (await spendRecoveryCode(database, userId, proof.recoveryCode!)) ? 'otp' : null;
  const outcome = await verifyPasskeyAssertion(database, config, use.purpose, userId, proof.passkey!, use.attemptId ?? null);
  const audit = (type: string, detail: string) => recordAuditEvent(database, { type, userId, ip: use.meta.ip, userAgent: use.meta.userAgent, detail });
  if (outcome.ok) {
    await audit('passkey.used', `passkey ${outcome.passkeyId} (${use.purpose.toLowerCase()})`);
    return outcome.method;
  }
  await audit(outcome.counterWentBack ? 'passkey.counter_went_back' : 'passkey.refused', outcome.reason);
  return null;
}
