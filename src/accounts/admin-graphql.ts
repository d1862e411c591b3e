import { auditAction } from '../graphql/audit-action.ts';
import type { Context } from '../context.ts';
import { requireRecentVerification } from '../factors/step-up.ts';
import { builder } from '../graphql/builder.ts';
import { NotFoundError, ReauthenticationRequiredError, SelfAdministrationError, ValidationError } from '../errors.ts';
import { connection, connectionType, decodeCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize, badInput } from '../graphql/pagination.ts';
import { isUuid } from '../lib/secrets.ts';
import { isSignedIn } from '../viewer.ts';
import { deleteAccount, type DeletedAccount } from './delete-account.ts';
import { UserRef } from './graphql.ts';
import { findUser, listUsers, ROLES, setDisabled, setRoles } from './manage-users.ts';
import type { UserRecord } from './users.ts';

builder.objectField(UserRef, 'disabledAt', (t) =>
  t.expose('disabledAt', {
    type: 'DateTime',
    nullable: true,
    description: 'When an admin disabled the account (disableUser); null while it may sign in.',
  }),
);

const UserConnectionRef = connectionType(UserRef, { noun: 'account', nouns: 'accounts' });

builder.queryFields((t) => ({
  users: t.field({
    type: UserConnectionRef,
    description: 'Admin only: accounts, newest first, optionally searched by a part of their email address.',
    authScopes: { admin: true },
    args: {
      first: t.arg.int({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
      emailContains: t.arg.string({ description: 'Only accounts whose address contains this text, whatever its case (1 to 254 characters).' }),
      disabled: t.arg.boolean({ description: 'Only disabled accounts (true) or only enabled ones (false); both when omitted.' }),
    },
    resolve: async (_root, args, ctx) => {
      const size = pageSize(args.first);
      const after = args.after == null ? null : decodeCursor(args.after);
      const search = args.emailContains?.trim() ?? null;
      if (search !== null && (search.length === 0 || search.length > 254)) throw badInput('emailContains must be 1 to 254 characters.');
      const rows = await listUsers(ctx.services.database, { emailContains: search, disabled: args.disabled ?? null, after, limit: size + 1 });
      return connection(rows, size, (user) => ({ at: user.createdAt, id: user.id }), after !== null);
    },
  }),
  user: t.field({
    type: UserRef,
    nullable: true,
    description: 'Admin only: one account by id; null when there is none.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true, description: 'The account\'s id.' }) },
    resolve: async (_root, { id }, ctx) => (isUuid(String(id)) ? ((await findUser(ctx.services.database, String(id))) ?? null) : null),
  }),
}));

const SetUserRolesInput = builder.inputType('SetUserRolesInput', {
  description: 'An account and the whole set of roles it should hold.',
  fields: (t) => ({
    userId: t.id({ required: true, description: 'The account\'s id.' }),
    roles: t.stringList({ required: true, description: `Every role the account should hold, replacing the current ones: a subset of ${ROLES.join(', ')}.` }),
  }),
});

const RevokeUserSessionsPayloadRef = builder.objectRef<{ user: UserRecord; revokedSessions: number }>('RevokeUserSessionsPayload').implement({
  description: 'What revokeUserSessions ended.',
  fields: (t) => ({
    user: t.field({ type: UserRef, description: 'The account.', resolve: (p) => p.user }),
    revokedSessions: t.exposeInt('revokedSessions', { description: 'How many sessions (sign-ins and OAuth grants) were ended.' }),
  }),
});

const DeleteUserPayloadRef = builder.objectRef<DeletedAccount>('DeleteUserPayload').implement({
  description: 'What deleteUser removed. The account\'s audit events are kept (see README, "Deleting an account").',
  fields: (t) => ({
    deletedUserId: t.exposeID('userId', { description: 'The id the account had.' }),
    revokedSessions: t.exposeInt('revokedSessions', { description: 'Sessions and OAuth grants ended at once, on every instance.' }),
    deletedApiKeys: t.exposeInt('deletedApiKeys', { description: 'API keys deleted (they stop working at once, on every instance).' }),
    unlinkedIdentities: t.exposeInt('unlinkedIdentities', { description: 'Upstream identities unlinked.' }),
  }),
});

/** The account an admin acts on, or NotFoundError; SelfAdministrationError when `notSelf` and it is the caller's own. */
async function targetUser(ctx: Context, id: string, notSelf: boolean): Promise<UserRecord> {
  const user = isUuid(id) ? await findUser(ctx.services.database, id) : undefined;
  if (user === undefined) throw new NotFoundError('The account');
  if (notSelf && isSignedIn(ctx.viewer) && ctx.viewer.userId === user.id) throw new SelfAdministrationError();
  return user;
}

builder.mutationFields((t) => ({
  disableUser: t.field({
    type: UserRef,
    description:
      'Admin only: disables (bans) an account. It cannot sign in; its sessions, refresh tokens, access tokens and API keys stop working at once on every instance. enableUser undoes it (sessions stay ended).',
    authScopes: { admin: true },
    errors: { types: [NotFoundError, SelfAdministrationError], union: { name: 'DisableUserResult', description: 'The outcome of disableUser.' } },
    args: { id: t.arg.id({ required: true, description: 'The account\'s id.' }) },
    resolve: async (_root, args, ctx) => {
      const target = await targetUser(ctx, String(args.id), true);
      const { database, revoker, users } = ctx.services;
      const user = await setDisabled(database, target.id, true);
      if (user === undefined) throw new NotFoundError('The account');
      await users.changed(user.id);
      const revokedSessions = await revoker.revokeAll(user.id);
      await auditAction(ctx, {
        type: 'user.disabled', userId: user.id, target: { type: 'USER', id: user.id },
        metadata: { revokedSessions }, detail: `account ${user.id} disabled, ${revokedSessions} sessions ended`,
      });
      return user;
    },
  }),
  enableUser: t.field({
    type: UserRef,
    description: 'Admin only: lets a disabled account sign in again, and its API keys work again. Its ended sessions stay ended.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError], union: { name: 'EnableUserResult', description: 'The outcome of enableUser.' } },
    args: { id: t.arg.id({ required: true, description: 'The account\'s id.' }) },
    resolve: async (_root, args, ctx) => {
      const target = await targetUser(ctx, String(args.id), false);
      const user = await setDisabled(ctx.services.database, target.id, false);
      if (user === undefined) throw new NotFoundError('The account');
      await ctx.services.users.changed(user.id);
      await auditAction(ctx, { type: 'user.enabled', userId: user.id, target: { type: 'USER', id: user.id }, detail: `account ${user.id} enabled` });
      return user;
    },
  }),
  setUserRoles: t.field({
    type: UserRef,
    description: 'Admin only: replaces an account\'s roles; every instance sees the change at once. An admin cannot take the role admin from their own account.',
    authScopes: { admin: true },
    errors: {
      types: [NotFoundError, ValidationError, SelfAdministrationError],
      union: { name: 'SetUserRolesResult', description: 'The outcome of setUserRoles.' },
    },
    args: { input: t.arg({ type: SetUserRolesInput, required: true, description: 'The account and its roles.' }) },
    resolve: async (_root, { input }, ctx) => {
      const unknown = input.roles.filter((role) => !(ROLES as readonly string[]).includes(role));
      if (unknown.length > 0) throw new ValidationError(`Unknown roles: ${unknown.join(', ')}. Roles are: ${ROLES.join(', ')}.`, 'roles');
      const target = await targetUser(ctx, String(input.userId), !input.roles.includes('admin'));
      const user = await setRoles(ctx.services.database, target.id, input.roles);
      if (user === undefined) throw new NotFoundError('The account');
      await ctx.services.users.changed(user.id);
      await auditAction(ctx, {
        type: 'user.roles_changed', userId: user.id, target: { type: 'USER', id: user.id },
        metadata: { from: [...target.roles], to: [...user.roles] },
        detail: `roles of ${user.id}: [${target.roles.join(' ')}] became [${user.roles.join(' ')}]`,
      });
      return user;
    },
  }),
  revokeUserSessions: t.field({
    type: RevokeUserSessionsPayloadRef,
    description: 'Admin only: ends every session of an account (sign-ins and OAuth grants) at once, on every instance. Its API keys keep working.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError], union: { name: 'RevokeUserSessionsResult', description: 'The outcome of revokeUserSessions.' } },
    args: { id: t.arg.id({ required: true, description: 'The account\'s id.' }) },
    resolve: async (_root, args, ctx) => {
      const user = await targetUser(ctx, String(args.id), false);
      const revokedSessions = await ctx.services.revoker.revokeAll(user.id);
      await auditAction(ctx, {
        type: 'user.sessions_revoked', userId: user.id, target: { type: 'USER', id: user.id },
        metadata: { revokedSessions }, detail: `${revokedSessions} sessions of ${user.id} ended`,
      });
      return { user, revokedSessions };
    },
  }),
  deleteUser: t.field({
    type: DeleteUserPayloadRef,
    description:
      'Admin only, after a recent sign-in or reauthenticate: deletes an account for good. Its sessions and OAuth grants end and its API keys are deleted, at once on every instance; its second factors and linked identities go; its audit events stay (README, "Deleting an account").',
    authScopes: { admin: true },
    errors: {
      types: [NotFoundError, SelfAdministrationError, ReauthenticationRequiredError],
      union: { name: 'DeleteUserResult', description: 'The outcome of deleteUser.' },
    },
    args: { id: t.arg.id({ required: true, description: 'The account\'s id.' }) },
    resolve: async (_root, args, ctx) => {
      const user = await targetUser(ctx, String(args.id), true);
      await requireRecentVerification(ctx.services.database, ctx.viewer);
      const deleted = await deleteAccount(ctx.services, user.id);
      if (deleted === undefined) throw new NotFoundError('The account');
      await auditAction(ctx, {
        type: 'user.deleted', userId: user.id, target: { type: 'USER', id: user.id },
        metadata: { revokedSessions: deleted.revokedSessions, deletedApiKeys: deleted.deletedApiKeys, unlinkedIdentities: deleted.unlinkedIdentities },
        detail: `account ${user.id} deleted`,
      });
      return deleted;
    },
  }),
}));
