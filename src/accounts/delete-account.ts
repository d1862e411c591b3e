import { deleteOwnerKeys } from '../apikeys/owner-keys.ts';
import { forgetUserFactors } from '../factors/forget-user.ts';
import { forgetUserIdentities } from '../federation/forget-user.ts';
import { forgetUserCodes } from '../oauth/forget-user.ts';
import type { Database } from '../db/client.ts';
import type { Invalidations } from '../db/notify.ts';
import { deleteUserRow, setDisabled } from './manage-users.ts';

export interface DeletedAccount {
  readonly userId: string;
  readonly revokedSessions: number;
  readonly deletedApiKeys: number;
  readonly unlinkedIdentities: number;
}

/**
 * Deletes an account and what only it used. It is disabled first, so no sign-in can slip in while the
 * rest goes; then its sessions and grants end (rows kept as ended, for the janitor; their tokens are
 * refused everywhere through the revoked-session set), its API keys, codes, factors and identities are
 * deleted, and last the row itself (email tokens follow by foreign key). Audit events are kept.
 */
export interface DeleteAccountDeps {
  readonly database: Database;
  readonly invalidations: Invalidations;
  /** Tells every instance to forget the account (UserDirectory.changed). */
  readonly users: { changed(userId: string): Promise<void> };
  /** Ends sessions and tells every instance (SessionRevoker.revokeAll). */
  readonly revoker: { revokeAll(userId: string): Promise<number> };
}

export async function deleteAccount(services: DeleteAccountDeps, userId: string): Promise<DeletedAccount | undefined> {
  const { database } = services;
  if ((await setDisabled(database, userId, true)) === undefined) return undefined;
  await services.users.changed(userId);
  const revokedSessions = await services.revoker.revokeAll(userId);
  const deletedApiKeys = await deleteOwnerKeys(database, services.invalidations, userId);
  await forgetUserCodes(database, userId);
  await forgetUserFactors(database, userId);
  const unlinkedIdentities = await forgetUserIdentities(database, userId);
  await deleteUserRow(database, userId);
  await services.users.changed(userId);
  return { userId, revokedSessions, deletedApiKeys, unlinkedIdentities };
}
