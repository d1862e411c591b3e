import { auditAction } from '../graphql/audit-action.ts';
import { builder } from '../graphql/builder.ts';
import { NotFoundError, ValidationError } from '../graphql/errors.ts';
import { revokeClientEverywhere } from '../sessions/revoke-client.ts';
import type { OAuthClientRecord } from './clients.ts';
import { OAuthClientRef } from './graphql.ts';
import { deleteClient, rotateClientSecret, updateClient, type ClientChanges } from './manage-clients.ts';

const UpdateOAuthClientInput = builder.inputType('UpdateOAuthClientInput', {
  description: 'A client\'s new settings; a field left out stays as it is. Grants already given keep their scopes until they end.',
  fields: (t) => ({
    clientId: t.string({ required: true, description: 'The client\'s client_id.' }),
    name: t.string({ description: 'What users see on the consent page, 1 to 100 characters.' }),
    redirectUris: t.stringList({ description: 'The whole new list: https URLs (http only on loopback), no fragment, no wildcard; 1 to 10.' }),
    scopes: t.stringList({ description: 'The whole new set: a subset of openid, profile, email.' }),
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

const clientIdArg = { required: true, description: 'The client\'s client_id.' } as const;

builder.mutationFields((t) => ({
  updateOAuthClient: t.field({
    type: OAuthClientRef,
    description: 'Admin only: changes a client\'s name, redirect URIs or scopes, checked as at registration. New authorization requests follow at once.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError, ValidationError], union: { name: 'UpdateOAuthClientResult', description: 'The outcome of updateOAuthClient.' } },
    args: { input: t.arg({ type: UpdateOAuthClientInput, required: true, description: 'The client and what to change.' }) },
    resolve: async (_root, { input }, ctx) => {
      const changes: ClientChanges = {
        ...(input.name == null ? {} : { name: input.name }),
        ...(input.redirectUris == null ? {} : { redirectUris: input.redirectUris }),
        ...(input.scopes == null ? {} : { scopes: input.scopes }),
      };
      const client = await updateClient(ctx.services.database, input.clientId, changes);
      if (client === undefined) throw new NotFoundError('The OAuth client');
      await auditAction(ctx, {
        type: 'oauth.client_updated', target: { type: 'OAUTH_CLIENT', id: client.clientId },
        metadata: { changed: Object.keys(changes), name: client.name, redirectUris: [...client.redirectUris], scopes: [...client.scopes] },
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
