import { UNKNOWN_KEY_ID, type UsageRecorder } from './usage.ts';
import type { KeyCheck } from './verify.ts';

/**
 * Counts a refused presentation in the usage series: a revoked or expired key on its own row (so its
 * owner sees someone still uses it), an unknown but well-formed key on the deployment-wide row of
 * UNKNOWN_KEY_ID. A malformed key (wrong prefix or checksum) costs nothing and is not counted.
 */
export function countRefusal(services: { readonly usage: UsageRecorder }, check: Extract<KeyCheck, { ok: false }>): void {
  if (check.code === 'REVOKED' && check.keyId !== undefined) services.usage.record(check.keyId, 'revoked');
  else if (check.code === 'EXPIRED' && check.keyId !== undefined) services.usage.record(check.keyId, 'expired');
  else if (check.code === 'NOT_FOUND') services.usage.record(UNKNOWN_KEY_ID, 'unknown');
}
