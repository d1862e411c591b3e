import type { Context } from '../context.ts';
import { FIRST_PARTY_CLIENT_ID } from '../scopes.ts';

/**
 * Whether the caller acts as an admin (the builder's `admin` auth scope): the account holds the role
 * admin, through a first-party credential or an API key that also holds the scope admin. A token
 * issued to a third-party app never acts as an admin.
 */
export async function isAdmin(ctx: Context): Promise<boolean> {
  const user = await ctx.currentUser();
  if (user === null || !user.roles.includes('admin')) return false;
  if (ctx.viewer.credential === 'API_KEY') return ctx.viewer.scopes.includes('admin');
  return ctx.viewer.credential !== 'ACCESS_TOKEN' || ctx.viewer.clientId === FIRST_PARTY_CLIENT_ID;
}
