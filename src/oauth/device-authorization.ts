import type { Database } from '../db/client.ts';
import { OAuthError } from '../errors.ts';
import { GRANT_TYPES, type OAuthClientRecord } from './clients.ts';
import { DEVICE_CODE_TTL_SECONDS, DEVICE_POLL_INTERVAL_SECONDS, issueDeviceCode } from './device-codes.ts';

/** The device authorization response (RFC 8628 §3.2), in its JSON member names. */
export interface DeviceAuthorizationResponse {
  readonly device_code: string;
  readonly user_code: string;
  readonly verification_uri: string;
  readonly verification_uri_complete: string;
  readonly expires_in: number;
  readonly interval: number;
}

/**
 * The device authorization endpoint (RFC 8628 §3.1, §3.2) for an authenticated client registered for
 * the device_code grant: scopes within the client's (all of them when `scope` is absent), a device code
 * and a user code for /device, 10 minutes to approve, polling every 5 s. Else OAuthError unauthorized_client
 * or invalid_scope.
 */
export async function authorizeDevice(services: { readonly database: Database; readonly config: { readonly publicUrl: string } }, client: OAuthClientRecord, scope: string | null): Promise<DeviceAuthorizationResponse> {
  if (!client.grantTypes.includes(GRANT_TYPES.DEVICE_CODE)) throw new OAuthError('unauthorized_client', 'This client is not registered for the device flow.');
  const scopes = scope === null ? [...client.scopes] : [...new Set(scope.split(' ').filter((s) => s !== ''))];
  if (scopes.length === 0 || scopes.some((s) => !client.scopes.includes(s))) {
    throw new OAuthError('invalid_scope', 'Ask for at least one scope, among the client\'s.');
  }
  const { deviceCode, userCode } = await issueDeviceCode(services.database, client, scopes);
  const verification = `${services.config.publicUrl}/device`;
  return {
    device_code: deviceCode, user_code: userCode, verification_uri: verification,
    verification_uri_complete: `${verification}?user_code=${userCode}`, expires_in: DEVICE_CODE_TTL_SECONDS, interval: DEVICE_POLL_INTERVAL_SECONDS,
  };
}
