import { recordAuditEvent } from '../audit/record.ts';
import type { RequestMeta } from '../audit/record.ts';
import type { SignInBudget } from '../accounts/sign-in-budget.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { verifyPasskeyAssertion } from './passkey-assertion.ts';
import { InvalidPasskeyError } from '../errors.ts';

export interface PasskeySignIn {
  readonly userId: string;
  /**
   * RFC 8176: `hwk` or `swk`, and `mfa`: user verification was required, so the authenticator checked
   * a PIN or biometric besides holding the key (a multi-factor cryptographic authenticator, NIST SP
   * 800-63B §5.1.9), which meets acr_values asking for two factors.
   */
  readonly amr: readonly string[];
}

/** What a passwordless sign-in uses. */
export interface PasskeySignInDeps {
  readonly database: Database;
  readonly config: Config;
  readonly signInBudget: SignInBudget;
}

/**
 * A passwordless sign-in with a discoverable passkey: the answer to startPasskeySignIn's options,
 * with user verification (WebAuthn §7.2 step 17 made mandatory). Counted per client address like a
 * wrong password; the passkey's account signs in. Every use and refusal is audited, and a counter that
 * went back (a cloned authenticator) apart. InvalidPasskeyError when refused.
 */
export async function signInWithPasskey(services: PasskeySignInDeps, meta: RequestMeta, json: string): Promise<PasskeySignIn> {
  const { database } = services;
  await services.signInBudget.take(meta.ip);
  const outcome = await verifyPasskeyAssertion(database, services.config, 'SIGN_IN', null, json);
  const audit = (type: string, userId: string | null, detail: string) => recordAuditEvent(database, { type, userId, ...meta, detail });
  if (!outcome.ok) {
    await audit(outcome.counterWentBack ? 'passkey.counter_went_back' : 'passkey.refused', outcome.userId, `${outcome.reason} (sign_in)`);
    throw new InvalidPasskeyError();
  }
  await services.signInBudget.giveBack(meta.ip);
  await audit('passkey.used', outcome.userId, `passkey ${outcome.passkeyId} (sign_in)`);
  return { userId: outcome.userId, amr: [outcome.method, 'mfa'] };
}
