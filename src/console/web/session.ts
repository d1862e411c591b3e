import { gql } from './api.ts';
import { LOGOUT, ME } from './operations.ts';

export interface Admin {
  readonly id: string;
  readonly email: string;
  readonly roles: readonly string[];
}

/** The signed-in account, or null: read from `me`, as any client reads it. */
export async function whoAmI(): Promise<Admin | null> {
  const data = await gql<{ me: Admin | null }>(ME);
  return data.me;
}

export async function signOut(): Promise<void> {
  await gql(LOGOUT);
}
