import type { Invalidations } from '../db/notify.ts';

/**
 * Tells every instance to forget what it cached about a key: the look-up by secret, and with it the record
 * that authentication, `viewer.apiKey` and `verifyApiKey` answer from. Every change to a key (revoke, roll,
 * and any change of its name, scopes, rate limit or expiry) calls this after its write has committed.
 */
export function forgetApiKey(invalidations: Invalidations, keyId: string): Promise<void> {
  return invalidations.publish('apikey', [keyId]);
}
