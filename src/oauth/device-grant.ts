import { and, eq, isNull, sql } from 'drizzle-orm';
import { OAuthError } from '../errors.ts';
import { hashSecret, isPlausibleSecret } from '../lib/secrets.ts';
import type { OAuthClientRecord } from './clients.ts';
import { startGrantTokens, type GrantTokenDeps, type TokenResponse } from './grant-tokens.ts';
import { oauthDeviceCodes } from './tables.ts';
import type { RequestMeta } from '../audit/record.ts';

interface PolledRow {
  id: string; status: 'pending' | 'approved' | 'denied'; used_at: Date | null; user_id: string | null; scopes: string[];
  auth_time: Date | null; amr: string[]; consent_session_id: string | null; interval_seconds: number; expired: boolean; too_soon: boolean;
}

/**
 * The device_code grant (RFC 8628 §3.4, §3.5). The device code must be this client's. While the user has
 * not decided: authorization_pending; polled again sooner than the interval: slow_down, and the interval
 * grows by 5 s; past its 10 minutes: expired_token; denied: access_denied. Once approved, the tokens are
 * given once: the code is spent by one atomic update. Each refusal is an OAuthError with its RFC 8628 code.
 */
export async function deviceCodeGrant(
  services: GrantTokenDeps, client: OAuthClientRecord, deviceCode: string, dpopJkt: string | null, meta: RequestMeta,
): Promise<TokenResponse> {
  const { db } = services.database;
  if (!isPlausibleSecret(deviceCode)) throw new OAuthError('invalid_grant', 'The device_code is not valid.');
  const hash = hashSecret(deviceCode);
  // One statement records this poll and says whether it came sooner than the interval after the last one.
  const [polled] = await services.database.rows<PolledRow>(sql`
    with old as (
      select id, last_polled_at, interval_seconds from oauth_device_codes
      where device_code_hash = ${hash} and client_id = ${client.clientId} for update
    )
    update oauth_device_codes d set last_polled_at = now(), interval_seconds = case
      when old.last_polled_at > now() - make_interval(secs => old.interval_seconds) then old.interval_seconds + 5 else old.interval_seconds end
    from old where d.id = old.id
    returning d.id, d.status, d.used_at, d.user_id, d.scopes, d.auth_time, d.amr, d.consent_session_id, d.interval_seconds,
      d.expires_at <= now() as expired, coalesce(old.last_polled_at > now() - make_interval(secs => old.interval_seconds), false) as too_soon`);
  if (polled === undefined || polled.used_at !== null) throw new OAuthError('invalid_grant', 'The device_code is unknown, of another client, or already used.');
  if (polled.expired) throw new OAuthError('expired_token', 'The device_code expired: start again.');
  if (polled.status === 'denied') throw new OAuthError('access_denied', 'The user denied the request.');
  if (polled.status === 'pending') {
    throw polled.too_soon
      ? new OAuthError('slow_down', `Poll at most every ${polled.interval_seconds} seconds.`)
      : new OAuthError('authorization_pending', 'The user has not decided yet.');
  }
  const [spent] = await db.update(oauthDeviceCodes).set({ usedAt: sql`now()` })
    .where(and(eq(oauthDeviceCodes.id, polled.id), isNull(oauthDeviceCodes.usedAt))).returning({ id: oauthDeviceCodes.id });
  if (spent === undefined || polled.user_id === null) throw new OAuthError('invalid_grant', 'The device_code was already used.');
  return startGrantTokens(services, client, {
    userId: polled.user_id, scopes: polled.scopes, authTime: polled.auth_time && new Date(polled.auth_time), amr: polled.amr,
    consentSessionId: polled.consent_session_id, dpopJkt,
  }, meta);
}
