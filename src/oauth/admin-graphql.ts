import { UserRef } from '../accounts/graphql.ts';
import { auditAction } from '../graphql/audit-action.ts';
import { builder } from '../graphql/builder.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { isUuid } from '../lib/secrets.ts';
import { connection, connectionType, decodeCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize } from '../graphql/pagination.ts';
import { listClientGrants, type GrantSummary } from '../sessions/find.ts';
import { revokeClientEverywhere } from '../sessions/revoke-client.ts';
import type { OAuthClientRecord } from './clients.ts';
import { OAuthClientRef, OAuthGrantTypeEnum, RevokeOAuthGrantPayloadRef } from './graphql.ts';
import { findClient } from './clients.ts';
import { deleteClient, rotateClientSecret, updateClient, type ClientChanges } from './manage-clients.ts';

const UpdateOAuthClientInput = builder.inputType('UpdateOAuthClientInput', {
  description: 'A client\'s new settings; a field left out stays as it is. Grants already given keep their scopes until they end.',
  fields: (t) => ({
    clientId: t.string({ required: true, description: 'The client\'s client_id.' }),
    name: t.string({ description: 'What users see on the consent page, 1 to 100 characters.' }),
    redirectUris: t.stringList({ description: 'The whole new list: https URLs (http only on loopback), no fragment, no wildcard; 1 to 10.' }),
    scopes: t.stringList({ description: 'The whole new set: a subset of openid, profile, email, offline_access.' }),
    grantTypes: t.field({
      type: [OAuthGrantTypeEnum],
      description: 'The whole new set of grant types; a public client cannot have CLIENT_CREDENTIALS; without AUTHORIZATION_CODE no redirect URI is needed.',
    }),
    requirePar: t.boolean({ description: 'Accept its authorization requests only through /oauth/par (RFC 9126).' }),
    postLogoutRedirectUris: t.stringList({ description: 'The whole new list of where /oauth/logout may send the browser back to; the rules of redirect URIs; at most 10.' }),
    dpopBoundAccessTokens: t.boolean({
      description: 'Refuse its token requests without a DPoP proof (RFC 9449 §5.2); tokens already issued keep their binding, or lack of one, until they end.',
    }),
  }),
});

const RotatedClientSecretRef = builder.objectRef<{ client: OAuthClientRecord; clientSecret: string }>('RotateOAuthClientSecretPayload').implement({
  description: 'A confidential client\'s new secret: shown this once, stored only as its hash.',
  fields: (t) => ({
    client: t.field({ type: OAuthClientRef, description: 'The client.', resolve: (r) => r.client }),
    clientSecret: t.exposeString('clientSecret', { description: 'The new secret; the old one stopped working. Shown once.' }),
  }),
});

const DeleteOAuthClientPayloadRef = builder.objectRef<{ clientId: string; revokedGrants: number }>('DeleteOAuthClientPayload').implement({
  description: 'What deleteOAuthClient removed.',
  fields: (t) => ({
    clientId: t.exposeString('clientId', { description: 'The client_id the client had.' }),
    revokedGrants: t.exposeInt('revokedGrants', { description: 'Sessions of users\' grants to it that ended, on every instance at once.' }),
  }),
});

const OAuthClientGrantRef = builder.objectRef<GrantSummary>('OAuthClientGrant').implement({
  description: 'One account\'s live grant to a client: its sessions with the client taken together.',
  fields: (t) => ({
    userId: t.exposeID('userId', { description: 'The account that granted access.' }),
    user: t.field({
      type: UserRef,
      nullable: true,
      description: 'The account that granted access; null only if it was deleted since this page was read.',
      resolve: async (grant, _args, ctx) => (await ctx.loaders.users.load(grant.userId)) ?? null,
    }),
    scopes: t.exposeStringList('scopes', { description: 'Every scope its live sessions hold.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When access was first granted (the oldest live session).' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'When the client last refreshed its tokens for this account.' }),
    offlineAccess: t.exposeBoolean('offline', {
      description: 'True when offline_access was granted: the access outlives the account\'s sign-in session (OIDC Core §11).',
    }),
  }),
});

const OAuthClientGrantConnectionRef = connectionType(OAuthClientGrantRef, { noun: 'grant', nouns: 'grants' });

builder.objectField(OAuthClientRef, 'grants', (t) =>
  t.field({
    type: OAuthClientGrantConnectionRef,
    description: 'Admin only: the accounts with a live grant to this client, newest grant first, one per account.',
    authScopes: { admin: true },
    args: {
      first: t.arg.int({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
    },
    resolve: async (client, args, ctx) => {
      const size = pageSize(args.first);
      const after = args.after == null ? null : decodeCursor(args.after);
      const rows = await listClientGrants(ctx.services.database, client.clientId, { after, limit: size + 1 });
      return connection(rows, size, (grant) => ({ at: grant.createdAt, id: grant.userId }), after !== null);
    },
  }),
);

builder.queryField('oauthClient', (t) =>
  t.field({
    type: OAuthClientRef,
    nullable: true,
    description: 'Admin only: one registered client by its client_id; null when there is none.',
    authScopes: { admin: true },
    args: { clientId: t.arg.string({ required: true, description: 'The client\'s client_id.' }) },
    resolve: async (_root, { clientId }, ctx) => (await findClient(ctx.services.database, clientId)) ?? null,
  }),
);

const clientIdArg = { required: true, description: 'The client\'s client_id.' } as const;

builder.mutationFields((t) => ({
  updateOAuthClient: t.field({
    type: OAuthClientRef,
    description: 'Admin only: changes a client\'s name, redirect URIs, scopes, grant types, PAR requirement, post-logout redirect URIs or DPoP binding, checked as at registration. New authorization and token requests follow at once.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError, ValidationError], union: { name: 'UpdateOAuthClientResult', description: 'The outcome of updateOAuthClient.' } },
    args: { input: t.arg({ type: UpdateOAuthClientInput, required: true, description: 'The client and what to change.' }) },
    resolve: async (_root, { input }, ctx) => {
      const changes: ClientChanges = {
        ...(input.name == null ? {} : { name: input.name }),
        ...(input.redirectUris == null ? {} : { redirectUris: input.redirectUris }),
        ...(input.scopes == null ? {} : { scopes: input.scopes }),
        ...(input.grantTypes == null ? {} : { grantTypes: input.grantTypes }),
        ...(input.requirePar == null ? {} : { requirePar: input.requirePar }),
        ...(input.postLogoutRedirectUris == null ? {} : { postLogoutRedirectUris: input.postLogoutRedirectUris }),
        ...(input.dpopBoundAccessTokens == null ? {} : { dpopBoundAccessTokens: input.dpopBoundAccessTokens }),
      };
      const client = await updateClient(ctx.services.database, input.clientId, changes);
      if (client === undefined) throw new NotFoundError('The OAuth client');
      await auditAction(ctx, {
        type: 'oauth.client_updated', target: { type: 'OAUTH_CLIENT', id: client.clientId },
        metadata: {
          changed: Object.keys(changes), name: client.name, redirectUris: [...client.redirectUris], scopes: [...client.scopes],
          grantTypes: [...client.grantTypes], requirePar: client.requirePar, postLogoutRedirectUris: [...client.postLogoutRedirectUris],
          dpopBoundAccessTokens: client.dpopBoundAccessTokens,
        },
        detail: `client ${client.clientId} changed: ${Object.keys(changes).join(', ') || 'nothing'}`,
      });
      return client;
    },
  }),
  rotateOAuthClientSecret: t.field({
    type: RotatedClientSecretRef,
    description: 'Admin only: gives a confidential client a new secret, shown once in the answer; the old secret stops working at once.',
    authScopes: { admin: true },
    errors: {
      types: [NotFoundError, ValidationError],
      union: { name: 'RotateOAuthClientSecretResult', description: 'The outcome of rotateOAuthClientSecret.' },
    },
    args: { clientId: t.arg.string(clientIdArg) },
    resolve: async (_root, { clientId }, ctx) => {
      const rotated = await rotateClientSecret(ctx.services.database, clientId);
      if (rotated === undefined) throw new NotFoundError('The OAuth client');
      ctx.state.noStore = true;
      await auditAction(ctx, {
        type: 'oauth.client_secret_rotated', target: { type: 'OAUTH_CLIENT', id: clientId }, detail: `client ${clientId}: new secret`,
      });
      return rotated;
    },
  }),
  revokeUserOAuthGrant: t.field({
    type: RevokeOAuthGrantPayloadRef,
    description: 'Admin only: ends one account\'s grant to a client (OAuthClient.grants): every token the client holds for it stops working at once, on every instance.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError], union: { name: 'RevokeUserOAuthGrantResult', description: 'The outcome of revokeUserOAuthGrant.' } },
    args: {
      userId: t.arg.id({ required: true, description: 'The account that granted access.' }),
      clientId: t.arg.string(clientIdArg),
    },
    resolve: async (_root, args, ctx) => {
      const userId = String(args.userId);
      const revokedSessions = isUuid(userId) ? await ctx.services.revoker.revokeClient(userId, args.clientId.slice(0, 100)) : 0;
      if (revokedSessions === 0) throw new NotFoundError('The grant');
      await auditAction(ctx, {
        type: 'oauth.grant_revoked', userId, target: { type: 'OAUTH_CLIENT', id: args.clientId }, metadata: { userId, revokedSessions },
        detail: `client ${args.clientId}: ${revokedSessions} grants of ${userId} ended by an admin`,
      });
      return { clientId: args.clientId, revokedSessions };
    },
  }),
  deleteOAuthClient: t.field({
    type: DeleteOAuthClientPayloadRef,
    description: 'Admin only: deletes a client. Every user\'s grant to it ends at once on every instance (its access and refresh tokens are refused), and its unspent codes go.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError], union: { name: 'DeleteOAuthClientResult', description: 'The outcome of deleteOAuthClient.' } },
    args: { clientId: t.arg.string(clientIdArg) },
    resolve: async (_root, { clientId }, ctx) => {
      if (!(await deleteClient(ctx.services.database, clientId))) throw new NotFoundError('The OAuth client');
      const revokedGrants = await revokeClientEverywhere(ctx.services.database, ctx.services.invalidations, clientId);
      await auditAction(ctx, {
        type: 'oauth.client_deleted', target: { type: 'OAUTH_CLIENT', id: clientId }, metadata: { revokedGrants },
        detail: `client ${clientId} deleted, ${revokedGrants} grant sessions ended`,
      });
      return { clientId, revokedGrants };
    },
  }),
}));
