import { GraphQLError } from 'graphql';
import type { Context } from '../context.ts';
import { hasSecondFactor } from '../factors/methods.ts';
import { FIRST_PARTY_CLIENT_ID } from '../scopes.ts';

/**
 * Whether the caller acts as an admin (the builder's `admin` auth scope): the account holds the role
 * admin, through a first-party credential or an API key that also holds the scope admin. A token
 * issued to a third-party app never acts as an admin.
 */
export async function isAdmin(ctx: Context): Promise<boolean> {
  const user = await ctx.currentUser();
  if (user === null || !user.roles.includes('admin')) return false;
  const admin = ctx.viewer.credential === 'API_KEY'
    ? ctx.viewer.scopes.includes('admin')
    : ctx.viewer.credential !== 'ACCESS_TOKEN' || ctx.viewer.clientId === FIRST_PARTY_CLIENT_ID;
  if (admin && ctx.services.config.requireAdminMfa && !(await hasSecondFactor(ctx.services.database, user.id))) {
    // REQUIRE_ADMIN_MFA: the field is refused with a code that says what to do, not a bare FORBIDDEN.
    throw new GraphQLError('Admin operations need an account with a second factor: enrol one first (startTotpEnrolment).', {
      extensions: { code: 'SECOND_FACTOR_ENROLMENT_REQUIRED' },
    });
  }
  return admin;
}
