import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { findChallenge } from '../factors/challenge.ts';
import { passkeyAssertionOptions } from '../factors/passkey-assertion.ts';
import { countPasskeys } from '../factors/passkey-store.ts';
import type { SecondFactorView } from '../pages/second-factor.ts';

/**
 * The code step's view for a held sign-in: for an account with a passkey, fresh WebAuthn options too
 * (a new single-use challenge each time the page is shown).
 */
export async function secondFactorView(services: { database: Database; config: Config }, challenge: string, error?: string): Promise<SecondFactorView> {
  const pending = await findChallenge(services.database, challenge);
  const view = { challenge, ...(error === undefined ? {} : { error }) };
  if (pending === undefined || (await countPasskeys(services.database, pending.userId)) === 0) return view;
  const options = await passkeyAssertionOptions(services.database, services.config, 'SECOND_FACTOR', pending.userId, pending.id);
  return { ...view, passkeyOptions: JSON.stringify(options) };
}
