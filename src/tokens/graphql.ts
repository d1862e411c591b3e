import { GraphQLError } from 'graphql';
import { recordAuditEvent } from '../audit/record.ts';
import type { Context } from '../context.ts';
import { ReauthenticationRequiredError } from '../errors.ts';
import { requireRecentVerification } from '../factors/step-up.ts';
import { builder } from '../graphql/builder.ts';
import type { SigningKeyInfo } from './keys.ts';

const SigningKeyRef = builder.objectRef<SigningKeyInfo>('SigningKey').implement({
  description: 'A key that signs access tokens (EdDSA) or ID tokens (RS256). Its public part is in /.well-known/jwks.json; its private part never leaves the server.',
  fields: (t) => ({
    kid: t.exposeString('kid', { description: 'The key id tokens name in their header.' }),
    algorithm: t.string({ description: 'The JWS algorithm: EdDSA or RS256.', resolve: (key) => key.alg }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was made, and published in the JWKS.' }),
    current: t.exposeBoolean('current', { description: 'Whether it signs new tokens now.' }),
    retiredAt: t.expose('retiredAt', {
      type: 'DateTime', nullable: true,
      description: 'When it stops, or stopped, signing; it stays in the JWKS for 24 hours after. Null while no newer key is planned.',
    }),
  }),
});

const RotateSigningKeysInput = builder.inputType('RotateSigningKeysInput', {
  description: 'How to replace the signing keys.',
  fields: (t) => ({
    revokeCurrent: t.boolean({
      defaultValue: false,
      description: 'false: the planned rotation (the new keys sign in 10 minutes; the old ones verify for 24 hours after that). true, when a key may have leaked: the new keys sign at once, the old ones are deleted, and every token they signed is refused from the next request on; sessions and refresh tokens stay valid.',
    }),
  }),
});

const RotateSigningKeysPayloadRef = builder.objectRef<{ keys: SigningKeyInfo[] }>('RotateSigningKeysPayload').implement({
  description: 'The signing keys after the rotation.',
  fields: (t) => ({
    keys: t.field({ type: [SigningKeyRef], description: 'Every key in the ring, newest first.', resolve: (payload) => payload.keys }),
  }),
});

builder.queryField('signingKeys', (t) =>
  t.field({
    type: [SigningKeyRef],
    description: 'Admin only: the keys that sign and verify tokens, newest first.',
    authScopes: { admin: true },
    resolve: (_root, _args, ctx) => ctx.services.keys.list(),
  }),
);

builder.mutationField('rotateSigningKeys', (t) =>
  t.field({
    type: RotateSigningKeysPayloadRef,
    description: 'Admin only: replaces the signing keys of every algorithm now, rather than at SIGNING_KEY_ROTATION_DAYS.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: RotateSigningKeysInput, description: 'Whether to revoke the current keys.' }) },
    resolve: async (_root, { input }, ctx) => {
      await requireRecentVerificationOrFail(ctx);
      const revokeCurrent = input?.revokeCurrent ?? false;
      await ctx.services.keys.rotateAll(revokeCurrent);
      await recordAuditEvent(ctx.services.database, {
        type: 'signing_keys.rotated', userId: ctx.viewer.credential === 'ANONYMOUS' ? null : ctx.viewer.userId,
        ip: ctx.meta.ip, userAgent: ctx.meta.userAgent, detail: revokeCurrent ? 'old keys revoked' : 'planned, with overlap',
      });
      return { keys: ctx.services.keys.list() };
    },
  }),
);

/**
 * Step-up for rotateSigningKeys. Its answer is no union (that would break the schema), so the typed
 * error travels as a GraphQL error with the same code, REAUTHENTICATION_REQUIRED.
 */
async function requireRecentVerificationOrFail(ctx: Context): Promise<void> {
  try {
    await requireRecentVerification(ctx.services.database, ctx.viewer);
  } catch (error) {
    if (!(error instanceof ReauthenticationRequiredError)) throw error;
    throw new GraphQLError(error.message, { extensions: { code: error.code } });
  }
}
