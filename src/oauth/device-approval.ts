import { recordAuditEvent } from '../audit/record.ts';
import type { RequestMeta } from '../audit/record.ts';
import type { Budget } from '../budgets.ts';
import type { Database } from '../db/client.ts';
import { findClient, type OAuthClientRecord } from './clients.ts';
import { decideDeviceRequest, findPendingDeviceRequest, type DeviceDecider, type PendingDeviceRequest } from './device-codes.ts';

/** What deciding on a device request uses: the database and the budget of wrong user codes. */
export interface DeviceApprovalDeps {
  readonly database: Database;
  readonly deviceCodeAttempts: Budget;
}

/** A pending device request and the client that asked. */
export interface DeviceRequestView {
  readonly request: PendingDeviceRequest;
  readonly client: OAuthClientRecord;
}

/**
 * The pending request of a user code, for the signed-in user about to decide. Every lookup spends one of
 * the user's attempts and a hit gives it back, so only wrong codes count (RFC 8628 §5.1): past the budget,
 * RateLimitedError. undefined when the code is wrong, expired or already decided.
 */
export async function lookUpDeviceRequest(services: DeviceApprovalDeps, userId: string, typed: string): Promise<DeviceRequestView | undefined> {
  await services.deviceCodeAttempts.take(userId);
  const request = await findPendingDeviceRequest(services.database, typed.slice(0, 50));
  const client = request === undefined ? undefined : await findClient(services.database, request.clientId);
  if (request === undefined || client === undefined) return undefined;
  await services.deviceCodeAttempts.giveBack(userId);
  return { request, client };
}

/** Approves (or denies) the device request of a user code, once; undefined when there was none to decide. */
export async function decideDevice(
  services: DeviceApprovalDeps, decider: DeviceDecider, typed: string, approve: boolean, meta: RequestMeta,
): Promise<DeviceRequestView | undefined> {
  const found = await lookUpDeviceRequest(services, decider.userId, typed);
  if (found === undefined || !(await decideDeviceRequest(services.database, found.request.id, decider, approve))) return undefined;
  await recordAuditEvent(services.database, {
    type: approve ? 'oauth.grant_given' : 'oauth.device_denied', userId: decider.userId, ...meta,
    detail: `client ${found.client.clientId} (${found.client.name}), device flow: ${found.request.scopes.join(' ')}`,
  });
  return found;
}
