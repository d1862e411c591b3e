import type { UserRecord } from '../accounts/users.ts';

/**
 * Whether a key's owner is disabled (or gone): its keys then stop working. Read through the user
 * directory, a cache that every instance empties for that user when an admin disables or enables it.
 */
export async function ownerDisabled(services: { readonly users: { load(ids: readonly string[]): Promise<(UserRecord | undefined)[]> } }, ownerId: string): Promise<boolean> {
  const [owner] = await services.users.load([ownerId]);
  return owner === undefined || owner.disabledAt !== null;
}
